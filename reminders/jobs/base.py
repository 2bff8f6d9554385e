"""What every job kind shares: a job's spec, a firing's result, and the small helpers the bodies use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from sqlmodel import Session

from storage.directory import project_of_slug
from storage.models import Meeting, Project
from words.durations import duration_text

if TYPE_CHECKING:  # the services are built in bot/; the reminders layer only uses them
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.projectfile import ProjectFile, ProjectSpec


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `standup:moving`, `meeting:moving:3:1d` …"""

    id: str
    kind: str
    project: str
    trigger: BaseTrigger
    meeting_id: int | None = None
    offset: dt.timedelta = dt.timedelta(0)  # meeting reminders: how long before the meeting
    offset_text: str = ""
    title: str = ""  # meeting reminders: the meeting's title, so describing a job needs no query


@dataclass(frozen=True)
class FiringResult:
    """What one run of a job did: delivered (to `channels`), duplicate, skipped, or unknown.

    `reason` is a code worded by the catalog's `jobs.reason.<code>` (closed_day, no_managers …).
    """

    status: str
    scheduled_at: dt.datetime | None
    channels: int = 0
    reason: str = ""


class JobKind(Protocol):
    """What a kind module (`reminders/jobs/<kind>.py`) exposes; `reminders/jobs/__init__.py` finds them."""

    KIND: str
    ORDER: int  # where the kind's jobs stand among a project's (`renkei jobs list`): lower first

    def specs(
        self, project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar
    ) -> list[JobSpec]:
        """The jobs of this kind for one project (`meetings`: the project's, not cancelled)."""

    def run(self, services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
        """The body: what the firing scheduled at `scheduled` sends (already claimed, exactly once)."""

    def still_useful(self, spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
        """Whether a firing missed while the bot was down is still worth sending at `now`."""

    def describe(self, t: Callable[..., str], spec: JobSpec) -> str:
        """What the job does, for `renkei jobs list` and the console."""


def local_day(services: Services, moment: dt.datetime) -> dt.date:
    """The day `moment` falls on in the project's time zone."""
    return moment.astimezone(ZoneInfo(services.project_file.timezone)).date()


def project_row(session: Session, slug: str) -> Project:
    """The project whose slug is `slug` (it must exist: jobs are derived from the stored projects)."""
    return project_of_slug(session, slug)


def closed(services: Services, day: dt.date) -> bool:
    """Whether the office is closed on `day` (weekend, holiday, year end, closed_days)."""
    return not services.calendar.is_business_day(day)


def same_local_day(scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    """The usual catch-up rule: a missed firing is still useful on the day it was due, not after."""
    zone = ZoneInfo(timezone)
    return scheduled.astimezone(zone).date() == now.astimezone(zone).date()


def what(t: Callable[..., str], spec: JobSpec, direction: str) -> str:
    """The catalog's `jobs.what_<kind>`, with the offset in words (`前日`, `3時間後`) when the job has one."""
    offset = duration_text(t, spec.offset_text, direction) if spec.offset_text else ""
    return t(f"jobs.what_{spec.kind}", offset=offset, title=spec.title)
