"""What a button press or a form submission does: shared by the Bolt listeners and the console.

Each function takes plain values (who pressed, where, which action, which value) and returns what to
show; the Slack listeners turn that into ack/respond/views.open, the console prints it. Nothing here
talks to Bolt, so the same code answers a click in Slack and `:press 3` in the terminal.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from bot.bootstrap import Services
from bot.dispatch import run_command
from commands import dept, issue, standup
from commands.base import CommandContext, Reply
from commands.issue_blocks import ESCALATE, IT_TAKE, RESOLVE, TAKE, issue_card
from commands.issue_blocks import MODAL_CALLBACK as ISSUE_FORM
from commands.issue_grammar import CloseIssue, EscalateIssue
from commands.issue_modal import submit as submit_issue_form
from commands.text import FIELD_LIMIT, MY_NUMBER, SLASH_TEXT_LIMIT, Gated, gate, read_id
from storage.guard import ResidentsDataRefused
from storage.issues import get_issue, names
from storage.models import Project

logger = logging.getLogger(__name__)
Respond = Callable[..., Any]  # Bolt's respond(): text, blocks, response_type, replace_original

@dataclass(frozen=True)
class Pressed:
    """The outcome of a button: a reply for the presser, a new version of the pressed message, a form to open."""

    reply: Reply | None = None
    replace: tuple[str, list[dict[str, Any]]] | None = None
    modal: dict[str, Any] | None = None


def _number(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _issue_button(run: Callable[[CommandContext, int], Reply], *, show_card: bool = True):
    def press(ctx: CommandContext, value: str) -> Pressed:
        number = _number(value)
        reply = run(ctx, number)
        current = get_issue(ctx.session, number) if show_card else None
        card = issue_card(ctx.t, current, names(ctx.session)[0]) if current is not None else None
        return Pressed(reply=reply, replace=card)

    return press


def _standup_answer(ctx: CommandContext, value: str) -> Pressed:
    project = ctx.session.get(Project, _number(value)) if _number(value) else None
    if project is None:
        return Pressed()
    return Pressed(modal=standup.modal(ctx.t, project=project, questions=standup.questions_of(ctx, project),
                                       channel_id=ctx.channel_id))


def _standup_blocker(ctx: CommandContext, value: str) -> Pressed:
    return Pressed(reply=standup.file_blocker(ctx, _number(value)))


BUTTONS: dict[str, Callable[[CommandContext, str], Pressed]] = {
    TAKE: _issue_button(issue.take),
    RESOLVE: _issue_button(lambda ctx, number: issue.close(ctx, CloseIssue(number))),
    ESCALATE: _issue_button(lambda ctx, number: issue.escalate(ctx, EscalateIssue(number))),
    IT_TAKE: _issue_button(issue.it_take, show_card=False),
    standup.ANSWER_BUTTON: _standup_answer,
    standup.BLOCKER_BUTTON: _standup_blocker,
    dept.APPROVE_BUTTON: lambda ctx, value: Pressed(*dept.approve(ctx, value)),
    dept.DECLINE_BUTTON: lambda ctx, value: Pressed(*dept.decline(ctx, value)),
}


def press(services: Services, *, user_id: str, channel_id: str | None, action_id: str, value: Any) -> Pressed:
    """Run the button `action_id` with `value` as `user_id` in `channel_id` (unknown buttons do nothing)."""
    run = BUTTONS.get(action_id)
    if run is None:
        return Pressed()
    with services.session() as session:  # a button's value is an id we made; anything else is no id (read_id)
        return run(services.context(session, user_id=user_id, channel_id=channel_id), read_id(value))


def _standup_values(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    meta = json.loads(view.get("private_metadata") or "{}")
    values = view.get("state", {}).get("values", {})
    answers = {q: (values.get(f"q{n}", {}).get("value", {}).get("value") or "").strip()
               for n, q in enumerate(meta.get("questions", []))}
    return meta, answers


def _submit_standup(services: Services, user_id: str, view: dict[str, Any]) -> dict[str, str] | Reply:
    meta, answers = _standup_values(view)
    errors = standup.form_errors(services.translator(), meta.get("questions", []), answers)
    if errors:
        return errors
    with services.session() as session:
        ctx = services.context(session, user_id=user_id, channel_id=meta.get("channel_id"))
        return standup.record(ctx, answers, project_id=meta.get("project_id"))


def _submit_issue(services: Services, user_id: str, view: dict[str, Any]) -> dict[str, str] | Reply:
    with services.session() as session:
        return submit_issue_form(services.context(session, user_id=user_id, channel_id=None), view)


FORMS: dict[str, Callable[[Services, str, dict[str, Any]], dict[str, str] | Reply]] = {
    ISSUE_FORM: _submit_issue,
    standup.MODAL_CALLBACK: _submit_standup,
}


def submit(services: Services, *, user_id: str, view: dict[str, Any]) -> dict[str, str] | Reply | None:
    """Run a form's submission: errors by block id (shown in the form), the reply, or None for an unknown form.

    Every value of the form passes the input gate first; a refused one is an error on its field and the form's
    function does not run at all.
    """
    run = FORMS.get(str(view.get("callback_id")))
    if run is None:
        return None
    t = services.translator()
    view, errors = _gated_view(t, view)
    if errors:
        return errors
    try:
        return run(services, user_id, view)
    except ResidentsDataRefused:  # the storage guard: a road the gate did not see
        logger.warning("Refused to store a My Number from form %s", view.get("callback_id"))
        return Reply(text=t("privacy.my_number"))


# --- the input gate (commands.text.gate): every text a person gives, before any command runs ----------


def refusal(t: Callable[..., str], gated: Gated) -> str:
    """Why the gate refused a text, in the user's words: residents' data, or too long."""
    if gated.problem == MY_NUMBER:
        return t("privacy.my_number")
    return t("input.too_long", length=gated.length, limit=gated.limit)


def _gated_values(value: Any, problems: list[Gated]) -> Any:
    """Every string of a field's state through the gate (typed text, chosen options, dates); refusals noted."""
    if isinstance(value, str):
        gated = gate(value, FIELD_LIMIT)
        if gated.problem:
            problems.append(gated)
        return gated.text
    if isinstance(value, dict):
        return {k: _gated_values(v, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_gated_values(v, problems) for v in value]
    return value


def _gated_view(t: Callable[..., str], view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The view with every value of view["state"]["values"] cleaned, and the errors by block id of refused ones."""
    values = (view.get("state") or {}).get("values") or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block_id, actions in values.items():
        problems: list[Gated] = []
        cleaned[block_id] = _gated_values(actions, problems)
        if problems:
            worst = next((p for p in problems if p.problem == MY_NUMBER), problems[0])
            errors[block_id] = refusal(t, worst)
    return {**view, "state": {**(view.get("state") or {}), "values": cleaned}}, errors


# --- the whole exchange, as Slack's listeners and the console both run it -----------------


def finish(services: Services, reply: Reply, respond: Respond, what: str) -> None:
    """Run a reply's follow-up (slow Slack work) after the ack, and tell the user what it has to say."""
    later = services.follow_up(reply, what)
    if later is not None:
        respond(response_type="ephemeral", replace_original=False, text=later.text, blocks=later.blocks)


def slash(services: Services, *, user_id: str, channel_id: str | None, command: str, text: str,
          trigger_id: str | None, ack: Callable[..., Any], respond: Respond) -> None:
    """A slash command: ack at once with the command function's reply (or open its form), then the follow-up."""
    t = services.translator()
    gated = gate(text, SLASH_TEXT_LIMIT)  # the input gate: a refused text runs no command at all
    if gated.problem:
        ack(response_type="ephemeral", text=refusal(t, gated))
        return
    try:
        with services.session() as session:
            reply = run_command(services.context(session, user_id=user_id, channel_id=channel_id), command,
                                gated.text)
    except ResidentsDataRefused:  # the storage guard: a road the gate did not see
        logger.warning("Refused to store a My Number from %s", command)
        ack(response_type="ephemeral", text=t("privacy.my_number"))
        return
    except Exception:
        logger.exception("Failed to answer %s", command)
        ack(response_type="ephemeral", text=t("command.failed"))
        return
    if reply.modal is not None:
        ack()
        opened = services.gateway.api("views.open", trigger_id=trigger_id, view=reply.modal)
        if not opened.ok:
            logger.warning("Failed to open a form for %s: %s", command, opened.error)
            respond(response_type="ephemeral", text=t("command.failed"))
        return
    ack(response_type="ephemeral" if reply.ephemeral else "in_channel", text=reply.text, blocks=reply.blocks)
    finish(services, reply, respond, command)


def button(services: Services, *, user_id: str, channel_id: str | None, action_id: str, value: Any,
           trigger_id: str | None, respond: Respond) -> None:
    """A button (after the ack): open its form, answer the presser, show the new state on the card itself."""
    pressed = press(services, user_id=user_id, channel_id=channel_id, action_id=action_id, value=value)
    if pressed.modal is not None:
        opened = services.gateway.api("views.open", trigger_id=trigger_id, view=pressed.modal)
        if not opened.ok:
            logger.warning("Failed to open a form for %s: %s", action_id, opened.error)
    if pressed.reply is not None:
        respond(response_type="ephemeral", replace_original=False, text=pressed.reply.text,
                blocks=pressed.reply.blocks)
    if pressed.replace is not None:  # everyone in the channel sees the new state on the card itself
        respond(replace_original=True, text=pressed.replace[0], blocks=pressed.replace[1])
    if pressed.reply is not None:
        finish(services, pressed.reply, respond, action_id)


def form(services: Services, *, user_id: str, view: dict[str, Any], ack: Callable[..., Any]) -> None:
    """A form submission: errors back into the form, or the reply (and the follow-up's) in the user's DM."""
    result = submit(services, user_id=user_id, view=view)
    if isinstance(result, dict):
        ack(response_action="errors", errors=result)
        return
    ack()
    if not isinstance(result, Reply):
        return
    key = f"form:{view.get('id')}:{user_id}"
    services.gateway.post_message(key=key, channel=user_id, text=result.text, blocks=result.blocks)
    later = services.follow_up(result, str(view.get("callback_id")))
    if later is not None:
        services.gateway.post_message(key=f"{key}:later", channel=user_id, text=later.text, blocks=later.blocks)
