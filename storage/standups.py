"""Stand-up answers: one per liaison, project and business day."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session, col, select

from storage.guard import refuse_my_number, without_xml_invalid
from storage.models import StandupAnswer, utcnow
from storage.upsert import upsert


def save_answer(
    session: Session, *, project_id: int, department_id: int, user_id: str, day: dt.date, answers: dict[str, str]
) -> StandupAnswer:
    """Store (or replace) the user's answer for the day: one row per person, project and day, kept by the database
    (unique key, upsert), so two submissions at once both succeed and the later one is kept."""
    key = {"project_id": project_id, "user_id": user_id, "day": day}
    answers = without_xml_invalid(answers)  # a core statement passes no ORM guard: the guard's two rules here
    refuse_my_number(answers, "standup answer")
    text = json.dumps(answers, ensure_ascii=False)
    upsert(
        session,
        StandupAnswer,
        {**key, "department_id": department_id, "answers": text, "created_at": utcnow()},
        conflict=list(key),
        update=["department_id", "answers", "created_at"],
    )
    session.commit()
    return session.exec(
        select(StandupAnswer).where(
            StandupAnswer.project_id == project_id, StandupAnswer.user_id == user_id, StandupAnswer.day == day
        )
    ).one()


def answer_of(session: Session, *, project_id: int, user_id: str, day: dt.date) -> StandupAnswer | None:
    """The user's stored answer for the project and day, if any (a second answer that day is an update)."""
    return session.exec(
        select(StandupAnswer).where(
            StandupAnswer.project_id == project_id, StandupAnswer.user_id == user_id, StandupAnswer.day == day
        )
    ).first()


def day_answers(session: Session, project_id: int, day: dt.date) -> list[tuple[int, str, dict]]:
    """The project's answers of one day, in the order given: (department id, user id, answers)."""
    rows = session.exec(
        select(col(StandupAnswer.department_id), col(StandupAnswer.user_id), col(StandupAnswer.answers))
        .where(StandupAnswer.project_id == project_id, StandupAnswer.day == day)
        .order_by(col(StandupAnswer.created_at), col(StandupAnswer.id))
    )
    return [(department_id, user_id, json.loads(answers)) for department_id, user_id, answers in rows]


def get_answer(session: Session, answer_id: int) -> StandupAnswer | None:
    """A stored stand-up answer by id (the 課題として登録 button names it), if it exists."""
    return session.get(StandupAnswer, answer_id) if 0 < answer_id < 2**31 else None


def answered_users(session: Session, project_id: int, day: dt.date) -> set[str]:
    """Who answered the project's stand-up on `day`."""
    return set(
        session.exec(select(StandupAnswer.user_id).where(StandupAnswer.project_id == project_id, StandupAnswer.day == day))
    )


def answers_between(session: Session, project_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, int, str, dict]]:
    """The project's stand-up answers over [start, end], oldest first: (day, department id, user id, answers)."""
    rows = session.exec(
        select(col(StandupAnswer.day), col(StandupAnswer.department_id), col(StandupAnswer.user_id), col(StandupAnswer.answers))
        .where(StandupAnswer.project_id == project_id, StandupAnswer.day >= start, StandupAnswer.day <= end)
        .order_by(col(StandupAnswer.day), col(StandupAnswer.id))
    )
    return [(day, department_id, user_id, json.loads(answers)) for day, department_id, user_id, answers in rows]


def latest_answer_id(session: Session, user_id: str, day: dt.date) -> int | None:
    """The id of `user_id`'s latest stand-up answer for `day` (any project), or None."""
    return session.exec(
        select(StandupAnswer.id)
        .where(StandupAnswer.user_id == user_id, StandupAnswer.day == day)
        .order_by(col(StandupAnswer.id).desc())
    ).first()
