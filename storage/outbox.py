"""The outbox: every outbound Slack call is stored before it is sent, keyed for idempotency.

A row is sent by whoever claims it (`claim`: pending and due, or abandoned by a sender whose lease ran out); the claim
counts an attempt, and the attempt number fences the sender: what a sender records after its lease was taken over by
another is ignored (`_finish` matches the attempt).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from storage.enums import OutboxStatus
from storage.guard import refuse_my_number, without_xml_invalid
from storage.models import OutboxMessage, as_utc, utcnow
from storage.upsert import insert_if_absent

ADDRESSES = {"key", "reply_to", "url"}  # payload fields that address something (a follow-up's key, a response_url)


def _values(key: str, method: str, payload: dict[str, Any]) -> dict[str, Any]:
    payload = without_xml_invalid(payload)
    # The payload only, without the addresses in it: a key is made by code from ids, times and digests, and a
    # response_url by Slack (never typed text), and their digits may by chance be twelve with a valid check digit.
    refuse_my_number({k: v for k, v in payload.items() if k not in ADDRESSES}, f"outbox {method}")
    return {
        "idempotency_key": key,
        "method": method,
        "payload": json.dumps(payload, ensure_ascii=False),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": utcnow(),
    }


def add(session: Session, messages: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
    """Store calls (key, method, payload) in the session's transaction, without committing; how many were new.

    The caller commits them with the work they belong to (a firing's result, a command's). A payload holding a My
    Number is refused (ResidentsDataRefused); NUL and the other characters PostgreSQL refuses are removed.
    """
    return sum(insert_if_absent(session, OutboxMessage, _values(*m), ["idempotency_key"]) for m in messages)


def enqueue(session: Session, *, key: str, method: str, payload: dict[str, Any]) -> tuple[OutboxMessage, bool]:
    """Store one call under `key` unless stored already, and commit; returns the row and whether it is new."""
    created = add(session, [(key, method, payload)]) == 1
    session.commit()
    row = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    return row, created


def claim(session: Session, message_id: int, *, lease: dt.timedelta, now: dt.datetime | None = None) -> int | None:
    """Take the right to send one message; only one process wins a pending and due (or abandoned) row.

    Returns the attempt number this claim holds (the fence for recording the result), or None.
    """
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
        .returning(col(OutboxMessage.attempts))
    )
    attempt = session.execute(statement).scalar_one_or_none()
    session.commit()
    return attempt


def _held(message_id: int, attempt: int) -> Any:
    """An update of the row while claim `attempt` holds it (still sending under it), saying whether it did."""
    return (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.attempts) == attempt,
        )
        .returning(col(OutboxMessage.id))  # RETURNING: rowcount is unreliable on psycopg
    )


def renew(session: Session, message_id: int, attempt: int, until: dt.datetime) -> bool:
    """Extend the claim `attempt` still holds (the row still sending under it) to `until`; False when it holds none."""
    renewed = session.execute(_held(message_id, attempt).values(claimed_until=until)).first() is not None
    session.commit()
    return renewed


def get_message(session: Session, message_id: int) -> OutboxMessage:
    """A stored message by id (ids come from the outbox, and its rows are never deleted)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise LookupError(f"outbox message {message_id} is gone")
    return row


def _finish(session: Session, message_id: int, attempt: int | None, **values: Any) -> OutboxMessage:
    """Record how a send ended, if the sender still holds the claim of `attempt` (None: any state, by an operator)."""
    statement = update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
    if attempt is not None:
        statement = statement.where(col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.attempts) == attempt)
    session.exec(statement.values(**values))
    session.commit()
    row = get_message(session, message_id)
    session.refresh(row)
    return row


def done_with(session: Session, message_id: int, attempt: int) -> bool:
    """Mark a claimed row sent in the session's transaction, without committing (a follow-up's row, committed with
    what the follow-up stored); False when `attempt` no longer holds the claim (then nothing of the work may be kept)."""
    done = {"status": OutboxStatus.SENT, "sent_at": utcnow(), "claimed_until": None, "result": '{"ok": true}', "last_error": None}
    return session.execute(_held(message_id, attempt).values(**done)).first() is not None


def mark_sent(session: Session, message_id: int, result: dict[str, Any], attempt: int | None = None) -> OutboxMessage:
    """Record Slack's answer; the message will never be sent again."""
    return _finish(
        session,
        message_id,
        attempt,
        status=OutboxStatus.SENT,
        sent_at=utcnow(),
        claimed_until=None,
        result=json.dumps(result, ensure_ascii=False),
        last_error=None,
    )


