"""Departments, projects and roles: the project file mirrored in the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from storage.board import NO_CANVAS
from storage.enums import MeetingSource, Role, RoleSource
from storage.ids import id_of
from storage.models import Department, Meeting, Project, ProjectDepartment, RoleAssignment
from storage.projectfile import ProjectFile, ProjectSpec

# Where a role comes from: renkei.yml, or a `/dept join` request that a liaison or an admin approved.
# Nothing else grants anything (rows a user once made for themselves, source 'self', are ignored).
GRANTED_SOURCES = (RoleSource.CONFIG, RoleSource.APPROVED)
LEAD, LIAISON = Role.LEAD, Role.LIAISON  # old names, still imported by tests/test_storage.py; new code uses Role


def _upsert_department(session: Session, slug: str, name: str, role: str | None) -> Department:
    department = session.exec(select(Department).where(Department.slug == slug)).first() or Department(slug=slug, name=name)
    department.name, department.role = name, role
    session.add(department)
    session.flush()
    return department


def _upsert_project(session: Session, slug: str, name: str, purpose: str, leads_channel: str) -> Project:
    project = session.exec(select(Project).where(Project.slug == slug)).first()
    if project is None:
        project = Project(slug=slug, name=name, leads_channel_name=leads_channel)
    if project.leads_channel_name != leads_channel:
        project.leads_channel_id = None  # renamed in the file: the next sync finds or makes the new one
    project.name, project.purpose, project.leads_channel_name = name, purpose, leads_channel
    if project.canvas_id == NO_CANVAS:  # refused before: the app's scopes or the workspace's plan may have changed
        project.canvas_id = None
    session.add(project)
    session.flush()
    return project


def apply_project_file(session: Session, project_file: ProjectFile) -> None:
    """Make the stored departments, projects, links and config roles match the file.

    Channel ids found by earlier syncs are kept; only the file's own roles (source 'config') are
    replaced: roles granted by an approved `/dept join` (source 'approved') are left alone.
    """
    departments = {d.slug: _upsert_department(session, d.slug, d.name, d.role) for d in project_file.departments}
    session.exec(delete(RoleAssignment).where(col(RoleAssignment.source) == RoleSource.CONFIG))
    roles: list[RoleAssignment] = [RoleAssignment(user_id=u, role=Role.ADMIN) for u in project_file.admins]
    for department_spec in project_file.departments:
        roles += [
            RoleAssignment(user_id=u, role=Role.LIAISON, department_id=departments[department_spec.slug].id)
            for u in department_spec.liaisons
        ]
    for spec in project_file.projects:
        project = _upsert_project(session, spec.slug, spec.name, spec.purpose, spec.leads_channel_name)
        roles += [RoleAssignment(user_id=u, role=Role.LEAD, project_id=project.id) for u in spec.leads]
        roles += [RoleAssignment(user_id=u, role=Role.MANAGER, project_id=project.id) for u in spec.managers]
        _link_departments(session, project, spec, {slug: id_of(departments[slug]) for slug in spec.departments})
        _mirror_meetings(session, project, spec)
    session.add_all(roles)
    session.commit()


def _link_departments(session: Session, project: Project, spec: ProjectSpec, wanted: dict[str, int]) -> None:
    links = {
        link.department_id: link
        for link in session.exec(select(ProjectDepartment).where(ProjectDepartment.project_id == project.id))
    }
    for department_id, link in links.items():
        if department_id not in wanted.values():
            session.delete(link)
    for slug, department_id in wanted.items():
        link = links.get(department_id) or ProjectDepartment(
            project_id=id_of(project), department_id=department_id, channel_name=spec.channel_name(slug)
        )
        link.role_text = spec.department_roles.get(slug, "")
        session.add(link)


def _mirror_meetings(session: Session, project: Project, spec: ProjectSpec) -> None:
    """Config meetings are replaced as a whole; meetings added with /meeting are kept."""
    existing = session.exec(select(Meeting).where(Meeting.project_id == project.id, Meeting.source == MeetingSource.CONFIG)).all()
    by_key = {(m.title, m.cron): m for m in existing}
    wanted = {(m.title, m.cron): m for m in spec.meetings}
    for key, meeting in by_key.items():
        if key not in wanted:
            session.delete(meeting)
    for key, meeting_spec in wanted.items():
        meeting = by_key.get(key) or Meeting(project_id=id_of(project), title=meeting_spec.title, cron=meeting_spec.cron)
        meeting.remind_before = ",".join(meeting_spec.remind_before)
        session.add(meeting)


@dataclass(frozen=True)
class DepartmentView:
    """A department as shown in a project: its name, liaisons and channel."""

    slug: str
    name: str
    liaisons: list[str]
    channel_name: str
    channel_id: str | None


@dataclass(frozen=True)
class ProjectView:
    """A project with its leads and departments, for status displays."""

    slug: str
    name: str
    leads: list[str]
    departments: list[DepartmentView]


def get_project(session: Session, project_id: int) -> Project | None:
    """A project by id, if it exists (ids from buttons and forms are checked, not trusted)."""
    return session.get(Project, project_id) if 0 < project_id < 2**31 else None


def get_department(session: Session, department_id: int) -> Department | None:
    """A department by id, if it exists."""
    return session.get(Department, department_id) if 0 < department_id < 2**31 else None


def all_projects(session: Session) -> list[Project]:
    """Every project, in the order they were first loaded."""
    return list(session.exec(select(Project).order_by(col(Project.id))))


def all_departments(session: Session) -> list[Department]:
    """Every department, in the order they were first loaded."""
    return list(session.exec(select(Department).order_by(col(Department.id))))


def is_it_department(department: Department) -> bool:
    """True for the IT department: renkei.yml marks it `role: it` (its liaisons take escalated issues)."""
    return department.role == Role.IT


def it_department_slugs(session: Session) -> set[str]:
    """The slugs of the IT department(s)."""
    return set(session.exec(select(Department.slug).where(Department.role == Role.IT)))


def project_departments(session: Session, project_id: int) -> list[Department]:
    """The departments of a project, in the order of renkei.yml."""
    return list(
        session.exec(
            select(Department)
            .join(ProjectDepartment, col(ProjectDepartment.department_id) == Department.id)
            .where(ProjectDepartment.project_id == project_id)
            .order_by(col(ProjectDepartment.id))
        )
    )


def department_channels(session: Session, project_id: int) -> dict[int, str]:
    """Department id -> channel id of a project's channels that sync has made, in the order of renkei.yml."""
    links = session.exec(
        select(ProjectDepartment).where(ProjectDepartment.project_id == project_id).order_by(col(ProjectDepartment.id))
    )
    return {link.department_id: link.channel_id for link in links if link.channel_id}


