"""Hearings (ヒアリング): questionnaires sent to every department of a project, and the answers each liaison gives.

A hearing keeps the questions as they were asked (a JSON list: codes of renkei.yml worded by the catalog, or text);
an answer is one person's for their department (JSON {question index: text}, blanks allowed), edited in place until
the hearing closes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.directory import project_departments
from storage.guard import refuse_my_number, without_xml_invalid
from storage.models import Department, Hearing, HearingAnswer, as_utc, utcnow
from storage.upsert import upsert

OPEN, CLOSED = "open", "closed"


class HearingClosed(ValueError):
    """An answer to a hearing that is closed (or gone): nothing was written."""


def create_hearing(
    session: Session,
    *,
    project_id: int,
    title: str,
    questions: list[str],
    started_by: str,
    deadline: dt.date | None = None,
) -> Hearing:
    """Store a new open hearing with a snapshot of its questions (and the day answers are asked for by)."""
    hearing = Hearing(
        project_id=project_id,
        title=title,
        questions=json.dumps(questions, ensure_ascii=False),
        started_by=started_by,
        deadline=deadline,
    )
    session.add(hearing)
    session.commit()
    session.refresh(hearing)
    return hearing


def get_hearing(session: Session, hearing_id: int) -> Hearing | None:
    """A hearing by number, if it exists (numbers from buttons and forms are checked, not trusted)."""
    return session.get(Hearing, hearing_id) if 0 < hearing_id < 2**31 else None


def questions_of(hearing: Hearing) -> list[str]:
    """The questions as they were asked when the hearing started."""
    return [str(q) for q in json.loads(hearing.questions)]


def is_open(hearing: Hearing) -> bool:
    return hearing.status == OPEN


def open_hearings(session: Session, project_id: int) -> list[Hearing]:
    """The project's open hearings, oldest first."""
    return list(
        session.exec(select(Hearing).where(Hearing.project_id == project_id, Hearing.status == OPEN).order_by(col(Hearing.id)))
    )


def latest_hearing(session: Session, project_id: int, *, open_only: bool = False) -> Hearing | None:
    """The project's latest hearing (its latest open one with `open_only`), if any."""
    statement = select(Hearing).where(Hearing.project_id == project_id)
    if open_only:
        statement = statement.where(Hearing.status == OPEN)
    return session.exec(statement.order_by(col(Hearing.id).desc())).first()


def project_hearings(session: Session, project_id: int, until: dt.datetime | None = None) -> list[Hearing]:
    """The project's hearings (started before `until`, when given), oldest first."""
    statement = select(Hearing).where(Hearing.project_id == project_id)
    if until is not None:
        statement = statement.where(col(Hearing.created_at) < until)
    return list(session.exec(statement.order_by(col(Hearing.id))))


def answer_of(session: Session, hearing_id: int, department_id: int, user_id: str) -> dict[int, str]:
    """The user's answers for their department, by question index ({} when they have not answered)."""
    row = session.exec(
        select(HearingAnswer).where(
            HearingAnswer.hearing_id == hearing_id,
            HearingAnswer.department_id == department_id,
            HearingAnswer.user_id == user_id,
        )
    ).first()
    return decode(row.answers) if row is not None else {}


def decode(text: str) -> dict[int, str]:
    """Stored answers by question index."""
    return {int(k): str(v) for k, v in json.loads(text).items()}


def save_answer(session: Session, *, hearing_id: int, department_id: int, user_id: str, answers: dict[int, str]) -> bool:
    """Store (or replace) the user's answers for their department; True when it replaced earlier answers.

    One row per hearing, department and person, kept by the database (unique key, upsert): a second submission edits.
    Refused (nothing written) when the hearing is closed. The caller checks first; here the hearing's row is claimed
    while open (a no-op UPDATE … WHERE status = 'open', in this transaction), so a close waits for this answer to be
    committed, and is then in its summary, or came first and this answer is refused: none is stored unseen.
    """
    claimed = session.execute(
        update(Hearing)
        .where(col(Hearing.id) == hearing_id, col(Hearing.status) == OPEN)
        .values(status=OPEN)
        .returning(col(Hearing.id))
    ).first()
    if claimed is None:
        raise HearingClosed(hearing_id)
    earlier = bool(answer_of(session, hearing_id, department_id, user_id))
    clean = without_xml_invalid({str(k): v for k, v in answers.items()})
    refuse_my_number(clean, "hearing answer")
    now = utcnow()
    key = {"hearing_id": hearing_id, "department_id": department_id, "user_id": user_id}
    upsert(
        session,
        HearingAnswer,
        {**key, "answers": json.dumps(clean, ensure_ascii=False), "created_at": now, "updated_at": now},
        conflict=list(key),
        update=["answers", "updated_at"],
    )
    session.commit()
    return earlier


