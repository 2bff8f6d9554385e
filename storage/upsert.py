"""INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_if_absent(session: Session, model: type[SQLModel], values: dict[str, Any], conflict: list[str]) -> bool:
    """Insert one row unless `conflict` columns already match one; True when this call inserted it.

    Two processes racing on the same key both run this; the database lets exactly one win.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]  # SQLAlchemy sets it on table=True models, unseen by mypy
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict).returning(table.c.id)
    # RETURNING yields the new id only when this statement inserted (rowcount is unreliable on psycopg).
    return session.execute(statement).first() is not None


def upsert(session: Session, model: type[SQLModel], values: dict[str, Any], conflict: list[str], update: list[str]) -> None:
    """Insert one row, or update `update` columns of the row whose `conflict` columns match: one statement, so two
    processes writing the same key at once both succeed (the later write wins) instead of one failing."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=conflict, set_={c: statement.excluded[c] for c in update}))
