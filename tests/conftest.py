"""Shared fixtures: a real database (SQLite file, and PostgreSQL when available), fakeslack, the HTTP app."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from bot.bootstrap import Services, bootstrap
from bot.settings import Settings
from storage import migrate
from storage.db import make_engine
from storage.projectfile import load_project_file
from tests.fakeslack import FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bot" / "sample" / "renkei.yml"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
PG_ADMIN_URL = os.environ.get("RENKEI_TEST_POSTGRES_URL")
REQUIRE_PG = os.environ.get("RENKEI_REQUIRE_POSTGRES") == "1"
# The Slack client's retries wait Retry-After and back-off times this (bot.gateway.make_web_client): real retries,
# in a hundredth of the time. Set for this process and, through `env`, for the `renkei` processes tests start.
TEST_RETRY_SCALE = os.environ.setdefault("RENKEI_RETRY_SCALE", "0.01")
# RENKEI_TEST_NOW=2026-11-30T09:00+09:00 runs the suite as if started at that moment (tests/test_clock.py does, for
# the scheduling tests): this process through `suite_clock`, the processes it starts through tests/subprocess_hook.
TEST_NOW = os.environ.get("RENKEI_TEST_NOW")
SUBPROCESS_HOOK = Path(__file__).resolve().parent / "subprocess_hook"


@pytest.fixture(scope="session", autouse=True)
def suite_clock() -> Iterator[None]:
    """The whole run starts at RENKEI_TEST_NOW when it is set (the clock ticks on); tests that need a moment of
    their own still freeze or move it with time-machine, which nests."""
    if not TEST_NOW:
        yield
        return
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime.fromisoformat(TEST_NOW), tick=True):
        yield


def subprocess_env(base: dict[str, str]) -> dict[str, str]:
    """`base` for a Python process a test starts: with the suite's clock (RENKEI_TEST_NOW set to this process's
    now, so the child does not go back in time; a RENKEI_TEST_NOW already in `base` stays) and the hook that
    applies it first on PYTHONPATH."""
    paths = [p for p in base.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(SUBPROCESS_HOOK)]
    env = {**base, "PYTHONPATH": os.pathsep.join([str(SUBPROCESS_HOOK), *paths])}
    if TEST_NOW and "RENKEI_TEST_NOW" not in base:  # a test may pin a moment of its own
        import datetime as dt

        env["RENKEI_TEST_NOW"] = dt.datetime.now(dt.timezone.utc).isoformat()
    return env


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "empty_database: `database_url` is a new, never migrated database")


def pytest_collection_modifyitems(items) -> None:
    """tests/test_storage.py checks the migrations and upgrade() themselves: its databases start empty."""
    for item in items:
        if item.path.name == "test_storage.py":
            item.add_marker(pytest.mark.empty_database)


def _postgres_admin():
    if not PG_ADMIN_URL:
        if REQUIRE_PG:
            pytest.fail("RENKEI_TEST_POSTGRES_URL is not set but RENKEI_REQUIRE_POSTGRES=1")
        pytest.skip("no PostgreSQL server (set RENKEI_TEST_POSTGRES_URL)")
    return create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")


def _postgres_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _new_database_name() -> str:
    return f"renkei_test_{uuid.uuid4().hex[:12]}"


def _create_database(admin, name: str, template: str | None = None) -> str:
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    return name


def _drop_database(admin, name: str) -> None:
    """Drop a test database; an autovacuum worker (a superuser process FORCE may not end) can hold it a moment."""
    for attempt in range(50):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if attempt == 49:
                raise
            time.sleep(0.1)


def _empty_postgres_database() -> Iterator[str]:
    """A new, never migrated database on the server, dropped afterwards."""
    admin = _postgres_admin()
    name = _create_database(admin, _new_database_name())
    try:
        yield _postgres_url(name)
    finally:
        _drop_database(admin, name)
        admin.dispose()


class PostgresCopies:
    """This test process's copies of the migrated template, one per test, made and dropped by a thread of its own.

    The next copy is made while a test runs, and a used one is dropped (WITH FORCE: ending whatever connections the
    test left open) while the next test runs; each test still gets a database nobody has used.
    """

    def __init__(self, admin, template: str):
        self.admin = admin
        self.template = template
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postgres-copies")
        self.next = self._make_next()

    def _make_next(self) -> Future[str]:
        return self.worker.submit(_create_database, self.admin, _new_database_name(), self.template)

    def take(self) -> str:
        """A new copy's name (waits for the one being made)."""
        name, self.next = self.next.result(), self._make_next()
        return name

    def release(self, name: str) -> None:
        self.worker.submit(_drop_database, self.admin, name)

    def close(self) -> None:
        """Drop the copy made for nobody, after every drop still queued."""
        try:
            self.release(self.next.result())
        finally:
            self.worker.shutdown(wait=True)


