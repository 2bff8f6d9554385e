"""App Home: publish the user's view whenever they open the Home tab."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext

from bot.bootstrap import Services
from commands.home import build_home
from commands.people import Names, ask_unknown, known_names
from storage.home import home_data
from storage.models import utcnow

logger = logging.getLogger(__name__)


def publish_home(event: dict, context: BoltContext) -> None:
    """Answer app_home_opened with views.publish (the Home tab only, not the Messages tab)."""
    if event.get("tab", "home") != "home":
        return
    services: Services = context["services"]
    user = event["user"]
    t, people = services.translator(), services.project_file.people
    with services.session() as session:
        data = home_data(session, user, now=utcnow(), timezone=services.project_file.timezone)
        # After Slack's ack (Bolt acknowledges events first): the names Renkei lacks may be asked of users.info
        ask_unknown(session, services.gateway, people, {w.user_id for w in data.wins})
        names = Names(t, known_names(session, people, t), in_slack=True)
    view = build_home(t, data, names)
    result = services.gateway.api("views.publish", user_id=user, view=view)
    if not result.ok:
        logger.warning("Failed to publish App Home for %s: %s", user, result.error)


def register(app: App) -> None:
    """Listen for app_home_opened."""
    app.event("app_home_opened")(publish_home)
