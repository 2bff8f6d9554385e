"""Where a command applies, or the reply that asks the user to say it."""

from __future__ import annotations

from dataclasses import dataclass

from commands.base import CommandContext, Reply, escape
from storage.directory import all_projects
from storage.ids import id_of
from storage.models import Department, Project
from storage.roles import (
    Action,
    Ambiguous,
    Nowhere,
    Where,
    channel_where,
    grants,
    may,
    member_projects,
    resolve_where,
    viewable_projects,
)


@dataclass(frozen=True)
class DepartmentWhere:
    """A Where with its department: what `resolve_department` finds."""

    project: Project
    department: Department


def resolve_department(ctx: CommandContext) -> DepartmentWhere | Reply:
    """Like `resolve`, but a department is required (the leads channel names none)."""
    where = resolve(ctx)
    if isinstance(where, Reply):
        return where
    if where.department is None:
        return Reply(text=ctx.t("issue.needs_department_channel"))
    return DepartmentWhere(where.project, where.department)


def projects_in_view(ctx: CommandContext) -> set[int]:
    """Projects a listing covers: this channel's project, else the user's own ones (every one for an admin);
    only projects the user may read (`may(view_project)`): reading follows membership, so it may be empty."""
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        project_id = id_of(here.project)
        return {project_id} if may(ctx.session, ctx.user_id, Action.VIEW_PROJECT, project_id=project_id) else set()
    return {id_of(p) for p in viewable_projects(ctx.session, ctx.user_id)}


def view_refusal(ctx: CommandContext) -> Reply | None:
    """The polite refusal when the user may read no project here (see `projects_in_view`); None otherwise."""
    if projects_in_view(ctx):
        return None
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        return Reply(text=ctx.t("where.not_member_here", project=escape(here.project.name)))
    return Reply(text=ctx.t("where.not_member"))


def project_view_refusal(ctx: CommandContext, project: Project) -> Reply | None:
    """The polite refusal when the user may not read this project; None when they may."""
    if may(ctx.session, ctx.user_id, Action.VIEW_PROJECT, project_id=project.id):
        return None
    return Reply(text=ctx.t("where.not_member_here", project=escape(project.name)))


def resolve_project(ctx: CommandContext) -> Project | Reply:
    """The project a project-wide command (meetings, stand-up status) applies to: this channel's, else the
    user's only one; a Reply asking where when that is unclear."""
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        return here.project
    mine = member_projects(ctx.session, ctx.user_id)
    if not mine and grants(ctx.session, ctx.user_id).admin:  # admins act on every project
        mine = all_projects(ctx.session)
    if len(mine) == 1:
        return mine[0]
    if mine:
        return Reply(text=ctx.t("where.ambiguous", choices=", ".join(escape(p.name) for p in mine)))
    return Reply(text=ctx.t("where.nowhere"))


def resolve(ctx: CommandContext, department: Department | None = None) -> Where | Reply:
    """The project department of this channel (or the user's own); a Reply when that is unclear."""
    where = resolve_where(ctx.session, user_id=ctx.user_id, channel_id=ctx.channel_id, department=department)
    if isinstance(where, Ambiguous):
        choices = ", ".join(
            f"{escape(w.project.name)}/{escape(w.department.name)}" for w in where.choices if w.department is not None
        )
        return Reply(text=ctx.t("where.ambiguous", choices=choices))
    if isinstance(where, Nowhere):
        return Reply(text=ctx.t("where.nowhere"))
    return where
