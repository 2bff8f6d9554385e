"""One listener for every slash command: a thin adapter over bot.interactions.slash."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond

from bot import dispatch, interactions
from storage.requests import request_key


def on_command(ack: Ack, respond: Respond, command: dict, context: BoltContext) -> None:
    """Answer a slash command once per invocation (trigger_id): a replay of the same signed request is answered as
    the first was, and runs nothing."""
    interactions.slash(
        context["services"],
        user_id=command["user_id"],
        channel_id=command.get("channel_id"),
        command=command["command"],
        text=command.get("text") or "",
        trigger_id=command.get("trigger_id"),
        ack=ack,
        respond=respond,
        response_url=command.get("response_url"),
        replay_key=request_key("slash", command["trigger_id"]),
    )


def register(app: App) -> None:
    """Route each slash command of the manifest to on_command (bot.dispatch picks the command function)."""
    for name in dispatch.COMMANDS:
        app.command(name)(on_command)
