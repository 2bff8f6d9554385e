"""What each button does: read its value, run the command function, rebuild what the click changed.

bot.interactions routes a click here (its BUTTONS table) with a context and the button's value, already reduced to
an id (commands.text.read_id); what comes back says what to show: a reply for the presser (whose follow-up runs
after the ack), the pressed message's new version for everyone, or a form to open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from commands import dept, issue, standup
from commands.base import CommandContext, Reply
from commands.issue_grammar import CloseIssue, EscalateIssue


@dataclass(frozen=True)
class Pressed:
    """The outcome of a button: a reply for the presser, a new version of the pressed message, a form to open."""

    reply: Reply | None = None
    replace: tuple[str, list[dict[str, Any]]] | None = None
    modal: dict[str, Any] | None = None


Button = Callable[[CommandContext, str], Pressed]


def number_of(value: Any) -> int:
    """A button's value as the number of what it acts on (an issue, a project, an answer); 0 for anything else."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def issue_button(run: Callable[[CommandContext, int], Reply], *, show_card: bool = True) -> Button:
    """A button on an issue's card: run the command on the issue, then the card as the issue now is."""

    def press(ctx: CommandContext, value: str) -> Pressed:
        number = number_of(value)
        reply = run(ctx, number)
        return Pressed(reply=reply, replace=issue.current_card(ctx, number) if show_card else None)

    return press


take_issue = issue_button(issue.take)
resolve_issue = issue_button(lambda ctx, number: issue.close(ctx, CloseIssue(number)))
escalate_issue = issue_button(lambda ctx, number: issue.escalate(ctx, EscalateIssue(number)))
it_take_issue = issue_button(issue.it_take, show_card=False)  # in the IT channel: the escalation card stays


def answer_standup(ctx: CommandContext, value: str) -> Pressed:
    """The prompt's 回答する button: today's form for the project it names."""
    return Pressed(modal=standup.prompt_form(ctx, number_of(value)))


def file_blocker(ctx: CommandContext, value: str) -> Pressed:
    """The 課題として登録 button under a stand-up answer that names a blocker."""
    return Pressed(reply=standup.file_blocker(ctx, number_of(value)))


def approve_join(ctx: CommandContext, value: str) -> Pressed:
    """The 承認 button on a join request."""
    return Pressed(*dept.approve(ctx, value))


def decline_join(ctx: CommandContext, value: str) -> Pressed:
    """The 却下 button on a join request."""
    return Pressed(*dept.decline(ctx, value))
