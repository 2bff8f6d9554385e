"""Who may do what, and where a command applies: the one place every command asks.

`may(session, user_id, action, ...)` holds every permission rule. Roles count only when renkei.yml
gave them (source 'config') or a liaison or an admin approved a `/dept join` request (source 'approved').
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.directory import (
    GRANTED_SOURCES,
    all_departments,
    all_projects,
    department_channel_ids,
    is_it_department,
    users_with_role,
)
from storage.enums import RequestStatus, Role, RoleSource
from storage.ids import id_of
from storage.models import Department, Issue, Meeting, Project, ProjectDepartment, RoleAssignment, RoleRequest, utcnow


class Action(StrEnum):
    """Everything a permission rule decides; `may` answers for each."""

    VIEW_PROJECT = "view_project"  # list a project's issues, meetings, wins; its stand-up status
    VIEW_ISSUE = "view_issue"  # /issue show N
    FILE_ISSUE = "file_issue"  # /issue <text>, the /issue form
    CHANGE_ISSUE = "change_issue"  # take, resolve, reopen, escalate, assign
    IT_TAKE = "it_take"  # the IT department's 対応する button on an escalated issue
    IT_ANSWER = "it_answer"  # /issue answer N
    APPROVE_JOIN = "approve_join"  # approve or decline a /dept join request
    ADD_MEETING = "add_meeting"
    CANCEL_MEETING = "cancel_meeting"
    REPORT = "report"  # /report, /report digest
    SYNC = "sync"  # /dept sync
    ANSWER_STANDUP = "answer_standup"
    SHARE_WIN = "share_win"
    SHARE_PROJECT_WIN = "share_project_win"  # /win from the leads channel: a win of the whole project, no department
    LEAD_PROJECT = "lead_project"  # the rollout's steps: start or close a hearing, decide a requirement, the phase
    PROPOSE = "propose"  # /req add, /uat add: any member of the project
    SPEAK_FOR_DEPARTMENT = "speak_for_department"  # hearing answers, ratings, sign-ups, results, 振り返り


@dataclass(frozen=True)
class Grants:
    """The roles a user was given (renkei.yml or an approved request): nothing they made themselves."""

    admin: bool
    leads: frozenset[int]  # project ids
    manages: frozenset[int]  # project ids
    liaison_of: dict[int, str]  # department id -> source ('config' or 'approved')


def grants(session: Session, user_id: str) -> Grants:
    """The user's granted roles."""
    rows = session.exec(
        select(RoleAssignment).where(RoleAssignment.user_id == user_id, col(RoleAssignment.source).in_(GRANTED_SOURCES))
    ).all()
    liaison_of: dict[int, str] = {}
    for row in rows:
        if row.role == Role.LIAISON and row.department_id is not None and liaison_of.get(row.department_id) != RoleSource.CONFIG:
            liaison_of[row.department_id] = row.source
    return Grants(
        admin=any(r.role == Role.ADMIN for r in rows),
        leads=frozenset(r.project_id for r in rows if r.role == Role.LEAD and r.project_id is not None),
        manages=frozenset(r.project_id for r in rows if r.role == Role.MANAGER and r.project_id is not None),
        liaison_of=liaison_of,
    )


def admins(session: Session) -> list[str]:
    """The user ids of the admins renkei.yml names (the people told about deliveries given up on)."""
    statement = select(RoleAssignment.user_id).where(
        RoleAssignment.role == Role.ADMIN, col(RoleAssignment.source).in_(GRANTED_SOURCES)
    )
    return sorted(set(session.exec(statement)))


def _departments_of(session: Session, project_id: int | None) -> set[int]:
    if project_id is None:
        return set()
    return set(session.exec(select(ProjectDepartment.department_id).where(ProjectDepartment.project_id == project_id)))


def _it_departments(session: Session) -> set[int]:
    ids = session.exec(select(col(Department.id)).where(Department.role == Role.IT))
    return {department_id for department_id in ids if department_id is not None}  # a key is never NULL


