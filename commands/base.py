"""What every command function takes (CommandContext) and gives back (Reply)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from storage.enums import OutboxStatus
from words.base import Translate, escape  # noqa: F401 (commands name them from here too)

if TYPE_CHECKING:
    from commands.later import Later
    from reminders.calendar import BusinessCalendar
    from storage.db import Session  # commands hand it to storage; they never query it themselves
    from storage.projectfile import ProjectFile


@dataclass(frozen=True)
class ApiResult:
    """Slack's answer to one Web API call: `ok`, its data, or the error code (and a missing scope)."""

    ok: bool
    data: dict[str, Any]
    error: str | None = None
    needed: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of one message sent through the outbox."""

    status: OutboxStatus | str  # the outbox row's status (FAILED too when the DM could not even be opened)
    response: dict[str, Any] | None
    error: str | None
    duplicate: bool


class SlackPort(Protocol):
    """What commands may ask of Slack; bot.gateway.SlackGateway is the real one."""

    def api(self, method: str, **params: Any) -> ApiResult:
        """Call a Web API method that is safe to repeat (reads, channel management, views)."""

    def post_message(self, *, key: str, channel: str, text: str, blocks: list[dict] | None = None, **extra: Any) -> Outcome:
        """Post a message once per idempotency key, through the outbox."""

    def update_message(self, *, key: str, card_key: str, text: str, blocks: list[dict] | None = None) -> Outcome:
        """Update, once per key, the message posted under `card_key` (chat.update, through the outbox)."""

    def pin_message(self, *, key: str, card_key: str) -> Outcome:
        """Pin, once per key, the message posted under `card_key` (pins.add, through the outbox)."""

    def upload_file(self, *, key: str, user: str, path: Any, title: str, comment: str) -> Outcome:
        """Upload a file to a user's DM once per idempotency key, through the outbox."""


@dataclass(frozen=True)
class CommandContext:
    """Who typed the command, where, and the tools to answer: a session, a translator, Slack, the project file.

    Every field is required: bot.bootstrap.Services.context builds it (tests without services: tests/test_context.py).
    """

    session: Session
    user_id: str
    channel_id: str | None
    t: Translate
    slack: SlackPort
    timezone: str  # the project file's timezone, e.g. Asia/Tokyo
    project_file: ProjectFile  # schedules and questions from renkei.yml
    calendar: BusinessCalendar  # the municipality's business days
    reports_dir: str  # where Excel reports are written before upload


@dataclass(frozen=True)
class Reply:
    """A command's answer: text (always, for notifications and the console), optional blocks."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    ephemeral: bool = True
    modal: dict[str, Any] | None = None  # a view to open with the command's trigger_id (Slack only)
    # Slow work (cards to many channels, a workbook, names to ask Slack for): named jobs and their JSON arguments
    # (commands.later), stored with the action before its acknowledgement and run after it, in a fresh context for
    # the same user and channel; a Reply a job returns is said to the person later. A job keeps ids and texts from the
    # command, never its context.
    followup: Later | None = None


def department_choices(departments) -> str:
    """`市民課（shimin）, 税務課（zeimu）`: what a user may type to name a department."""
    return ", ".join(f"{escape(d.name)}（{d.slug}）" for d in departments)


def post_to_channels(
    slack: SlackPort, *, key: str, channels: list[str], text: str, blocks: list[dict[str, Any]] | None = None
) -> list[str]:
    """Post the same message to each channel once (key `<key>:<channel>`); returns the channels Slack refused."""
    return [
        channel
        for channel in channels
        if slack.post_message(key=f"{key}:{channel}", channel=channel, text=text, blocks=blocks).status == OutboxStatus.FAILED
    ]


def slack_error(t: Translate, result: ApiResult) -> str:
    """Slack's error code in plain words; a missing scope names the scope to add."""
    code = result.error or "unknown"
    key = f"slack_error.{code}"
    try:
        return t(key, scope=result.needed or "?", code=code)
    except KeyError:
        return t("slack_error.other", code=code)


def when_text(t: Translate, moment: dt.datetime, *, year: bool = True) -> str:
    """A local time as `2026-12-02(水) 10:00` (or `12/02(水) 10:00`), weekday in the user's language."""
    weekday = t("calendar.weekdays").split(",")[moment.weekday()]
    return f"{moment:%Y-%m-%d}({weekday}) {moment:%H:%M}" if year else f"{moment:%m/%d}({weekday}) {moment:%H:%M}"


def text_width(text: str) -> int:
    """Display width: Japanese (wide) characters take two columns in a terminal or code block."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table aligned for monospace display (CLI output, Slack code blocks); cells shown with str()."""
    widths = [max(text_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[object]) -> str:
        return "  ".join(str(c) + " " * (w - text_width(str(c))) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])
