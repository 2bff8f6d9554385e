"""Design reviews and acceptance tests (設計レビュー・受入テスト): sessions, departments' sign-ups and results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.directory import project_departments
from storage.enums import Role
from storage.guard import refuse_my_number, without_xml_invalid
from storage.ids import id_of
from storage.issues import NewIssue, create_issue
from storage.models import Department, Issue, Requirement, UatResult, UatSession, UatSignup, as_utc, utcnow
from storage.requirements import DROPPED
from storage.roles import grants
from storage.upsert import upsert

KINDS = ("review", "test")  # stored codes, worded by `uat.kind_<code>`
OK, PROBLEM = "ok", "problem"  # a result's outcome, worded by `uat.outcome_<code>`
RECENT = dt.timedelta(days=30)  # `/uat list` shows sessions this far back


def add_session(
    session: Session,
    *,
    project_id: int,
    title: str,
    kind: str,
    starts_at: dt.datetime,
    place: str | None,
    created_by: str,
) -> UatSession:
    """Store a session added with /uat add (`starts_at` aware)."""
    row = UatSession(
        project_id=project_id,
        title=title,
        kind=kind,
        starts_at=starts_at.astimezone(dt.timezone.utc),
        place=place,
        created_by=created_by,
    )
    session.add(row)
    session.commit()
    return row


def get_session(session: Session, number: int) -> UatSession | None:
    """Session number N, if it exists."""
    return session.get(UatSession, number) if 0 < number < 2**31 else None


def starts_of(row: UatSession) -> dt.datetime:
    """The session's start, aware (UTC)."""
    return as_utc(row.starts_at)


def active_sessions(session: Session) -> list[UatSession]:
    """Sessions not cancelled, every project's (the reminders are derived from them)."""
    statement = select(UatSession).where(UatSession.cancelled == False)  # noqa: E712
    return list(session.exec(statement.order_by(col(UatSession.id))))


def listed_sessions(session: Session, project_ids: set[int], now: dt.datetime) -> list[UatSession]:
    """The projects' sessions not cancelled, from RECENT ago on, by start."""
    statement = select(UatSession).where(
        col(UatSession.project_id).in_(project_ids),
        UatSession.cancelled == False,  # noqa: E712
        col(UatSession.starts_at) >= (now - RECENT).astimezone(dt.timezone.utc),
    )
    return list(session.exec(statement.order_by(col(UatSession.starts_at), col(UatSession.id))))


def signups_of(session: Session, session_id: int) -> dict[int, UatSignup]:
    """The sign-ups of a session by department."""
    rows = session.exec(select(UatSignup).where(UatSignup.session_id == session_id))
    return {row.department_id: row for row in rows}


def save_signup(session: Session, *, session_id: int, department_id: int, user_id: str, attendees: str) -> bool:
    """Sign a department up (or change who attends); True when it was signed up already. One statement (an upsert on
    the session and department): two liaisons of a department signing up at once both succeed, the later one wins."""
    earlier = department_id in signups_of(session, session_id)
    attendees = without_xml_invalid(attendees)  # a core INSERT: the session's guard (before_flush) does not see it
    refuse_my_number(attendees, "uatsignup.attendees")
    values = {"session_id": session_id, "department_id": department_id, "user_id": user_id, "attendees": attendees}
    upsert(
        session,
        UatSignup,
        {**values, "created_at": utcnow()},
        ["session_id", "department_id"],
        ["user_id", "attendees", "created_at"],
    )
    session.commit()
    return earlier


def results_of(session: Session, session_id: int) -> dict[int, list[UatResult]]:
    """A session's results by department, oldest first (a department may record several problems)."""
    found: dict[int, list[UatResult]] = {}
    rows = session.exec(select(UatResult).where(UatResult.session_id == session_id).order_by(col(UatResult.id)))
    for row in rows:
        found.setdefault(row.department_id, []).append(row)
    return found


def add_result(
    session: Session,
    *,
    session_id: int,
    department_id: int,
    user_id: str,
    outcome: str,
    note: str,
    requirement_id: int | None,
    issue_id: int | None,
) -> UatResult:
    """Store a department's result (the issue filed for a problem already made)."""
    row = UatResult(
        session_id=session_id,
        department_id=department_id,
        user_id=user_id,
        outcome=outcome,
        note=note,
        requirement_id=requirement_id,
        issue_id=issue_id,
    )
    session.add(row)
    session.commit()
    return row


def project_requirements(session: Session, project_id: int) -> list[Requirement]:
    """The project's requirements not dropped, by number (what a problem may concern)."""
    statement = select(Requirement).where(Requirement.project_id == project_id, Requirement.status != DROPPED)
    return list(session.exec(statement.order_by(col(Requirement.id))))


@dataclass(frozen=True)
class NextSession:
    """A coming session for the weekly digest: which, when, and the departments signed up or not yet."""

    number: int
    kind: str
    title: str
    starts_at: dt.datetime  # aware, UTC
    signed_up: list[str] = field(default_factory=list)  # department names
    not_yet: list[str] = field(default_factory=list)


