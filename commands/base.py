"""What every command function takes (CommandContext) and gives back (Reply)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlmodel import Session

Translate = Callable[..., str]


@dataclass(frozen=True)
class CommandContext:
    """Who typed the command, where, and the tools to answer: a session and a translator."""

    session: Session
    user_id: str
    channel_id: str | None
    t: Translate


@dataclass(frozen=True)
class Reply:
    """A command's answer: text (always, for notifications and the console), optional blocks."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    ephemeral: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def escape(text: str) -> str:
    """Escape user text for Slack so `<!channel>` or a forged `<https://…|link>` is shown, not acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention_list(user_ids: list[str], nobody: str) -> str:
    """Mentions of known user ids (from storage, never user text), or `nobody`."""
    return ", ".join(f"<@{u}>" for u in user_ids) if user_ids else nobody
