"""The rows the Excel progress report lists, as plain columns streamed in batches (reports/excel.py renders them).

A year of a large city is 100,000 issues and a million stand-up answers: nothing here loads them as ORM objects
(the session's identity map would keep every one), and the long lists come back as iterators of rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import sqlalchemy
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.directory import GRANTED_SOURCES
from storage.enums import EventKind, Role
from storage.models import Issue, IssueEvent, Meeting, ProjectDepartment, RoleAssignment, StandupAnswer, Win

BATCH = 2000
NOTED = (EventKind.RESOLVED, EventKind.ESCALATED, EventKind.ANSWERED)  # the kinds whose note is an issue's latest note


def _streamed(session: Session, statement: Any) -> Iterator[Any]:
    """Rows of a query fetched in batches."""
    yield from session.execute(statement.execution_options(yield_per=BATCH))


def issue_rows(session: Session, project_id: int, finish: dt.datetime) -> Iterator[Any]:
    """Every issue of the project filed before `finish`, by number, with its latest note and its latest event.

    Each row has the issue's columns (`id`, `department_id`, `waiting_on_id`, `status`, `severity`, `reporter_id`,
    `assignee_id`, `created_at`, `resolved_at`, `due_date`, `title`, `body`, `escalated`, `it_answered`), `note` (the
    latest note of a resolution, an escalation or the IT department's answer) and `last_kind`, `last_actor`,
    `last_at`, `last_note` (the latest event of its history, whatever it was).
    """
    noted = (
        select(IssueEvent.issue_id, func.max(IssueEvent.id).label("event_id"))
        .where(col(IssueEvent.note).is_not(None), col(IssueEvent.kind).in_(NOTED))
        .group_by(col(IssueEvent.issue_id))
        .subquery()
    )
    last = select(IssueEvent.issue_id, func.max(IssueEvent.id).label("event_id")).group_by(col(IssueEvent.issue_id)).subquery()
    noted_event, last_event = aliased(IssueEvent), aliased(IssueEvent)
    statement = (
        sqlalchemy.select(
            col(Issue.id),
            col(Issue.department_id),
            col(Issue.waiting_on_id),
            col(Issue.status),
            col(Issue.severity),
            col(Issue.reporter_id),
            col(Issue.assignee_id),
            col(Issue.created_at),
            col(Issue.resolved_at),
            col(Issue.due_date),
            col(Issue.title),
            col(Issue.body),
            col(Issue.escalated),
            col(Issue.it_answer).is_not(None).label("it_answered"),
            col(noted_event.note).label("note"),
            col(last_event.kind).label("last_kind"),
            col(last_event.actor_id).label("last_actor"),
            col(last_event.created_at).label("last_at"),
            col(last_event.note).label("last_note"),
        )
        .outerjoin(noted, noted.c.issue_id == Issue.id)
        .outerjoin(noted_event, col(noted_event.id) == noted.c.event_id)
        .outerjoin(last, last.c.issue_id == Issue.id)
        .outerjoin(last_event, col(last_event.id) == last.c.event_id)
        .where(col(Issue.project_id) == project_id, col(Issue.created_at) < finish)
        .order_by(col(Issue.id))
    )
    return _streamed(session, statement)


def history_rows(session: Session, project_id: int, finish: dt.datetime) -> Iterator[Any]:
    """The history of those issues, event by event in order: `issue_id`, `created_at`, `actor_id`, `kind`, `note`."""
    statement = (
        sqlalchemy.select(
            col(IssueEvent.issue_id),
            col(IssueEvent.created_at),
            col(IssueEvent.actor_id),
            col(IssueEvent.kind),
            col(IssueEvent.note),
        )
        .join(Issue, col(Issue.id) == IssueEvent.issue_id)
        .where(col(Issue.project_id) == project_id, col(Issue.created_at) < finish)
        .order_by(col(IssueEvent.issue_id), col(IssueEvent.id))
    )
    return _streamed(session, statement)


def win_rows(session: Session, project_id: int, begin: dt.datetime, finish: dt.datetime) -> Iterator[Any]:
    """The wins shared in [begin, finish), oldest first: `created_at`, `department_id`, `reporter_id`, `text`."""
    statement = (
        sqlalchemy.select(col(Win.created_at), col(Win.department_id), col(Win.reporter_id), col(Win.text))
        .where(col(Win.project_id) == project_id, col(Win.created_at) >= begin, col(Win.created_at) < finish)
        .order_by(col(Win.created_at), col(Win.id))
    )
    return _streamed(session, statement)


def answer_counts(session: Session, project_id: int, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], int]:
    """Stand-up answers per (department id, day) over [start, end]."""
    return {
        (department_id, day): count
        for department_id, day, count in session.exec(
            select(StandupAnswer.department_id, col(StandupAnswer.day), func.count())
            .where(StandupAnswer.project_id == project_id, StandupAnswer.day >= start, StandupAnswer.day <= end)
            .group_by(col(StandupAnswer.department_id), col(StandupAnswer.day))
        )
    }


def answer_rows(session: Session, project_id: int, start: dt.date, end: dt.date) -> Iterator[Any]:
    """Every stand-up answer over [start, end] by day: `day`, `department_id`, `user_id`, `answers` (JSON text)."""
    statement = (
        sqlalchemy.select(
            col(StandupAnswer.day), col(StandupAnswer.department_id), col(StandupAnswer.user_id), col(StandupAnswer.answers)
        )
        .where(col(StandupAnswer.project_id) == project_id, col(StandupAnswer.day) >= start, col(StandupAnswer.day) <= end)
        .order_by(col(StandupAnswer.day), col(StandupAnswer.id))
    )
    return _streamed(session, statement)


def project_meetings(session: Session, project_id: int) -> list[Meeting]:
    """Every meeting of the project, cancelled ones included, by number."""
    return list(session.exec(select(Meeting).where(Meeting.project_id == project_id).order_by(col(Meeting.id))))


def liaison_departments(session: Session, project_id: int) -> dict[str, list[int]]:
    """Each liaison's departments within the project (the department in charge of what they are assigned)."""
    rows = session.exec(
        select(RoleAssignment.user_id, RoleAssignment.department_id)
        .join(ProjectDepartment, col(ProjectDepartment.department_id) == RoleAssignment.department_id)
        .where(
            ProjectDepartment.project_id == project_id,
            RoleAssignment.role == Role.LIAISON,
            col(RoleAssignment.source).in_(GRANTED_SOURCES),
        )
        .order_by(col(ProjectDepartment.id))
    )
    out: dict[str, list[int]] = {}
    for user_id, department_id in rows:
        if department_id is not None and department_id not in out.setdefault(user_id, []):
            out[user_id].append(department_id)
    return out
