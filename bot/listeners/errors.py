"""The app's one error handler (`app.error`): a failure no listener answered still reaches the person, and the log.

bot.interactions.Answer wraps every command, button and form, so a failing command function is answered there.
What is left comes here: a failure in a listener itself, in the replay guard (storage.requests), in Bolt. The
traceback goes to the log and the person gets the catalog's `command.failed` the same way Answer tells them: as
the ack when the request has not been acked (a command's ephemeral answer; a form closes), else ephemeral through
respond when the request has a response_url, else in a DM sent once (an idempotency key from the request).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.context.ack import Ack

from bot.interactions import Answer

logger = logging.getLogger(__name__)


def _answer(context: BoltContext, body: dict[str, Any], ack: Ack | None) -> Answer | None:
    """The Answer to this request as its listener would have made it; None for what nobody waits on (events)."""
    services = context.get("services")
    user_id = context.user_id
    if services is None or not user_id:
        return None
    respond = context.respond if context.response_url else None
    if body.get("command"):
        return Answer.to_command(
            services,
            user_id=user_id,
            channel_id=context.channel_id,
            command=body["command"],
            trigger_id=body.get("trigger_id"),
            ack=ack,
            respond=respond,
        )
    if body.get("type") == "block_actions":
        action: dict[str, Any] = next(iter(body.get("actions") or []), {})
        return Answer.to_button(
            services,
            user_id=user_id,
            channel_id=context.channel_id,
            action_id=str(action.get("action_id")),
            trigger_id=body.get("trigger_id"),
            respond=respond,
            ack=ack,
        )
    if body.get("type") == "view_submission":
        return Answer.to_form(services, user_id=user_id, view=body.get("view") or {}, ack=ack, respond=respond)
    return None


def on_error(error: Exception, body: dict[str, Any], context: BoltContext, response: BoltResponse | None) -> BoltResponse | None:
    """Log the failure with its traceback and tell the person; the HTTP answer when Slack has not had one yet.

    Bolt passes `response` (500 so far) only while the request is unacknowledged; the one returned replaces it.
    """
    acked = response is None or context.ack.response is not None
    ack = None if acked else Ack()
    try:
        answer = _answer(context, body if isinstance(body, dict) else {}, ack)
    except Exception:  # a body too odd to say whom to tell: the log has both
        logger.exception("Failed to read the request that failed")
        answer = None
    if answer is None:
        logger.error("Failed to handle a request", exc_info=error)
        return None
    answer.failed(error)
    return ack.response if ack is not None else None
