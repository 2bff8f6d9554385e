"""A project's phase (準備 / 設計 / 開発 / テスト / 運用), stored as a code in Project.phase."""

from __future__ import annotations

import datetime as dt
from typing import Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage.enums import DeliveryStatus
from storage.models import Delivery, Project, as_utc, utcnow

PHASES = ("prepare", "design", "build", "test", "operate")  # in order; worded by the catalog's `phase.<code>`
OPERATE = "operate"  # after launch (運用): the stand-up rhythm of `operation.standup`, the monthly 振り返り


AFTER_LAUNCH = ":operate"  # ends the id of a stand-up job (prompt or reminder) that applies after launch


def standup_job_id(project_slug: str, *, after_launch: bool = False) -> str:
    """The stand-up prompt's job id in each rhythm: `standup:<project>`, after launch `standup:<project>:operate`.
    Named here, once, for the job kind (reminders/jobs/standup.py), the answers' threads and the answer rate."""
    return f"standup:{project_slug}{AFTER_LAUNCH if after_launch else ''}"


def in_operation(project: Project) -> bool:
    """Whether the project is live (運用): what the stand-up and 振り返り jobs follow."""
    return project.phase == OPERATE


def set_phase(session: Session, project: Project, phase: str) -> bool:
    """Move the project to `phase` (a code of PHASES); False, changing nothing, when it is already there."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    if project.phase == phase:
        return False
    project.phase, project.phase_changed_at = phase, utcnow()
    session.add(project)
    session.commit()
    session.refresh(project)
    return True


def standup_days(
    session: Session, project: Project, is_business_day: Callable[[dt.date], bool], timezone: str
) -> Callable[[dt.date], bool]:
    """Which days a stand-up answer was asked for, for the answer rate: every business day before launch; after
    it, the days the after-launch prompt (`standup:<project>:operate`, weekly by default) was sent. Before 運用 this
    is `is_business_day` itself."""
    if not in_operation(project) or project.phase_changed_at is None:
        return is_business_day
    zone = ZoneInfo(timezone)
    launched = as_utc(project.phase_changed_at).astimezone(zone).date()
    statement = select(Delivery.scheduled_at).where(
        Delivery.job_id == standup_job_id(project.slug, after_launch=True),
        Delivery.status == DeliveryStatus.DONE,
        col(Delivery.scheduled_at) >= project.phase_changed_at,
    )
    prompted = {as_utc(moment).astimezone(zone).date() for moment in session.exec(statement)}
    return lambda day: day in prompted if day >= launched else is_business_day(day)
