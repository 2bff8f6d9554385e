"""The real HTTP app: signed slash commands are answered; forged, unsigned and stale ones get 401, signed but
malformed ones 400, anything over 1 MB 413 without being read."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from sqlmodel import func, select

from bot.app import MAX_REQUEST_BYTES
from storage.db import make_engine
from storage.models import OutboxMessage, RoleAssignment
from tests.conftest import (
    BOT_TOKEN,
    RENKEI,
    SAMPLE,
    SIGNING_SECRET,
    HttpApp,
    database_full,
    post_raw,
    post_slash,
    send_large_body,
    sign,
    sign_bytes,
    slash_body,
    subprocess_env,
)


def test_healthz_answers_200_with_the_database_writable(http_app):
    response = requests.get(f"{http_app.url}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "writable"}


@pytest.mark.parametrize("where", ["gone", "read-only"])
def test_healthz_answers_503_when_the_database_cannot_be_written(services, tmp_path, where):
    if where == "gone":
        services.engine = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    elif services.engine.dialect.name != "sqlite":
        pytest.skip("a read-only database is made here from the SQLite file")
    else:  # the migrated database, readable, but every write refused (a read-only mount, a full disk)
        services.engine = make_engine(f"sqlite:///file:{services.engine.url.database}?mode=ro&uri=true")
    services.__dict__.pop("request_engine", None)
    app = HttpApp(services)
    try:
        response = requests.get(f"{app.url}/healthz", timeout=5)
    finally:
        app.close()
    assert response.status_code == 503 and response.json() == {"ok": False, "database": "not writable"}


def test_healthz_answers_503_when_the_database_is_full_and_leaves_no_row(services):
    """A full disk — SQLite's page limit set to the pages the database has, after VACUUM left no free page: every new
    page refused, "database or disk is full" — is unhealthy, though a write that changes nothing would still pass.
    Once there is room again it is healthy, and the probe leaves no row behind."""
    if services.engine.dialect.name != "sqlite":
        pytest.skip("the page limit is SQLite's")

    from sqlalchemy import func
    from sqlmodel import select

    from storage.models import HandledRequest

    app = HttpApp(services)
    try:
        with database_full(services):
            when_full = requests.get(f"{app.url}/healthz", timeout=5)
        with_room = requests.get(f"{app.url}/healthz", timeout=5)
    finally:
        app.close()
    assert when_full.status_code == 503 and when_full.json() == {"ok": False, "database": "not writable"}
    assert with_room.status_code == 200
    with services.session() as session:
        assert session.exec(select(func.count()).select_from(HandledRequest)).one() == 0


def test_signed_renkei_help_is_answered_in_japanese(http_app):
    response = post_slash(http_app, "/renkei", "help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    for command in ("/renkei", "/issue", "/win", "/standup", "/meeting", "/report", "/dept"):
        assert command in body["text"]
    assert "使い方" in body["text"]


def test_signed_renkei_status_lists_projects_and_departments(http_app):
    body = post_slash(http_app, "/renkei", "status").json()
    assert "引越しワンストップ化" in body["text"]
    for name in ("市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"):
        assert name in body["text"]


def test_unknown_subcommand_gets_the_usage_line_escaped(http_app):
    text = post_slash(http_app, "/renkei", "<!channel>").json()["text"]
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "使い方" in text


def test_help_lists_the_rollout_commands(http_app):
    text = post_slash(http_app, "/renkei", "help").json()["text"]
    assert all(f"`{command} " in text for command in ("/hearing", "/req", "/uat"))


def _state(services):
    with services.session() as session:
        return (
            session.exec(select(func.count()).select_from(OutboxMessage)).one(),
            session.exec(select(func.count()).select_from(RoleAssignment)).one(),
        )


@pytest.mark.parametrize("forgery", ["wrong_secret", "unsigned", "stale", "tampered"])
def test_forged_unsigned_and_stale_requests_get_401_and_change_nothing(http_app, services, fakeslack, forgery):
    before, calls_before = _state(services), len(fakeslack.calls)
    body = slash_body("/renkei", "status")
    if forgery == "wrong_secret":
        headers = sign(body, secret="not-the-secret")
    elif forgery == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    elif forgery == "stale":
        headers = sign(body, timestamp=int(time.time()) - 5 * 60 - 5)
    else:
        headers = sign(body)
        body = body.replace("status", "help")
    response = requests.post(f"{http_app.url}/slack/events", data=body.encode(), headers=headers, timeout=5)
    assert response.status_code == 401
    assert "引越し" not in response.text and "使い方" not in response.text
    assert _state(services) == before and len(fakeslack.calls) == calls_before


def test_a_four_minute_old_request_is_still_accepted(http_app):
    body = slash_body("/renkei", "help")
    response = requests.post(
        f"{http_app.url}/slack/events", data=body.encode(), headers=sign(body, timestamp=int(time.time()) - 4 * 60), timeout=5
    )
    assert response.status_code == 200


def test_other_paths_are_404(http_app):
    assert requests.get(f"{http_app.url}/slack/events", timeout=5).status_code == 404
    assert requests.get(f"{http_app.url}/admin", timeout=5).status_code == 404


# --- malformed requests: 401 when not signed by Slack, 400 when signed but not something Slack sends -----------

FORM, JSON_TYPE = "application/x-www-form-urlencoded", "application/json"


def _payload(payload) -> bytes:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}).encode()


CLICK = {
    "type": "block_actions",
    "team": {"id": "T000TEST"},
    "api_app_id": "A000TEST",
    "trigger_id": "1.2.3",
    "user": {"id": "U02ZEIMU"},
    "channel": {"id": "C0TEST"},
    "response_url": "http://127.0.0.1:9/response",
    "actions": [{"type": "button", "action_id": "issue_take", "value": "1", "action_ts": "1700000000.1"}],
}
SUBMIT = {
    "type": "view_submission",
    "team": {"id": "T000TEST"},
    "api_app_id": "A000TEST",
    "user": {"id": "U02ZEIMU"},
    "view": {"id": "V1", "hash": "h1", "callback_id": "issue_form", "state": {"values": {}}},
}
MALFORMED = {  # body, content type
    "invalid_utf8": (slash_body("/renkei", "help").encode() + b"%20&text=\xff\xfe\xfd", FORM),
    "payload_not_json": (_payload("{not json"), FORM),
    "payload_not_an_object": (_payload("[1, 2]"), FORM),
    "block_actions_without_user": (_payload({k: v for k, v in CLICK.items() if k != "user"}), FORM),
    "block_actions_without_actions": (_payload({k: v for k, v in CLICK.items() if k != "actions"}), FORM),
    "block_actions_with_no_action": (_payload({**CLICK, "actions": []}), FORM),
    "view_submission_without_view": (_payload({k: v for k, v in SUBMIT.items() if k != "view"}), FORM),
    "view_submission_with_a_string_view": (_payload({**SUBMIT, "view": "V1"}), FORM),
    "unknown_content_type": (slash_body("/renkei", "help").encode(), "text/plain"),
    "json_that_is_not_json": (b"{not json", JSON_TYPE),
    "form_that_is_no_command": (b"hello=world", FORM),
    "event_with_a_user_that_is_no_id": (
        json.dumps(
            {"type": "event_callback", "team_id": "T000TEST", "event": {"type": "app_home_opened", "user": 5, "tab": "home"}}
        ).encode(),
        JSON_TYPE,
    ),
    "slash_command_without_trigger_id": (
        urlencode({"command": "/renkei", "text": "help", "user_id": "U01SHIMIN"}).encode(),
        FORM,
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_unsigned_requests_get_401(http_app, services, fakeslack, case):
    body, content_type = MALFORMED[case]
    before, calls_before = _state(services), len(fakeslack.calls)
    response = post_raw(http_app, body, {"Content-Type": content_type})
    assert response.status_code == 401
    assert _state(services) == before and len(fakeslack.calls) == calls_before


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_signed_requests_get_400(http_app, services, fakeslack, case):
    body, content_type = MALFORMED[case]
    before, calls_before = _state(services), len(fakeslack.calls)
    response = post_raw(http_app, body, sign_bytes(body, content_type=content_type))
    assert response.status_code == 400
    assert _state(services) == before and len(fakeslack.calls) == calls_before


@pytest.mark.parametrize("signed", [False, True])
def test_a_timestamp_that_is_no_number_gets_401(http_app, signed):
    body = slash_body("/renkei", "help").encode()
    headers = (
        sign_bytes(body, timestamp="abc")
        if signed
        else {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64, "Content-Type": FORM}
    )
    assert post_raw(http_app, body, headers).status_code == 401


def test_well_formed_requests_still_pass_the_checks(http_app):
    """The front checks let through what Slack really sends: JSON events and a JSON content type with a charset."""
    challenge = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"}).encode()
    response = post_raw(http_app, challenge, sign_bytes(challenge, content_type="application/json; charset=utf-8"))
    assert response.status_code == 200 and "c-123" in response.text
    body = slash_body("/renkei", "help").encode()
    response = post_raw(http_app, body, sign_bytes(body, content_type=FORM + "; charset=utf-8"))
    assert response.status_code == 200 and "使い方" in response.json()["text"]
    ssl_check = post_raw(http_app, b"ssl_check=1&token=legacy", {"Content-Type": FORM})  # Slack's, unsigned
    assert ssl_check.status_code == 200


# --- size: nothing larger than Slack ever sends (1 MB) is read ------------------------------------------------

HUNDRED_MB = 100 * 1000 * 1000


def _status_kb(pid: str | int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field}")


class PeakMemory:
    """How far a process's resident memory (VmRSS) rose above where it stood, at its highest, while in the block.

    A body read and freed leaves VmRSS where it was, so the peak counts: Linux's high-water mark VmHWM, reset on
    entry (`5` into clear_refs), or else VmRSS sampled every few milliseconds.
    """

    def __init__(self, pid: str | int = "self"):
        self.pid, self.samples, self.done = pid, [], threading.Event()

    def __enter__(self) -> PeakMemory:
        self.before = _status_kb(self.pid, "VmRSS")
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self.sampler = None
        except OSError:
            self.sampler = threading.Thread(target=self._sample, daemon=True)
            self.sampler.start()
        return self

    def _sample(self) -> None:
        while not self.done.wait(0.002):
            self.samples.append(_status_kb(self.pid, "VmRSS"))

    def __exit__(self, *exc) -> None:
        self.done.set()
        if self.sampler is None:
            self.peak = _status_kb(self.pid, "VmHWM")
        else:
            self.sampler.join()
            self.peak = max([*self.samples, _status_kb(self.pid, "VmRSS")])

    @property
    def grown_mb(self) -> float:
        return (self.peak - self.before) / 1024


def test_four_unsigned_100_mb_posts_get_413_and_the_server_holds_none_of_them(http_app):
    """The app's own check, behind a waitress with no limit of its own (the test server): a declared length over
    1 MB is refused without reading the body, so memory does not grow with what the client sends."""
    send_large_body(http_app.url, 10 * 1000 * 1000)  # warm up: threads, buffers, imports
    with PeakMemory() as memory:
        for _ in range(4):
            assert send_large_body(http_app.url, HUNDRED_MB) == (413, HUNDRED_MB)
    assert memory.grown_mb < 8, f"the server's memory grew by {memory.grown_mb:.0f} MB"


def test_a_body_just_over_the_limit_is_refused_and_one_at_the_limit_is_read(http_app):
    assert send_large_body(http_app.url, MAX_REQUEST_BYTES + 1)[0] == 413
    assert send_large_body(http_app.url, MAX_REQUEST_BYTES + 1, chunked=True)[0] == 413
    assert send_large_body(http_app.url, MAX_REQUEST_BYTES)[0] == 401  # read, then refused as unsigned
    body = slash_body("/renkei", "help")
    padded = (body + "&padding=" + "x" * (MAX_REQUEST_BYTES - len(body) - len("&padding="))).encode()
    assert len(padded) == MAX_REQUEST_BYTES
    assert post_raw(http_app, padded, sign_bytes(padded)).status_code == 200


class Endless(io.RawIOBase):
    """A request body of unknown length that never ends (chunked, through a server that streams it)."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        assert size is not None and 0 < size <= 1 << 20, "read without a bound"
        self.read_bytes += size
        return b"0" * size