def may(
    session: Session,
    user_id: str,
    action: Action | str,
    *,
    issue: Issue | None = None,
    project_id: int | None = None,
    department_id: int | None = None,
    meeting: Meeting | None = None,
) -> bool:
    """True when the user may do `action`: every permission rule of Renkei, in one place.

    Args:
        issue: for view_issue, change_issue, it_take, it_answer (its project is the project).
        project_id: for view_project, file_issue, share_win, share_project_win, add_meeting, report, answer_standup,
            lead_project, propose.
        department_id: for approve_join (the requested department), answer_standup and speak_for_department (the
            answering one).
        meeting: for cancel_meeting.

    A member of a project is an admin, its lead or manager, or a liaison of one of its departments
    (the IT department included). State (resolved, escalated) is checked by the commands, with their own words.
    """
    action = Action(action)
    if issue is not None:
        project_id = issue.project_id
    elif meeting is not None:
        project_id = meeting.project_id
    g = grants(session, user_id)
    in_project = _departments_of(session, project_id)
    my_departments = set(g.liaison_of) & in_project
    runs_project = g.admin or project_id in g.leads or project_id in g.manages
    member = runs_project or bool(my_departments)

    if action is Action.SYNC:
        return g.admin
    if action is Action.APPROVE_JOIN:
        return g.admin or g.liaison_of.get(_required(department_id, action)) == RoleSource.CONFIG
    if action in (Action.VIEW_PROJECT, Action.FILE_ISSUE, Action.SHARE_WIN, Action.ADD_MEETING):
        _required(project_id, action)
        return member
    if action in (Action.REPORT, Action.SHARE_PROJECT_WIN):
        _required(project_id, action)
        return runs_project
    if action is Action.LEAD_PROJECT:
        return g.admin or _required(project_id, action) in g.leads
    if action is Action.PROPOSE:
        _required(project_id, action)
        return member
    if action in (Action.ANSWER_STANDUP, Action.SPEAK_FOR_DEPARTMENT):  # only the department's own liaisons
        return _required(department_id, action) in my_departments
    if action is Action.CANCEL_MEETING:
        meeting = _required(meeting, action)
        return meeting.created_by == user_id or g.admin or meeting.project_id in g.leads
    issue = _required(issue, action)
    it_here = bool(my_departments & _it_departments(session))
    if action in (Action.IT_TAKE, Action.IT_ANSWER):
        return g.admin or it_here
    involved = user_id in (issue.reporter_id, issue.assignee_id)
    if action is Action.VIEW_ISSUE:
        return involved or member
    # CHANGE_ISSUE
    return (
        involved
        or runs_project
        or bool({issue.department_id, issue.waiting_on_id} & set(g.liaison_of))
        or (issue.escalated and it_here)
    )


def _required(value, action: Action):
    if value is None:
        raise ValueError(f"may({action.value!r}) needs its subject")
    return value


@dataclass(frozen=True)
class Where:
    """The project (and department, except in the leads channel) a command applies to."""

    project: Project
    department: Department | None


@dataclass(frozen=True)
class Ambiguous:
    """The user belongs to several project departments and typed outside their channels."""

    choices: list[Where]


@dataclass(frozen=True)
class Nowhere:
    """Nothing ties the user or the channel to a project department."""


def channel_where(session: Session, channel_id: str | None) -> Where | None:
    """The project department (or project leads) whose channel this is."""
    if not channel_id:
        return None
    row = session.exec(
        select(ProjectDepartment, Project, Department)
        .join(Project, col(Project.id) == ProjectDepartment.project_id)
        .join(Department, col(Department.id) == ProjectDepartment.department_id)
        .where(ProjectDepartment.channel_id == channel_id)
    ).first()
    if row is not None:
        return Where(project=row[1], department=row[2])
    project = session.exec(select(Project).where(Project.leads_channel_id == channel_id)).first()
    return Where(project=project, department=None) if project else None


