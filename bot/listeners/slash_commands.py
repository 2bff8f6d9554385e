"""One listener for every slash command: ack at once with the command function's reply."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond

from bot.bootstrap import Services
from bot.dispatch import COMMANDS, run_command
from commands.base import CommandContext

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Route each slash command of the manifest to its command function."""

    def handle(ack: Ack, respond: Respond, command: dict) -> None:
        t = services.translator()
        try:
            with services.session() as session:
                ctx = CommandContext(session=session, user_id=command["user_id"],
                                     channel_id=command.get("channel_id"), t=t, slack=services.gateway)
                reply = run_command(ctx, command["command"], command.get("text") or "")
        except Exception:
            logger.exception("Failed to answer %s", command.get("command"))
            ack(response_type="ephemeral", text=t("command.failed"))
            return
        ack(response_type="ephemeral" if reply.ephemeral else "in_channel", text=reply.text, blocks=reply.blocks)
        if reply.followup is not None:
            try:
                with services.session() as session:
                    later = reply.followup(session)
            except Exception:
                logger.exception("Failed to finish %s", command.get("command"))
                later = type(reply)(text=t("command.failed"))
            respond(response_type="ephemeral", text=later.text, blocks=later.blocks)

    for name in COMMANDS:
        app.command(name)(handle)
