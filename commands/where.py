"""Where a command applies, or the reply that asks the user to say it."""

from __future__ import annotations

from commands.base import CommandContext, Reply, escape
from storage.models import Department
from storage.roles import Ambiguous, Nowhere, Where, resolve_where


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
