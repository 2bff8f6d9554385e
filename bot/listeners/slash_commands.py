"""One listener for every slash command: a thin adapter over bot.interactions.slash."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import interactions
from bot.bootstrap import Services
from bot.dispatch import COMMANDS
from storage.requests import handle_once, request_key


def register(app: App, services: Services) -> None:
    """Route each slash command of the manifest to its command function, once per invocation (trigger_id)."""

    def handle(ack: Ack, respond: Respond, command: dict) -> None:
        def run(ack_once) -> None:
            interactions.slash(services, user_id=command["user_id"], channel_id=command.get("channel_id"),
                               command=command["command"], text=command.get("text") or "",
                               trigger_id=command.get("trigger_id"), ack=ack_once, respond=respond)

        # A replay of the same signed request is answered as the first was, and runs nothing.
        handle_once(services.session, key=request_key("slash", command["trigger_id"]), user_id=command["user_id"],
                    ack=ack, run=run)

    for name in COMMANDS:
        app.command(name)(handle)
