"""What bench_ack.py and bench_fanout.py share: the machine line, processes, the fake Slack server, a project file.

Everything here drives Renkei from the outside, as Slack and an operator do: `renkei` commands in their own
processes, signed HTTP requests, the fake Slack's recorded calls (fetched over HTTP from benchmarks/_slackserver.py)
and the rows of the SQLite file. Nothing imports the bot's delivery code, so a rewrite of it is measured the same way.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The bot token, signing secret and signing of the test suite (tests/conftest.py): one signing helper, not two.
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, new_trigger_id, sign, slash_body  # noqa: E402

os.environ.pop("RENKEI_RETRY_SCALE", None)  # conftest shortens retries for the tests; benchmarks wait as production does

__all__ = ["BOT_TOKEN", "SIGNING_SECRET", "new_trigger_id", "sign", "slash_body"]

# `renkei` as the installed script runs it, on this checkout's code (PYTHONPATH below), from any folder.
RENKEI = [sys.executable, "-c", "from bot.cli import main; main()"]


# --- the machine -----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def machine_lines() -> list[str]:
    """Date, machine (cores, CPU model), Python, and the load average, which a shared machine makes worth noting."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine: {platform.machine()}, {os.cpu_count()} cores ({usable} usable), {cpu_model()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"load average (1, 5, 15 min) at start: {load_average()}",
    ]


# --- figures ---------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (p99 of 320 values is the 317th smallest); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any Slack, Renkei or database setting (production retry waits), plus `extra`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RENKEI_", "DATABASE_URL", "PORT"))}
    path = os.pathsep.join(p for p in [str(ROOT), base.get("PYTHONPATH", "")] if p)
    return {**base, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1", **extra}


def renkei_env(folder: Path, slack_url: str, database: str | None = None, **extra: str) -> dict[str, str]:
    """What an operator sets: token, signing secret, Slack's URL (the fake), the database (the SQLite file of
    `folder`, or `database`: a PostgreSQL URL from `fresh_postgres`), renkei.yml."""
    return clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_url,
        DATABASE_URL=database or f"sqlite:///{folder / 'renkei.db'}",
        RENKEI_CONFIG=str(folder / "renkei.yml"),
        RENKEI_LANG="ja",
        **extra,
    )


def run_renkei(args: list[str], env: dict[str, str], folder: Path) -> subprocess.CompletedProcess:
    """One `renkei` command as an operator runs it, in `folder` (so no .env of the checkout is read)."""
    done = subprocess.run([*RENKEI, *args], env=env, cwd=folder, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"renkei {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def sync_workspace(env: dict[str, str], folder: Path) -> None:
    """`renkei sync` against the fake Slack (the project's channels made), timed and printed; a failure raises."""
    started = time.perf_counter()
    synced = run_renkei(["sync"], env, folder)
    if synced.returncode:
        raise RuntimeError(f"renkei sync failed:\n{synced.stdout[-2000:]}\n{synced.stderr[-2000:]}")
    print(f"renkei sync: {time.perf_counter() - started:.1f} s")


@dataclass
class Server:
    """A process serving HTTP on a loopback port, its output in a log file."""

    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_problems(self) -> list[str]:
        """The log's ERROR and CRITICAL lines and tracebacks (the first of each kind matters most)."""
        if not self.log.exists():
            return []
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")
        ]


def start_server(name: str, args: list[str], env: dict[str, str], folder: Path, port: int, ready_path: str) -> Server:
    """Start `args` and wait until GET `ready_path` answers (any status): the server accepts requests."""
    log = folder / f"{name}.log"
    process = subprocess.Popen(args, env=env, cwd=folder, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path)
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')[-3000:]}") from None
            time.sleep(0.1)


# --- the fake Slack, in a process of its own -------------------------------------------------