@pytest.mark.parametrize("length", [None, "", str(HUNDRED_MB)])
def test_a_body_of_unknown_or_huge_length_is_read_no_further_than_the_limit(services, length):
    from bot.app import create_app, create_wsgi

    wsgi = create_wsgi(create_app(services), services)
    body, statuses = Endless(), []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": body,
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    wsgi(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["413 Request Entity Too Large"]
    assert body.read_bytes <= (MAX_REQUEST_BYTES + 1 if length != str(HUNDRED_MB) else 0)


def _serve(tmp_path, fakeslack, database_url):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RENKEI_", "DATABASE_URL", "PORT"))}
    process = subprocess.Popen(
        [RENKEI, "serve", "--http", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=subprocess_env(
            {
                **env,
                "DATABASE_URL": database_url,
                "RENKEI_CONFIG": str(SAMPLE),
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fakeslack.url,
            }
        ),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process, f"http://127.0.0.1:{port}"
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("serve did not come up: " + (process.stdout.read() or ""))
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_renkei_serve_refuses_a_huge_body_before_it_arrives(tmp_path, fakeslack, database_url):
    """`renkei serve --http` gives waitress the limit: it answers 413 on the headers alone, the body never sent."""
    process, url = _serve(tmp_path, fakeslack, database_url)
    try:
        with PeakMemory(process.pid) as memory:
            for _ in range(4):
                assert send_large_body(url, HUNDRED_MB, send_body=False) == (413, 0)
            for _ in range(4):  # chunked, no length: refused once past the limit, long before 100 MB went out
                status, sent = send_large_body(url, HUNDRED_MB, chunked=True)
                assert status == 413 and sent < 10 * MAX_REQUEST_BYTES
        assert memory.grown_mb < 8, f"the server's memory grew by {memory.grown_mb:.0f} MB"
        body = slash_body("/renkei", "help")
        assert requests.post(f"{url}/slack/events", data=body.encode(), headers=sign(body), timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
