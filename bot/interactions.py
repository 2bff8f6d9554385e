"""What a slash command, a button press or a form submission does: shared by the Bolt listeners and the console.

This module routes and nothing more. It passes every text a person gives through the input gate (one place, below),
opens a session, builds the command's context, calls the command function of commands/ that answers (COMMANDS in
bot.dispatch; BUTTONS and FORMS here, collected from the families' modules by commands.families), answers through
the ack and respond it is given, and runs the reply's follow-up after the ack. Reading a form's values, a button's
value and rebuilding a card is the families' work (the BUTTONS and FORMS of commands.issue, commands.standup,
commands.dept). Nothing here talks to Bolt, so the same code answers a click in Slack and `:press 3` in the terminal.

Every exchange runs inside an Answer: the one wrapper that tells the person when something fails (bot.listeners
uses it too, in the app's error handler, for a failure outside this module).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from typing import Any, Callable

from sqlalchemy.exc import DBAPIError, OperationalError

from bot.bootstrap import Services
from bot.dispatch import run_command
from bot.gateway import LATER
from commands.base import Reply
from commands.buttons import Button, Form, Pressed
from commands.families import all_buttons, all_forms
from commands.text import FIELD_LIMIT, MY_NUMBER, SLASH_TEXT_LIMIT, Gated, gate, read_id
from storage import requests as handled
from storage.db import Session
from storage.guard import ResidentsDataRefused
from words.dates import AmbiguousDate, ambiguous_text

logger = logging.getLogger(__name__)
_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")  # hex without digits: a key part never read as a My Number
Respond = Callable[..., Any]  # Bolt's respond(): text, blocks, response_type, replace_original
Ack = Callable[..., Any]  # Bolt's ack(): text, blocks, response_type, or response_action and errors for a form

# Every family's BUTTONS and FORMS (commands/families.py: declared in commands/<family>.py, next to their code).
BUTTONS: dict[str, Button] = all_buttons()
FORMS: dict[str, Form] = all_forms()


def press(
    services: Services, *, user_id: str, channel_id: str | None, action_id: str, value: Any, answer: Answer | None = None
) -> Pressed:
    """Run the button `action_id` with `value` as `user_id` in `channel_id` (unknown buttons do nothing).

    The reply's follow-up is stored with the press (`answer`, when given, keeps it); `button` runs it after showing
    the reply.
    """
    run = BUTTONS.get(action_id)
    if run is None:
        return Pressed()
    try:
        with services.work() as session:  # a button's value is an id we made; anything else is no id (read_id)
            pressed = run(services.context(session, user_id=user_id, channel_id=channel_id), read_id(value))
            if answer is not None:
                answer.keep(pressed.reply)
            return pressed
    except AmbiguousDate as problem:  # a command run again by its department button days later (`来週日曜`)
        return Pressed(reply=Reply(text=ambiguous_text(services.translator(), problem)))


def form_channel(view: dict[str, Any]) -> str | None:
    """The channel a submitted form was opened from (its follow-up runs there); None when unknown."""
    chosen = FORMS.get(str(view.get("callback_id")))
    try:
        return chosen.channel(view) if chosen is not None else None
    except (ValueError, TypeError, AttributeError):  # metadata that is no JSON object: the form itself says so
        return None


def submit(
    services: Services, *, user_id: str, view: dict[str, Any], answer: Answer | None = None
) -> dict[str, str] | Reply | None:
    """Run a form's submission: errors by block id (shown in the form), the reply, or None for an unknown form.

    Every value of the form passes the input gate first; a refused one is an error on its field and the form's
    function does not run at all. The reply's follow-up is stored with the submission (`answer` keeps it).
    """
    chosen = FORMS.get(str(view.get("callback_id")))
    if chosen is None:
        return None
    t = services.translator()
    view, errors = _gated_view(t, view)
    if errors:
        return errors
    try:
        with services.work() as session:
            if answer is not None:
                answer.claim(session)
            result = chosen.submit(services.context(session, user_id=user_id, channel_id=form_channel(view)), view)
            if answer is not None and isinstance(result, dict):
                answer.forget(session)
            elif answer is not None:
                answer.keep(result if isinstance(result, Reply) else None)
                answer.will_ack(session)  # a form is acked empty: its reply comes by DM
            return result
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


def failure_sentence(error: BaseException) -> str:
    """The catalog key telling a person why nothing was kept: the database full or read-only (`command.not_stored`),
    locked or away (`command.busy`), or anything else (`command.failed`)."""
    words = str(error).lower()
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)  # PostgreSQL: 53100 disk full, 25006 read-only
    signs = ("disk is full", "readonly", "read-only", "no space left")
    if isinstance(error, DBAPIError) and (sqlstate in ("53100", "25006") or any(sign in words for sign in signs)):
        return "command.not_stored"
    return "command.busy" if isinstance(error, OperationalError) else "command.failed"


class Answer:
    """One request's ways back to the person who typed, pressed or submitted; the one wrapper around every exchange.

    `ack` answers Slack within its 3 seconds, once. After it, `say` shows something to the person only: ephemeral
    through `respond` when the request has a response_url (commands, message buttons), else in a DM sent once per
    idempotency key (forms, buttons without a message). `keep` stores a reply's follow-up (commands.later) with the
    action, in its transaction, before the ack; `follow_up` runs it after the ack (the gateway claims it: a courier
    that found it first, or a restart after a crash, runs it instead, and only one of them does).

    As a context manager it is where a failure of a command, a button or a form ends, before or after the ack: the
    traceback goes to the log and the person gets the catalog's `command.failed` — as the ack itself when it has
    not been sent (a command's ephemeral answer; a form just closes and the sentence comes by DM), else through
    `say`. The app's error handler (bot.listeners.errors) answers a failure outside this module the same way.
    """

    def __init__(
        self,
        services: Services,
        *,
        what: str,
        user_id: str,
        channel_id: str | None,
        key: str,
        ack: Ack | None = None,
        respond: Respond | None = None,
        failure_in_ack: bool = True,
        form_field: str | None = None,
        response_url: str | None = None,
        replay_key: str | None = None,
    ):
        self.services, self.what, self.user_id, self.channel_id, self.key = services, what, user_id, channel_id, key
        self._ack, self.respond, self.failure_in_ack = ack, respond, failure_in_ack
        self.response_url = response_url  # where a follow-up's reply goes later (kept with it), while Slack takes it
        self.replay_key = replay_key  # a slash command's or form's key in storage.requests (None: the console)
        self.form_field = form_field  # a form's first field: where a failure is shown, the form left open
        self.acked = ack is None  # no ack to give: Slack has had it (a button's listener acks first)

    @classmethod
    def to_command(
        cls,
        services: Services,
        *,
        user_id: str,
        channel_id: str | None,
        command: str,
        trigger_id: str | None,
        ack: Ack | None,
        respond: Respond | None,
        response_url: str | None = None,
        replay_key: str | None = None,
    ) -> Answer:
        """The answer to a slash command (its trigger_id is new for every invocation)."""
        return cls(
            services,
            what=command,
            user_id=user_id,
            channel_id=channel_id,
            key=f"slash:{trigger_id}",
            ack=ack,
            respond=respond,
            response_url=response_url,
            replay_key=replay_key,
        )

    @classmethod
    def to_button(
        cls,
        services: Services,
        *,
        user_id: str,
        channel_id: str | None,
        action_id: str,
        trigger_id: str | None,
        respond: Respond | None,
        ack: Ack | None = None,
        response_url: str | None = None,
    ) -> Answer:
        """The answer to a click (its trigger_id is new for every click)."""
        return cls(
            services,
            what=action_id,
            user_id=user_id,
            channel_id=channel_id,
            key=f"button:{trigger_id}",
            ack=ack,
            respond=respond,
            failure_in_ack=False,
            response_url=response_url,
        )

    @classmethod
    def to_form(
        cls,
        services: Services,
        *,
        user_id: str,
        view: dict[str, Any],
        ack: Ack | None,
        respond: Respond | None = None,
        replay_key: str | None = None,
    ) -> Answer:
        """The answer to a form submission: by DM, keyed by the view id and the user."""
        return cls(
            services,
            what=str(view.get("callback_id")),
            user_id=user_id,
            channel_id=form_channel(view),
            key=f"form:{view.get('id')}:{user_id}",
            ack=ack,
            respond=respond,
            failure_in_ack=False,
            replay_key=replay_key,
            form_field=next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None),
        )

    def ack(self, *args: Any, **kwargs: Any) -> None:
        """Answer Slack's request (within 3 seconds)."""
        self.acked = True
        if self._ack is not None:
            self._ack(*args, **kwargs)

    def say(self, text: str, blocks: list[dict[str, Any]] | None = None, *, key: str | None = None) -> None:
        """Show `text` to the person only: ephemeral through respond, else by DM once per `key` (the answer's own)."""
        if self.respond is not None:
            self.respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)
        else:
            self.services.gateway.post_message(key=key or self.key, channel=self.user_id, text=text, blocks=blocks)

    def claim(self, session: Session) -> None:
        """The request's key, as the first write of its work's transaction; Replayed when an earlier one has it."""
        if self.replay_key is not None:
            handled.claim_in(session, self.replay_key, self.user_id)

    def will_ack(self, session: Session, **kwargs: Any) -> dict[str, Any]:
        """Keep what the ack will say with the work (a replay is answered with it); the same keywords back."""
        if self.replay_key is not None:
            handled.reply_in(session, self.replay_key, {"args": [], "kwargs": kwargs})
        return kwargs

    def forget(self, session: Session) -> None:
        """No key kept: a form answered with errors may be sent again, corrected."""
        if self.replay_key is not None:
            handled.release_in(session, self.replay_key)

    def replayed(self) -> None:
        """Ack as the request with the same key was acked (its work was not run again), once that one has its reply
        (its key may be visible before: a storage function of its work commits on its way), within Slack's time."""
        reply = handled.first_reply(self.services.request_session, self.replay_key or "")
        logger.info("A replay of %s (%s) answered with the first reply: %s", self.what, self.replay_key, reply is not None)
        if reply is None:  # the first is still running: say nothing, do nothing
            self.ack()
            return
        self.ack(*reply.get("args", []), **reply.get("kwargs", {}))

    @functools.cached_property
    def later_key(self) -> str:
        """The outbox key of this request's follow-up: its own, whatever the request's key (two clicks may share a
        trigger_id, a form sent again its view id); a replayed command never gets this far (storage.requests). Its
        digits are written as letters (0–9 as g–p), so that a trigger_id's never looks like a My Number."""
        key = self.key if len(self.key) <= 120 else hashlib.sha256(self.key.encode()).hexdigest()
        return f"later:{key}:{uuid.uuid4().hex[:16]}".translate(_NO_DIGITS)

    def keep(self, reply: Reply | None) -> None:
        """Store the reply's follow-up (inside the action's work: in its transaction) with who, where, and how to
        answer later: the response_url, and the sentence for a follow-up given up on."""
        if reply is None or reply.followup is None:
            return
        payload = {
            "steps": reply.followup.as_json(),
            "user": self.user_id,
            "channel": self.channel_id,
            "key": self.later_key,
            "reply_to": self.response_url,
            "failed": self.services.translator()("command.failed"),
        }
        self.services.gateway.call(key=self.later_key, method=LATER, payload=payload)

    def follow_up(self, reply: Reply) -> None:
        """After the ack, run the follow-up the action stored: the courier's threads in `renkei serve` (woken), else
        here, as the gateway sends in-line. A failing one is tried again and, given up on, the person told
        (bot.gateway); one the database could not give now waits for the courier, or the next start."""
        if reply.followup is None:
            return
        try:
            self.services.gateway.send_stored([self.later_key], jobs=True)
        except Exception:
            logger.exception("Could not run the follow-up of %s now; it stays stored", self.what)

    def failed(self, error: BaseException) -> None:
        """Log the failure with its traceback and tell the person the catalog's failure sentence."""
        logger.error("Failed to answer %s", self.what, exc_info=error)
        text = self.services.translator()(failure_sentence(error))
        try:
            if not self.acked and self.failure_in_ack:
                self.ack(response_type="ephemeral", text=text)
                return
            if not self.acked and self.form_field:  # the form stays open with why: what was typed is not lost
                self.ack(response_action="errors", errors={self.form_field: text})
                return
            if not self.acked:
                self.ack()
            self.say(text, key=f"{self.key}:failed")
        except Exception:  # the sentence could not go out either; both tracebacks are in the log
            logger.exception("Failed to tell %s that %s failed", self.user_id, self.what)

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, kind: Any, error: BaseException | None, traceback: Any) -> bool:
        if isinstance(error, Exception):
            self.failed(error)
            return True
        return False


