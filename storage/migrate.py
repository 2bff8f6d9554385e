"""Alembic migrations, applied programmatically (`renkei db upgrade` and at start-up)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on `engine` without any alembic.ini on disk."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision in storage/migrations (read once per process; the files do not change under it)."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "no migrations"
    return head


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revision(s) recorded in the database's alembic_version table; empty for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` (default: the newest).

    A database already at the head (every start after the first) is recognised by one query on alembic_version,
    without loading Alembic's environment and migration scripts.
    """
    if revision in ("head", "heads") and current_revisions(engine) == (head_revision(),):
        return
    command.upgrade(alembic_config(engine), revision)
