"""A local HTTP emulator of the Slack Web API: the only thing tests replace Slack with.

It speaks the JSON of the methods the bot uses, checks the bearer token, records every
call, and answers 429 (with Retry-After), 5xx or `ok: false` when a test asks it to.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

DEFAULT_SCOPES = "commands,chat:write,channels:manage,channels:read,channels:join,users:read,im:write,files:write"


@dataclass
class Call:
    """One request the emulator received."""

    method: str
    params: dict[str, Any]
    token: str | None
    status: int


@dataclass
class Failure:
    """A scripted bad answer for the next call(s) of one method."""

    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    needed: str | None = None


@dataclass
class Channel:
    id: str
    name: str
    purpose: str = ""
    members: set[str] = field(default_factory=set)


class FakeSlack:
    """The emulator: `start()` gives the base URL to use as SLACK_API_URL."""

    def __init__(self, tokens: tuple[str, ...] = ("xoxb-test",), scopes: str = DEFAULT_SCOPES, bot_user: str = "UBOT"):
        self.tokens = set(tokens)
        self.scopes = scopes
        self.bot_user = bot_user
        self.calls: list[Call] = []
        self.channels: dict[str, Channel] = {}
        self.uploads: dict[str, bytes] = {}
        self._failures: dict[str, deque[Failure]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

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
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail(self, method: str, *, status: int = 200, error: str | None = None, retry_after: int | None = None,
             times: int = 1, needed: str | None = None) -> None:
        """Make the next `times` calls of `method` fail this way (`needed`: the scope a missing_scope lacks)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        failure = Failure(status, error, retry_after, needed)
        with self._lock:
            self._failures.setdefault(method, deque()).extend(failure for _ in range(times))

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        """The recorded calls of one method (only those answered 200 when `ok_only`)."""
        with self._lock:
            return [c for c in self.calls if c.method == method and (not ok_only or c.status == 200)]

    def add_channel(self, name: str, members: set[str] | None = None) -> Channel:
        """A channel that exists before the bot looks (e.g. made by hand)."""
        with self._lock:
            channel = Channel(id=f"C{next(self._ids):08d}", name=name, members=set(members or ()))
            self.channels[channel.id] = channel
            return channel

    # --- HTTP --------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
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
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else params.get("token")
        with self._lock:
            queue = self._failures.get(method)
            failure = queue.popleft() if queue else None
        if failure is not None and failure.status != 200:
            self._record(method, params, token, failure.status)
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
            self._send(request, failure.status, {"ok": False, "error": error}, headers=headers)
            return
        self._record(method, params, token, 200)
        if token not in self.tokens:
            self._send(request, 200, {"ok": False, "error": "not_authed" if not token else "invalid_auth"})
            return
        if failure is not None:
            body = {"ok": False, "error": failure.error or "internal_error"}
            if failure.needed:
                body.update(needed=failure.needed, provided="commands,chat:write")
            self._send(request, 200, body)
            return
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            self._send(request, 200, {"ok": False, "error": "unknown_method"})
            return
        with self._lock:
            body = handler(params)
        headers = {"x-oauth-scopes": self.scopes} if method == "auth.test" else {}
        self._send(request, 200, body, headers=headers)

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, raw: bytes) -> dict[str, Any]:
        kind = request.headers.get("Content-Type", "")
        if not raw:
            return {}
        if kind.startswith("application/json"):
            return json.loads(raw.decode("utf-8"))
        return dict(parse_qsl(raw.decode("utf-8")))

    def _record(self, method: str, params: dict[str, Any], token: str | None, status: int) -> None:
        with self._lock:
            self.calls.append(Call(method, params, token, status))

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str] | None = None,
              raw_text: str | None = None) -> None:
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
        return f"1700000000.{next(self._ids):06d}"

    def _channel(self, params: dict[str, Any]) -> Channel | None:
        return self.channels.get(str(params.get("channel", "")))

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://renkei-test.slack.com/", "team": "Renkei Test", "user": "renkei",
                "team_id": "T000TEST", "user_id": self.bot_user, "bot_id": "B000TEST"}

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks")):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "channel": channel, "ts": self._ts(), "message": {"text": params.get("text")}}

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
        return {"ok": True, "channels": [{"id": c.id, "name": c.name, "is_member": self.bot_user in c.members}
                                         for c in self.channels.values()], "response_metadata": {"next_cursor": ""}}

    def _m_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel.id, "name": channel.name, "purpose": {"value": channel.purpose},
                                        "is_member": self.bot_user in channel.members}}

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
        return {"ok": True, "channel": {"id": "D" + str(params.get("users", "U0"))[1:]}}

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        # Socket Mode: a URL nobody listens on; the test only needs to see the bot ask for it.
        return {"ok": True, "url": "ws://127.0.0.1:9/link"}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user", ""))
        return {"ok": True, "user": {"id": user, "name": user.lower(), "tz": "Asia/Tokyo",
                                     "profile": {"display_name": f"user-{user}", "real_name": f"User {user}"}}}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **_as_dict(params.get("view"))}}

    def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **_as_dict(params.get("view"))}}

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
