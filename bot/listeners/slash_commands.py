"""One listener for every slash command: a thin adapter over bot.interactions.slash."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import interactions
from bot.bootstrap import Services
from bot.dispatch import COMMANDS


def register(app: App, services: Services) -> None:
    """Route each slash command of the manifest to its command function."""

    def handle(ack: Ack, respond: Respond, command: dict) -> None:
        interactions.slash(services, user_id=command["user_id"], channel_id=command.get("channel_id"),
                           command=command["command"], text=command.get("text") or "",
                           trigger_id=command.get("trigger_id"), ack=ack, respond=respond)

    for name in COMMANDS:
        app.command(name)(handle)
