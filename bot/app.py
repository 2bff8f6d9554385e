"""The Bolt app: build it, register listeners, serve it over HTTP or Socket Mode."""

from __future__ import annotations

import json

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import listeners
from bot.bootstrap import Services
from storage.db import database_reachable


def create_app(services: Services) -> App:
    """A Bolt app whose every Web API call goes to SLACK_API_URL through the services' client."""
    # Signatures are always checked; Bolt itself skips the check for Socket Mode envelopes.
    app = App(client=services.client, signing_secret=services.settings.slack_signing_secret or "")
    listeners.register(app, services)
    return app


def create_wsgi(app: App, services: Services):
    """WSGI entry: `/slack/events` for Slack, `/healthz` for load balancers and monitors."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in {"GET", "HEAD"}:
            healthy = database_reachable(services.engine)
            body = json.dumps({"ok": healthy, "database": "reachable" if healthy else "unreachable"}).encode()
            start_response("200 OK" if healthy else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return wsgi
