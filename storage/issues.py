"""Issues (課題) and their history: every change is an event; transitions happen once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.enums import EventKind, IssueStatus, Severity
from storage.ids import id_of
from storage.models import Department, Issue, IssueEvent, Project, utcnow

UNRESOLVED = frozenset({IssueStatus.OPEN, IssueStatus.IN_PROGRESS})
BOT_ACTOR = "renkei"  # the actor of the events Renkei's own jobs record (a department reminded, the leads alerted)


@dataclass(frozen=True)
class NewIssue:
    """What a liaison reports: the project and department it belongs to, and its text."""

    project_id: int
    department_id: int
    reporter_id: str
    title: str
    body: str = ""
    severity: str = Severity.NORMAL
    waiting_on_id: int | None = None
    due_date: dt.date | None = None


def add_event(
    session: Session, issue_id: int, actor_id: str, kind: EventKind, note: str | None = None, at: dt.datetime | None = None
) -> IssueEvent:
    """Record one change in an issue's history (not committed)."""
    event = IssueEvent(issue_id=issue_id, actor_id=actor_id, kind=kind, note=note or None, created_at=at or utcnow())
    session.add(event)
    return event


def create_issue(*, session: Session, issue_in: NewIssue) -> Issue:
    """Store a new issue with its 'created' event; its id is the number shown as #N."""
    now = utcnow()
    issue = Issue(
        project_id=issue_in.project_id,
        department_id=issue_in.department_id,
        reporter_id=issue_in.reporter_id,
        title=issue_in.title,
        body=issue_in.body,
        severity=issue_in.severity,
        waiting_on_id=issue_in.waiting_on_id,
        due_date=issue_in.due_date,
        created_at=now,
        updated_at=now,
    )
    session.add(issue)
    session.flush()
    add_event(session, id_of(issue), issue_in.reporter_id, EventKind.CREATED, at=now)
    if issue_in.waiting_on_id is not None:
        add_event(session, id_of(issue), issue_in.reporter_id, EventKind.WAITING, at=now)
    session.commit()
    return issue


def _transition(
    session: Session,
    issue: Issue,
    actor_id: str,
    kind: EventKind,
    note: str | None,
    *,
    allowed_from: Collection[IssueStatus],
    values: dict,
) -> bool:
    """Change an issue only if it is still in one of `allowed_from`: two clicks at once change it once."""
    now = utcnow()
    result = session.exec(
        update(Issue).where(col(Issue.id) == issue.id, col(Issue.status).in_(allowed_from)).values(updated_at=now, **values)
    )
    if result.rowcount != 1:
        session.rollback()
        session.refresh(issue)
        return False
    add_event(session, id_of(issue), actor_id, kind, note, at=now)
    session.commit()
    session.refresh(issue)
    return True


def is_resolved(issue: Issue) -> bool:
    """True once the issue is resolved: it can no longer be taken, assigned or escalated (only reopened)."""
    return issue.status == IssueStatus.RESOLVED


def take_issue(session: Session, issue: Issue, actor_id: str) -> bool:
    """The actor takes the issue (担当する): it becomes in progress with them as assignee."""
    return _transition(
        session,
        issue,
        actor_id,
        EventKind.TAKEN,
        None,
        allowed_from={IssueStatus.OPEN},
        values={"status": IssueStatus.IN_PROGRESS, "assignee_id": actor_id},
    )


def assign_issue(session: Session, issue: Issue, actor_id: str, assignee_id: str) -> bool:
    """Give the issue to someone; an open issue becomes in progress."""
    if issue.assignee_id == assignee_id and issue.status == IssueStatus.IN_PROGRESS:
        return False
    return _transition(
        session,
        issue,
        actor_id,
        EventKind.ASSIGNED,
        assignee_id,
        allowed_from=UNRESOLVED,
        values={"status": IssueStatus.IN_PROGRESS, "assignee_id": assignee_id},
    )


def resolve_issue(session: Session, issue: Issue, actor_id: str, note: str = "") -> bool:
    """Mark the issue resolved (解決)."""
    return _transition(
        session,
        issue,
        actor_id,
        EventKind.RESOLVED,
        note,
        allowed_from=UNRESOLVED,
        values={"status": IssueStatus.RESOLVED, "resolved_at": utcnow()},
    )


def reopen_issue(session: Session, issue: Issue, actor_id: str, note: str = "") -> bool:
    """Open a resolved issue again (再開), with why."""
    return _transition(
        session,
        issue,
        actor_id,
        EventKind.REOPENED,
        note,
        allowed_from={IssueStatus.RESOLVED},
        values={"status": IssueStatus.OPEN, "resolved_at": None},
    )


def escalate_to_it(session: Session, issue: Issue, actor_id: str, note: str = "") -> bool:
    """Flag the issue as escalated to the IT department (相談); once only while it stays unresolved."""
    return _ask_it(session, issue, actor_id, note, again=False)


def ask_it_again(session: Session, issue: Issue, actor_id: str, note: str = "") -> bool:
    """The reporter's answer to IT's answer when it did not solve it: IT is asked again (an `escalated` event with the
    note; the answer stays in the history and leaves the issue, so IT answers anew). Only while IT has answered and
    the issue is unresolved; False otherwise (a second press, an issue resolved meanwhile)."""
    return _ask_it(session, issue, actor_id, note, again=True)


