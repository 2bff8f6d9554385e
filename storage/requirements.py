"""Requirements (要件): proposed in plain words, rated by every department of the project, decided by a lead.

Codes are stored in English (status `proposed`, `agreed`, `on_hold`, `dropped`; rating `required`, `nice`,
`not_needed`, `no_effect`) and worded by the catalogs (`req.status.<code>`, `req.rating.<code>`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.directory import project_departments
from storage.guard import refuse_my_number, without_xml_invalid
from storage.ids import id_of
from storage.models import Department, Requirement, RequirementRating, utcnow
from storage.upsert import upsert

PROPOSED, AGREED, ON_HOLD, DROPPED = "proposed", "agreed", "on_hold", "dropped"
STATUSES = (PROPOSED, AGREED, ON_HOLD, DROPPED)
REQUIRED, NICE, NOT_NEEDED, NO_EFFECT = "required", "nice", "not_needed", "no_effect"
RATINGS = (REQUIRED, NICE, NOT_NEEDED, NO_EFFECT)
# What a lead may decide from each status: a proposal is decided once; one on hold may be decided again (agreed or
# dropped, or its reason renewed by holding it again); agreed and dropped are final.
DECISIONS = {PROPOSED: (AGREED, ON_HOLD, DROPPED), ON_HOLD: (AGREED, ON_HOLD, DROPPED), AGREED: (), DROPPED: ()}


def ratings_disagree(ratings: Iterable[str]) -> bool:
    """The disagreement rule: at least one department rates a requirement 必須 (required) and another 不要
    (not_needed). あれば良い and 影響なし never make a disagreement."""
    given = set(ratings)
    return REQUIRED in given and NOT_NEEDED in given


def create_requirement(
    session: Session, *, project_id: int, department_id: int | None, proposed_by: str, text: str, effect: str
) -> Requirement:
    """Store a proposed requirement (department None: proposed by the project's leads)."""
    now = utcnow()
    requirement = Requirement(
        project_id=project_id,
        department_id=department_id,
        proposed_by=proposed_by,
        text=text,
        effect=effect,
        created_at=now,
        updated_at=now,
    )
    session.add(requirement)
    session.commit()
    session.refresh(requirement)
    return requirement


def get_requirement(session: Session, number: int) -> Requirement | None:
    """Requirement `number`, if there is one (a number from a button or a form is checked, not trusted: a value past
    the database's integers is none)."""
    return session.get(Requirement, number) if 0 < number < 2**31 else None


def ratings_of(session: Session, requirement_id: int) -> dict[int, RequirementRating]:
    """The requirement's ratings by department id."""
    rows = session.exec(select(RequirementRating).where(RequirementRating.requirement_id == requirement_id))
    return {r.department_id: r for r in rows}


class NotOpen(Exception):
    """The requirement was decided (or put on hold) before the rating could be written: nothing was stored."""


def rate(session: Session, requirement: Requirement, *, department_id: int, user_id: str, rating: str) -> str | None:
    """Record (or change) the department's rating of an open requirement; returns the rating it had before (None for
    a first rating). The requirement's `updated_at` moves, which versions its cards.

    One conditional write first: the requirement's row is claimed only while it is still proposed (a decision made
    meanwhile, by another lead's press, wins: NotOpen is raised and nothing is stored); a decision racing this rating
    waits for it, then finds it stored."""
    if rating not in RATINGS:
        raise ValueError(f"unknown rating {rating!r}")
    now = utcnow()
    claim = (
        update(Requirement)
        .where(col(Requirement.id) == id_of(requirement), col(Requirement.status) == PROPOSED)
        .values(updated_at=now)
        .returning(col(Requirement.id))
    )
    if session.execute(claim).first() is None:  # RETURNING: rowcount is unreliable on psycopg
        session.rollback()
        session.refresh(requirement)
        raise NotOpen(id_of(requirement))
    before = ratings_of(session, id_of(requirement)).get(department_id)
    previous = before.rating if before else None
    upsert(
        session,
        RequirementRating,
        {
            "requirement_id": id_of(requirement),
            "department_id": department_id,
            "rating": rating,
            "user_id": user_id,
            "updated_at": now,
        },
        ["requirement_id", "department_id"],
        ["rating", "user_id", "updated_at"],
    )
    session.commit()
    session.refresh(requirement)
    return previous


def decide(session: Session, requirement: Requirement, *, status: str, reason: str, user_id: str) -> bool:
    """Agree, hold or drop the requirement with the reason; False (nothing changed) when its status does not allow it
    (see DECISIONS). One conditional UPDATE: two leads deciding at once cannot both decide a proposal."""
    reason = without_xml_invalid(reason)  # a core UPDATE: the session's guard (before_flush) does not see it
    refuse_my_number(reason, "requirement.reason")
    allowed_from = [current for current, targets in DECISIONS.items() if status in targets]
    now = utcnow()
    statement = (
        update(Requirement)
        .where(col(Requirement.id) == id_of(requirement), col(Requirement.status).in_(allowed_from))
        .values(status=status, reason=reason, decided_by=user_id, decided_at=now, updated_at=now)
        .returning(col(Requirement.id))
    )
    changed = session.execute(statement).first() is not None  # RETURNING: rowcount is unreliable on psycopg
    session.commit()
    session.refresh(requirement)
    return changed


def list_requirements(session: Session, project_ids: set[int], status: str | None = None) -> list[Requirement]:
    """The projects' requirements by number, of one status (None: every one)."""
    statement = select(Requirement).where(col(Requirement.project_id).in_(project_ids))
    if status is not None:
        statement = statement.where(Requirement.status == status)
    return list(session.exec(statement.order_by(col(Requirement.id))))


@dataclass(frozen=True)
class RequirementRow:
    """One requirement with its ratings, as plain data: the board, the report sheet, the digest read it."""

    number: int
    text: str
    effect: str
    status: str
    reason: str
    department: str  # the proposing department's name; "" when the leads proposed it
    proposed_by: str
    decided_by: str | None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    ratings: dict[str, str]  # department name -> rating code, only the departments that rated

    @property
    def disagrees(self) -> bool:
        return ratings_disagree(self.ratings.values())


@dataclass(frozen=True)
class RequirementsTable:
    """Every requirement of a project, and the project's departments in project order (one rating column each)."""

    departments: list[str]
    rows: list[RequirementRow]


def _row(requirement: Requirement, ratings: list[RequirementRating], names: dict[int, str]) -> RequirementRow:
    return RequirementRow(
        number=id_of(requirement),
        text=requirement.text,
        effect=requirement.effect,
        status=requirement.status,
        reason=requirement.reason or "",
        department=names.get(requirement.department_id or 0, ""),
        proposed_by=requirement.proposed_by,
        decided_by=requirement.decided_by,
        created_at=requirement.created_at,
        decided_at=requirement.decided_at,
        ratings={names[r.department_id]: r.rating for r in ratings if r.department_id in names},
    )


def requirements_table(session: Session, project_id: int, status: str | None = None) -> RequirementsTable:
    """All requirements of the project (of one status, with `status`) with each department's rating: for a board in
    the leads channel and the report's 要件 sheet."""
    departments = project_departments(session, project_id)
    names = {id_of(d): d.name for d in departments}
    requirements = list_requirements(session, {project_id}, status)
    by_requirement: dict[int, list[RequirementRating]] = {}
    if requirements:
        rows = session.exec(
            select(RequirementRating).where(col(RequirementRating.requirement_id).in_([id_of(r) for r in requirements]))
        )
        for rating in rows:
            by_requirement.setdefault(rating.requirement_id, []).append(rating)
    in_project = set(names)
    proposers = {r.department_id for r in requirements if r.department_id and r.department_id not in names}
    if proposers:  # a proposing department that has since left the project is still named
        for department in session.exec(select(Department).where(col(Department.id).in_(proposers))):
            names.setdefault(id_of(department), department.name)
    return RequirementsTable(
        departments=[d.name for d in departments],
        rows=[
            _row(r, [x for x in by_requirement.get(id_of(r), []) if x.department_id in in_project], names) for r in requirements
        ],
    )


@dataclass(frozen=True)
class Disagreement:
    """An open requirement whose departments disagree: the agenda of the project's next regular meeting."""

    number: int
    text: str
    required: list[str]  # names of the departments rating it 必須
    not_needed: list[str]  # names of the departments rating it 不要


def disagreements(session: Session, project_id: int) -> list[Disagreement]:
    """The project's open (proposed) requirements whose ratings disagree (`ratings_disagree`), by number."""
    table = requirements_table(session, project_id, PROPOSED)
    return [
        Disagreement(
            number=row.number,
            text=row.text,
            required=[d for d in table.departments if row.ratings.get(d) == REQUIRED],
            not_needed=[d for d in table.departments if row.ratings.get(d) == NOT_NEEDED],
        )
        for row in table.rows
        if row.disagrees
    ]


def awaiting_agreement(session: Session, project_id: int) -> list[tuple[Requirement, list[str], list[str]]]:
    """For the weekly digest: each open (proposed) requirement of the project, by number, with the names of the
    departments that disagree (those rating it 必須 and 不要, when `ratings_disagree`; else none) and of those that
    have not rated it yet. Requirements on hold wait for a lead, not for the departments: they are left out."""
    departments = project_departments(session, project_id)
    found = []
    for requirement in list_requirements(session, {project_id}, PROPOSED):
        ratings = ratings_of(session, id_of(requirement))
        given = {id_of(d): ratings[id_of(d)].rating for d in departments if id_of(d) in ratings}
        split = ratings_disagree(given.values())
        disagreeing = [d.name for d in departments if split and given.get(id_of(d)) in (REQUIRED, NOT_NEEDED)]
        unrated = [d.name for d in departments if id_of(d) not in given]
        found.append((requirement, disagreeing, unrated))
    return found
