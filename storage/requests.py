"""Slash commands and form submissions are handled once: a replay is answered as the first was and creates nothing.

Slack signs each request with a timestamp and refuses nothing itself, so the same signed body can be sent again
(a retry, a proxy, a copy) for as long as the signature is accepted: 5 minutes. Each request has a key of its own —
a slash command Slack's `trigger_id` (new for every invocation), a form submission its view id + view hash — and
the first request to store the key runs. The key is the first write of the request's own transaction (`claim_in`,
INSERT … ON CONFLICT DO NOTHING, so two at once on SQLite or PostgreSQL leave one winner), and the reply it is about
to ack is written in the same transaction (`reply_in`), with its work, its messages and its follow-up: one commit,
before the ack. Any other request with that key rolls back what it began and acks the stored reply
(bot.interactions.Answer.replayed).

Rows are pruned after a day (`KEEP`): a replay older than 5 minutes fails the signature check (401) before it
gets here, so a day leaves ample room for clock differences.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from contextlib import AbstractContextManager
from typing import Any, Callable

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import HandledRequest, utcnow
from storage.upsert import insert_if_absent

logger = logging.getLogger(__name__)

KEEP = dt.timedelta(days=1)
KEY_LENGTH = 200  # HandledRequest.key
PENDING = ""  # the reply column while the first request is still running

Sessions = Callable[[], AbstractContextManager[Session]]
Ack = Callable[..., Any]


def request_key(kind: str, *parts: Any) -> str:
    """`kind:part:part`, hashed when longer than the column (Slack's ids are short; a forged one is refused sooner)."""
    key = ":".join([kind, *(str(part) for part in parts)])
    if len(key) <= KEY_LENGTH:
        return key
    return f"{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


class Replayed(Exception):
    """An earlier request stored this key: the work of this one is rolled back, and it is answered as that was."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def claim_in(session: Session, key: str, user_id: str) -> None:
    """The first write of a request's own transaction: its key, committed with its work and its reply (`reply_in`).
    Raises Replayed when an earlier request stored the key — on PostgreSQL after waiting for that request's commit
    (the unique index holds the second insert), on SQLite because writers take turns — so two at once leave one."""
    if not insert_if_absent(session, HandledRequest, {"key": key, "user_id": user_id[:32], "reply": PENDING}, ["key"]):
        raise Replayed(key)


def reply_in(session: Session, key: str, reply: dict[str, Any]) -> None:
    """The reply the request is about to ack, in its transaction (not committed here): what a replay is answered."""
    session.exec(
        update(HandledRequest)
        .where(col(HandledRequest.key) == key)
        .values(reply=json.dumps(reply, ensure_ascii=False, default=_jsonable))
    )


def release_in(session: Session, key: str) -> None:
    """Forget `key` in the request's transaction: a form answered with errors may be sent again, corrected."""
    session.exec(delete(HandledRequest).where(col(HandledRequest.key) == key))


def stored_reply(session: Session, key: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether `key` is stored, and its reply (None while the first request is still running)."""
    reply = session.exec(select(HandledRequest.reply).where(HandledRequest.key == key)).first()
    if reply is None:
        return False, None
    return True, (json.loads(reply) if reply != PENDING else None)


def prune(session: Session, now: dt.datetime | None = None, keep: dt.timedelta = KEEP) -> int:
    """Delete keys older than `keep`; how many went."""
    result = session.exec(delete(HandledRequest).where(col(HandledRequest.created_at) < (now or utcnow()) - keep))
    session.commit()
    return result.rowcount or 0


def _jsonable(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)  # slack_sdk blocks and views
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_last_prune = [0.0]  # monotonic time of this process's last prune
PRUNE_EVERY_SECONDS = 60.0


WAIT_SECONDS = 2.5  # how long a replay waits for the first request's reply (Slack gives up after 3 s)
POLL_SECONDS = 0.05


def first_reply(sessions: Sessions, key: str) -> dict[str, Any] | None:
    """The reply stored under `key`, waiting up to WAIT_SECONDS for the request that holds it to store it; None when
    it has none by then."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with sessions() as session:
            _, reply = stored_reply(session, key)
        if reply is not None or time.monotonic() >= deadline:
            return reply
        time.sleep(POLL_SECONDS)


def prune_now_and_then(sessions: Sessions) -> None:
    """Prune at most once a minute per process: a delete on every request was one more write to wait for."""
    now = time.monotonic()
    if now - _last_prune[0] < PRUNE_EVERY_SECONDS:
        return
    _last_prune[0] = now
    try:
        with sessions() as session:
            prune(session)
    except Exception:  # pruning is housekeeping; another process pruning at once may make it fail
        logger.warning("Failed to prune handled requests", exc_info=True)