def slash(
    services: Services,
    *,
    user_id: str,
    channel_id: str | None,
    command: str,
    text: str,
    trigger_id: str | None,
    ack: Ack,
    respond: Respond | None,
    response_url: str | None = None,
    replay_key: str | None = None,
) -> None:
    """A slash command: its key, its work, its follow-up and the reply it acks in one commit; then the ack with the
    reply (or its form opened), then the follow-up run. A replay of it is answered with the stored reply."""
    with Answer.to_command(
        services,
        user_id=user_id,
        channel_id=channel_id,
        command=command,
        trigger_id=trigger_id,
        ack=ack,
        respond=respond,
        response_url=response_url,
        replay_key=replay_key,
    ) as answer:
        t = services.translator()
        gated = gate(text, SLASH_TEXT_LIMIT)  # the input gate: a refused text runs no command at all
        if gated.problem:
            answer.ack(response_type="ephemeral", text=refusal(t, gated))
            return
        if replay_key is not None:
            handled.prune_now_and_then(services.request_session)
        try:
            with services.work() as session:
                answer.claim(session)
                reply = run_command(services.context(session, user_id=user_id, channel_id=channel_id), command, gated.text)
                answer.keep(reply)
                if reply.modal is not None:  # acked empty; the form opens after
                    acked = answer.will_ack(session)
                else:
                    where = "ephemeral" if reply.ephemeral else "in_channel"
                    acked = answer.will_ack(session, response_type=where, text=reply.text, blocks=reply.blocks)
        except handled.Replayed:
            answer.replayed()
            return
        except ResidentsDataRefused:  # the storage guard: a road the gate did not see
            logger.warning("Refused to store a My Number from %s", command)
            answer.ack(response_type="ephemeral", text=t("privacy.my_number"))
            return
        except AmbiguousDate as problem:  # `来週日曜`: asked back with both readings; the work was rolled back
            answer.ack(response_type="ephemeral", text=ambiguous_text(t, problem))
            return
        if reply.modal is not None:
            answer.ack()
            opened = services.gateway.api("views.open", trigger_id=trigger_id, view=reply.modal)
            if not opened.ok:
                logger.warning("Failed to open a form for %s: %s", command, opened.error)
                answer.say(t("command.failed"))
            return
        answer.ack(**acked)
        answer.follow_up(reply)


