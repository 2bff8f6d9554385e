"""Meetings (定例会議 and one-off ones): stored, listed, cancelled."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from storage.enums import MeetingSource
from storage.models import Meeting, as_utc


def add_meeting(
    session: Session,
    *,
    project_id: int,
    title: str,
    cron: str | None,
    starts_at: dt.datetime | None,
    remind_before: list[str],
    created_by: str,
    place: str | None = None,
) -> Meeting:
    """Store a meeting added with /meeting add."""
    meeting = Meeting(
        project_id=project_id,
        title=title,
        cron=cron,
        starts_at=starts_at,
        remind_before=",".join(remind_before),
        source=MeetingSource.COMMAND,
        created_by=created_by,
        place=place,
    )
    session.add(meeting)
    session.commit()
    return meeting


def get_meeting(session: Session, number: int) -> Meeting | None:
    """The meeting shown as number N, if it exists (cancelled ones included)."""
    return session.get(Meeting, number) if 0 < number < 2**31 else None


def is_from_config(meeting: Meeting) -> bool:
    """True for a meeting mirrored from renkei.yml: only the file changes it (no /meeting cancel)."""
    return meeting.source == MeetingSource.CONFIG


def active_meetings(session: Session, project_ids: set[int] | None = None) -> list[Meeting]:
    """Meetings not cancelled, of the given projects (all when None)."""
    statement = select(Meeting).where(Meeting.cancelled == False)  # noqa: E712
    if project_ids is not None:
        statement = statement.where(col(Meeting.project_id).in_(project_ids))
    return list(session.exec(statement.order_by(col(Meeting.id))))


def cancel_meeting(session: Session, meeting: Meeting) -> None:
    """Cancel a meeting: no more reminders."""
    meeting.cancelled = True
    session.add(meeting)
    session.commit()


def same_meeting(
    session: Session, *, project_id: int, title: str, cron: str | None, starts_at: dt.datetime | None
) -> Meeting | None:
    """A meeting of the project, not cancelled, with that title at that time (weekly slot or start), if any."""
    statement = select(Meeting).where(
        Meeting.project_id == project_id,
        Meeting.title == title,
        Meeting.cancelled == False,  # noqa: E712
    )
    for meeting in session.exec(statement):
        if cron is not None and meeting.cron == cron:
            return meeting
        if starts_at is not None and meeting.starts_at is not None and as_utc(meeting.starts_at) == as_utc(starts_at):
            return meeting
    return None


def skipped_days(meeting: Meeting) -> set[dt.date]:
    """The local dates on which a weekly meeting does not take place (`/meeting skip`)."""
    return {dt.date.fromisoformat(day) for day in (meeting.skipped or "").split(",") if day}


def skip_day(session: Session, meeting: Meeting, day: dt.date) -> bool:
    """Record that the meeting does not take place on `day`; False if it was already skipped."""
    days = skipped_days(meeting)
    if day in days:
        return False
    meeting.skipped = ",".join(sorted(d.isoformat() for d in days | {day}))
    session.add(meeting)
    session.commit()
    return True


def edit_meeting(
    session: Session,
    meeting: Meeting,
    *,
    title: str | None = None,
    cron: str | None = None,
    starts_at: dt.datetime | None = None,
    place: str | None = None,
    remind_before: list[str] | None = None,
) -> Meeting:
    """Change what `/meeting edit` names: the title, the time (weekly slot or one-off start), the place, reminders."""
    if title is not None:
        meeting.title = title
    if cron is not None or starts_at is not None:
        meeting.cron, meeting.starts_at = cron, starts_at
    if place is not None:
        meeting.place = place or None
    if remind_before is not None:
        meeting.remind_before = ",".join(remind_before)
    session.add(meeting)
    session.commit()
    return meeting
