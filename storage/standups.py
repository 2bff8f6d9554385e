"""Stand-up answers: one per liaison, project and business day."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session, select

from storage.models import StandupAnswer, utcnow


def save_answer(
    session: Session, *, project_id: int, department_id: int, user_id: str, day: dt.date, answers: dict[str, str]
) -> StandupAnswer:
    """Store (or replace) the user's answer for the day."""
    row = session.exec(
        select(StandupAnswer).where(
            StandupAnswer.project_id == project_id, StandupAnswer.user_id == user_id, StandupAnswer.day == day
        )
    ).first()
    row = row or StandupAnswer(project_id=project_id, department_id=department_id, user_id=user_id, day=day, answers="{}")
    row.department_id = department_id
    row.answers = json.dumps(answers, ensure_ascii=False)
    row.created_at = utcnow()
    session.add(row)
    session.commit()
    return row


def get_answer(session: Session, answer_id: int) -> StandupAnswer | None:
    """A stored stand-up answer by id (the 課題として登録 button names it), if it exists."""
    return session.get(StandupAnswer, answer_id) if 0 < answer_id < 2**31 else None


def answered_users(session: Session, project_id: int, day: dt.date) -> set[str]:
    """Who answered the project's stand-up on `day`."""
    return set(
        session.exec(select(StandupAnswer.user_id).where(StandupAnswer.project_id == project_id, StandupAnswer.day == day))
    )
