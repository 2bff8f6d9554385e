"""Slash commands and form submissions are handled once: a replay is answered as the first was and creates nothing.

Slack signs each request with a timestamp and refuses nothing itself, so the same signed body can be sent again
(a retry, a proxy, a copy) for as long as the signature is accepted: 5 minutes. Each request has a key of its own —
a slash command Slack's `trigger_id` (new for every invocation), a form submission its view id + view hash — and
the first request to store the key (`claim`, INSERT … ON CONFLICT DO NOTHING, so two at once on SQLite or
PostgreSQL leave one winner) runs; it then stores the reply it acked. Any other request with that key acks the
stored reply without running anything.

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
WAIT_SECONDS = 2.5  # how long a replay waits for the first request's reply (Slack gives up after 3 s)
POLL_SECONDS = 0.05
PENDING = ""  # the reply column while the first request is still running

Sessions = Callable[[], AbstractContextManager[Session]]
Ack = Callable[..., Any]


def request_key(kind: str, *parts: Any) -> str:
    """`kind:part:part`, hashed when longer than the column (Slack's ids are short; a forged one is refused sooner)."""
    key = ":".join([kind, *(str(part) for part in parts)])
    if len(key) <= KEY_LENGTH:
        return key
    return f"{kind}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def claim(session: Session, key: str, user_id: str, now: dt.datetime | None = None) -> bool:
    """Store `key` unless stored already; True for the one request that may run."""
    values = {"key": key, "user_id": user_id[:32], "reply": PENDING, "created_at": now or utcnow()}
    claimed = insert_if_absent(session, HandledRequest, values, ["key"])
    session.commit()
    return claimed


def record(session: Session, key: str, reply: dict[str, Any]) -> None:
    """Store the reply the first request acked, for its replays."""
    session.exec(
        update(HandledRequest)
        .where(col(HandledRequest.key) == key)
        .values(reply=json.dumps(reply, ensure_ascii=False, default=_jsonable))
    )
    session.commit()


def release(session: Session, key: str) -> None:
    """Forget `key`: the next request with it runs (a form sent back with errors, a first attempt that failed)."""
    session.exec(delete(HandledRequest).where(col(HandledRequest.key) == key))
    session.commit()


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


def handle_once(
    sessions: Sessions,
    *,
    key: str,
    user_id: str,
    ack: Ack,
    run: Callable[[Ack], None],
    keep: Callable[[dict[str, Any]], bool] = lambda reply: True,
) -> bool:
    """Run `run(ack)` for the first request with `key`, storing what it acks; ack a replay with that. True if run.

    `keep(reply)` False releases the key once acked (a form answered with errors may be sent again, corrected).
    A first request that fails before acking releases it too, so that a retry is not answered with nothing.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with sessions() as session:
            if claim(session, key, user_id):
                break
            found, reply = stored_reply(session, key)
        if reply is not None:
            ack(*reply.get("args", []), **reply.get("kwargs", {}))
            return False
        if found and time.monotonic() >= deadline:  # the first is still running: say nothing, do nothing
            logger.warning("Replay of %s while the first request is still running", key)
            ack()
            return False
        if found:
            time.sleep(POLL_SECONDS)
    _prune_quietly(sessions)
    acked = False

    def ack_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal acked
        acked = True
        reply = {"args": list(args), "kwargs": kwargs}
        try:
            with sessions() as session:
                if keep(reply):
                    record(session, key, reply)
                else:
                    release(session, key)
        except Exception:  # the reply still goes out; a replay of this request then gets an empty answer
            logger.exception("Failed to store the reply of %s", key)
        return ack(*args, **kwargs)

    try:
        run(ack_once)
    except Exception:
        if not acked:
            with sessions() as session:
                release(session, key)
        raise
    return True


_last_prune = [0.0]  # monotonic time of this process's last prune
PRUNE_EVERY_SECONDS = 60.0


def _prune_quietly(sessions: Sessions) -> None:
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
