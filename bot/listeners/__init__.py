"""Bolt listeners: module-level functions, thin as in Slack's Bolt samples, over bot.interactions.

Each listener takes what Bolt injects (ack, respond, command / body / action / view, context) and reads the services
from Bolt's context (`context["services"]`), put there for every request by one global middleware (`provide`).
Nothing is captured in a closure, so a listener can be called alone with a fake ack, respond and context.
"""

from __future__ import annotations

from typing import Callable

from slack_bolt import App, BoltContext

from bot.bootstrap import Services
from bot.listeners import app_events, app_home, buttons_and_forms, slash_commands
from bot.listeners.errors import on_error


def provide(services: Services) -> Callable[..., None]:
    """The global middleware that gives every listener (and the error handler) the services through Bolt's context."""

    def services_middleware(context: BoltContext, next_: Callable[[], None]) -> None:
        context["services"] = services
        next_()

    return services_middleware


def register(app: App) -> None:
    """Attach every listener to the app (bot.app.create_app adds `provide` and `on_error` first)."""
    slash_commands.register(app)
    app_home.register(app)
    buttons_and_forms.register(app)
    app_events.register(app)


__all__ = ["on_error", "provide", "register"]
