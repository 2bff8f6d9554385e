"""What a family's buttons and forms are: the shapes of `BUTTONS` and `FORMS` in a family module.

A family module (commands/<family>.py, see commands/families.py) declares next to its code `BUTTONS`
({action_id: Button}) and `FORMS` ({callback_id: Form}); bot.interactions collects them and routes a click or a
submission there, with a context and, for a click, the button's value already reduced to an id
(commands.text.read_id). What a button gives back says what to show: a reply for the presser (whose follow-up runs
after the ack), the pressed message's new version for everyone, or a form to open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from commands.base import CommandContext, Reply


@dataclass(frozen=True)
class Pressed:
    """The outcome of a button: a reply for the presser, a new version of the pressed message, a form to open."""

    reply: Reply | None = None
    replace: tuple[str, list[dict[str, Any]]] | None = None
    modal: dict[str, Any] | None = None


Button = Callable[[CommandContext, str], Pressed]


def _nowhere(view: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class Form:
    """A form: its command function (the gated view: errors by block id, or the reply) and the channel it came from."""

    submit: Callable[[CommandContext, dict[str, Any]], dict[str, str] | Reply]
    channel: Callable[[dict[str, Any]], str | None] = _nowhere


def number_of(value: Any) -> int:
    """A button's value as the number of what it acts on (an issue, a project, an answer); 0 for anything else."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0
