"""Who may do what, and where a command applies: the one place every command asks."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlmodel import Session, select

from storage.directory import ADMIN, LEAD, LIAISON, MANAGER
from storage.models import Department, Project, ProjectDepartment, RoleAssignment

IT = "it"  # not stored: every liaison of a `role: it` department holds it


def has_role(session: Session, user_id: str, *roles: str, project_id: int | None = None) -> bool:
    """True when the user holds one of `roles` (in `project_id`, for project roles); admins hold every role.

    Args:
        roles: any of admin, lead, manager, liaison, it.
        project_id: the project a lead/manager/liaison/it role must belong to; None means any.
    """
    assignments = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id)).all()
    if any(a.role == ADMIN for a in assignments):
        return True
    project_departments = None
    if project_id is not None:
        project_departments = set(session.exec(
            select(ProjectDepartment.department_id).where(ProjectDepartment.project_id == project_id)))
    for assignment in assignments:
        if assignment.role in (LEAD, MANAGER) and assignment.role in roles:
            if project_id is None or assignment.project_id == project_id:
                return True
        if assignment.role == LIAISON and (LIAISON in roles or IT in roles):
            if project_departments is not None and assignment.department_id not in project_departments:
                continue
            if LIAISON in roles:
                return True
            department = session.get(Department, assignment.department_id)
            if department is not None and department.role == IT:
                return True
    return False


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
    row = session.exec(select(ProjectDepartment, Project, Department)
                       .join(Project, Project.id == ProjectDepartment.project_id)
                       .join(Department, Department.id == ProjectDepartment.department_id)
                       .where(ProjectDepartment.channel_id == channel_id)).first()
    if row is not None:
        return Where(project=row[1], department=row[2])
    project = session.exec(select(Project).where(Project.leads_channel_id == channel_id)).first()
    return Where(project=project, department=None) if project else None


def liaison_places(session: Session, user_id: str) -> list[Where]:
    """Every (project, department) where the user is a liaison, in a stable order."""
    rows = session.exec(select(Project, Department)
                        .join(ProjectDepartment, ProjectDepartment.project_id == Project.id)
                        .join(Department, Department.id == ProjectDepartment.department_id)
                        .join(RoleAssignment, RoleAssignment.department_id == Department.id)
                        .where(RoleAssignment.user_id == user_id, RoleAssignment.role == LIAISON)
                        .order_by(Project.id, ProjectDepartment.id)).all()
    seen, places = set(), []
    for project, department in rows:
        if (project.id, department.id) not in seen:
            seen.add((project.id, department.id))
            places.append(Where(project=project, department=department))
    return places


def member_projects(session: Session, user_id: str) -> list[Project]:
    """Projects the user takes part in: as a liaison of one of its departments, a lead or a manager."""
    ids = {w.project.id for w in liaison_places(session, user_id)}
    ids |= set(session.exec(select(RoleAssignment.project_id).where(RoleAssignment.user_id == user_id,
                                                                    RoleAssignment.role.in_([LEAD, MANAGER]))))
    ids.discard(None)
    return list(session.exec(select(Project).where(Project.id.in_(ids)).order_by(Project.id))) if ids else []


def resolve_where(session: Session, *, user_id: str, channel_id: str | None,
                  department: Department | None = None) -> Where | Ambiguous | Nowhere:
    """Where a command applies.

    In a project channel: that project and its department (or the named one). Elsewhere:
    the named department, or the department where the user is a liaison; when that
    leaves several projects, the answer is Ambiguous.
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
        if len(projects) > 1:
            mine = {w.project.id for w in liaison_places(session, user_id)}
            projects = [p for p in projects if p.id in mine] or projects
        places = [Where(project, department) for project in projects]
    if len(places) == 1:
        return places[0]
    return Ambiguous(places) if places else Nowhere()


def _projects_of(session: Session, department: Department) -> list[Project]:
    return list(session.exec(select(Project).join(ProjectDepartment, ProjectDepartment.project_id == Project.id)
                             .where(ProjectDepartment.department_id == department.id).order_by(Project.id)))


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().lstrip("#")


def find_department(session: Session, text: str) -> Department | None:
    """A department by slug or by Japanese name (full-width letters and `#` tolerated)."""
    wanted = _normal(text)
    if not wanted:
        return None
    for department in session.exec(select(Department).order_by(Department.id)):
        if wanted in (department.slug, _normal(department.name)):
            return department
    return None


def join_department(session: Session, user_id: str, department: Department) -> bool:
    """Make the user a liaison of the department; False when they already were."""
    if session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id, RoleAssignment.role == LIAISON,
                                                 RoleAssignment.department_id == department.id)).first():
        return False
    session.add(RoleAssignment(user_id=user_id, role=LIAISON, department_id=department.id, source="self"))
    session.commit()
    return True


def leave_department(session: Session, user_id: str, department: Department) -> str:
    """Drop a liaison role the user took with /dept join: 'left', 'config' (only renkei.yml can) or 'not_member'."""
    roles = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user_id, RoleAssignment.role == LIAISON,
                                                      RoleAssignment.department_id == department.id)).all()
    if not roles:
        return "not_member"
    own = [r for r in roles if r.source != "config"]
    if not own:
        return "config"
    for role in own:
        session.delete(role)
    session.commit()
    return "left"
