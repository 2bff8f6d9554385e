"""Where a command applies, or the reply that asks the user to say it."""

from __future__ import annotations

from sqlmodel import select

from commands.base import CommandContext, Reply, escape
from storage.models import Department, Project
from storage.roles import Ambiguous, Nowhere, Where, liaison_places, resolve_where


def projects_in_view(ctx: CommandContext) -> set[int]:
    """Projects a listing covers: this channel's project; else the user's projects; else every project."""
    where = resolve_where(ctx.session, user_id=ctx.user_id, channel_id=ctx.channel_id)
    if isinstance(where, Where):
        return {where.project.id}
    mine = {w.project.id for w in liaison_places(ctx.session, ctx.user_id)}
    return mine or set(ctx.session.exec(select(Project.id)))


def resolve(ctx: CommandContext, department: Department | None = None) -> Where | Reply:
    """The project department of this channel (or the user's own); a Reply when that is unclear."""
    where = resolve_where(ctx.session, user_id=ctx.user_id, channel_id=ctx.channel_id, department=department)
    if isinstance(where, Ambiguous):
        choices = ", ".join(f"{escape(w.project.name)}/{escape(w.department.name)}" for w in where.choices
                            if w.department is not None)
        return Reply(text=ctx.t("where.ambiguous", choices=choices))
    if isinstance(where, Nowhere):
        return Reply(text=ctx.t("where.nowhere"))
    return where
