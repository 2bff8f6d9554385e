"""Engine and session for SQLite (default) or PostgreSQL (psycopg 3) via DATABASE_URL."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from storage import guard

SQLITE_BUSY_TIMEOUT_MS = 5000  # background work (firings, deliveries) waits this long for a lock
REQUEST_LOCK_WAIT_MS = 1000  # work done while a person waits (bot.bootstrap.Services.work): then "try again"
guard.install()  # no My Number and no NUL in any row written through a session (see storage/guard.py)


def normalise_url(url: str) -> str:
    """Let users paste a plain `postgresql://` URL; Renkei talks to it through psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(lock_wait_ms: int):
    def connect(dbapi_connection, _record) -> None:
        # WAL lets readers work while one writer writes; busy_timeout waits instead of failing at once.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: never corrupt; a power cut may undo the last commits
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return connect


BACKGROUND_PATIENCE = 0.5  # seconds background work lets requests pass before it queues with them


class WriterTurn:
    """One writer at a time on a SQLite file, and a person first: a transaction of work someone waits on (a command,
    a button, a form: the request engine) takes the next turn before background work (deliveries, follow-ups,
    firings) that was waiting already. Background work still gets every turn no request wants."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._held = False
        self._urgent = 0  # requests waiting for the turn

    def acquire(self, timeout: float, *, urgent: bool) -> bool:
        """Take the turn within `timeout` seconds. Background work that has let requests pass for BACKGROUND_PATIENCE
        queues with them from then on, so a steady stream of requests never starves it (its leases, its cards)."""
        if not urgent:
            patience = min(timeout, BACKGROUND_PATIENCE)
            if self._wait(patience, urgent=False):
                return True
            timeout -= patience
        return self._wait(timeout, urgent=True)

    def _wait(self, timeout: float, *, urgent: bool) -> bool:
        with self._changed:
            self._urgent += urgent
            try:
                free = self._changed.wait_for(lambda: not self._held and (urgent or not self._urgent), timeout)
                self._held = self._held or free
                return free
            finally:
                self._urgent -= urgent

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()


_WRITERS: dict[str, WriterTurn] = {}  # one per SQLite file, shared by every engine of this process
_WRITERS_LOCK = threading.Lock()
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _serialise_writers(engine: Engine, database: str, lock_wait_ms: int) -> None:
    """Let one transaction of this process write the SQLite file at a time, the others queued (WriterTurn).

    SQLite itself admits one writer; a blocked one polls with growing sleeps (up to 100 ms), so under many threads
    most of a request's time went into those sleeps. Queued here, a writer starts as soon as the previous one
    commits, a person's request before background work. The turn is taken at a transaction's first write and given
    back at its commit or rollback (or when its connection goes back to the pool); waiting longer than
    `lock_wait_ms` fails as SQLite would ("database is locked"). Other processes (the CLI beside `renkei serve`)
    are still kept apart by SQLite's own lock.
    """
    with _WRITERS_LOCK:
        turn = _WRITERS.setdefault(database, WriterTurn())
    urgent = lock_wait_ms <= REQUEST_LOCK_WAIT_MS  # the request engine (bot.bootstrap.Services.request_engine)

    def before_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if conn.info.get("writing") or not statement.lstrip().upper().startswith(_WRITES):
            return
        if not turn.acquire(lock_wait_ms / 1000, urgent=urgent):
            raise OperationalError(statement, parameters, sqlite3.OperationalError("database is locked"))
        conn.info["writing"] = True

    def give_back(conn, *_args) -> None:
        if conn.info.pop("writing", False):
            turn.release()

    def give_back_record(_dbapi_connection, record) -> None:
        if record.info.pop("writing", False):
            turn.release()

    def give_back_on_reset(dbapi_connection, record, _reset_state) -> None:
        give_back_record(dbapi_connection, record)

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", give_back)
    event.listen(engine, "rollback", give_back)
    event.listen(engine.pool, "reset", give_back_on_reset)
    event.listen(engine.pool, "checkin", give_back_record)


def make_engine(url: str, *, lock_wait_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """Create the engine for `url`: on SQLite with WAL and a busy timeout, on PostgreSQL with a lock timeout (both
    `lock_wait_ms`: how long a statement waits for a lock before failing with OperationalError)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": lock_wait_ms / 1000})
        event.listen(engine, "connect", _sqlite_pragmas(lock_wait_ms))
        database = make_url(url).database
        if database and database != ":memory:":
            _serialise_writers(engine, str(Path(database).resolve()), lock_wait_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"options": f"-c lock_timeout={int(lock_wait_ms)}"})


HEALTH_PROBE_BYTES = 4096  # a write as large as a command's (a reply, a card's payload), so a full disk shows


def database_writable(engine: Engine) -> bool:
    """True when the database takes a real write (/healthz): a row of a few kilobytes committed into the replay
    table, then deleted. False when it is unreachable, read-only, full (a disk, or SQLite's page limit), or locked
    for longer than the engine waits: then no command could keep what it acknowledges."""
    from uuid import uuid4

    key = f"healthz:{uuid4().hex}"
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO handledrequest (key, user_id, reply, created_at) VALUES (:key, 'healthz', :reply, :at)"),
                {"key": key, "reply": "x" * HEALTH_PROBE_BYTES, "at": dt.datetime.now(dt.timezone.utc)},
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM handledrequest WHERE key = :key"), {"key": key})
        return True
    except Exception:  # any failure is an unhealthy database; the reason goes to the log
        logging.getLogger(__name__).warning("The database cannot be written", exc_info=True)
        return False


def new_session(engine: Engine) -> Session:
    """A session whose objects stay readable after commit (replies are built from them)."""
    return Session(engine, expire_on_commit=False)


def backup_sqlite(engine: Engine, destination: str | Path) -> Path:
    """Copy a live SQLite database with the online backup API (safe while the bot writes)."""
    if not is_sqlite(engine):
        raise ValueError("backup_sqlite works on SQLite only")
    if not engine.url.database:
        raise ValueError("an in-memory SQLite database has no file to copy")
    destination = Path(destination)
    if destination.exists():
        raise FileExistsError(str(destination))
    source = sqlite3.connect(engine.url.database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    target = sqlite3.connect(destination)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    return destination