def mark_retry(
    session: Session,
    message_id: int,
    error: str,
    next_attempt_at: dt.datetime,
    attempt: int | None = None,
    *,
    counts: bool = True,
) -> OutboxMessage:
    """Slack or the network failed for now: keep the message pending for a later attempt.

    `counts=False` (Slack said when to come back, a 429) gives the attempt back: waiting as asked is no failure.
    """
    extra = {} if counts else {"attempts": OutboxMessage.attempts - 1}
    return _finish(
        session,
        message_id,
        attempt,
        status=OutboxStatus.PENDING,
        claimed_until=None,
        last_error=error,
        next_attempt_at=next_attempt_at,
        **extra,
    )


def mark_failed(session: Session, message_id: int, error: str, attempt: int | None = None) -> OutboxMessage:
    """Slack refused the message for good (e.g. channel_not_found), or it kept failing for a day: stop, keep why."""
    return _finish(session, message_id, attempt, status=OutboxStatus.FAILED, claimed_until=None, last_error=error)


def due_ids(session: Session, now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    """Messages that should be (re)tried now, oldest first: pending and due, or abandoned mid-send by a dead process."""
    now = now or utcnow()
    statement = select(col(OutboxMessage.id)).where(_due(now)).order_by(col(OutboxMessage.id)).limit(limit)
    return [message_id for message_id in session.exec(statement) if message_id is not None]  # a key is never NULL


def _due(now: dt.datetime) -> Any:
    return or_(
        and_(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            or_(col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= now),
        ),
        and_(col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.claimed_until) < now),
    )


def next_due(session: Session) -> dt.datetime | None:
    """When the next waiting message falls due (a retry time, or a lease running out); None when nothing waits."""
    retry = session.exec(
        select(func.min(OutboxMessage.next_attempt_at)).where(col(OutboxMessage.status) == OutboxStatus.PENDING)
    ).one()
    lease = session.exec(
        select(func.min(OutboxMessage.claimed_until)).where(col(OutboxMessage.status) == OutboxStatus.SENDING)
    ).one()
    moments = [as_utc(m) for m in (retry, lease) if m is not None]
    return min(moments, default=None)


def messages(session: Session, *, failed_only: bool = False, limit: int = 200) -> list[OutboxMessage]:
    """Messages not yet sent (pending, sending, failed), newest first: what `renkei outbox list` shows."""
    statuses = [OutboxStatus.FAILED] if failed_only else [OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED]
    statement = select(OutboxMessage).where(col(OutboxMessage.status).in_(statuses))
    return list(session.exec(statement.order_by(col(OutboxMessage.id).desc()).limit(limit)))


def retry(session: Session, message_ids: list[int] | None) -> list[int]:
    """Give failed messages (these ids, or all when None) a fresh start: pending now, attempts from zero."""
    statement = select(col(OutboxMessage.id)).where(col(OutboxMessage.status) == OutboxStatus.FAILED)
    if message_ids is not None:
        statement = statement.where(col(OutboxMessage.id).in_(message_ids))
    ids = [i for i in session.exec(statement) if i is not None]
    if ids:
        session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == OutboxStatus.FAILED)
            .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=None, last_error=None)
        )
    session.commit()
    return ids


def waiting(session: Session, key_prefix: str) -> int:
    """How many messages whose key starts with `key_prefix` (one firing's: `<job>@<time>`) are not sent yet."""
    statement = select(func.count()).where(
        col(OutboxMessage.idempotency_key).startswith(key_prefix, autoescape=True),
        col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
    )
    return int(session.exec(statement).one())


def sent_thread_on(session: Session, *, job_prefix: str, channel: str, day: dt.date, timezone: str) -> str | None:
    """The Slack `ts` of a firing's message sent to `channel` on local `day` (keys `<job>@<iso time>:<channel>`).

    The stand-up prompt of a day is found this way, so that answers go in its thread; None when that day's prompt
    was not sent (yet), or does not exist.
    """
    rows = session.exec(
        select(OutboxMessage.idempotency_key, OutboxMessage.result).where(
            col(OutboxMessage.idempotency_key).startswith(job_prefix, autoescape=True),
            col(OutboxMessage.idempotency_key).endswith(f":{channel}", autoescape=True),
            OutboxMessage.status == OutboxStatus.SENT,
        )
    )
    found: list[tuple[dt.datetime, str]] = []
    for key, result in rows:
        moment_text = key[len(job_prefix) : -len(channel) - 1]
        try:
            moment = dt.datetime.fromisoformat(moment_text)
            ts = json.loads(result or "{}").get("ts")
        except (ValueError, AttributeError):
            continue
        if moment.tzinfo and ts and moment.astimezone(ZoneInfo(timezone)).date() == day:
            found.append((moment, str(ts)))
    return max(found)[1] if found else None