def departments_split(session: Session, row: UatSession) -> tuple[list[Department], list[Department]]:
    """The project's departments signed up for the session, and those not yet."""
    signed = signups_of(session, id_of(row))
    departments = project_departments(session, row.project_id)
    return [d for d in departments if d.id in signed], [d for d in departments if d.id not in signed]


def next_sessions(session: Session, project_id: int, now: dt.datetime) -> list[NextSession]:
    """For the weekly digest: the next review and the next test of the project (those there are), by start."""
    statement = select(UatSession).where(
        UatSession.project_id == project_id,
        UatSession.cancelled == False,  # noqa: E712
        col(UatSession.starts_at) > now.astimezone(dt.timezone.utc),
    )
    found: dict[str, UatSession] = {}
    for row in session.exec(statement.order_by(col(UatSession.starts_at), col(UatSession.id))):
        found.setdefault(row.kind, row)
    out = []
    for row in sorted(found.values(), key=lambda r: (starts_of(r), id_of(r))):
        signed, waiting = departments_split(session, row)
        out.append(
            NextSession(
                number=id_of(row),
                kind=row.kind,
                title=row.title,
                starts_at=starts_of(row),
                signed_up=[d.name for d in signed],
                not_yet=[d.name for d in waiting],
            )
        )
    return out


@dataclass(frozen=True)
class SheetRow:
    """One row of the 受入テスト sheet: a session and one department, its sign-up and results."""

    uat: UatSession
    department: Department
    signup: UatSignup | None
    results: list[UatResult]


def sheet_rows(session: Session, project_id: int) -> list[SheetRow]:
    """Every session of the project (cancelled ones left out) × the project's departments, by start."""
    statement = select(UatSession).where(UatSession.project_id == project_id, UatSession.cancelled == False)  # noqa: E712
    departments = project_departments(session, project_id)
    rows = []
    for uat in session.exec(statement.order_by(col(UatSession.starts_at), col(UatSession.id))).all():
        signed, results = signups_of(session, id_of(uat)), results_of(session, id_of(uat))
        rows += [SheetRow(uat, d, signed.get(id_of(d)), results.get(id_of(d), [])) for d in departments]
    return rows


def owner_department(session: Session, uat: UatSession) -> Department | None:
    """The department that owns a session, the one that must act on the problems found there: the department of the
    person who added it (their IT department when they are a liaison of several, else the first in renkei.yml's
    order); for a session a lead or manager added, the project's IT department. None when there is neither."""
    departments = project_departments(session, uat.project_id)
    theirs = [d for d in departments if d.id in grants(session, uat.created_by).liaison_of]
    if theirs:
        return next((d for d in theirs if d.role == Role.IT), theirs[0])
    return next((d for d in departments if d.role == Role.IT), None)


def file_problem(
    session: Session,
    *,
    session_id: int,
    project_id: int,
    department_id: int,
    user_id: str,
    title: str,
    body: str,
    note: str,
    requirement_id: int | None,
    waiting_on_id: int | None = None,
) -> Issue:
    """A 問題あり result: a normal issue of the department (reporter the user) linked to the session and the
    requirement, waiting on the session's owner when that is another department (`waiting_on_id`: the caller
    decides, see `owner_department`), and the result pointing at it."""
    issue = create_issue(
        session=session,
        issue_in=NewIssue(
            project_id=project_id,
            department_id=department_id,
            reporter_id=user_id,
            title=title,
            body=body,
            waiting_on_id=waiting_on_id,
        ),
    )
    issue.uat_session_id, issue.requirement_id = session_id, requirement_id
    session.add(issue)  # committed with the result below: the issue's links and the result in one commit
    add_result(
        session,
        session_id=session_id,
        department_id=department_id,
        user_id=user_id,
        outcome=PROBLEM,
        note=note,
        requirement_id=requirement_id,
        issue_id=id_of(issue),
    )
    return issue


def issues_of_session(session: Session, session_id: int) -> list[Issue]:
    """The issues raised at a session, by number."""
    return list(session.exec(select(Issue).where(Issue.uat_session_id == session_id).order_by(col(Issue.id))))


def cancel_session(session: Session, number: int) -> bool:
    """Call a session off; False when it was already (one conditional UPDATE: two cancels at once, one wins)."""
    statement = (
        update(UatSession)
        .where(col(UatSession.id) == number, col(UatSession.cancelled).is_(False))
        .values(cancelled=True)
        .returning(col(UatSession.id))
    )
    changed = session.execute(statement).first() is not None  # RETURNING: rowcount is unreliable on psycopg
    session.commit()
    return changed


def session_id_titled(session: Session, title_start: str) -> int | None:
    """The number of a review or test whose title starts with `title_start` (the first the database returns), or None."""
    return session.exec(select(UatSession.id).where(col(UatSession.title).startswith(title_start))).first()
