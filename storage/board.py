"""What the leads channel's board shows: every requirement with each department's rating, and the latest hearing's
answers per department. Read-only projections of the tables; commands/board.py words and sends them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.directory import project_departments
from storage.models import Department, Hearing, HearingAnswer, Project, Requirement, RequirementRating

NO_CANVAS = "-"  # Project.canvas_id when the workspace refused a canvas: the pinned message is the board


@dataclass(frozen=True)
class RequirementLine:
    """One requirement as the board shows it: its ratings by department id (a department missing has not rated)."""

    requirement: Requirement
    ratings: dict[int, str]

    def rating(self, department: Department) -> str | None:
        """The department's rating code, or None when it has not rated."""
        return self.ratings.get(department.id or 0)


@dataclass(frozen=True)
class HearingBlock:
    """The latest hearing: its questions, and each department's answers (user id, {question index: text})."""

    hearing: Hearing
    questions: list[str]
    answers: dict[int, list[tuple[str, dict[str, str]]]]

    def said(self, department: Department) -> list[tuple[str, str, str]]:
        """What the department answered: (user id, question, answer) for every answer that is not blank."""
        return [
            (user_id, question, str(answer.get(str(index), "")).strip())
            for user_id, answer in self.answers.get(department.id or 0, [])
            for index, question in enumerate(self.questions)
            if str(answer.get(str(index), "")).strip()
        ]


@dataclass(frozen=True)
class BoardData:
    departments: list[Department]  # the project's, in renkei.yml's order
    requirements: list[RequirementLine]
    hearing: HearingBlock | None


def board_data(session: Session, project_id: int) -> BoardData:
    """Everything the board of one project shows, read in four queries."""
    requirements = list(
        session.exec(select(Requirement).where(Requirement.project_id == project_id).order_by(col(Requirement.id)))
    )
    ratings: dict[int, dict[int, str]] = {}
    if requirements:
        rows = session.exec(
            select(RequirementRating).where(col(RequirementRating.requirement_id).in_([r.id for r in requirements]))
        )
        for rating in rows:
            ratings.setdefault(rating.requirement_id, {})[rating.department_id] = rating.rating
    hearing = session.exec(select(Hearing).where(Hearing.project_id == project_id).order_by(col(Hearing.id).desc())).first()
    block = None
    if hearing is not None:
        answers: dict[int, list[tuple[str, dict[str, str]]]] = {}
        for answer in session.exec(
            select(HearingAnswer).where(HearingAnswer.hearing_id == hearing.id).order_by(col(HearingAnswer.created_at))
        ):
            answers.setdefault(answer.department_id, []).append((answer.user_id, json.loads(answer.answers)))
        block = HearingBlock(hearing, [str(q) for q in json.loads(hearing.questions)], answers)
    return BoardData(
        project_departments(session, project_id),
        [RequirementLine(r, ratings.get(r.id or 0, {})) for r in requirements],
        block,
    )


def record_canvas(session: Session, project: Project, canvas_id: str | None) -> None:
    """Keep the leads channel's canvas id (NO_CANVAS: refused, None: to be made)."""
    project.canvas_id = canvas_id
    session.add(project)
    session.commit()
