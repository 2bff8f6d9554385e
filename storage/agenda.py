"""Agenda material for a meeting: open issues per department, the longest waits, requirements in disagreement.

A regular meeting (定例, every department) carries all of it. A meeting of named departments carries only what
concerns them: the open issues a participant reported or was asked (`Issue.department_id` or `waiting_on_id`), counted
per participant, and the longest waits among those; no requirements, which the regular meeting settles (every
department rated them, a lead decides). A meeting of every department that is not regular (stored before
participants existed, or added by someone of no department) carries the issues, not the requirements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from storage.directory import department_names, is_it_department, project_departments
from storage.enums import IssueStatus
from storage.ids import id_of
from storage.issues import history
from storage.models import Issue, as_utc
from storage.requirements import Disagreement, disagreements
from storage.turns import Turn, holding_department, whose_turn


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
    concerning: bool = False  # cut to participants: a count is of the issues each reported or was asked

    @property
    def empty(self) -> bool:
        """Nothing to discuss: no open issue counted, no wait, no requirement."""
        return not any(count for _, count in self.open_by_department) and not self.oldest_waiting and not self.requirements


def agenda(
    session: Session,
    project_id: int,
    *,
    today: dt.date,
    timezone: str,
    business_days: Callable[[dt.date, dt.date], int],
    limit: int = 5,
    departments: set[int] | None = None,
    requirements: bool = True,
) -> Agenda:
    """What a meeting reminder carries: open issues counted under the department whose move it is (storage.turns:
    the department asked, IT, or the reporter's department), the `limit` longest waits in business days, and (with
    `requirements`) the open requirements in disagreement. With `departments` (a meeting's participants), only the
    issues that concern one of them (reported by it or asking it), and only the participants' counts."""
    rows = project_departments(session, project_id)
    names = department_names(session)
    it = next((id_of(d) for d in rows if is_it_department(d)), None)
    open_issues = session.exec(select(Issue).where(Issue.project_id == project_id, Issue.status != IssueStatus.RESOLVED)).all()
    if departments is not None:
        open_issues = [i for i in open_issues if {i.department_id, i.waiting_on_id} & departments]
    balls = {id_of(i): whose_turn(i, history(session, id_of(i))) for i in open_issues}
    holders = [holding_department(i, balls[id_of(i)], it) for i in open_issues]
    shown = [d for d in rows if departments is None or id_of(d) in departments]
    counts = [(d.name, holders.count(id_of(d))) for d in shown]  # whose move it is (storage.turns), one rule
    zone = ZoneInfo(timezone)
    waits = []
    for i in open_issues:  # a wait on a department while it holds the ball (storage.turns), counted from then
        ball = balls[id_of(i)]
        if ball.turn == Turn.DEPARTMENT and i.waiting_on_id is not None:
            days = business_days(as_utc(ball.since).astimezone(zone).date(), today)
            waits.append(WaitingItem(id_of(i), i.title, names[i.department_id], names[i.waiting_on_id], days))
    waits.sort(key=lambda w: (-w.business_days, w.number))
    found = disagreements(session, project_id) if requirements else []
    return Agenda(counts, waits[:limit], found, concerning=departments is not None)
