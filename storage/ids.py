"""A stored row's id as an int: SQLModel declares `id: int | None`, None only until the insert is flushed."""

from __future__ import annotations

from typing import Protocol


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """The primary key of a row read from the database, or added and flushed; a row never flushed has none."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id
