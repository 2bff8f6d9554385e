"""Agenda material for a meeting: open issues per department, the longest waits, requirements in disagreement."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.directory import department_names, project_departments
from storage.enums import IssueStatus
from storage.ids import id_of
from storage.issues import history
from storage.models import Issue, as_utc
from storage.requirements import Disagreement, disagreements
from storage.turns import Turn, whose_turn


@dataclass(frozen=True)
class WaitingItem:
    number: int
    title: str
    department: str
    waiting_on: str
    business_days: int


@dataclass(frozen=True)
class Agenda:
    """Open issues per department (in project order), the oldest waiting ones, and the open requirements whose
    departments disagree (必須 and 不要: storage.requirements.ratings_disagree), which a regular meeting settles."""

    open_by_department: list[tuple[str, int]]
    oldest_waiting: list[WaitingItem]
    requirements: list[Disagreement] = field(default_factory=list)


def agenda(
    session: Session,
    project_id: int,
    *,
    today: dt.date,
    timezone: str,
    business_days: Callable[[dt.date, dt.date], int],
    limit: int = 5,
) -> Agenda:
    """What a meeting reminder carries: counts of open issues, the `limit` longest waits in business days, and the
    open requirements in disagreement."""
    rows = project_departments(session, project_id)
    names = department_names(session)
    open_issues = session.exec(select(Issue).where(Issue.project_id == project_id, Issue.status != IssueStatus.RESOLVED)).all()
    counts = [(d.name, sum(1 for i in open_issues if i.department_id == d.id)) for d in rows]
    zone = ZoneInfo(timezone)
    waits = []
    for i in open_issues:  # a wait on a department while it holds the ball (storage.turns), counted from then
        ball = whose_turn(i, history(session, id_of(i))) if i.waiting_on_id else None
        if ball is not None and ball.turn == Turn.DEPARTMENT and i.waiting_on_id is not None:
            days = business_days(as_utc(ball.since).astimezone(zone).date(), today)
            waits.append(WaitingItem(id_of(i), i.title, names[i.department_id], names[i.waiting_on_id], days))
    waits.sort(key=lambda w: (-w.business_days, w.number))
    return Agenda(counts, waits[:limit], disagreements(session, project_id))
