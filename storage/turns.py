"""Whose turn it is on an issue: the one rule every card, list, nudge, alert, digest and report follows (issue 23).

An issue's history (its events, in order) moves the ball:

| event                      | the ball goes to                                                     |
| -------------------------- | -------------------------------------------------------------------- |
| created                    | the department asked (依頼先) when it waits on one, else its own department |
| waiting (filed with `to:`) | the department asked                                                 |
| escalated (IT部門へ相談)    | IT                                                                   |
| answered (IT's answer)     | the reporter: 確認待ち — check the answer, resolve it or reopen it   |
| resolved                   | nobody                                                               |
| reopened                   | back to who was asked: IT for an escalated issue, else as at created |
| taken, assigned, IT taken, nudged, leads alerted | stays where it was                             |

`turn_after` is that table; `whose_turn` folds an issue's events through it and says since when the ball has been
where it is (the aging rule counts business days from then). Tests: tests/test_turns.py, a table over every state
and every event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

from storage.enums import EventKind
from storage.models import Issue, IssueEvent


class Turn(StrEnum):
    """Who must act next on an issue."""

    OWN = "own"  # its own department works on it (nobody else was asked)
    DEPARTMENT = "department"  # the department it waits on (依頼先)
    IT = "it"  # the IT department, asked and not yet answered
    REPORTER = "reporter"  # 確認待ち: the reporter checks IT's answer
    NOBODY = "nobody"  # resolved


STAYS = {EventKind.TAKEN, EventKind.ASSIGNED, EventKind.IT_TAKEN, EventKind.NUDGED, EventKind.LEADS_ALERTED}


def turn_after(turn: Turn, event: EventKind, *, waiting: bool, escalated: bool) -> Turn:
    """The table: where the ball is after `event`, from `turn`. `waiting`: the issue waits on another department;
    `escalated`: it was sent to IT."""
    asked = Turn.DEPARTMENT if waiting else Turn.OWN
    if event in (EventKind.CREATED,):
        return asked
    if event == EventKind.WAITING:
        return Turn.DEPARTMENT
    if event == EventKind.ESCALATED:
        return Turn.IT
    if event == EventKind.ANSWERED:
        return Turn.REPORTER
    if event == EventKind.RESOLVED:
        return Turn.NOBODY
    if event == EventKind.REOPENED:
        return Turn.IT if escalated else asked
    if event in STAYS:
        return turn
    raise ValueError(f"no rule for the event {event!r}")  # a new kind must say where the ball goes


@dataclass(frozen=True)
class Ball:
    """Where the ball is, since when, and who holds it: a department id (OWN, DEPARTMENT) or the reporter."""

    turn: Turn
    since: dt.datetime
    department_id: int | None = None
    user_id: str | None = None


def turn_of(events: Iterable[tuple[str, dt.datetime]], *, waiting: bool, created_at: dt.datetime) -> tuple[Turn, dt.datetime]:
    """Fold events (kind, when; oldest first) through `turn_after`: whose move it is, and since when. `waiting`: the
    issue waits on another department; `created_at`: the issue's (the start, before any event)."""
    # as created, before any event is read (an issue whose history holds none yet is where `created` puts it)
    turn, since, escalated = Turn.DEPARTMENT if waiting else Turn.OWN, created_at, False
    for kind, at in events:
        escalated = escalated or kind == EventKind.ESCALATED
        moved = turn_after(turn, EventKind(kind), waiting=waiting, escalated=escalated)
        if kind == EventKind.CREATED:  # the issue's own record says when it was filed
            turn, since = moved, created_at
        elif moved != turn or kind == EventKind.REOPENED:
            turn, since = moved, at
    return turn, since


def whose_turn(issue: Issue, events: Iterable[IssueEvent]) -> Ball:
    """Fold the issue's events (oldest first) through `turn_after`: whose move it is, since when, and who holds it."""
    kinds = ((event.kind, event.created_at) for event in events)
    turn, since = turn_of(kinds, waiting=issue.waiting_on_id is not None, created_at=issue.created_at)
    holder = {
        Turn.OWN: (issue.department_id, None),
        Turn.DEPARTMENT: (issue.waiting_on_id, None),
        Turn.REPORTER: (None, issue.reporter_id),
    }.get(turn, (None, None))
    return Ball(turn, since, *holder)


def holding_department(issue: Issue, ball: Ball, it_department_id: int | None) -> int | None:
    """The department whose move it is, for counting an issue under one department: its own (OWN, and REPORTER: the
    reporter files for their department), the one asked (DEPARTMENT), the IT department (IT); None once resolved."""
    return {
        Turn.OWN: issue.department_id,
        Turn.DEPARTMENT: issue.waiting_on_id,
        Turn.IT: it_department_id,
        Turn.REPORTER: issue.department_id,
    }.get(ball.turn)
