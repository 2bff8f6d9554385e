"""The Bolt app: build it, register listeners, serve it over HTTP or Socket Mode."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
from concurrent.futures import Executor
from typing import Any, Iterable, TypeGuard
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot import listeners
from bot.bootstrap import Services
from bot.workspace import only_ours
from storage.db import database_writable

logger = logging.getLogger(__name__)

# The largest request Renkei accepts, in bytes. Slack's requests are far smaller: the biggest it sends us is a form
# submission, and our forms have a handful of inputs of at most 3,000 characters each (Slack's limit), under 200 KB
# even with every character percent-encoded (9 bytes for one Japanese character); events and slash commands are a few
# KB. 1 MB leaves ample room yet caps what one request can make the server hold. `renkei serve --http` gives the same
# limit to waitress, which answers 413 to a larger declared length before reading the body (and stops a chunked one
# once past it); create_wsgi checks again for any other server: a declared length over the limit is refused unread,
# a body of unknown length is read to at most MAX_REQUEST_BYTES + 1 bytes.
MAX_REQUEST_BYTES = 1_000_000

EVENTS_PATH = "/slack/events"
FORM, JSON = "application/x-www-form-urlencoded", "application/json"


SLACK_ACK_SECONDS = 3  # Slack shows the person a timeout when a request is not answered within 3 s


def create_app(services: Services, listener_executor: Executor | None = None, *, ack_timeout: int = SLACK_ACK_SECONDS) -> App:
    """A Bolt app whose every Web API call goes to SLACK_API_URL through the services' client. `listener_executor`:
    the threads Bolt runs listeners on after the ack (Bolt makes five when none is given); whoever gives it can wait
    for the listeners' work before closing the services (the tests' servers do). `ack_timeout`: how long Bolt waits
    for a listener's ack before answering "no ack" (Slack's 3 s; the tests' servers wait longer, so that a busy
    machine does not turn a slow answer into a missing one: how fast Renkei answers is measured in benchmarks/)."""
    # Signatures are always checked; Bolt itself skips the check for Socket Mode envelopes.
    app = App(
        client=services.client,
        signing_secret=services.settings.slack_signing_secret or "",
        listener_executor=listener_executor,
    )
    app.use(only_ours(services))  # first: another workspace's, organisation's or app's request runs nothing
    app.use(listeners.provide(services))  # every listener reads context["services"]; none captures them
    app.error(listeners.on_error)  # a failure no listener answered: logged, and the person is told
    listeners.register(app)
    for listener in app._listeners:  # Bolt takes ack_timeout only for custom functions; every listener reads it
        listener.ack_timeout = ack_timeout
    return app


class Refused(Exception):
    """A request answered with an error status before Bolt sees it."""

    def __init__(self, status: str, error: str):
        super().__init__(error)
        self.status, self.error = status, error


TOO_LARGE = "413 Request Entity Too Large"
BAD_REQUEST = "400 Bad Request"
UNAUTHORIZED = "401 Unauthorized"


def read_body(environ: dict[str, Any], limit: int = MAX_REQUEST_BYTES) -> bytes:
    """The request body, never more than `limit` bytes read into memory (Refused 413 beyond, 400 for a bad length).

    A declared length over the limit is refused without reading a byte; a body of unknown length (chunked, through a
    server that streams it) is read up to limit + 1 bytes and refused if that last byte came.
    """
    stream = environ.get("wsgi.input")
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not declared.isdigit():
            raise Refused(BAD_REQUEST, "bad content length")
        if int(declared) > limit:
            raise Refused(TOO_LARGE, "request too large")
        wanted = int(declared)
    else:
        wanted = limit + 1
    chunks, received = [], 0
    while stream is not None and received < wanted:
        chunk = stream.read(min(wanted - received, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    if received > limit:
        raise Refused(TOO_LARGE, "request too large")
    return b"".join(chunks)


def _is_ssl_check(body: bytes, content_type: str) -> bool:
    """Slack's certificate check for slash commands (`ssl_check=1`): answered 200 and ignored, as Bolt does."""
    if content_type != FORM or b"ssl_check" not in body:
        return False
    params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return params.get("ssl_check") == "1" and "payload" not in params and "command" not in params


class RawSignatureVerifier(SignatureVerifier):
    """slack_sdk's verifier (5-minute window, constant-time comparison) over the raw bytes, UTF-8 or not.

    slack_sdk decodes a bytes body as UTF-8 first, so a signed body that is not UTF-8 could not be told from a forged
    one; signed, it is a bad request (400), not an unauthorised one.
    """

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        if timestamp is None:
            return None
        raw = body if isinstance(body, bytes) else (body or "").encode()
        base = f"v0:{timestamp}:".encode() + raw
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()


