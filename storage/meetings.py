"""Meetings (定例会議 and one-off ones): stored, listed, cancelled; who takes part, and which meetings clash.

Participants: a regular meeting (定例: renkei.yml's, or one added with `定例`) is every department's. Another meeting
lists its departments (`Meeting.participants`, ids); None is every department of the project (meetings stored before
participants existed, and those added by someone of no department).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from storage.directory import project_departments
from storage.enums import MeetingSource
from storage.models import Department, Meeting, as_utc
from storage.projectfile import parse_cron

MEETING_LENGTH = dt.timedelta(hours=1)  # a meeting has a start only: two starts closer than this share a time slot
CLASH_WINDOW = dt.timedelta(days=90)  # a recurring meeting's starts looked at: closed days named, other meetings compared


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
    participants: list[int] | None = None,
    regular: bool = False,
) -> Meeting:
    """Store a meeting added with /meeting add: for the departments `participants` (None: every department), or
    a regular one (`regular`: every department, the full agenda)."""
    meeting = Meeting(
        project_id=project_id,
        title=title,
        cron=cron,
        starts_at=starts_at,
        remind_before=",".join(remind_before),
        source=MeetingSource.COMMAND,
        created_by=created_by,
        place=place,
        regular=regular,
        participants=None if regular or participants is None else _ids_text(participants),
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


def is_regular(meeting: Meeting) -> bool:
    """True for a regular meeting (定例): renkei.yml's, or one added with `定例`. It is every department's, and its
    reminders carry the full agenda (the requirements in disagreement too)."""
    return is_from_config(meeting) or meeting.regular


def participant_ids(meeting: Meeting) -> set[int] | None:
    """The ids of the departments that take part; None when every department of the project does."""
    if is_regular(meeting) or meeting.participants is None:
        return None
    return {int(part) for part in meeting.participants.split(",") if part.strip()}


def participant_departments(session: Session, meeting: Meeting) -> list[Department]:
    """The departments that take part, in the order of renkei.yml (every department of the project for None)."""
    ids = participant_ids(meeting)
    return [d for d in project_departments(session, meeting.project_id) if ids is None or d.id in ids]


def share_participants(one: Meeting, other: Meeting) -> bool:
    """True when at least one department takes part in both (a meeting of every department shares with any)."""
    ours, theirs = participant_ids(one), participant_ids(other)
    return ours is None or theirs is None or bool(ours & theirs)


def _ids_text(ids: list[int] | set[int]) -> str:
    return ",".join(str(i) for i in sorted(set(ids)))


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
    participants: list[int] | None = None,
    regular: bool | None = None,
) -> Meeting:
    """Change what `/meeting edit` names: the title, the time (weekly slot or one-off start), the place, reminders,
    who takes part (`participants`, or `regular=True`: every department; a list makes the meeting not regular)."""
    if title is not None:
        meeting.title = title
    if cron is not None or starts_at is not None:
        meeting.cron, meeting.starts_at = cron, starts_at
    if place is not None:
        meeting.place = place or None
    if remind_before is not None:
        meeting.remind_before = ",".join(remind_before)
    if regular:
        meeting.regular, meeting.participants = True, None
    elif participants is not None:
        meeting.regular, meeting.participants = False, _ids_text(participants)
    session.add(meeting)
    session.commit()
    return meeting


# --- at the same time: another meeting in the same time slot with a department in common ------------------------------------


@dataclass(frozen=True)
class SameTime:
    """Another meeting in the same time slot as a meeting, with a department taking part in both: the first start of
    each where they meet (`start` the meeting's own, `other_start` the other's)."""

    other: Meeting
    start: dt.datetime
    other_start: dt.datetime


def starts_between(meeting: Meeting, begin: dt.datetime, end: dt.datetime, timezone: str) -> Iterator[dt.datetime]:
    """The meeting's starts in [begin, end), local to `timezone`: its cron's firings but the skipped days
    (`/meeting skip`), or its one-off start."""
    zone = ZoneInfo(timezone)
    if meeting.starts_at is not None and not meeting.cron:
        start = as_utc(meeting.starts_at)
        if begin <= start < end:
            yield start.astimezone(zone)
        return
    if not meeting.cron:
        return
    skipped = {day for day in (meeting.skipped or "").split(",") if day}
    trigger, moment = parse_cron(meeting.cron, timezone), begin.astimezone(zone)
    while True:
        start = trigger.get_next_fire_time(None, moment)
        if start is None or start >= end:
            return
        if start.date().isoformat() not in skipped:
            yield start
        moment = start + dt.timedelta(seconds=1)


def _start_near(meeting: Meeting, moment: dt.datetime, timezone: str) -> dt.datetime | None:
    """The meeting's start in the time slot of a meeting starting at `moment` (less than MEETING_LENGTH apart)."""
    return next(
        starts_between(meeting, moment - MEETING_LENGTH + dt.timedelta(seconds=1), moment + MEETING_LENGTH, timezone), None
    )


def same_time(meeting: Meeting, other: Meeting, *, now: dt.datetime, timezone: str) -> SameTime | None:
    """Where two meetings share a time slot, whoever takes part: a one-off start against the other's start near it
    (a weekly meeting's start that day, unless skipped); two recurring meetings over their starts in CLASH_WINDOW."""
    if meeting.starts_at is not None and not meeting.cron:
        start = as_utc(meeting.starts_at)
        near = _start_near(other, start, timezone)
        return SameTime(other, start.astimezone(ZoneInfo(timezone)), near) if near else None
    if other.starts_at is not None and not other.cron:
        found = same_time(other, meeting, now=now, timezone=timezone)
        return SameTime(other, found.other_start, found.start) if found else None
    for start in starts_between(meeting, now, now + CLASH_WINDOW, timezone):
        near = _start_near(other, start, timezone)
        if near is not None:
            return SameTime(other, start, near)
    return None


def same_time_meetings(session: Session, meeting: Meeting, *, now: dt.datetime, timezone: str) -> list[SameTime]:
    """The project's other meetings (not cancelled) in the same time slot as `meeting` with a department taking part
    in both (a regular meeting is every department's), in order of where they meet. Past one-off meetings never
    clash; a one-off `meeting` is compared at its start, a recurring one over CLASH_WINDOW."""
    found = []
    for other in active_meetings(session, {meeting.project_id}):
        if other.id == meeting.id or not share_participants(meeting, other):
            continue
        if other.starts_at is not None and not other.cron and as_utc(other.starts_at) <= now:
            continue
        met = same_time(meeting, other, now=now, timezone=timezone)
        if met is not None:
            found.append(met)
    return sorted(found, key=lambda c: (c.start, c.other_start, c.other.id))
