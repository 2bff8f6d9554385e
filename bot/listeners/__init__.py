"""Bolt listeners: thin adapters that ack, call a command function, and send the reply."""

from slack_bolt import App

from bot.bootstrap import Services
from bot.listeners import app_home, slash_commands


def register(app: App, services: Services) -> None:
    """Attach every listener to the app."""
    slash_commands.register(app, services)
    app_home.register(app, services)