def verify_signature(verifier: SignatureVerifier | None, body: bytes, environ: dict[str, Any]) -> None:
    """Refused 401 unless Slack's v0 signature of this body is valid and its timestamp within 5 minutes."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    try:
        valid = verifier is not None and verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except (ValueError, TypeError, OverflowError):  # a timestamp that is no number (`abc`, `1e999`)
        valid = False
    if not valid:
        raise Refused(UNAUTHORIZED, "invalid request")


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _has_id(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and _text(value.get("id"))


def check_payload(payload: Any) -> None:
    """Refused 400 unless an interactivity payload has what its listeners read (Slack always sends it)."""
    if not isinstance(payload, dict) or not _text(payload.get("type")):
        raise Refused(BAD_REQUEST, "payload is no object with a type")
    kind = payload["type"]
    if kind == "block_actions":
        actions = payload.get("actions")
        if not _has_id(payload.get("user")):
            raise Refused(BAD_REQUEST, "block_actions without user")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(isinstance(a, dict) and _text(a.get("action_id")) for a in actions)
        ):
            raise Refused(BAD_REQUEST, "block_actions without actions")
    elif kind in {"view_submission", "view_closed"}:
        view = payload.get("view")
        if not _has_id(view) or not _text(view.get("callback_id")):
            raise Refused(BAD_REQUEST, f"{kind} without view")
        if not _has_id(payload.get("user")):
            raise Refused(BAD_REQUEST, f"{kind} without user")


def check_event(event: Any) -> None:
    """Refused 400 unless an Events API body is an object with a type (and an event, for event_callback)."""
    if not isinstance(event, dict) or not _text(event.get("type")):
        raise Refused(BAD_REQUEST, "event is no object with a type")
    if event["type"] == "event_callback" and not (isinstance(event.get("event"), dict) and _text(event["event"].get("type"))):
        raise Refused(BAD_REQUEST, "event_callback without event")
    if event["type"] == "url_verification" and not _text(event.get("challenge")):
        raise Refused(BAD_REQUEST, "url_verification without challenge")


def check_body(body: bytes, content_type: str) -> None:
    """Refused 400 unless a signed body is one Slack sends: UTF-8, a form or JSON, with what the listeners read."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(BAD_REQUEST, "body is not UTF-8") from None
    if content_type == JSON:
        try:
            check_event(json.loads(text))
        except ValueError:
            raise Refused(BAD_REQUEST, "body is not JSON") from None
        return
    if content_type != FORM:
        raise Refused(BAD_REQUEST, "unknown content type")
    if text.startswith("{"):  # Bolt reads a body that starts so as JSON, whatever its content type says
        raise Refused(BAD_REQUEST, "JSON sent as a form")
    params = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in params:
        try:
            payload = json.loads(params["payload"])
        except ValueError:
            raise Refused(BAD_REQUEST, "payload is not JSON") from None
        check_payload(payload)
    elif "command" in params:
        if not params["command"].startswith("/") or not _text(params.get("user_id")) or not _text(params.get("trigger_id")):
            raise Refused(BAD_REQUEST, "slash command without command, user_id or trigger_id")
    else:
        raise Refused(BAD_REQUEST, "form is neither a slash command nor a payload")


def _respond(start_response, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create_wsgi(app: App, services: Services) -> WSGIApplication:
    """WSGI entry: `/slack/events` for Slack, `/healthz` for load balancers and monitors.

    In front of Bolt, every POST to /slack/events is checked in this order, so nothing malformed reaches a listener:
    size (413 over MAX_REQUEST_BYTES, before the body is read), Slack's signature (401, checked on the raw bytes
    before anything is parsed), then the shape of the signed body (400: not UTF-8, neither a form nor JSON, a payload
    that is no JSON object, a click without user or actions, a form submission without view, ...).
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = services.settings.slack_signing_secret or ""
    verifier = RawSignatureVerifier(secret) if secret.strip() else None

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in {"GET", "HEAD"}:
            healthy = database_writable(services.request_engine)
            body = json.dumps({"ok": healthy, "database": "writable" if healthy else "not writable"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path != EVENTS_PATH or method != "POST":
            return slack(environ, start_response)  # Bolt answers 404
        content_type = str(environ.get("CONTENT_TYPE") or "").split(";", 1)[0].strip().lower()
        try:
            body = read_body(environ)
            if _is_ssl_check(body, content_type):
                return _respond(start_response, "200 OK", {})
            verify_signature(verifier, body, environ)
            check_body(body, content_type)
        except Refused as refused:
            return _respond(start_response, refused.status, {"error": refused.error})
        started: list[str] = []

        def start(status, headers, exc_info=None):
            started.append(status)
            return start_response(status, headers, exc_info)

        try:
            return slack({**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}, start)
        except Exception:  # Bolt could not read a signed body these checks let through (a field of an odd type)
            if started:
                raise
            logger.exception("Bolt could not read a signed request")
            return _respond(start_response, BAD_REQUEST, {"error": "unreadable request"})

    return wsgi
