"""People's names cached from Slack's users.info: refreshed when older than a day, deleted users marked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import union
from sqlmodel import Session, col, select

from storage.models import Issue, Person, ProjectDepartment, RoleAssignment, StandupAnswer, Win, as_utc, utcnow
from storage.privacy import clean, masked

MAX_AGE = dt.timedelta(days=1)


def cached_names(session: Session) -> dict[str, tuple[str, bool]]:
    """Every cached name by Slack id, with whether Slack said the user is deleted (a deleted user's name still reads
    better than an id); users Slack gave no name are left out."""
    rows = session.exec(select(Person.user_id, Person.name, Person.deleted).where(Person.name != ""))
    return {user_id: (name, deleted) for user_id, name, deleted in rows}  # columns, no ORM objects: read per card


def stale(session: Session, user_ids: set[str], now: dt.datetime | None = None) -> list[str]:
    """Of `user_ids`, those with no cached name or one older than MAX_AGE: the never cached first (by id), then the
    oldest first, so that a bounded refresh names the longest unnamed."""
    limit = (now or utcnow()) - MAX_AGE
    fetched = {
        user_id: as_utc(at)
        for user_id, at in session.exec(select(Person.user_id, Person.fetched_at).where(col(Person.user_id).in_(user_ids)))
    }
    never = sorted(u for u in user_ids if u not in fetched)
    old = sorted((at, u) for u, at in fetched.items() if at <= limit)
    return never + [u for _, u in old]


def remember(session: Session, user_id: str, name: str, *, deleted: bool) -> None:
    """Store what users.info said of one user, and commit. Slack's data is data: a name is never refused, and
    residents' data in it (a My Number in a display name) is masked (storage.privacy.masked), so that neither this
    write nor any card naming the person is stopped by the storage guard."""
    person = session.get(Person, user_id) or Person(user_id=user_id)
    person.name, person.deleted, person.fetched_at = masked(clean(name))[:200], deleted, utcnow()
    session.add(person)
    session.commit()


def project_people(session: Session, project_id: int) -> set[str]:
    """The Slack ids a project's digest and reports name: its issues' reporters and assignees, its wins' reporters,
    those who answered its stand-ups, its leads and managers, and the liaisons of its departments."""
    departments = select(ProjectDepartment.department_id).where(ProjectDepartment.project_id == project_id)
    statement: Any = union(
        select(Issue.reporter_id).where(Issue.project_id == project_id),
        select(Issue.assignee_id).where(Issue.project_id == project_id, col(Issue.assignee_id).is_not(None)),
        select(Win.reporter_id).where(Win.project_id == project_id),
        select(StandupAnswer.user_id).where(StandupAnswer.project_id == project_id),
        select(RoleAssignment.user_id).where(RoleAssignment.project_id == project_id),
        select(RoleAssignment.user_id).where(col(RoleAssignment.department_id).in_(departments)),
    )
    return {row[0] for row in session.execute(statement) if row[0]}


def listed_people(session: Session) -> set[str]:
    """Everyone holding a role (renkei.yml's admins, leads, managers and liaisons, and approved requests)."""
    return set(session.exec(select(RoleAssignment.user_id).distinct()))