@pytest.fixture(scope="session")
def _postgres_copies() -> Iterator[PostgresCopies]:
    """A template database with every migration applied, made once per test process (each xdist worker has its own,
    and so does each concurrent run on a shared server); each test's database is a copy (CREATE DATABASE ... TEMPLATE).

    Copying needs a template nobody is connected to: the migrating engine is disposed, and connections are then
    refused, so that no test can hold one by mistake (PostgreSQL waits for closing sessions and autovacuum itself).
    """
    admin = _postgres_admin()
    template = _create_database(admin, f"renkei_template_{uuid.uuid4().hex[:12]}")
    try:
        engine = make_engine(_postgres_url(template))
        migrate.upgrade(engine)
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{template}" ALLOW_CONNECTIONS false'))
        copies = PostgresCopies(admin, template)
        try:
            yield copies
        finally:
            copies.close()
    finally:
        _drop_database(admin, template)
        admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with every migration applied, made once per test process; each test gets a copy."""
    path = tmp_path_factory.mktemp("migrated") / "renkei.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    with contextlib.closing(sqlite3.connect(path)) as connection:  # everything in the file itself, no -wal beside it
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh database of each kind, migrated to the head: a SQLite file, and a database on the PostgreSQL server.

    Copied from a template migrated once per session; tests marked `empty_database` (tests/test_storage.py) get a
    never migrated one and run the migrations themselves.
    """
    empty = request.node.get_closest_marker("empty_database") is not None
    if request.param == "sqlite":
        path = tmp_path / "renkei.db"
        if not empty:
            shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
    elif empty:
        yield from _empty_postgres_database()
    else:
        copies: PostgresCopies = request.getfixturevalue("_postgres_copies")
        name = copies.take()
        try:
            yield _postgres_url(name)
        finally:
            copies.release(name)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A SQLite file, for tests about SQLite itself."""
    return f"sqlite:///{tmp_path / 'renkei.db'}"


SHAPE_REFUSALS = {"invalid_blocks", "invalid_arguments", "msg_too_long"}


@pytest.fixture
def fakeslack(request) -> Iterator[FakeSlack]:
    """The Slack Web API emulator, running on a loopback port.

    Afterwards, no message or view the bot sent may have been refused for its shape or size (`invalid_blocks`,
    `invalid_arguments`, `msg_too_long`: Slack would have dropped it, and the person seen nothing): a card, form or
    notice the bot builds wrong fails whichever test sends it. A test that sends such payloads on purpose is marked
    `slack_refuses`."""
    fake = FakeSlack(tokens=(BOT_TOKEN, APP_TOKEN))
    fake.start()
    yield fake
    if request.node.get_closest_marker("slack_refuses") is None:
        refused = [f"{c.method}: {c.error}" for c in fake.calls if c.error in SHAPE_REFUSALS]
        assert refused == [], "Slack refused what the bot sent (see tests/fakeslack/blockkit.py)"
    # stop() waits up to a poll interval (50 ms) for the serve loop to notice; 800-odd tests need not wait for it.
    # The port is never reused (each emulator has an ephemeral one of its own) and the thread is a daemon.
    threading.Thread(target=fake.stop, daemon=True).start()


@pytest.fixture
def settings(database_url, fakeslack, tmp_path) -> Settings:
    """Settings as an operator would set them, pointing at fakeslack and the test database."""
    return Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fakeslack.url,
        database_url=database_url,
        renkei_config=str(SAMPLE),
        renkei_lang="ja",
    )


@pytest.fixture
def services(settings) -> Iterator[Services]:
    """Everything built by the real bootstrap, on the test database and fakeslack."""
    built = bootstrap(settings, project_file=load_project_file(SAMPLE))
    yield built
    built.close()


ACK_PATIENCE = 30  # how long the tests' Bolt waits for an ack: a busy machine makes answers slow, never missing
HTTP_PATIENCE = 60  # how long a test's request waits for the answer (the ack's wait, with room to spare)
SETTLE_SECONDS = 60.0  # generous on a busy machine: the work after an ack is a few database writes and fake calls


class CountingExecutor(ThreadPoolExecutor):
    """Bolt's listener threads, counting the work in flight: a test can wait until everything an ack started has
    finished (`settle`), then assert what it did, instead of polling until a timeout."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._in_flight = 0
        self._changed = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._changed:
            self._in_flight += 1

        def counted():
            try:
                return fn(*args, **kwargs)
            finally:
                with self._changed:
                    self._in_flight -= 1
                    self._changed.notify_all()

        return super().submit(counted)

    def settle(self, timeout: float = SETTLE_SECONDS) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self._in_flight == 0, timeout), (
                f"the work after the ack was still running after {timeout:.0f} s"
            )


