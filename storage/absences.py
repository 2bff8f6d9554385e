"""Days off (休暇・不在): a liaison away is not reminded of the stand-up and not counted as missing; the status, the
leads' roll-up, the digest and the report's participation say 休暇 instead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Iterable

from sqlmodel import Session, col, delete, select

from storage.models import Absence

MAX_ABSENCE_DAYS = 92  # one registration covers at most about three months (a longer leave is the admins' to record)


def add_absence(session: Session, user_id: str, first: dt.date, last: dt.date) -> Absence:
    """Record `user_id` away from `first` to `last` (inclusive), and commit; a range an earlier one already covers is
    not recorded twice (the earlier one is returned)."""
    covering = session.exec(
        select(Absence).where(Absence.user_id == user_id, Absence.first_day <= first, Absence.last_day >= last)
    ).first()
    if covering is not None:
        return covering
    absence = Absence(user_id=user_id, first_day=first, last_day=last)
    session.add(absence)
    session.commit()
    session.refresh(absence)
    return absence


def cancel_absence(session: Session, user_id: str, day: dt.date) -> list[Absence]:
    """Remove the user's absences that cover `day`, and commit; the ones removed (none: nothing covered it)."""
    removed = list(
        session.exec(select(Absence).where(Absence.user_id == user_id, Absence.first_day <= day, Absence.last_day >= day))
    )
    if removed:
        session.exec(delete(Absence).where(col(Absence.id).in_([a.id for a in removed])))
        session.commit()
    return removed


def upcoming_absences(session: Session, user_id: str, today: dt.date) -> list[Absence]:
    """The user's absences not over yet, earliest first."""
    return list(
        session.exec(
            select(Absence).where(Absence.user_id == user_id, Absence.last_day >= today).order_by(col(Absence.first_day))
        )
    )


def away_on(session: Session, day: dt.date, user_ids: Iterable[str] | None = None) -> set[str]:
    """Who is away on `day` (of `user_ids`, when given)."""
    statement = select(Absence.user_id).where(Absence.first_day <= day, Absence.last_day >= day)
    if user_ids is not None:
        statement = statement.where(col(Absence.user_id).in_(list(user_ids)))
    return set(session.exec(statement))


def away_between(session: Session, start: dt.date, end: dt.date) -> dict[str, set[dt.date]]:
    """Every day of [start, end] each person is away, by Slack id."""
    days: dict[str, set[dt.date]] = defaultdict(set)
    for absence in session.exec(select(Absence).where(Absence.first_day <= end, Absence.last_day >= start)):
        day = max(absence.first_day, start)
        while day <= min(absence.last_day, end):
            days[absence.user_id].add(day)
            day += dt.timedelta(days=1)
    return dict(days)


def absences_between(session: Session, start: dt.date, end: dt.date, user_ids: Iterable[str]) -> list[Absence]:
    """The absences of `user_ids` that overlap [start, end], earliest first (the digest's and the report's list)."""
    return list(
        session.exec(
            select(Absence)
            .where(Absence.first_day <= end, Absence.last_day >= start, col(Absence.user_id).in_(list(user_ids)))
            .order_by(col(Absence.first_day), col(Absence.user_id))
        )
    )
