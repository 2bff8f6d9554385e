"""A local HTTP emulator of the Slack Web API: the only thing tests replace Slack with.

It speaks the JSON of the methods the bot uses, checks the bearer token, records every
call, and answers 429 (with Retry-After), 5xx or `ok: false` when a test asks it to.

Where it matters it refuses what Slack refuses (each rule has a test in tests/test_fakeslack.py):
- token types: a bot token (xoxb-) for Web API methods, the app-level token (xapp-) only for
  apps.connections.open; anything else is `not_allowed_token_type`;
- posting (chat.postMessage, chat.update) needs a channel that exists (`channel_not_found`) and has
  the bot as a member (`not_in_channel`); a user id (U...) or an IM from conversations.open is a DM;
- Block Kit limits (below), `invalid_blocks` for messages and `invalid_arguments` for views, with
  the reason in response_metadata.messages as Slack gives it;
- views.open needs a trigger_id; read methods take form bodies only (a JSON body is not read);
- conversations.list answers in small pages (PAGE_SIZE, or a smaller `limit`) with a cursor.
A call is recorded with what was answered: `Call.ok` is False for every refusal, so
`calls_to(..., ok_only=True)` is what Slack accepted; `Call.at` is when it arrived (time.time()).

Two things are off unless asked for (benchmarks/ uses them; the tests' emulator is instant and unlimited):
- `rate_limits=RateLimits(...)`: Slack's rate limits on posting, as token buckets, one per channel and one for the
  workspace: a post beyond either is answered 429 with Retry-After (whole seconds, as Slack sends it) and not
  counted; `failure_rate` adds random 429s and 500s (seeded) on posts within the limits;
- `delay`: seconds every Web API call waits before it is answered, as Slack's own answer time; `slow` the same for
  one method (`{"users.info": 8.0}`), on top of it; `hold(...)` keeps the calls of some methods (or all, "*")
  unanswered until `release()`: a test proves something happened before Slack answered, by order, not by a clock.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.fakeslack import blockkit

DEFAULT_SCOPES = (
    "commands,chat:write,channels:manage,channels:read,channels:join,channels:history,users:read,im:write,files:write,"
    "pins:write,canvases:write"
)
CANVAS_MARKDOWN = 1_048_576  # a canvas's markdown content (conversations.canvases.create, canvases.edit)


# Slack's limits (Block Kit and API reference pages, as of 2026); Slack refuses a payload past them.
MESSAGE_BLOCKS = 50  # blocks in one message
VIEW_BLOCKS = 100  # blocks in a modal or the Home tab (views.open / views.publish)
SECTION_TEXT = 3000  # section `text`
SECTION_FIELDS = 10  # section `fields`, each at most FIELD_TEXT
FIELD_TEXT = 2000
HEADER_TEXT = 150  # header text (plain_text)
BUTTON_TEXT = 75  # button text (plain_text)
ACTIONS_ELEMENTS = 25  # elements of an actions block
CONTEXT_ELEMENTS = 10  # elements of a context block
VIEW_TITLE = 24  # modal title, submit and close (plain_text)
PRIVATE_METADATA = 3000  # a view's private_metadata (characters)
MESSAGE_TEXT = 40000  # message `text` (the notification fallback)
PAGE_SIZE = 2  # conversations.list: Slack may return fewer than `limit`; small pages exercise paging

# Methods that only read: Slack reads their arguments from a form (or query) body, never from JSON.
READ_METHODS = {"auth.test", "bots.info", "conversations.list", "conversations.info", "conversations.history", "users.info"}
APP_TOKEN_METHODS = {"apps.connections.open"}


@dataclass
class Call:
    """One request the emulator received, and what it answered (`ok` False for any refusal)."""

    method: str
    params: dict[str, Any]
    token: str | None
    status: int
    ok: bool = True
    error: str | None = None
    at: float = field(default_factory=time.time)  # when it arrived (wall clock, comparable across processes)


@dataclass
class Failure:
    """A scripted bad answer for the next call(s) of one method."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    needed: str | None = None


