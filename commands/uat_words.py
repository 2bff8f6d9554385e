"""How /uat's sessions are named where other families speak of them (`/issue show` of a problem a session raised).

Below commands.uat and commands.issue both: commands.uat files its problems with commands.issue's announce, and
commands.issue shows where an issue came from with `found_at`.
"""

from __future__ import annotations

from commands.base import CommandContext, Translate, escape
from storage.models import Issue
from storage.uat import get_session

__all__ = ["found_at", "kind_text"]


def kind_text(t: Translate, kind: str) -> str:
    """設計レビュー / 受入テスト."""
    return t(f"uat.kind_{kind}")


def found_at(ctx: CommandContext, issue: Issue) -> str:
    """For `/issue show N`: the session the issue was raised at (and the requirement it concerns)."""
    uat = get_session(ctx.session, issue.uat_session_id or 0)
    if uat is None:
        return ""
    requirement = ctx.t("uat.requirement_of", number=issue.requirement_id) if issue.requirement_id else ""
    kind = kind_text(ctx.t, uat.kind)
    return ctx.t("uat.issue_from", kind=kind, number=uat.id, title=escape(uat.title), requirement=requirement)