def department_channel(session: Session, project_id: int, department_id: int) -> str | None:
    """The channel id of a department in a project, once sync has made it."""
    return department_channels(session, project_id).get(department_id)


def project_channels(session: Session, project: Project) -> list[str]:
    """Every department channel of the project, then its leads channel (those that sync has made)."""
    return [c for c in [*department_channels(session, id_of(project)).values(), project.leads_channel_id] if c]


def department_channel_ids(session: Session, department_id: int) -> list[str]:
    """The channels sync has made for a department, one per project it takes part in, in the order of renkei.yml."""
    channel_ids = session.exec(
        select(col(ProjectDepartment.channel_id))
        .where(ProjectDepartment.department_id == department_id, col(ProjectDepartment.channel_id).is_not(None))
        .order_by(col(ProjectDepartment.id))
    )
    return list(dict.fromkeys(channel_id for channel_id in channel_ids if channel_id is not None))


def it_department(session: Session, project_id: int) -> tuple[Department, str | None] | None:
    """The project's IT department (`role: it`) and its channel id (None before sync made it); None without one."""
    for department in project_departments(session, project_id):
        if is_it_department(department):
            return department, department_channel(session, project_id, id_of(department))
    return None


def project_links(session: Session, project_id: int) -> list[tuple[ProjectDepartment, Department]]:
    """Each department's part in the project (its channel name and id, its role text), in the order of renkei.yml."""
    return list(
        session.exec(
            select(ProjectDepartment, Department)
            .join(Department, col(Department.id) == ProjectDepartment.department_id)
            .where(ProjectDepartment.project_id == project_id)
            .order_by(col(ProjectDepartment.id))
        ).all()
    )


