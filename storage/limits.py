"""Limits that keep one person from flooding everyone: meetings, their reminders, and what people file.

Every new meeting reminder becomes a scheduled job that posts to every department channel of the project;
every new issue, win, requirement, review or test and meeting posts cards to channels too. Without a bound, one
`/meeting add … リマインド` with hundreds of offsets (21 such commands scheduled 14,681 jobs) or a runaway script
(30 `/req add` and 30 `/uat add` in 4 seconds: 367 posts) floods every channel, the scheduler and the monthly
report. The numbers are generous for real work in a municipality and small enough to stop a loop:

- MAX_MEETINGS_PER_PROJECT (30): meetings of one project that still send reminders (weekly ones, and one-off
  ones yet to come; cancelled and past ones do not count). A project holds a few regular meetings and a
  handful of one-off reviews a month.
- MAX_REMINDERS_PER_MEETING (3): reminders of one meeting, each at a different time. The default is two
  (前日, 15分前); a third (e.g. 3時間前) is the most anyone asked for. Each is one job.
- One rate for every family a person files (Family: issues, wins, requirements, reviews and tests, meetings),
  a token bucket per person and family: BURST (20) at once — a liaison typing up a meeting's notes files a
  dozen issues in a few minutes — then one every REFILL (6 seconds); a person who filed nothing for
  BURST x REFILL (2 minutes) has the whole burst again. Counted over every project, from what the person stored
  (`created_at` of their rows; the form, the stand-up's 課題として登録 button and a /uat 問題あり result are
  issues too), so a refused request, which stores nothing, costs nothing.

The bucket is replayed from the person's rows of the last LOOKBACK (an hour), as if it were full then: exact
unless the person kept it from ever filling for the whole hour (over 600 rows of one family), where it lets
at most one more burst through. Two requests at the very same moment may both pass; the limits bound floods,
not exact totals.

A refused request stores nothing and answers with the catalog's `limits.*` sentence: commands/limits.py words
the refusal (a Reply, None when within the limit), so a command adds one line: `limited = …; if limited: return limited`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import Issue, Meeting, Requirement, UatSession, Win, as_utc, utcnow
from storage.projectfile import parse_duration

MAX_MEETINGS_PER_PROJECT = 30
MAX_REMINDERS_PER_MEETING = 3
BURST = 20
REFILL = dt.timedelta(seconds=6)
LOOKBACK = dt.timedelta(hours=1)


class Family(StrEnum):
    """What a person files, each held to its own bucket (the catalog words each: `limits.family.<value>`)."""

    ISSUES = "issues"
    WINS = "wins"
    REQUIREMENTS = "requirements"
    UAT = "uat"  # 設計レビュー・受入テスト (/uat add)
    MEETINGS = "meetings"


# each family's rows: the table, who stored the row, when
ROWS: dict[Family, tuple[Any, Any, Any]] = {
    Family.ISSUES: (Issue, Issue.reporter_id, Issue.created_at),
    Family.WINS: (Win, Win.reporter_id, Win.created_at),
    Family.REQUIREMENTS: (Requirement, Requirement.proposed_by, Requirement.created_at),
    Family.UAT: (UatSession, UatSession.created_by, UatSession.created_at),
    Family.MEETINGS: (Meeting, Meeting.created_by, Meeting.created_at),
}


def bucket_wait(filed: list[dt.datetime], now: dt.datetime) -> dt.timedelta | None:
    """The token bucket replayed over the moments a person filed (aware), full LOOKBACK before `now`: None when it
    holds a token now, else how long until it will. A moment after `now` (another clock) counts as `now`."""
    tokens, last = float(BURST), now - LOOKBACK
    for moment in sorted(min(m, now) for m in filed if m > last):
        tokens = min(BURST, tokens + max(moment - last, dt.timedelta(0)) / REFILL) - 1
        last = moment
    tokens = min(BURST, tokens + (now - last) / REFILL)
    return None if tokens >= 1 else (1 - tokens) * REFILL


def filed_since(session: Session, family: Family, person: str, since: dt.datetime) -> list[dt.datetime]:
    """When the person stored each row of the family after `since`, in any project (aware UTC)."""
    _, who, when = ROWS[family]
    statement = select(when).where(who == person, col(when).is_not(None), when > since)
    return [as_utc(moment) for moment in session.exec(statement)]


def rate_wait(session: Session, family: Family, person: str, now: dt.datetime | None = None) -> dt.timedelta | None:
    """None when the person may file one more of the family now, else how long they must wait."""
    now = now or utcnow()
    return bucket_wait(filed_since(session, family, person, now - LOOKBACK), now)


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


def same_time_offsets(offsets: list[str]) -> tuple[str, str] | None:
    """The first two offsets that remind at the same time (`1d` and `24h`), or None when all differ."""
    seen: dict[dt.timedelta, str] = {}
    for text in offsets:
        offset = parse_duration(text)
        if offset in seen:
            return seen[offset], text
        seen[offset] = text
    return None
