"""Slack taking the app's access away: `app_uninstalled` and `tokens_revoked` pause the app (storage.appstate) —
nothing is sent and no job fires, and nothing is lost — until `renkei serve` starts with a token that works again."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from storage import appstate

logger = logging.getLogger(__name__)


def on_access_lost(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
    """Record the pause with its reason, then acknowledge (an ack means it is kept: Slack does not send the event
    again), and say so in the log (Slack can no longer be told)."""
    event = body.get("event") or {}
    reason = str(event.get("type") or "access lost")
    services = context["services"]
    with services.session() as session:
        appstate.pause(session, reason)
    ack()
    logger.error(
        "Slack says %s: Renkei is paused (nothing is sent, no job fires, nothing is lost). Reinstall the app and "
        "restart `renkei serve` with its token to resume.",
        reason,
    )


def register(app: App) -> None:
    app.event("app_uninstalled")(on_access_lost)
    app.event("tokens_revoked")(on_access_lost)
