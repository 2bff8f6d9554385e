"""Bolt listeners: thin adapters that ack, call a command function, and send the reply."""

from slack_bolt import App

from bot.bootstrap import Services
from bot.listeners import app_home, issue_actions, slash_commands


def register(app: App, services: Services) -> None:
    """Attach every listener to the app."""
    slash_commands.register(app, services)
    app_home.register(app, services)
    issue_actions.register(app, services)
