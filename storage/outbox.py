"""The outbox: every outbound Slack call is stored before it is sent, keyed for idempotency."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from storage.enums import OutboxStatus
from storage.guard import refuse_my_number, without_xml_invalid
from storage.models import OutboxMessage, utcnow
from storage.upsert import insert_if_absent


def enqueue(session: Session, *, key: str, method: str, payload: dict[str, Any]) -> tuple[OutboxMessage, bool]:
    """Store a call under `key` unless stored already; returns the row and whether it is new.

    A payload holding a My Number is refused (ResidentsDataRefused, nothing stored); NUL and the other characters
    PostgreSQL refuses are removed (a core insert passes no ORM guard).
    """
    payload = without_xml_invalid(payload)
    refuse_my_number([key, payload], f"outbox {method}")
    values = {
        "idempotency_key": key,
        "method": method,
        "payload": json.dumps(payload, ensure_ascii=False),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": utcnow(),
    }
    created = insert_if_absent(session, OutboxMessage, values, ["idempotency_key"])
    session.commit()
    row = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    return row, created


def claim(session: Session, message_id: int, *, lease: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Take the right to send one message; only one process wins a pending (or abandoned) row."""
    now = now or utcnow()
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id)
        .where(
            or_(
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                and_(col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.claimed_until) < now),
            )
        )
        .where(or_(col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now))
        .values(status=OutboxStatus.SENDING, claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
    )
    claimed = session.exec(statement).rowcount == 1
    session.commit()
    return claimed


def get_message(session: Session, message_id: int) -> OutboxMessage:
    """A stored message by id (ids come from the outbox, and its rows are never deleted)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise LookupError(f"outbox message {message_id} is gone")
    return row


def _finish(session: Session, message_id: int, **values: Any) -> OutboxMessage:
    session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values))
    session.commit()
    row = get_message(session, message_id)
    session.refresh(row)
    return row


def mark_sent(session: Session, message_id: int, result: dict[str, Any]) -> OutboxMessage:
    """Record Slack's answer; the message will never be sent again."""
    return _finish(
        session,
        message_id,
        status=OutboxStatus.SENT,
        sent_at=utcnow(),
        claimed_until=None,
        result=json.dumps(result, ensure_ascii=False),
        last_error=None,
    )


def mark_retry(session: Session, message_id: int, error: str, next_attempt_at: dt.datetime) -> OutboxMessage:
    """Slack or the network failed for now: keep the message pending for a later attempt."""
    return _finish(
        session, message_id, status=OutboxStatus.PENDING, claimed_until=None, last_error=error, next_attempt_at=next_attempt_at
    )


def mark_failed(session: Session, message_id: int, error: str) -> OutboxMessage:
    """Slack refused the message for good (e.g. channel_not_found): stop trying, keep the reason."""
    return _finish(session, message_id, status=OutboxStatus.FAILED, claimed_until=None, last_error=error)


def due_ids(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Messages that should be (re)tried now: pending and due, or abandoned mid-send by a dead process."""
    now = now or utcnow()
    statement = (
        select(col(OutboxMessage.id))
        .where(
            or_(
                and_(
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    or_(col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now),
                ),
                and_(col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.claimed_until) < now),
            )
        )
        .order_by(col(OutboxMessage.id))
    )
    return [message_id for message_id in session.exec(statement) if message_id is not None]  # a key is never NULL
