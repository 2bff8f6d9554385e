"""Every family's buttons (cards, prompts, join requests) and form submissions: thin adapters over bot.interactions.

A button acts through conditional updates (a second click changes nothing); a form submission is handled once
per view id + hash (storage.requests).
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond

from bot import interactions
from bot.bootstrap import Services
from storage.requests import request_key


def on_button(ack: Ack, body: dict, action: dict, respond: Respond, context: BoltContext) -> None:
    """Ack at once, then run the button; its answers go through respond when the click came with a response_url."""
    ack()
    services: Services = context["services"]
    interactions.button(
        services,
        user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id"),
        action_id=action["action_id"],
        value=action.get("value"),
        trigger_id=body.get("trigger_id"),
        respond=respond if body.get("response_url") else None,
        response_url=body.get("response_url"),
    )


def on_submit(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Run a form submission once per submitted view (id + hash): a replay gets the first answer and creates nothing.

    A submission sent back with errors keeps no key, so the corrected form (same view id and hash) goes through.
    """
    interactions.form(
        context["services"],
        user_id=body["user"]["id"],
        view=view,
        ack=ack,
        replay_key=request_key("view", view["id"], view.get("hash") or ""),
    )


def register(app: App) -> None:
    """One listener per button and per form of bot.interactions."""
    for action_id in interactions.BUTTONS:
        app.action(action_id)(on_button)
    for callback_id in interactions.FORMS:
        app.view(callback_id)(on_submit)
