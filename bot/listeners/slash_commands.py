"""One listener for every slash command: ack at once with the command function's reply."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond

from bot.bootstrap import Services
from bot.dispatch import COMMANDS, run_command
from commands.base import Reply

logger = logging.getLogger(__name__)


def finish(services: Services, reply: Reply, respond: Respond, what: str) -> None:
    """Run a reply's follow-up (slow Slack work) after the ack, and send what it has to say to the user."""
    later = services.follow_up(reply, what)
    if later is not None:
        respond(response_type="ephemeral", replace_original=False, text=later.text, blocks=later.blocks)


def register(app: App, services: Services) -> None:
    """Route each slash command of the manifest to its command function."""

    def handle(ack: Ack, respond: Respond, command: dict) -> None:
        t = services.translator()
        try:
            with services.session() as session:
                ctx = services.context(session, user_id=command["user_id"], channel_id=command.get("channel_id"))
                reply = run_command(ctx, command["command"], command.get("text") or "")
        except Exception:
            logger.exception("Failed to answer %s", command.get("command"))
            ack(response_type="ephemeral", text=t("command.failed"))
            return
        if reply.modal is not None:
            ack()
            opened = services.gateway.api("views.open", trigger_id=command.get("trigger_id"), view=reply.modal)
            if not opened.ok:
                logger.warning("Failed to open a form for %s: %s", command.get("command"), opened.error)
                respond(response_type="ephemeral", text=t("command.failed"))
            return
        ack(response_type="ephemeral" if reply.ephemeral else "in_channel", text=reply.text, blocks=reply.blocks)
        finish(services, reply, respond, command["command"])

    for name in COMMANDS:
        app.command(name)(handle)
