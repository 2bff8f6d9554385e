"""Buttons (issue cards, stand-up prompts) and form submissions: thin adapters over bot.interactions."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import interactions
from bot.bootstrap import Services


def register(app: App, services: Services) -> None:
    """Attach one listener per button and per form of bot.interactions."""

    def on_button(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        interactions.button(services, user_id=body["user"]["id"], channel_id=(body.get("channel") or {}).get("id"),
                            action_id=action["action_id"], value=action.get("value"),
                            trigger_id=body.get("trigger_id"), respond=respond)

    for action_id in interactions.BUTTONS:
        app.action(action_id)(on_button)

    def on_submit(ack: Ack, body: dict, view: dict) -> None:
        interactions.form(services, user_id=body["user"]["id"], view=view, ack=ack)

    for callback_id in interactions.FORMS:
        app.view(callback_id)(on_submit)
