"""The monthly 振り返り after launch: one answer per liaison, project, department and month (editable that month).

`month_answers` and `recent` are what the weekly digest shows; the report's 振り返り sheet reads `month_answers` for
every month (`all_answers`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.guard import refuse_my_number, without_xml_invalid
from storage.models import Department, Retrospective, utcnow
from storage.upsert import upsert


@dataclass(frozen=True)
class RetroAnswer:
    """One department's 振り返り by one liaison: answers by question code (or question text, as written)."""

    month: dt.date
    department: str
    user_id: str
    answers: dict[str, str]
    updated_at: dt.datetime


def month_of(day: dt.date) -> dt.date:
    """The first day of the month `day` falls in: how a 振り返り's month is stored."""
    return day.replace(day=1)


def save_retro(
    session: Session, *, project_id: int, department_id: int, user_id: str, month: dt.date, answers: dict[str, str]
) -> tuple[Retrospective, bool]:
    """Store (or replace) the user's 振り返り for the department and month; True when it replaced an earlier one.

    One row per project, department, person and month, kept by the database (unique key, upsert)."""
    month = month_of(month)
    key = {"project_id": project_id, "department_id": department_id, "user_id": user_id, "month": month}
    earlier = answer_of(session, project_id=project_id, department_id=department_id, user_id=user_id, month=month)
    answers = without_xml_invalid(answers)
    refuse_my_number(answers, "retrospective answer")
    now = utcnow()
    values = {**key, "answers": json.dumps(answers, ensure_ascii=False), "created_at": now, "updated_at": now}
    upsert(session, Retrospective, values, conflict=list(key), update=["answers", "updated_at"])
    session.commit()
    row = answer_of(session, project_id=project_id, department_id=department_id, user_id=user_id, month=month)
    assert row is not None
    return row, earlier is not None


def answer_of(session: Session, *, project_id: int, department_id: int, user_id: str, month: dt.date) -> Retrospective | None:
    """The user's stored 振り返り for the department and month, if any (the form is prefilled with it)."""
    return session.exec(
        select(Retrospective).where(
            Retrospective.project_id == project_id,
            Retrospective.department_id == department_id,
            Retrospective.user_id == user_id,
            Retrospective.month == month_of(month),
        )
    ).first()


def _answers(session: Session, project_id: int, *conditions) -> list[RetroAnswer]:
    rows = session.exec(
        select(Retrospective, Department)
        .join(Department, col(Department.id) == Retrospective.department_id)
        .where(Retrospective.project_id == project_id, *conditions)
        .order_by(col(Retrospective.month), col(Department.id), col(Retrospective.created_at), col(Retrospective.id))
    )
    return [RetroAnswer(r.month, d.name, r.user_id, json.loads(r.answers), r.updated_at) for r, d in rows]


def month_answers(session: Session, project_id: int, month: dt.date) -> list[RetroAnswer]:
    """The project's 振り返り of one month (any day of it), by department then by when they were first given."""
    return _answers(session, project_id, Retrospective.month == month_of(month))


def recent(session: Session, project_id: int, since: dt.datetime) -> list[RetroAnswer]:
    """The 振り返り given or updated since `since` (the weekly digest's week), oldest month first."""
    return _answers(session, project_id, col(Retrospective.updated_at) >= since)


def all_answers(session: Session, project_id: int) -> list[RetroAnswer]:
    """Every 振り返り of the project, oldest month first (the report's sheet)."""
    return _answers(session, project_id)
