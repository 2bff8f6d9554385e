"""Limits that keep one person from flooding everyone: meetings, their reminders, new issues and wins.

Every new meeting reminder becomes a scheduled job that posts to every department channel of the project;
every new issue and win posts cards to channels too. Without a bound, one `/meeting add … リマインド` with
hundreds of offsets (21 such commands scheduled 14,681 jobs) or a runaway script filing issues floods every
channel, the scheduler and the monthly report. The numbers are generous for real work in a municipality and
small enough to stop a loop:

- MAX_MEETINGS_PER_PROJECT (30): meetings of one project that still send reminders (weekly ones, and one-off
  ones yet to come; cancelled and past ones do not count). A project holds a few regular meetings and a
  handful of one-off reviews a month.
- MAX_REMINDERS_PER_MEETING (3): reminders of one meeting, each at a different time. The default is two
  (前日, 15分前); a third (e.g. 3時間前) is the most anyone asked for. Each is one job.
- MAX_ISSUES_PER_MINUTE (5) and MAX_WINS_PER_MINUTE (3): what one person may file in the last minute,
  counted over every project (`created_at` of their issues and wins). Typing an issue takes longer than
  12 seconds; the form and the stand-up's 課題として登録 button count too.

A refused request stores nothing and answers with the catalog's `limits.*` sentence: commands/limits.py words
the refusal (a Reply, None when within the limit), so a command adds one line: `limited = …; if limited: return limited`.
Two requests at the very same moment may both pass a count; the limits bound floods, not exact totals.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import Issue, Meeting, Win, utcnow
from storage.projectfile import parse_duration

MAX_MEETINGS_PER_PROJECT = 30
MAX_REMINDERS_PER_MEETING = 3
MAX_ISSUES_PER_MINUTE = 5
MAX_WINS_PER_MINUTE = 3
RATE_WINDOW = dt.timedelta(minutes=1)


def scheduled_meetings(session: Session, project_id: int, now: dt.datetime | None = None) -> int:
    """Meetings of the project that still send reminders: not cancelled, weekly or one-off yet to come."""
    now = now or utcnow()
    statement = (
        select(func.count())
        .select_from(Meeting)
        .where(
            Meeting.project_id == project_id,
            Meeting.cancelled == False,  # noqa: E712
            or_(col(Meeting.cron).is_not(None), col(Meeting.starts_at) > now),
        )
    )
    return session.exec(statement).one()


def issues_in_window(session: Session, reporter_id: str, now: dt.datetime | None = None) -> int:
    """Issues the person filed in the last RATE_WINDOW, in any project."""
    since = (now or utcnow()) - RATE_WINDOW
    statement = select(func.count()).select_from(Issue).where(Issue.reporter_id == reporter_id, Issue.created_at > since)
    return session.exec(statement).one()


def wins_in_window(session: Session, reporter_id: str, now: dt.datetime | None = None) -> int:
    """Wins the person shared in the last RATE_WINDOW, in any project."""
    since = (now or utcnow()) - RATE_WINDOW
    statement = select(func.count()).select_from(Win).where(Win.reporter_id == reporter_id, Win.created_at > since)
    return session.exec(statement).one()


def same_time_offsets(offsets: list[str]) -> tuple[str, str] | None:
    """The first two offsets that remind at the same time (`1d` and `24h`), or None when all differ."""
    seen: dict[dt.timedelta, str] = {}
    for text in offsets:
        offset = parse_duration(text)
        if offset in seen:
            return seen[offset], text
        seen[offset] = text
    return None
