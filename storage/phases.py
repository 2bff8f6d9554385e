"""A project's phase (準備 / 設計 / 開発 / テスト / 運用), stored as a code in Project.phase."""

from __future__ import annotations

import datetime as dt
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.enums import DeliveryStatus
from storage.models import Delivery, Project, StandupAnswer, as_utc, utcnow

PHASES = ("prepare", "design", "build", "test", "operate")  # in order; worded by the catalog's `phase.<code>`
OPERATE = "operate"  # after launch (運用): the stand-up rhythm of `operation.standup`, the monthly 振り返り


AFTER_LAUNCH = ":operate"  # ends the id of a stand-up job (prompt or reminder) that applies after launch


def standup_job_id(project_slug: str, *, after_launch: bool = False) -> str:
    """The stand-up prompt's job id in each rhythm: `standup:<project>`, after launch `standup:<project>:operate`.
    Named here, once, for the job kind (reminders/jobs/standup.py), the answers' threads and the answer rate."""
    return f"standup:{project_slug}{AFTER_LAUNCH if after_launch else ''}"


def prompt_job_ids(project_slug: str) -> list[str]:
    """The ids of the project's stand-up prompt jobs, both rhythms (a prompt of either asks for answers)."""
    return [standup_job_id(project_slug), standup_job_id(project_slug, after_launch=True)]


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


def first_standup_day(session: Session, project: Project, timezone: str, configured: dt.date | None = None) -> dt.date | None:
    """The day the project's stand-ups began, from which answers are expected: `start:` of renkei.yml when given,
    else the day of its first stand-up prompt sent (either rhythm), or of its first answer if that came earlier (a
    `/standup` typed before any prompt); None when neither exists yet (nothing was asked: no rate, not 0 %)."""
    if configured is not None:
        return configured
    zone = ZoneInfo(timezone)
    ids = prompt_job_ids(project.slug)
    prompted = session.exec(
        select(func.min(Delivery.scheduled_at)).where(col(Delivery.job_id).in_(ids), Delivery.status == DeliveryStatus.DONE)
    ).one()
    answered = session.exec(select(func.min(StandupAnswer.day)).where(StandupAnswer.project_id == project.id)).one()
    days = [as_utc(prompted).astimezone(zone).date()] if prompted is not None else []
    return min([*days, answered] if answered is not None else days, default=None)


def standup_days(
    session: Session,
    project: Project,
    is_business_day: Callable[[dt.date], bool],
    timezone: str,
    *,
    start: dt.date | None = None,
) -> Callable[[dt.date], bool]:
    """Which days a stand-up answer was asked for, for the answer rate: none before `first_standup_day` (weeks
    before the project existed are left out, not counted as 0 %); then every business day before launch, and
    after it the days the after-launch prompt (`standup:<project>:operate`, weekly by default) was sent. Today
    counts once its prompt went out or someone answered (a report made at 08:00 does not count today as missed).
    `start`: renkei.yml's `start:` of the project, if any."""
    first = first_standup_day(session, project, timezone, start)
    if first is None:
        return lambda day: False
    zone = ZoneInfo(timezone)
    today = dt.datetime.now(zone).date()
    asked_today = _asked_on(session, project, today, zone)

    def due(day: dt.date) -> bool:  # today only once its prompt went out (or someone answered): not at 08:00
        return day >= first and (day != today or asked_today)

    if not in_operation(project) or project.phase_changed_at is None:
        return lambda day: due(day) and is_business_day(day)
    launched = as_utc(project.phase_changed_at).astimezone(zone).date()
    statement = select(Delivery.scheduled_at).where(
        Delivery.job_id == standup_job_id(project.slug, after_launch=True),
        Delivery.status == DeliveryStatus.DONE,
        col(Delivery.scheduled_at) >= project.phase_changed_at,
    )
    prompted = {as_utc(moment).astimezone(zone).date() for moment in session.exec(statement)}
    return lambda day: due(day) and (day in prompted if day >= launched else is_business_day(day))


def _asked_on(session: Session, project: Project, day: dt.date, zone: ZoneInfo) -> bool:
    """Whether the project's stand-up was asked on `day`: a prompt of either rhythm sent that day, or an answer given
    for it (a `/standup` typed before the prompt)."""
    start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc)
    ids = prompt_job_ids(project.slug)
    prompted = session.exec(
        select(Delivery.id).where(
            col(Delivery.job_id).in_(ids),
            Delivery.status == DeliveryStatus.DONE,
            col(Delivery.scheduled_at) >= start,
            col(Delivery.scheduled_at) < start + dt.timedelta(days=1),
        )
    ).first()
    if prompted is not None:
        return True
    return (
        session.exec(select(StandupAnswer.id).where(StandupAnswer.project_id == project.id, StandupAnswer.day == day)).first()
        is not None
    )