@dataclass
class RateLimits:
    """Slack's limits on posting (off unless given to FakeSlack): token buckets per channel and for the workspace.

    Slack documents chat.postMessage as about one message per second per channel, short bursts tolerated, and
    "several hundred messages per minute" for a workspace. The defaults: 1 per second per channel with a burst of
    3; 300 per minute (5 per second) for the workspace with a burst of 50. A post beyond either bucket is answered
    429 with Retry-After (whole seconds) and consumes nothing. `failure_rate` of the posts within the limits are
    answered, at random (Random(seed)), half 429 with Retry-After 1 and half 500, before Slack counts or posts them.
    """

    per_channel_per_second: float = 1.0
    per_channel_burst: int = 3
    workspace_per_minute: float = 300.0
    workspace_burst: int = 50
    failure_rate: float = 0.0
    seed: int = 0
    methods: frozenset[str] = frozenset({"chat.postMessage"})

    def lower_bound(self, per_channel: dict[str, int]) -> float:
        """The least time in seconds, from full buckets, in which Slack accepts `per_channel[c]` posts to each channel."""
        total = sum(per_channel.values())
        workspace = max(0.0, (total - self.workspace_burst) / (self.workspace_per_minute / 60))
        channels = [max(0.0, (n - self.per_channel_burst) / self.per_channel_per_second) for n in per_channel.values()]
        return max([workspace, *channels])


