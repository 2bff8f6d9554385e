"""Only our workspace and our app: a request Slack signed for another workspace, organisation or app is refused
before anything runs (a signing secret shared by mistake between apps, a workspace the app was never installed in).

What is ours comes from Slack once per process (auth.test: the workspace and its organisation; bots.info: the app
the bot user belongs to) and is kept; when Slack cannot be asked, the check waits for the next request and says so in
the log, never refusing on a guess.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from slack_bolt import BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.bootstrap import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Installed:
    """The workspace (and organisation, on Enterprise Grid) the token belongs to, and the app of its bot."""

    team_id: str
    enterprise_id: str | None
    app_id: str | None


_lock = threading.Lock()


def installed(services: Services) -> Installed | None:
    """What is ours, asked of Slack once per services (None while Slack cannot say: the next request asks again)."""
    with _lock:
        known = services.__dict__.get("installed")  # kept on the services, like their other cached properties
        if known is not None:
            return known
        try:
            auth = services.client.auth_test()
            bot_id = auth.get("bot_id")
            bot: dict[str, Any] = (services.client.bots_info(bot=bot_id).get("bot") or {}) if bot_id else {}
            app_id = bot.get("app_id")
        except (SlackApiError, OSError) as exc:
            logger.warning("Could not ask Slack which workspace and app are ours: %s", exc)
            return None
        ours = Installed(team_id=str(auth.get("team_id") or ""), enterprise_id=auth.get("enterprise_id"), app_id=app_id)
        services.__dict__["installed"] = ours
        return ours


def foreign(
    ours: Installed, team_id: str | None, enterprise_id: str | None, app_id: str | None, *, ours_says: bool = False
) -> str | None:
    """What of a request is not ours (`app`, `team`, `enterprise`), or None. A field the request does not carry is not
    held against it (Slack's own health checks carry none). The team and organisation are the acting user's: a guest
    in a shared channel (`ours_says`: the request names our workspace as the installation it is for), a user of
    another workspace of our own organisation, or any user of an organisation-wide install (no team of ours) is
    served."""
    if app_id and ours.app_id and app_id != ours.app_id:
        return "app"
    if ours_says or not ours.team_id or (enterprise_id and enterprise_id == ours.enterprise_id):
        return None
    if team_id and team_id != ours.team_id:
        return "team"
    if enterprise_id and enterprise_id != ours.enterprise_id:
        return "enterprise"
    return None


def names_our_installation(body: dict[str, Any], ours: Installed) -> bool:
    """Whether the request says it is for our installation while its user is of another team: an event's
    `authorizations`, a view's `app_installed_team_id`, a shared channel."""
    authorizations = body.get("authorizations") or []
    view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
    return bool(
        body.get("is_ext_shared_channel")
        or any(isinstance(a, dict) and a.get("team_id") == ours.team_id for a in authorizations)
        or (view.get("app_installed_team_id") == ours.team_id)
    )


def only_ours(services: Services) -> Callable[..., Any]:
    """Bolt middleware, first of all: a request of another workspace, organisation or app is answered 403 and logged,
    and no listener runs."""

    def middleware(req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        ours = installed(services)
        if ours is not None:
            body = req.body if isinstance(req.body, dict) else {}
            what = foreign(
                ours,
                req.context.team_id,
                req.context.enterprise_id,
                body.get("api_app_id"),
                ours_says=names_our_installation(body, ours),
            )
            if what is not None:
                logger.warning(
                    "Refused a request of another %s (team %s, enterprise %s, app %s)",
                    what,
                    req.context.team_id,
                    req.context.enterprise_id,
                    body.get("api_app_id"),
                )
                return BoltResponse(status=403, body={"error": f"not our {what}"})
        return next()

    return middleware


def resume_if_allowed(services: Services) -> bool:
    """At start: when the token works (Slack names the workspace and app), a pause recorded after `app_uninstalled`
    or `tokens_revoked` is over (a reinstall); True when the app was paused and now resumes."""
    from storage import appstate

    if installed(services) is None:
        return False
    with services.session() as session:
        resumed = appstate.resume(session)
    if resumed:
        logger.warning("The token works again: Renkei resumes sending and its jobs")
    return resumed