def liaison_places(session: Session, user_id: str) -> list[Where]:
    """Every (project, department) where the user is a liaison, in a stable order."""
    rows = session.exec(
        select(Project, Department)
        .join(ProjectDepartment, col(ProjectDepartment.project_id) == Project.id)
        .join(Department, col(Department.id) == ProjectDepartment.department_id)
        .join(RoleAssignment, col(RoleAssignment.department_id) == Department.id)
        .where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.role == Role.LIAISON,
            col(RoleAssignment.source).in_(GRANTED_SOURCES),
        )
        .order_by(col(Project.id), col(ProjectDepartment.id))
    ).all()
    seen, places = set(), []
    for project, department in rows:
        if (project.id, department.id) not in seen:
            seen.add((project.id, department.id))
            places.append(Where(project=project, department=department))
    return places


def member_projects(session: Session, user_id: str) -> list[Project]:
    """Projects the user takes part in: as a liaison of one of its departments, a lead or a manager."""
    ids: set[int | None] = {w.project.id for w in liaison_places(session, user_id)}
    ids |= set(
        session.exec(
            select(RoleAssignment.project_id).where(
                RoleAssignment.user_id == user_id,
                col(RoleAssignment.role).in_([Role.LEAD, Role.MANAGER]),
                col(RoleAssignment.source).in_(GRANTED_SOURCES),
            )
        )
    )
    ids.discard(None)
    return list(session.exec(select(Project).where(col(Project.id).in_(ids)).order_by(col(Project.id)))) if ids else []


def viewable_projects(session: Session, user_id: str) -> list[Project]:
    """Every project the user may read (`may(view_project)`): their own ones; every one for an admin."""
    return [p for p in all_projects(session) if may(session, user_id, Action.VIEW_PROJECT, project_id=p.id)]


def resolve_where(
    session: Session, *, user_id: str, channel_id: str | None, department: Department | None = None
) -> Where | Ambiguous | Nowhere:
    """Where a command applies.

    In a project channel: that project and its department (or the named one, in that project). Elsewhere:
    the named department (in the projects where the user is its liaison, else in their own projects), or the
    department where the user is a liaison; when that leaves several places, the answer is Ambiguous.
    """
    in_channel = channel_where(session, channel_id)
    if department is None:
        if in_channel is not None:
            return in_channel
        places = liaison_places(session, user_id)
    else:
        projects = _projects_of(session, department)
        if in_channel is not None:
            projects = [p for p in projects if p.id == in_channel.project.id]
        if len(projects) > 1:  # the projects where the user is this department's liaison, else their own projects
            liaison = {
                w.project.id for w in liaison_places(session, user_id) if w.department and w.department.id == department.id
            }
            mine = {p.id for p in member_projects(session, user_id)}
            projects = [p for p in projects if p.id in liaison] or [p for p in projects if p.id in mine] or projects
        places = [Where(project, department) for project in projects]
    if len(places) == 1:
        return places[0]
    return Ambiguous(places) if places else Nowhere()


def _projects_of(session: Session, department: Department) -> list[Project]:
    return list(
        session.exec(
            select(Project)
            .join(ProjectDepartment, col(ProjectDepartment.project_id) == Project.id)
            .where(ProjectDepartment.department_id == department.id)
            .order_by(col(Project.id))
        )
    )


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().lstrip("#")


def find_department(session: Session, text: str) -> Department | None:
    """A department by slug or by Japanese name (full-width letters and `#` tolerated)."""
    wanted = _normal(text)
    if not wanted:
        return None
    for department in all_departments(session):
        if wanted in (department.slug, _normal(department.name)):
            return department
    return None


_UNIT_SUFFIXES = ("課", "部", "室", "局", "係", "センター")


def department_named_in(text: str, departments: list[Department]) -> Department | None:
    """The department a free text names first (`市民課から様式が届かない` → 市民課): by its name, its short form (the
    name without 課・部・室・局・係・センター, two characters or more: `市民から`, `国保年金の`), or its slug as a word.
    Folded (NFKC, lower case) on both sides; None when the text names none."""
    folded = _normal(text)
    found: list[tuple[int, int, Department]] = []
    for department in departments:
        name = _normal(department.name)
        forms = {name}
        for suffix in _UNIT_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                forms.add(name.removesuffix(suffix))
        for form in forms:
            at = folded.find(form)
            if at >= 0:
                found.append((at, -len(form), department))
        slug = re.search(rf"(?<![a-z0-9_-]){re.escape(department.slug)}(?![a-z0-9_-])", folded)
        if slug:
            found.append((slug.start(), -len(department.slug), department))
    return min(found, key=lambda f: (f[0], f[1]))[2] if found else None