class _Bucket:
    """A token bucket: `burst` tokens, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, now: float):
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, float(burst), now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0 when one is); refills first."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass
class Channel:
    id: str
    name: str
    purpose: str = ""
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)  # what was posted, oldest first (history)
    canvas: str | None = None  # the channel canvas's id
    pins: list[str] = field(default_factory=list)  # the ts of pinned messages


class FakeSlack:
    """The emulator: `start()` gives the base URL to use as SLACK_API_URL."""

    def __init__(
        self,
        tokens: tuple[str, ...] = ("xoxb-test",),
        scopes: str = DEFAULT_SCOPES,
        bot_user: str = "UBOT",
        *,
        rate_limits: RateLimits | None = None,
        delay: float = 0.0,
    ):
        self.tokens = set(tokens)
        self.scopes = scopes
        self.bot_user = bot_user
        self.calls: list[Call] = []
        self.channels: dict[str, Channel] = {}
        self.uploads: dict[str, bytes] = {}
        self.arrivals: list[str] = []  # methods of the calls received, in order, as they arrive (before `delay`)
        self.ims: set[str] = set()  # IM channel ids handed out by conversations.open
        self.users: dict[str, tuple[str, bool]] = {}  # users.info: a user's real name and whether deleted
        self.canvases: dict[str, str] = {}  # canvas id -> its markdown
        self.canvases_allowed = True  # False: a workspace whose plan has no channel canvases
        self.page_size = PAGE_SIZE
        self._failures: dict[str, deque[Failure]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self.rate_limits = rate_limits
        self.delay = delay
        self.slow: dict[str, float] = {}  # seconds one method waits before it is answered, on top of `delay`
        self._held: set[str] = set()
        self._released = threading.Event()
        self.reset_limits()

    # --- test controls -----------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free loopback port; returns the base URL (ending in /api/)."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    @property
    def response_url(self) -> str:
        """Where slash-command payloads say to send delayed replies; recorded as method `response_url`."""
        return self.url.replace("/api/", "/response")

    def channel_named(self, name: str) -> Channel | None:
        """The channel with this name, if it exists."""
        with self._lock:
            return next((c for c in self.channels.values() if c.name == name), None)

    def stop(self) -> None:
        """Stop serving; later calls fail with a connection error, as when Slack is unreachable."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        needed: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` fail this way (`needed`: the scope a missing_scope lacks)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        failure = Failure(status, error, retry_after, needed)
        with self._lock:
            self._failures.setdefault(method, deque()).extend(failure for _ in range(times))

    def hold(self, *methods: str) -> None:
        """Leave the calls of these methods ("*": every method) unanswered until `release()` (at most 120 s)."""
        self._released.clear()
        self._held = set(methods)

    def release(self) -> None:
        """Answer the held calls now, and the next ones at once."""
        self._held = set()
        self._released.set()

    def heal(self, method: str) -> None:
        """Drop the failures still waiting for `method`: its next call succeeds."""
        with self._lock:
            self._failures.pop(method, None)

    def reset_limits(self) -> None:
        """Full buckets again, and the random failures from the start of their seeded sequence."""
        with self._lock:
            self._buckets: dict[str, _Bucket] = {}
            self._random = random.Random(self.rate_limits.seed if self.rate_limits else 0)

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        """The recorded calls of one method (only those Slack accepted, `ok: true`, when `ok_only`)."""
        with self._lock:
            return [c for c in self.calls if c.method == method and (not ok_only or (c.status == 200 and c.ok))]

    def add_channel(self, name: str, members: set[str] | None = None, *, channel_id: str | None = None) -> Channel:
        """A channel that exists before the bot looks (e.g. made by hand); the bot is in it only if in `members`."""
        with self._lock:
            channel = Channel(id=channel_id or f"C{next(self._ids):08d}", name=name, members=set(members or ()))
            self.channels[channel.id] = channel
            return channel

    # --- HTTP --------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        arrived = time.time()
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        path = request.path.split("?", 1)[0]
        if path == "/response":  # a slash command's response_url
            self._record("response_url", json.loads(raw or b"{}"), None, 200)
            self._send(request, 200, {"ok": True}, raw_text="ok")
            return
        if path.startswith("/upload/"):
            self.uploads[path.rsplit("/", 1)[1]] = raw
            self._send(request, 200, {"ok": True}, raw_text="OK - uploaded")
            return
        method = path.removeprefix("/api/")
        params = self._params(request, raw)
        with self._lock:
            self.arrivals.append(method)  # before `delay`: a call on the wire, answered or not
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else params.get("token")
        if self.delay or self.slow.get(method):
            time.sleep(self.delay + self.slow.get(method, 0.0))
        if method in self._held or "*" in self._held:
            self._released.wait(120)
        with self._lock:
            queue = self._failures.get(method)
            failure = queue.popleft() if queue else None
        if failure is None and token in self.tokens:
            failure = self._limited(method, params)
        if failure is not None and failure.status != 200:
            error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
            self._record(method, params, token, failure.status, error, at=arrived)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            self._send(request, failure.status, {"ok": False, "error": error}, headers=headers)
            return
        body = self._answer(method, params, token, failure, json_body=self._is_json(request) and bool(raw))
        self._record(method, params, token, 200, None if body.get("ok") else str(body.get("error")), at=arrived)
        headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" and body.get("ok") else {}
        self._send(request, 200, body, headers=headers)

    def _answer(
        self, method: str, params: dict[str, Any], token: str | None, failure: Failure | None, *, json_body: bool
    ) -> dict[str, Any]:
        """Slack's answer to a call that reached it: auth, token type, scripted failure, then the method."""
        if token not in self.tokens:
            return {"ok": False, "error": "not_authed" if not token else "invalid_auth"}
        # An app-level token opens Socket Mode connections and nothing else; a bot token cannot open them.
        if token.startswith("xapp-") != (method in APP_TOKEN_METHODS):
            return {"ok": False, "error": "not_allowed_token_type"}
        if failure is not None:
            body = {"ok": False, "error": failure.error or "internal_error"}
            if failure.needed:
                body.update(needed=failure.needed, provided="commands,chat:write")
            return body
        if json_body and method in READ_METHODS:
            # Slack does not read JSON bodies for these methods: the arguments are simply not there.
            return _refused("invalid_arguments", f"{method} does not accept a JSON body; send it form-encoded")
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self._lock:
            return handler(params)

    def _limited(self, method: str, params: dict[str, Any]) -> Failure | None:
        """With rate limits on: the 429 of a post beyond them, a random failure, or None (the post is counted)."""
        limits = self.rate_limits
        if limits is None or method not in limits.methods:
            return None
        now = time.monotonic()
        with self._lock:
            buckets = [
                self._bucket("workspace", limits.workspace_per_minute / 60, limits.workspace_burst, now),
                self._bucket(
                    "channel:" + str(params.get("channel", "")), limits.per_channel_per_second, limits.per_channel_burst, now
                ),
            ]
            wait = max(bucket.wait(now) for bucket in buckets)
            if wait > 0:
                return Failure(429, "ratelimited", max(1, math.ceil(wait)))
            if limits.failure_rate and self._random.random() < limits.failure_rate:
                return Failure(429, "ratelimited", 1) if self._random.random() < 0.5 else Failure(500, "internal_error")
            for bucket in buckets:
                bucket.tokens -= 1
        return None

    def _bucket(self, key: str, rate: float, burst: int, now: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(rate, burst, now)
        return self._buckets[key]

    @staticmethod
    def _is_json(request: BaseHTTPRequestHandler) -> bool:
        return request.headers.get("Content-Type", "").startswith("application/json")

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, raw: bytes) -> dict[str, Any]:
        kind = request.headers.get("Content-Type", "")
        if not raw:
            return {}
        if kind.startswith("application/json"):
            return json.loads(raw.decode("utf-8"))
        return dict(parse_qsl(raw.decode("utf-8")))

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        status: int,
        error: str | None = None,
        *,
        at: float | None = None,
    ) -> None:
        call = Call(method, params, token, status, ok=status == 200 and error is None, error=error)
        if at is not None:
            call.at = at
        with self._lock:
            self.calls.append(call)

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        raw_text: str | None = None,
    ) -> None:
        data = (raw_text or json.dumps(body, ensure_ascii=False)).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    # --- Web API methods (called with the lock held) -------------------------------------

    def _ts(self) -> str:
        """A message timestamp as Slack makes them: the epoch second it was posted, and a unique fraction."""
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _channel(self, params: dict[str, Any]) -> Channel | None:
        return self.channels.get(str(params.get("channel", "")))

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://renkei-test.slack.com/",
            "team": "Renkei Test",
            "user": "renkei",
            "team_id": "T000TEST",
            "user_id": self.bot_user,
            "bot_id": "B000TEST",
        }

    def _m_bots_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("bot") != "B000TEST":
            return _refused("bot_not_found")
        return {"ok": True, "bot": {"id": "B000TEST", "app_id": "A000TEST", "user_id": self.bot_user, "name": "renkei"}}

    def _postable(self, channel: str) -> dict[str, Any] | None:
        """Slack's refusal to post in `channel`, or None: it must exist and have the bot, or be a DM."""
        if channel.startswith("U") or channel in self.ims:
            return None
        found = self.channels.get(channel) or next((c for c in self.channels.values() if channel.lstrip("#") == c.name), None)
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        if self.bot_user not in found.members:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks")):
            return {"ok": False, "error": "no_text"}
        refused = self._postable(channel) or _message_refusal(params)
        if refused:
            return refused
        ts = self._ts()
        found = self.channels.get(channel)
        if found is not None:
            metadata = params.get("metadata")
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            found.messages.append({"ts": ts, "text": params.get("text"), "metadata": metadata})
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text")}}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel", "")), str(params.get("ts", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        refused = self._postable(channel) or _message_refusal(params)
        if refused:
            return refused
        found = self.channels.get(channel)
        if found is not None:  # a channel's message must exist; it takes the new text (DMs are not kept)
            message = next((m for m in found.messages if m["ts"] == ts), None)
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message["text"] = params.get("text")
        return {"ok": True, "channel": channel, "ts": ts, "text": params.get("text")}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._ts()}

    def _m_conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name", ""))
        if any(c.name == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        channel = Channel(id=f"C{next(self._ids):08d}", name=name, members={self.bot_user})
        self.channels[channel.id] = channel
        return {"ok": True, "channel": {"id": channel.id, "name": name}}

    def _m_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        # Pages of at most `page_size` (Slack may return fewer than `limit`), the cursor an opaque offset.
        cursor = str(params.get("cursor") or "")
        if cursor and not (cursor.startswith("dGVhbTpD") and cursor[8:].isdigit()):
            return {"ok": False, "error": "invalid_cursor"}
        start = int(cursor[8:]) if cursor else 0
        try:
            limit = int(params.get("limit") or 100)
        except ValueError:
            return _refused("invalid_arguments", "limit must be a number")
        size = max(1, min(limit, self.page_size))
        everything = list(self.channels.values())
        page = everything[start : start + size]
        more = start + size < len(everything)
        return {
            "ok": True,
            "channels": [
                {"id": c.id, "name": c.name, "is_member": self.bot_user in c.members, "purpose": {"value": c.purpose}}
                for c in page
            ],
            "response_metadata": {"next_cursor": f"dGVhbTpD{start + size}" if more else ""},
        }

    def _m_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on, in pages of `page_size`; metadata only with include_all_metadata."""
        if "channels:history" not in self.scopes.split(","):
            return {"ok": False, "error": "missing_scope", "needed": "channels:history"}
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if self.bot_user not in channel.members:
            return {"ok": False, "error": "not_in_channel"}
        oldest = float(params.get("oldest") or 0)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
        found = [m for m in reversed(channel.messages) if float(m["ts"]) >= oldest]
        start = int(str(params.get("cursor") or "0") or 0)
        page = found[start : start + self.page_size]
        more = start + self.page_size < len(found)
        return {
            "ok": True,
            "messages": [
                {
                    "type": "message",
                    "ts": m["ts"],
                    "text": m["text"],
                    **({"metadata": m["metadata"]} if with_metadata and m["metadata"] else {}),
                }
                for m in page
            ],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + self.page_size) if more else ""},
        }

    def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "purpose": {"value": channel.purpose},
                "is_member": self.bot_user in channel.members,
                **({"properties": {"canvas": {"file_id": channel.canvas, "is_empty": False}}} if channel.canvas else {}),
            },
        }

    def _missing(self, scope: str) -> dict[str, Any] | None:
        return None if scope in self.scopes.split(",") else {"ok": False, "error": "missing_scope", "needed": scope}

    @staticmethod
    def _markdown(content: Any) -> str | dict[str, Any]:
        """The markdown of a canvas's `document_content`, or Slack's refusal."""
        content = json.loads(content) if isinstance(content, str) else content
        if not isinstance(content, dict) or content.get("type") != "markdown" or not isinstance(content.get("markdown"), str):
            return _refused("invalid_arguments", "document_content must be {type: markdown, markdown: <text>}")
        if len(content["markdown"]) > CANVAS_MARKDOWN:
            return _refused("invalid_arguments", f"markdown is over {CANVAS_MARKDOWN} characters")
        return content["markdown"]

    def _m_conversations_canvases_create(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing("canvases:write")
        if refused:
            return refused
        if not self.canvases_allowed:
            return {"ok": False, "error": "team_tier_cannot_create_channel_canvases"}
        channel = self.channels.get(str(params.get("channel_id", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.canvas is not None:
            return {"ok": False, "error": "channel_canvas_already_exists"}
        markdown = self._markdown(params.get("document_content"))
        if isinstance(markdown, dict):
            return markdown
        channel.canvas = f"F{next(self._ids):08d}"
        self.canvases[channel.canvas] = markdown
        return {"ok": True, "canvas_id": channel.canvas}

    def _m_canvases_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing("canvases:write")
        if refused:
            return refused
        canvas = str(params.get("canvas_id", ""))
        if canvas not in self.canvases:
            return {"ok": False, "error": "canvas_not_found"}
        changes = params.get("changes")
        changes = json.loads(changes) if isinstance(changes, str) else changes
        if not isinstance(changes, list) or len(changes) != 1 or changes[0].get("operation") != "replace":
            return _refused("invalid_arguments", "changes: one {operation: replace, document_content} is what Renkei sends")
        markdown = self._markdown(changes[0].get("document_content"))
        if isinstance(markdown, dict):
            return markdown
        self.canvases[canvas] = markdown
        return {"ok": True}

    def _m_pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing("pins:write")
        if refused:
            return refused
        channel, ts = self._channel(params), str(params.get("timestamp", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not any(m["ts"] == ts for m in channel.messages):
            return {"ok": False, "error": "message_not_found"}
        if ts in channel.pins:
            return {"ok": False, "error": "already_pinned"}
        channel.pins.append(ts)
        return {"ok": True}

    def _m_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        channel.members.add(self.bot_user)
        return {"ok": True, "channel": {"id": channel.id, "name": channel.name}}

    def _m_conversations_invite(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        users = {u for u in str(params.get("users", "")).split(",") if u}
        if users <= channel.members:
            return {"ok": False, "error": "already_in_channel"}
        channel.members |= users
        return {"ok": True, "channel": {"id": channel.id, "name": channel.name}}

    def _m_conversations_setPurpose(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        channel.purpose = str(params.get("purpose", ""))
        return {"ok": True, "purpose": channel.purpose}

    def _m_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        im = "D" + str(params.get("users", "U0"))[1:]
        self.ims.add(im)
        return {"ok": True, "channel": {"id": im}}

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        # Socket Mode: a URL nobody listens on; the test only needs to see the bot ask for it.
        return {"ok": True, "url": "ws://127.0.0.1:9/link"}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        real_name, deleted = self.users.get(user, (f"User {user}", False))  # test control: `users[id] = (name, deleted)`
        return {
            "ok": True,
            "user": {
                "id": user,
                "name": user.lower(),
                "deleted": deleted,
                "tz": "Asia/Tokyo",
                "profile": {"display_name": f"user-{user}", "real_name": real_name},
            },
        }

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not (params.get("trigger_id") or params.get("interactivity_pointer")):
            return _refused("invalid_arguments", "missing required field: trigger_id")
        if not params.get("view"):
            return _refused("invalid_arguments", "missing required field: view")
        view = _as_dict(params.get("view"))
        return _view_refusal(view, "views.open") or {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **view}}

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("user_id"):
            return _refused("invalid_arguments", "missing required field: user_id")
        if not params.get("view"):
            return _refused("invalid_arguments", "missing required field: view")
        view = _as_dict(params.get("view"))
        return _view_refusal(view, "views.publish") or {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **view}}

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        return {"ok": True, "upload_url": self.url.replace("/api/", f"/upload/{file_id}"), "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = _as_list(params.get("files"))
        return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}


def _as_dict(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _as_list(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _refused(error: str, *reasons: str) -> dict[str, Any]:
    """A refusal as Slack words it: the error, and each reason in response_metadata.messages."""
    body: dict[str, Any] = {"ok": False, "error": error}
    if reasons:
        body["response_metadata"] = {"messages": [f"[ERROR] {reason}" for reason in reasons]}
    return body


def _text_of(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _block_problems(blocks: list[dict[str, Any]], where: str) -> list[str]:
    """What breaks Block Kit's per-block limits, as Slack's messages say it (json-pointer to the place)."""
    problems = []
    for i, block in enumerate(blocks):
        at = f"{where}/{i}"
        kind = block.get("type")
        if kind == "section":
            if len(_text_of(block.get("text"))) > SECTION_TEXT:
                problems.append(_too_long(SECTION_TEXT, f"{at}/text/text"))
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS:
                problems.append(f"must have at most {SECTION_FIELDS} items [json-pointer:{at}/fields]")
            problems += [
                _too_long(FIELD_TEXT, f"{at}/fields/{j}/text") for j, f in enumerate(fields) if len(_text_of(f)) > FIELD_TEXT
            ]
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button" and len(_text_of(accessory.get("text"))) > BUTTON_TEXT:
                problems.append(_too_long(BUTTON_TEXT, f"{at}/accessory/text/text"))
        elif kind == "header":
            if len(_text_of(block.get("text"))) > HEADER_TEXT:
                problems.append(_too_long(HEADER_TEXT, f"{at}/text/text"))
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
                problems.append(f"must have 1 to {ACTIONS_ELEMENTS} items [json-pointer:{at}/elements]")
            problems += [
                _too_long(BUTTON_TEXT, f"{at}/elements/{j}/text/text")
                for j, e in enumerate(elements)
                if e.get("type") == "button" and len(_text_of(e.get("text"))) > BUTTON_TEXT
            ]
        elif kind == "context":
            if not 1 <= len(block.get("elements") or []) <= CONTEXT_ELEMENTS:
                problems.append(f"must have 1 to {CONTEXT_ELEMENTS} items [json-pointer:{at}/elements]")
    return problems


def _message_refusal(params: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's refusal of a message's text or blocks (chat.postMessage, chat.update), or None."""
    if len(str(params.get("text") or "")) > MESSAGE_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    blocks = _as_list(params.get("blocks"))
    problems = []
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"no more than {MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]")
    problems += _block_problems(blocks, "/blocks")
    if params.get("blocks") is not None:
        problems += blockkit.blocks_problems(blocks, "/blocks")
    return _refused("invalid_blocks", *problems) | {"errors": problems} if problems else None


def _view_refusal(view: dict[str, Any], method: str) -> dict[str, Any] | None:
    """Slack's refusal of a view (views.open, views.publish), or None."""
    blocks = view.get("blocks") or []
    problems = []
    if len(blocks) > VIEW_BLOCKS:
        problems.append(f"no more than {VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]")
    for part in ("title", "submit", "close"):
        if part in view and len(_text_of(view[part])) > VIEW_TITLE:
            problems.append(_too_long(VIEW_TITLE, f"/view/{part}/text"))
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        problems.append(_too_long(PRIVATE_METADATA, "/view/private_metadata"))
    if view.get("type") == "modal" and any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
        problems.append("submit is required when an input block is present [json-pointer:/view/submit]")
    problems += _block_problems(blocks, "/view/blocks")
    problems += blockkit.view_problems(view, method)
    return _refused("invalid_arguments", *problems) if problems else None