def button(
    services: Services,
    *,
    user_id: str,
    channel_id: str | None,
    action_id: str,
    value: Any,
    trigger_id: str | None,
    respond: Respond | None,
    response_url: str | None = None,
) -> None:
    """A button (after the ack): open its form, answer the presser, show the new state on the card, the follow-up."""
    with Answer.to_button(
        services,
        user_id=user_id,
        channel_id=channel_id,
        action_id=action_id,
        trigger_id=trigger_id,
        respond=respond,
        response_url=response_url,
    ) as answer:
        pressed = press(services, user_id=user_id, channel_id=channel_id, action_id=action_id, value=value, answer=answer)
        if pressed.modal is not None:
            opened = services.gateway.api("views.open", trigger_id=trigger_id, view=pressed.modal)
            if not opened.ok:
                logger.warning("Failed to open a form for %s: %s", action_id, opened.error)
                answer.say(services.translator()("command.failed"))
        if pressed.reply is not None:
            answer.say(pressed.reply.text, pressed.reply.blocks)
        if pressed.replace is not None and respond is not None:  # everyone in the channel sees the card's new state
            respond(replace_original=True, text=pressed.replace[0], blocks=pressed.replace[1])
        if pressed.reply is not None:
            answer.follow_up(pressed.reply)


def form(services: Services, *, user_id: str, view: dict[str, Any], ack: Ack, replay_key: str | None = None) -> None:
    """A form submission: errors back into the form, or the reply (and the follow-up's) in the user's DM. Its key,
    work and follow-up are one commit; a replay is acked as the first was."""
    with Answer.to_form(services, user_id=user_id, view=view, ack=ack, replay_key=replay_key) as answer:
        if replay_key is not None:
            handled.prune_now_and_then(services.request_session)
        try:
            result = submit(services, user_id=user_id, view=view, answer=answer)
        except handled.Replayed:
            answer.replayed()
            return
        if isinstance(result, dict):
            answer.ack(response_action="errors", errors=result)
            return
        answer.ack()
        if isinstance(result, Reply):
            answer.say(result.text, result.blocks)
            answer.follow_up(result)