def record_department_channel(session: Session, link: ProjectDepartment, channel_id: str) -> None:
    """Keep the channel id sync found or made for a department in a project."""
    link.channel_id = channel_id
    session.add(link)
    session.commit()


def record_leads_channel(session: Session, project: Project, channel_id: str) -> None:
    """Keep the channel id sync found or made for a project's leads."""
    if project.leads_channel_id != channel_id:
        project.canvas_id = None  # the board's canvas was the old channel's
    project.leads_channel_id = channel_id
    session.add(project)
    session.commit()


def department_names(session: Session) -> dict[int, str]:
    """Every department's name by id."""
    return {id_of(d): d.name for d in session.exec(select(Department))}


def users_with_role(
    session: Session, role: Role, *, project_id: int | None = None, department_id: int | None = None
) -> list[str]:
    """User ids holding `role` in the given scope, in a stable order (what they may do is `storage.roles.may`'s)."""
    statement = select(RoleAssignment.user_id).where(RoleAssignment.role == role, col(RoleAssignment.source).in_(GRANTED_SOURCES))
    if project_id is not None:
        statement = statement.where(RoleAssignment.project_id == project_id)
    if department_id is not None:
        statement = statement.where(RoleAssignment.department_id == department_id)
    return sorted(set(session.exec(statement)))


def project_overview(session: Session) -> list[ProjectView]:
    """Every project with its departments, liaisons and channels."""
    views = []
    for project in session.exec(select(Project).order_by(Project.slug)):
        departments = [
            DepartmentView(
                d.slug, d.name, users_with_role(session, Role.LIAISON, department_id=d.id), link.channel_name, link.channel_id
            )
            for link, d in project_links(session, id_of(project))
        ]
        leads = users_with_role(session, Role.LEAD, project_id=project.id)
        views.append(ProjectView(project.slug, project.name, leads, departments))
    return views


def find_project(session: Session, slug: str) -> Project | None:
    """The project whose slug is `slug`, or None."""
    return session.exec(select(Project).where(Project.slug == slug)).first()


def project_of_slug(session: Session, slug: str) -> Project:
    """The project whose slug is `slug`; raises (sqlalchemy's NoResultFound) when there is none."""
    return session.exec(select(Project).where(Project.slug == slug)).one()


def first_project(session: Session) -> Project | None:
    """The first project the database returns (a one-project setup's project), or None when there is none."""
    return session.exec(select(Project)).first()


def only_project(session: Session) -> Project:
    """The one project; raises (sqlalchemy's NoResultFound, MultipleResultsFound) unless there is exactly one."""
    return session.exec(select(Project)).one()


def only_project_slug(session: Session) -> str:
    """The slug of the one project; raises (sqlalchemy's NoResultFound, MultipleResultsFound) unless there is exactly one."""
    return session.exec(select(Project.slug)).one()


def project_slugs(session: Session) -> dict[int, str]:
    """Every project's slug by id."""
    return {id_of(p): p.slug for p in session.exec(select(Project))}


def find_department(session: Session, slug: str) -> Department | None:
    """The department whose slug is `slug`, or None."""
    return session.exec(select(Department).where(Department.slug == slug)).first()


def department_of_slug(session: Session, slug: str) -> Department:
    """The department whose slug is `slug`; raises (sqlalchemy's NoResultFound) when there is none."""
    return session.exec(select(Department).where(Department.slug == slug)).one()


def departments_by_id(session: Session) -> dict[int, Department]:
    """Every department by id."""
    return {id_of(d): d for d in session.exec(select(Department))}