RUNNING_APPS: list[HttpApp] = []  # the HTTP apps serving now: `wait_for` lets their work after the ack finish


class HttpApp:
    """The real WSGI app served by waitress on a loopback port."""

    def __init__(self, services: Services):
        from waitress.server import create_server

        from bot.app import create_app, create_wsgi

        self.services = services
        self.listeners = CountingExecutor(max_workers=5, thread_name_prefix="bolt-listener")  # Bolt's default size
        bolt = create_app(services, listener_executor=self.listeners, ack_timeout=ACK_PATIENCE)
        self.server = create_server(create_wsgi(bolt, services), host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        RUNNING_APPS.append(self)

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:  # close() from the test thread pulls the socket from under waitress's select loop
            pass

    def settle(self) -> None:
        """Wait until the work every request so far started after its ack (follow-ups, card updates) has finished.
        Then a test asserts its outcome: a rule that broke fails by assertion, not by a wait that ran out."""
        self.listeners.settle()

    def close(self) -> None:
        """Stop serving, then let the listeners' work after the ack finish (before the services are closed)."""
        self.server.close()
        self.listeners.shutdown(wait=True)
        if self in RUNNING_APPS:
            RUNNING_APPS.remove(self)


@pytest.fixture
def http_app(services) -> Iterator[HttpApp]:
    """The bot's HTTP server, running."""
    app = HttpApp(services)
    yield app
    app.close()


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack would send with `body`: a timestamp and its v0 HMAC-SHA256 signature."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_body(
    command: str,
    text: str,
    *,
    user: str = "U01SHIMIN",
    channel: str = "C0TEST",
    response_url: str = "http://127.0.0.1:9/response",
    trigger_id: str | None = None,
) -> str:
    """The form body Slack posts for a slash command; like Slack's, each invocation has its own trigger_id."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T000TEST",
            "team_domain": "renkei-test",
            "channel_id": channel,
            "channel_name": "moving-shimin",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A000TEST",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def new_trigger_id() -> str:
    """A fresh trigger_id, as Slack sends with every slash command and click (the replay key of a command)."""
    return f"1337.42.{uuid.uuid4().hex[:12]}"


def sign_bytes(
    body: bytes,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | str | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    """Like `sign`, for a body of any bytes (not necessarily UTF-8) and any content type."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature, "Content-Type": content_type}


def post_raw(app: HttpApp, body: bytes, headers: dict[str, str]) -> requests.Response:
    """POST these exact bytes to /slack/events with these headers."""
    return requests.post(f"{app.url}/slack/events", data=body, headers=headers, timeout=HTTP_PATIENCE)


def post_slash(app: HttpApp, command: str, text: str, **kwargs) -> requests.Response:
    """Send a correctly signed slash command to the running app."""
    body = slash_body(command, text, **kwargs)
    return requests.post(f"{app.url}/slack/events", data=body.encode(), headers=sign(body), timeout=HTTP_PATIENCE)


def send_large_body(
    url: str, size: int, *, chunked: bool = False, send_body: bool = True, headers: dict[str, str] | None = None
) -> tuple[int, int]:
    """POST `size` bytes to `url`/slack/events through a socket, never holding more than 1 MB of it; the status and
    how many body bytes went out before the server answered (or closed).

    With a Content-Length (or, `chunked`, in 1 MB chunks); `send_body=False` sends the headers only and waits for the
    answer, which a server gives at once only when it refuses the body without reading it.
    """
    host, port = url.removeprefix("http://").split(":")
    lines = [
        "POST /slack/events HTTP/1.1",
        f"Host: {host}:{port}",
        "Connection: close",
        "Content-Type: application/x-www-form-urlencoded",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    block = memoryview(b"0" * (1 << 20))
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            while send_body and sent < size and not select.select([connection], [], [], 0)[0]:
                piece = block[: min(len(block), size - sent)]
                connection.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece)
                sent += len(piece)
            if send_body and sent >= size and chunked:
                connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):  # the server answered and closed while we were sending
            pass
        answer = b""
        while b"\r\n" not in answer:
            data = connection.recv(4096)
            if not data:
                break
            answer += data
    return int(answer.split(b" ", 2)[1]), sent