@dataclass(frozen=True)
class Answer:
    """One person's answers for their department: who, when last edited, the texts by question index, and when first
    given (None: taken as `updated_at`). Whether it came after the hearing's deadline is read from these two times
    (commands.hearing.lateness): an answer is never refused for being late, only marked."""

    department_id: int
    user_id: str
    updated_at: dt.datetime
    answers: dict[int, str]
    created_at: dt.datetime | None = None

    @property
    def first_given(self) -> dt.datetime:
        return self.created_at or self.updated_at


def hearing_answers(session: Session, hearing_id: int) -> list[Answer]:
    """Every answer to the hearing, in the order first given."""
    rows = session.exec(select(HearingAnswer).where(HearingAnswer.hearing_id == hearing_id).order_by(col(HearingAnswer.id)))
    return [Answer(r.department_id, r.user_id, as_utc(r.updated_at), decode(r.answers), as_utc(r.created_at)) for r in rows]


def answered_departments(session: Session, hearing_id: int) -> set[int]:
    """The departments at least one person has answered for."""
    return set(session.exec(select(HearingAnswer.department_id).where(HearingAnswer.hearing_id == hearing_id)))


def close_hearing(session: Session, hearing_id: int, user_id: str) -> bool:
    """Close the hearing; False when it was closed already (one statement: two leads closing at once close it once)."""
    result = session.execute(
        update(Hearing)
        .where(col(Hearing.id) == hearing_id, col(Hearing.status) == OPEN)
        .values(status=CLOSED, closed_by=user_id, closed_at=utcnow())
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DepartmentAnswers:
    """A department's answers to one hearing (none: it has not answered)."""

    department: Department
    answers: list[Answer]


def by_department(session: Session, hearing: Hearing) -> list[DepartmentAnswers]:
    """Each department of the hearing's project, in renkei.yml's order, with its answers (maybe none)."""
    answers = hearing_answers(session, hearing.id or 0)
    return [
        DepartmentAnswers(d, [a for a in answers if a.department_id == d.id])
        for d in project_departments(session, hearing.project_id)
    ]


def awaiting_answers(session: Session, project_id: int) -> list[tuple[Hearing, list[Department]]]:
    """For the weekly digest: each open hearing of the project with the departments that have not answered yet
    (hearings every department answered are left out)."""
    out = []
    for hearing in open_hearings(session, project_id):
        answered = answered_departments(session, hearing.id or 0)
        missing = [d for d in project_departments(session, project_id) if d.id not in answered]
        if missing:
            out.append((hearing, missing))
    return out


@dataclass(frozen=True)
class HearingSummary:
    """The latest hearing with every department's answers: what a board in the leads channel shows."""

    hearing: Hearing
    questions: list[str]
    departments: list[DepartmentAnswers]


def latest_summary(session: Session, project_id: int) -> HearingSummary | None:
    """The project's latest hearing (open or closed) with the answers per department; None without any hearing."""
    hearing = latest_hearing(session, project_id)
    if hearing is None:
        return None
    return HearingSummary(hearing, questions_of(hearing), by_department(session, hearing))


def newest_hearing(session: Session) -> Hearing | None:
    """The latest hearing of any project, or None."""
    return session.exec(select(Hearing).order_by(col(Hearing.id).desc())).first()


def newest_hearing_id(session: Session) -> int | None:
    """The id of the latest hearing of any project, or None."""
    return session.exec(select(Hearing.id).order_by(col(Hearing.id).desc())).first()
