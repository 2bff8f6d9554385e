"""Engine and session for SQLite (default) or PostgreSQL (psycopg 3) via DATABASE_URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from storage import guard

SQLITE_BUSY_TIMEOUT_MS = 5000
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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while one writer writes; busy_timeout waits instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, with WAL and a busy timeout on SQLite."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def new_session(engine: Engine) -> Session:
    """A session whose objects stay readable after commit (replies are built from them)."""
    return Session(engine, expire_on_commit=False)


def database_reachable(engine: Engine) -> bool:
    """True when a trivial query succeeds; used by /healthz."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not reachable" to a health check
        return False


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