RENKEI = str(Path(sys.executable).parent / "renkei")


def run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed `renkei` script as an operator would, capturing what it prints."""
    return subprocess.run(
        [RENKEI, *args], env=subprocess_env(env), cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An environment with no Slack settings, a SQLite file, the sample project, the tests' short retry waits and
    the suite's clock (`subprocess_env`)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RENKEI_", "DATABASE_URL", "PORT"))}
    return subprocess_env(
        {
            **base,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "RENKEI_CONFIG": str(SAMPLE),
            "RENKEI_RETRY_SCALE": TEST_RETRY_SCALE,
        }
    )


@pytest.fixture
def cli_environment(settings, fakeslack, monkeypatch, tmp_path) -> dict[str, str]:
    """The environment a `renkei` command run in this process (typer's CliRunner) reads: the test's database, the
    sample project, a bot token and fakeslack; nothing of the developer's own environment or .env."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "RENKEI_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    values = {
        "DATABASE_URL": settings.database_url,
        "RENKEI_CONFIG": str(SAMPLE),
        "RENKEI_LANG": "ja",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fakeslack.url,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    return values


@pytest.fixture
def synced(services, fakeslack) -> Services:
    """The sample project with its channels made in fakeslack by the real sync."""
    from commands.channels import sync_channels

    with services.session() as session:
        assert sync_channels(session, services.gateway, services.translator()).ok
    return services


def channel_id(fake: FakeSlack, name: str) -> str:
    """The fakeslack id of a channel made by sync."""
    channel = fake.channel_named(name)
    assert channel is not None, name
    return channel.id


def post_interaction(app: HttpApp, payload: dict) -> requests.Response:
    """Send a signed interactivity payload (button click, form submission) as Slack does."""
    body = urlencode({"payload": json.dumps(payload)})
    return requests.post(f"{app.url}/slack/events", data=body.encode(), headers=sign(body), timeout=HTTP_PATIENCE)


def click(app: HttpApp, action_id: str, value: str, *, user: str, channel: str, response_url: str) -> requests.Response:
    """A user clicks a button on a message the bot posted."""
    return post_interaction(
        app,
        {
            "type": "block_actions",
            "team": {"id": "T000TEST"},
            "api_app_id": "A000TEST",
            "trigger_id": "1.2.3",
            "user": {"id": user, "team_id": "T000TEST"},
            "channel": {"id": channel},
            "response_url": response_url,
            "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000001"},
            "message": {"ts": "1700000000.000001", "text": "card"},
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": f"issue_{value}",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        },
    )


def wait_for(predicate, timeout: float = 10.0) -> None:
    """The outcome of work done after the ack (follow-ups, cards' new state). With the bot's HTTP app running, the work
    every request so far started is first let finish (an event, bound generously: SETTLE_SECONDS), then the outcome is
    asserted once: a rule that broke fails by this assertion, not by a wait running out. Without a running app (a
    subprocess, a courier) it polls (`until`)."""
    if RUNNING_APPS:
        for app in list(RUNNING_APPS):
            app.settle()
        assert predicate(), "the work after the ack has finished, and its expected outcome is not there"
        return
    until(predicate, timeout)


def until(predicate, timeout: float = 10.0) -> None:
    """Poll until `predicate` holds: for waits in the middle of work that is still running on purpose (Slack slow or
    failing, a courier's threads, a subprocess, the services' background threads)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the follow-up"
        time.sleep(0.05)


@contextlib.contextmanager
def database_full(services: Services) -> Iterator[None]:
    """The SQLite database with no room, as on a full disk: VACUUM leaves no free page, and every connection of the
    request engine (the one work a person waits on uses) may grow it by none ("database or disk is full")."""
    import sqlite3

    from sqlalchemy import event

    vacuum = sqlite3.connect(services.engine.url.database)
    vacuum.execute("VACUUM")
    vacuum.close()

    def full(connection, _record) -> None:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")

    services.request_engine.dispose()
    event.listen(services.request_engine, "connect", full)
    try:
        yield
    finally:
        event.remove(services.request_engine, "connect", full)
        services.request_engine.dispose()
