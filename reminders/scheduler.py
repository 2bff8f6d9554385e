"""APScheduler 3.x wiring: an in-memory job store per process, jobs derived at start-up."""

from __future__ import annotations

from typing import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

OUTBOX_FLUSH_SECONDS = 30


def make_scheduler(timezone: str) -> BackgroundScheduler:
    """A background scheduler with its own memory job store (never shared between processes)."""
    return BackgroundScheduler(timezone=ZoneInfo(timezone), job_defaults={"coalesce": True, "max_instances": 1})


def add_outbox_flush(scheduler: BackgroundScheduler, flush: Callable[[], int]) -> None:
    """Retry what Slack did not take yet (429, outage) every half minute."""
    scheduler.add_job(flush, "interval", seconds=OUTBOX_FLUSH_SECONDS, id="outbox:flush", replace_existing=True)