def _ask_it(session: Session, issue: Issue, actor_id: str, note: str, *, again: bool) -> bool:
    """One conditional UPDATE and its `escalated` event: the first time (not escalated yet), or `again` (IT has
    answered: the answer leaves the issue). False when the issue is not in that state (resolved, asked already)."""
    now = utcnow()
    values: dict[str, bool | None]
    if again:
        state, values = [col(Issue.escalated) == True, col(Issue.it_answer).is_not(None)], {"it_answer": None}  # noqa: E712
    else:
        state, values = [col(Issue.escalated) == False], {"escalated": True}  # noqa: E712
    result = session.exec(
        update(Issue)
        .where(col(Issue.id) == issue.id, col(Issue.status) != IssueStatus.RESOLVED, *state)
        .values(**values, updated_at=now)
    )
    if result.rowcount != 1:
        session.rollback()
        session.refresh(issue)
        return False
    add_event(session, id_of(issue), actor_id, EventKind.ESCALATED, note, at=now)
    session.commit()
    session.refresh(issue)
    return True


def it_takes(session: Session, issue: Issue, actor_id: str) -> bool:
    """An IT member takes an escalated issue; recorded once per member. An issue nobody had taken yet becomes
    theirs (in progress); one already in someone's hands stays there. False when the member had taken it already."""
    taken = session.exec(
        select(IssueEvent).where(
            IssueEvent.issue_id == issue.id, IssueEvent.kind == EventKind.IT_TAKEN, IssueEvent.actor_id == actor_id
        )
    ).first()
    if taken is not None:
        return False
    add_event(session, id_of(issue), actor_id, EventKind.IT_TAKEN)
    session.commit()
    if issue.status == IssueStatus.OPEN:
        take_issue(session, issue, actor_id)
    return True


def record_it_answer(session: Session, issue: Issue, actor_id: str, answer: str) -> None:
    """Keep the IT department's answer on the issue and in its history."""
    issue.it_answer = answer
    issue.updated_at = utcnow()
    session.add(issue)
    add_event(session, id_of(issue), actor_id, EventKind.ANSWERED, answer)
    session.commit()


def open_issue_titled(session: Session, project_id: int, reporter_id: str, title: str) -> Issue | None:
    """The reporter's unresolved issue of the project with this title, if any (a stand-up blocker filed already)."""
    return session.exec(
        select(Issue)
        .where(
            Issue.project_id == project_id,
            Issue.reporter_id == reporter_id,
            Issue.title == title,
            col(Issue.status) != IssueStatus.RESOLVED,
        )
        .order_by(col(Issue.id))
    ).first()


def get_issue(session: Session, number: int) -> Issue | None:
    """The issue shown as #number, if it exists."""
    return session.get(Issue, number) if 0 < number < 2**31 else None


def history(session: Session, issue_id: int) -> list[IssueEvent]:
    """The issue's events, oldest first."""
    return list(
        session.exec(
            select(IssueEvent).where(IssueEvent.issue_id == issue_id).order_by(col(IssueEvent.created_at), col(IssueEvent.id))
        )
    )


def list_issues(
    session: Session,
    *,
    project_ids: set[int],
    scope: str = "open",
    user_id: str | None = None,
    department_id: int | None = None,
    limit: int = 30,
) -> list[Issue]:
    """Issues of the projects, newest first: open (default), all, mine (reported or assigned), or a department's
    (its own or those waiting on it; open ones only)."""
    statement = select(Issue).where(col(Issue.project_id).in_(project_ids))
    if scope != "all":
        statement = statement.where(Issue.status != IssueStatus.RESOLVED)
    if scope == "mine":
        statement = statement.where(or_(col(Issue.reporter_id) == user_id, col(Issue.assignee_id) == user_id))
    if scope == "department":
        statement = statement.where(or_(col(Issue.department_id) == department_id, col(Issue.waiting_on_id) == department_id))
    return list(session.exec(statement.order_by(col(Issue.id).desc()).limit(limit)))


def unresolved_issues(session: Session, project_id: int) -> list[Issue]:
    """Every unresolved issue of a project, oldest first."""
    statement = select(Issue).where(Issue.project_id == project_id, Issue.status != IssueStatus.RESOLVED)
    return list(session.exec(statement.order_by(col(Issue.id))))


def has_event(session: Session, issue_id: int, kind: EventKind, note: str | None = None) -> bool:
    """True when the issue's history holds such an event (with that note, if given)."""
    statement = select(IssueEvent.id).where(IssueEvent.issue_id == issue_id, IssueEvent.kind == kind)
    if note is not None:
        statement = statement.where(IssueEvent.note == note)
    return session.exec(statement).first() is not None


def names(session: Session) -> tuple[dict[int, Department], dict[int, Project]]:
    """Departments and projects by id, for showing issues."""
    return ({id_of(d): d for d in session.exec(select(Department))}, {id_of(p): p for p in session.exec(select(Project))})


def issue_id_titled(session: Session, title_start: str) -> int | None:
    """The number of an issue whose title starts with `title_start` (the first the database returns), or None."""
    return session.exec(select(Issue.id).where(col(Issue.title).startswith(title_start))).first()