FAILURE_SUMMARY = "outbox-failed:"  # key prefix of the admins' summary DMs: `outbox-failed:<last id>:<admin>`


def failed_since_last_summary(session: Session) -> list[OutboxMessage]:
    """Messages given up on after those the last summary covered (summaries themselves left out)."""
    last = session.exec(
        select(OutboxMessage.idempotency_key)
        .where(col(OutboxMessage.idempotency_key).startswith(FAILURE_SUMMARY))
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    covered = int(last.split(":")[1]) if last else 0
    statement = select(OutboxMessage).where(
        col(OutboxMessage.status) == OutboxStatus.FAILED,
        col(OutboxMessage.id) > covered,
        col(OutboxMessage.idempotency_key).startswith(FAILURE_SUMMARY) == False,  # noqa: E712
    )
    return list(session.exec(statement.order_by(col(OutboxMessage.id))))


def by_key(session: Session, key: str) -> OutboxMessage | None:
    """The stored call under `key`, if any."""
    return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()


def posted_keys(session: Session, prefix: str, method: str) -> list[str]:
    """Keys `<prefix><channel>` of the `method` calls stored under `prefix` (one per channel: an issue's cards), oldest
    first; keys with more after the channel (`<prefix>tell:<user>`) and messages given up on are left out."""
    statement = select(OutboxMessage.idempotency_key).where(
        col(OutboxMessage.idempotency_key).startswith(prefix, autoescape=True),
        OutboxMessage.method == method,
        col(OutboxMessage.status) != OutboxStatus.FAILED,
    )
    keys = session.exec(statement.order_by(col(OutboxMessage.id)))
    return [key for key in keys if ":" not in key[len(prefix) :]]


def _version(key: str, key_prefix: str) -> int | None:
    """The version a card's update names after its prefix (`…:v1764146521123456`), when it is a number."""
    tail = key[len(key_prefix) :] if key.startswith(key_prefix) else ""
    return int(tail) if tail.isdigit() and len(tail) < 20 else None


def newer_sent(session: Session, message: OutboxMessage, key_prefix: str) -> bool:
    """True when a later version of the same card (keys `<key_prefix><version>`) makes `message` pointless: with
    numbered versions (an issue's events, a requirement's last change, the board's read time), one of a greater
    version sent or still to send — so an update of an older state, stored or delivered after a newer one (two
    follow-ups at once), never overwrites it; otherwise one stored after `message` and sent."""
    mine = _version(message.idempotency_key, key_prefix)
    statement = select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.status).where(
        col(OutboxMessage.idempotency_key).startswith(key_prefix, autoescape=True),
        OutboxMessage.method == message.method,
        col(OutboxMessage.id) != message.id,
    )
    for other_id, key, status in session.exec(statement):
        version = _version(key, key_prefix)
        if mine is not None and version is not None:
            if version > mine and status in (OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.SENDING):
                return True
        elif (other_id or 0) > (message.id or 0) and status == OutboxStatus.SENT:
            return True
    return False


def by_keys(session: Session, keys: list[str]) -> list[OutboxMessage]:
    """The stored calls under any of `keys`, in no particular order (keys with nothing stored are left out)."""
    return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.idempotency_key).in_(keys))))


def sent_payloads(session: Session, key_start: str, channel: str) -> list[str]:
    """The payloads (JSON) of the calls sent under a key starting with `key_start` and naming `:<channel>`, newest first."""
    return list(
        session.exec(
            select(OutboxMessage.payload)
            .where(
                col(OutboxMessage.idempotency_key).startswith(key_start, autoescape=True),
                col(OutboxMessage.idempotency_key).contains(f":{channel}", autoescape=True),
                OutboxMessage.status == OutboxStatus.SENT,
            )
            .order_by(col(OutboxMessage.id).desc())
        ).all()
    )