@dataclass
class SlackServer:
    """benchmarks/_slackserver.py: tests/fakeslack served by its own process; its records read over HTTP."""

    process: subprocess.Popen
    url: str  # SLACK_API_URL (ending in /api/)
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.url.removesuffix("/api/")

    @property
    def response_url(self) -> str:
        return self.base + "/response"

    def _get(self, path: str) -> Any:
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            connection.request("GET", path)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    def calls(self, method: str, since: float = 0.0) -> list[dict[str, Any]]:
        """Recorded calls of `method` that arrived at or after `since` (time.time()): method, params, status, ok, at."""
        return self._get("/_bench/calls?" + urlencode({"method": method, "since": since}))

    def channels(self) -> dict[str, str]:
        """Channel name -> id."""
        return self._get("/_bench/channels")

    def reset_limits(self) -> None:
        """Full buckets and the random failures' sequence from its start (before the measured run)."""
        self._get("/_bench/reset")

    def set_delay(self, seconds: float) -> None:
        """Every Web API call answered after `seconds` from now on."""
        self._get("/_bench/delay?" + urlencode({"seconds": seconds}))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_slack(folder: Path, *, limits: dict[str, Any] | None = None, delay: float = 0.0) -> SlackServer:
    """The fake Slack in its own process (so its work does not share the load generator's interpreter)."""
    args = [sys.executable, str(ROOT / "benchmarks" / "_slackserver.py"), "--delay", str(delay)]
    if limits is not None:
        args += ["--limits", json.dumps(limits)]
    log = (folder / "fakeslack.log").open("wb")
    process = subprocess.Popen(args, env=clean_env(), cwd=folder, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("http://"):
        raise RuntimeError(f"the fake Slack did not start: {line!r}, {(folder / 'fakeslack.log').read_text()}")
    return SlackServer(process, line)


# --- the project file and the database -------------------------------------------------------


def liaison(department: int, n: int = 0) -> str:
    return f"U{department:03d}L{n:02d}"


def write_project(folder: Path, departments: int, *, liaisons: int = 1, standup: bool = False) -> Path:
    """renkei.yml: one project `city` of `departments` departments (d000, d001 …), `liaisons` liaisons each."""
    lines = ["timezone: Asia/Tokyo", "language: ja", "admins: [U99ADMIN]", "departments:"]
    for d in range(departments):
        people = ", ".join(liaison(d, n) for n in range(liaisons))
        lines.append(f"  - {{slug: d{d:03d}, name: 部署{d:03d}課, liaisons: [{people}]}}")
    lines += [
        "projects:",
        "  - slug: city",
        "    name: 全庁DX推進",
        f"    departments: [{', '.join(f'd{d:03d}' for d in range(departments))}]",
        "    leads: [U10LEAD]",
        "    managers: [U20BOSS]",
    ]
    if standup:
        lines.append('    standup: {cron: "30 9 * * mon-fri", remind_after: "3h"}')
    path = folder / "renkei.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def channel_of(department: int) -> str:
    return f"city-d{department:03d}"


def fresh_postgres(server: str) -> str:
    """A new, empty database on the PostgreSQL `server` (a URL naming any database its user may connect to, with
    CREATEDB), for one run; its URL. `drop_postgres` removes it."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server)
    name = f"renkei_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(database: str) -> None:
    """Remove a database `fresh_postgres` made (its server's connections to it ended first)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database)
    name = url.database
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(folder: Path, sql: str, *params: Any, database: str | None = None) -> list[tuple]:
    """Rows of the bot's database, read as anyone with it could: the SQLite file of `folder` (read-only), or the
    PostgreSQL `database`."""
    if database is not None:
        from sqlalchemy import create_engine, text

        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.connect() as connection:
                assert not params, "no parameters on PostgreSQL (the benchmarks' queries have none)"
                return [tuple(row) for row in connection.execute(text(sql))]
        finally:
            engine.dispose()
    connection = sqlite3.connect(f"file:{folder / 'renkei.db'}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()
