"""The last line of defence in storage: no My Number is ever written, no NUL reaches the database.

The input gate (commands.text.gate, applied by bot.interactions) refuses residents' data before any command runs.
This guard is for every other road: a `before_flush` listener on every ORM session checks each text attribute of
each new or changed row, and the outbox (core inserts, no ORM) calls `refuse_my_number` itself.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from storage.privacy import contains_my_number, strip_xml_invalid


class ResidentsDataRefused(ValueError):
    """A text about to be stored holds what looks like a My Number (個人番号): nothing is written."""

    def __init__(self, where: str):
        super().__init__(f"refused to store a My Number (個人番号) in {where}")
        self.where = where


def texts_in(value: Any) -> Iterator[str]:
    """Every string in a value: itself, the keys and values of dicts and lists, the strings inside JSON text."""
    if isinstance(value, str):
        yield value
        if value[:1] in ("{", "[") and "\\u" in value:  # JSON written with ensure_ascii hides full-width digits
            try:
                yield from texts_in(json.loads(value))
            except ValueError:
                pass
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts_in(key)
            yield from texts_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from texts_in(item)


def refuse_my_number(value: Any, where: str) -> None:
    """Raise ResidentsDataRefused when any string in `value` holds a My Number."""
    if any(contains_my_number(text) for text in texts_in(value)):
        raise ResidentsDataRefused(where)


def without_xml_invalid(value: Any) -> Any:
    """The value with NUL and the other characters XML and PostgreSQL refuse removed from every string in it."""
    if isinstance(value, str):
        return strip_xml_invalid(value)
    if isinstance(value, dict):
        return {without_xml_invalid(k): without_xml_invalid(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_xml_invalid(item) for item in value]
    return value


def check_row(row: Any) -> None:
    """Clean and check the text columns of one ORM object about to be written (only the values already loaded)."""
    state = inspect(row)
    for attribute in state.mapper.column_attrs:
        value = state.dict.get(attribute.key)
        if not isinstance(value, str):
            continue
        cleaned = strip_xml_invalid(value)
        if cleaned != value:
            setattr(row, attribute.key, cleaned)
        refuse_my_number(cleaned, f"{state.mapper.class_.__name__}.{attribute.key}")


def _before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    for row in [*session.new, *session.dirty]:
        check_row(row)


def install() -> None:
    """Register the listener on every ORM session (SQLModel's included); calling it again changes nothing."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


install()