def is_liaison(session: Session, user_id: str, department_id: int) -> bool:
    """True when the user was granted the department's liaison role (renkei.yml or an approved request)."""
    return department_id in grants(session, user_id).liaison_of


def approvers(session: Session, department_id: int) -> list[str]:
    """Who may approve a request to join the department: its liaisons from renkei.yml (admins too, see `may`)."""
    return sorted(
        set(
            session.exec(
                select(RoleAssignment.user_id).where(
                    RoleAssignment.role == Role.LIAISON,
                    RoleAssignment.department_id == department_id,
                    RoleAssignment.source == RoleSource.CONFIG,
                )
            )
        )
    )


def pending_request(session: Session, user_id: str, department_id: int) -> RoleRequest | None:
    """The user's request to join the department that nobody has decided yet."""
    return session.exec(
        select(RoleRequest).where(
            RoleRequest.user_id == user_id,
            RoleRequest.department_id == department_id,
            RoleRequest.status == RequestStatus.PENDING,
        )
    ).first()


def get_role_request(session: Session, request_id: int) -> RoleRequest | None:
    """A `/dept join` request by id as stored now (read again: after a decision, or another process's), if any."""
    return session.get(RoleRequest, request_id, populate_existing=True) if 0 < request_id < 2**31 else None


def join_request_targets(session: Session, department_id: int) -> tuple[list[str], bool]:
    """Where a join request goes, and whether those are channels: the department's project channels;
    without any (before `renkei sync`), the DMs of its liaisons from renkei.yml, else of the administrators."""
    channels = department_channel_ids(session, department_id)
    if channels:
        return channels, True
    return approvers(session, department_id) or users_with_role(session, Role.ADMIN), False


def request_join(session: Session, user_id: str, department: Department) -> tuple[str, RoleRequest | None]:
    """Ask to become the department's liaison; nothing is granted until someone allowed approves.

    Returns ('requested', the new request), ('pending', the open one), ('member', None) when the user
    already is a liaison, or ('it', None): the IT department's liaisons come only from renkei.yml.
    """
    if is_it_department(department):
        return "it", None
    department_id = id_of(department)
    if is_liaison(session, user_id, department_id):
        return "member", None
    waiting = pending_request(session, user_id, department_id)
    if waiting is not None:
        return "pending", waiting
    request = RoleRequest(user_id=user_id, department_id=department_id, status=RequestStatus.PENDING)
    session.add(request)
    session.commit()
    return "requested", request


def decide_request(session: Session, request_id: int, decider_id: str, *, approve: bool) -> bool:
    """Approve (the requester becomes a liaison, source 'approved') or decline a pending request.

    The caller has asked `may(approve_join)`. A request is decided once: a second click (or a
    click on another copy of the card) changes nothing and returns False.
    """
    status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    result = session.exec(
        update(RoleRequest)
        .where(col(RoleRequest.id) == request_id, col(RoleRequest.status) == RequestStatus.PENDING)
        .values(status=status, decided_by=decider_id, decided_at=utcnow())
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    request = session.get(RoleRequest, request_id)
    if request is None:
        raise LookupError(f"join request {request_id} is gone")
    session.refresh(request)
    if approve and not is_liaison(session, request.user_id, request.department_id):
        session.add(
            RoleAssignment(
                user_id=request.user_id, role=Role.LIAISON, department_id=request.department_id, source=RoleSource.APPROVED
            )
        )
    session.commit()
    return True


def leave_department(session: Session, user_id: str, department: Department) -> str:
    """Drop a liaison role granted by an approved request: 'left', 'config' (only renkei.yml can) or 'not_member'."""
    roles = session.exec(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user_id, RoleAssignment.role == Role.LIAISON, RoleAssignment.department_id == department.id
        )
    ).all()
    if not roles:
        return "not_member"
    if any(r.source == RoleSource.CONFIG for r in roles):
        return "config"
    for role in roles:
        session.delete(role)
    session.commit()
    return "left"
