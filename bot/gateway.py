"""The one road out to Slack: store first (outbox), send, retry, record, never twice.

Work that posts (a command, a firing) runs inside `SlackGateway.batch()`: its messages are collected in memory and
stored together, in the transaction that records the work (`Batch.store`); only then are they sent, by the courier
threads of `renkei serve` (bot/courier.py) or, in the CLI, console and demo, right away in the same thread.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient
from sqlalchemy.engine import Engine

from bot.settings import Settings
from commands.base import ApiResult, Outcome
from storage import appstate, outbox
from storage.db import new_session
from storage.enums import OutboxStatus
from storage.ids import id_of
from storage.models import OutboxMessage, as_utc, utcnow

logger = logging.getLogger(__name__)
UPLOAD = "files.upload_v2"  # stored like any call; sent with WebClient.files_upload_v2
POST = "chat.postMessage"
UPDATE = "chat.update"  # stored naming the card it changes (`card`: that post's key); its channel and ts come at delivery
PIN = "pins.add"  # stored naming the card to pin, like an update; Slack's `already_pinned` is no failure
# Not Slack methods: an action's follow-up (commands.later: named jobs and their arguments), run by whoever claims the
# row, and a reply the person gets later — through the response_url of the request while Slack accepts it, else by DM.
LATER = "renkei.later"
RESPOND = "renkei.respond"
JOB_ATTEMPTS = 3  # a follow-up that raised this many times is given up on, and the person told
CARD_METHODS = (UPDATE, PIN)  # the calls that act on a message posted earlier through the outbox
# A card's update stored before the card itself was sent waits this long (times RENKEI_RETRY_SCALE) between looks.
CARD_WAIT = dt.timedelta(seconds=5)
METADATA_EVENT = "renkei_outbox"  # message metadata naming the outbox key of every post
HISTORY_PAGES = 5  # how far back a sender taking over looks (pages of up to 200 messages)


def _form(params: dict[str, Any]) -> dict[str, str]:
    """Form encoding, which every Web API method accepts (read methods refuse JSON bodies)."""
    encoded = {}
    for key, value in params.items():
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            encoded[key] = json.dumps(value, ensure_ascii=False)
        elif value is not None:
            encoded[key] = str(value)
    return encoded


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's handler retries only 500 and 503; a 502 or 504 from a proxy is just as passing."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


class ScaledInterval(RetryIntervalCalculator):
    """Another calculator's waits (back-off and its jitter) times `scale`: 1 in production (RENKEI_RETRY_SCALE)."""

    def __init__(self, inner: RetryIntervalCalculator, scale: float):
        self.inner = inner
        self.scale = scale

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return self.inner.calculate_sleep_duration(current_attempt) * self.scale


class ScaledRateLimitErrorRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's 429 handler: waits Retry-After plus up to a second of jitter, here times `scale` (1 in production)."""

    def __init__(self, *, max_retry_count: int, scale: float):
        super().__init__(max_retry_count=max_retry_count)
        self.scale = scale

    def prepare_for_next_attempt(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None
    ) -> None:
        if response is None:  # only a response (a 429) is retried here
            raise error or RuntimeError("a 429 retry without a response")
        state.next_attempt_requested = True
        retry_after = next((values for name, values in response.headers.items() if name.lower() == "retry-after"), None)
        try:
            seconds = float(retry_after[0]) if retry_after else 1.0
        except ValueError:  # an HTTP date, which Slack does not send: wait as for a missing header
            seconds = 1.0
        time.sleep((seconds + random.random()) * self.scale)
        state.increment_current_attempt()


def configured_retry_scale() -> float:
    """RENKEI_RETRY_SCALE as the settings read it (environment, then .env); 1 unless tests or operators change it."""
    return Settings().renkei_retry_scale


def make_web_client(
    *, token: str | None, base_url: str, retries: int = 3, retry_scale: float | None = None, wait_on_429: bool = True
) -> WebClient:
    """A WebClient on `base_url` that retries 5xx and network errors with backoff, and 429 after Retry-After.

    `wait_on_429=False` (the outbox's deliveries) raises a 429 at once: the outbox stores Retry-After as the row's
    next attempt, so no thread sleeps through it. Every wait is multiplied by `retry_scale` (default:
    RENKEI_RETRY_SCALE, which is 1); the test suite sets it small so that retries run without sleeping for long.
    A call takes at most about 4 × 10 s (timeout, three retries) plus 3.5 s of back-off: see SEND_LEASE.
    """
    scale = configured_retry_scale() if retry_scale is None else retry_scale
    backoff = ScaledInterval(BackoffRetryIntervalCalculator(backoff_factor=0.5), scale)
    handlers: list[Any] = [
        AnyServerErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
        ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
    ]
    if wait_on_429:
        handlers.insert(0, ScaledRateLimitErrorRetryHandler(max_retry_count=retries + 2, scale=scale))
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=handlers)


# A claim's lease: a minute, renewed every third of it while the sender works on the row (a file upload is three calls
# of at most ~45 s each), so a row is never taken over while its sender lives, and a dead sender's row is taken over
# within a minute of a restart; the attempt number fences a sender that outlived its lease anyway.
SEND_LEASE = dt.timedelta(minutes=1)
# Back-off after a 5xx or a network failure: 30 s, doubling, at most an hour; given up after MAX_ATTEMPTS, which
# spans more than a day (30 s … 32 min is about 1 h, then 28 tries an hour apart). A 429 waits as Slack asks and
# does not count.
MAX_ATTEMPTS = 35
# Without a courier (CLI, console, demo) a message is sent in the caller's thread, which waits for a 429's Retry-After
# or a short back-off up to this long; what still waits is sent by the next flush.
INLINE_PATIENCE = dt.timedelta(seconds=90)
INLINE_WORKERS = 8
# Slack's answers when the app has lost its access to the workspace: nothing can be sent until a reinstall.
ACCESS_LOST = {"token_revoked", "invalid_auth", "account_inactive", "not_authed"}
TRANSIENT = {"network", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}


def retry_after(exc: SlackApiError) -> float:
    """Seconds Slack asked to wait (Retry-After), 1 when missing or unreadable."""
    headers = exc.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    value = value[0] if isinstance(value, list) else value
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


class Wakeable(Protocol):
    """What the gateway tells when new messages are stored (bot.courier.Courier)."""

    def wake(self) -> None: ...


@dataclass
class Batch:
    """The messages one piece of work posts, stored together with the work's result (see SlackGateway.batch)."""

    gateway: "SlackGateway"
    messages: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    nested: bool = False  # inside another batch: the outer one stores and sends

    def store(self, session) -> int:
        """Add the messages to `session`'s transaction (the caller commits); how many were new."""
        return 0 if self.nested else outbox.add(session, self.messages)

    def send(self, *, jobs: bool = False) -> list[Outcome]:
        """After the commit: hand the messages to the courier, or send them now (no courier); follow-ups among them
        are run now only with `jobs` (after an ack: SlackGateway.send_stored)."""
        if self.nested or not self.messages:
            return []
        return self.gateway.send_stored([key for key, _, _ in self.messages], jobs=jobs)


class SlackGateway:
    """Sends Web API calls through the outbox so that a crash, a 429 or an outage loses nothing."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: WebClient,
        max_attempts: int = MAX_ATTEMPTS,
        lease: dt.timedelta = SEND_LEASE,
        now: Callable[[], dt.datetime] = utcnow,
        sender: WebClient | None = None,
        retry_scale: float | None = None,
        inline_patience: dt.timedelta = INLINE_PATIENCE,
        inline_workers: int = INLINE_WORKERS,
    ):
        self.engine = engine
        self.client = client  # calls safe to repeat (api): the client waits out a 429 itself
        self.sender = sender or client  # deliveries: a client that raises 429 (make_web_client(wait_on_429=False))
        self.retry_scale = configured_retry_scale() if retry_scale is None else retry_scale  # times Retry-After
        self.inline_patience = inline_patience.total_seconds()
        self.inline_workers = inline_workers  # 1: in the order stored (the console shows posts as they come)
        self.max_attempts = max_attempts
        self.lease = lease
        self.now = now
        # After a 429 Slack is left alone until Retry-After has passed: by every sender of this process (courier,
        # in-line), not only by the row that was refused, so that a fan-out does not keep knocking.
        self.paused_until = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        self.courier: Wakeable | None = None  # set by bot.courier.Courier.start: deliveries move to its threads
        # Runs a stored follow-up (bot.bootstrap.Services.run_later): its effects and the row's `sent` in one commit;
        # False when the claim was lost meanwhile (nothing of it kept).
        self.jobs: Callable[[int, int, dict[str, Any]], bool] | None = None
        self._batch: contextvars.ContextVar[Batch | None] = contextvars.ContextVar("renkei_batch", default=None)

    def api(self, method: str, **params: Any) -> ApiResult:
        """Call a method that is safe to repeat (reads, channel management, views.publish) without the outbox.

        Retries for 429/5xx/network come from the client; the result, good or bad, is returned, never raised.
        """
        return self._api(self.client, method, **params)

    @staticmethod
    def _api(client: WebClient, method: str, **params: Any) -> ApiResult:
        try:
            response = client.api_call(method, data=_form(params))
            return ApiResult(ok=True, data=response.data if isinstance(response.data, dict) else {})
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            error = "ratelimited" if exc.response.status_code == 429 else str(data.get("error") or exc.response.status_code)
            return ApiResult(ok=False, data=data, error=error, needed=data.get("needed"))
        except (URLError, OSError) as exc:
            logger.warning("Slack unreachable for %s: %s", method, exc)
            return ApiResult(ok=False, data={}, error="network")

    @contextlib.contextmanager
    def batch(self) -> Iterator[Batch]:
        """Collect what this thread posts until the block ends, instead of storing each message on its own.

        The caller stores the batch in its transaction (`Batch.store`), commits, then calls `Batch.send`. A batch
        left unstored (the work failed) sends nothing. Batches do not nest: an inner one joins the outer.
        """
        outer = self._batch.get()
        if outer is not None:
            yield Batch(self, outer.messages, nested=True)
            return
        batch = Batch(self)
        token = self._batch.set(batch)
        try:
            yield batch
        finally:
            self._batch.reset(token)

    def post_message(self, *, key: str, channel: str, text: str, blocks: list[dict] | None = None, **extra: Any) -> Outcome:
        """Post to a channel (or a user's DM, by user id) once per `key` (e.g. `standup:moving@…:C123`)."""
        payload: dict[str, Any] = {"channel": channel, "text": text, **extra}
        if blocks:
            payload["blocks"] = blocks
        return self.call(key=key, method=POST, payload=payload)

    def update_message(self, *, key: str, card_key: str, text: str, blocks: list[dict] | None = None) -> Outcome:
        """Replace a message posted under `card_key` (an issue's card) with new text and blocks, once per `key`
        (`<card_key>:v<n>`, one per change). Slack's channel and ts are read from the card's row when it is sent:
        an update stored before its card was sent waits for it; one whose card was never posted, or failed, or
        that a later version already replaced, is recorded as skipped (nothing to change, or nothing newer to say)."""
        payload: dict[str, Any] = {"card": card_key, "text": text}
        if blocks:
            payload["blocks"] = blocks
        return self.call(key=key, method=UPDATE, payload=payload)

    def pin_message(self, *, key: str, card_key: str) -> Outcome:
        """Pin, once per `key`, the message posted under `card_key` (its channel and ts are read when it is sent)."""
        return self.call(key=key, method=PIN, payload={"card": card_key})

    def upload_file(self, *, key: str, user: str, path, title: str, comment: str) -> Outcome:
        """Upload a file (an Excel report) to the user's DM once per key; the DM is opened when it is sent."""
        payload = {"user": user, "file": str(path), "filename": Path(path).name, "title": title, "initial_comment": comment}
        return self.call(key=key, method=UPLOAD, payload=payload)

    def reply_later(self, *, key: str, user: str, url: str | None, text: str, blocks: list[dict] | None = None) -> Outcome:
        """A reply the person gets after the ack, once per `key`: ephemeral through the request's response_url (`url`)
        while Slack takes it (30 minutes, 5 uses), else by DM."""
        payload: dict[str, Any] = {"url": url, "user": user, "text": text}
        if blocks:
            payload["blocks"] = blocks
        return self.call(key=key, method=RESPOND, payload=payload)

    def call(self, *, key: str, method: str, payload: dict[str, Any]) -> Outcome:
        """Store the call under `key` (in the current batch, if any), then send it unless it was stored before."""
        batch = self._batch.get()
        if batch is not None:
            batch.messages.append((key, method, payload))
            return Outcome(status=OutboxStatus.PENDING, response=None, error=None, duplicate=False)
        with new_session(self.engine) as session:
            row, created = outbox.enqueue(session, key=key, method=method, payload=payload)
        if not created:
            return self._outcome(row, duplicate=True)
        return self.send_stored([key])[0]

    def send_stored(self, keys: list[str], *, jobs: bool = False) -> list[Outcome]:
        """Messages just stored: to the courier when one runs (their outcome is `pending`), else sent now, in this
        thread, waiting out Retry-After and short back-offs for up to INLINE_PATIENCE (the CLI, console and demo).
        Follow-ups (LATER) among them are run only with `jobs`: after the ack (bot.interactions.Answer.follow_up)."""
        if self.courier is not None:
            self.courier.wake()
            return [self._outcome(row) for row in self._rows(keys)]
        deadline = time.monotonic() + self.inline_patience
        while True:
            if self.paused():  # (app_uninstalled, now or meanwhile): what is stored waits for a resume, nothing spins
                return [self._outcome(row) for row in self._rows(keys)]
            rows = [r for r in self._rows(keys) if jobs or r.method != LATER]
            waiting = [r for r in rows if r.status == OutboxStatus.PENDING]
            paused = (self.paused_until - self.now()).total_seconds()
            if waiting and 0 < paused <= self.inline_patience and time.monotonic() + paused <= deadline:
                time.sleep(paused)
                continue
            due = [r for r in waiting if r.next_attempt_at is None or as_utc(r.next_attempt_at) <= self.now()]
            if len(due) == 1 or (due and self.inline_workers == 1):
                for row in due:
                    self.deliver(id_of(row))
                continue
            if due:  # in parallel, as the courier would: a fan-out is not sent one channel at a time
                with ThreadPoolExecutor(max_workers=min(self.inline_workers, len(due))) as pool:
                    list(pool.map(self.deliver, [id_of(row) for row in due]))
                continue
            if not waiting:
                return [self._outcome(row) for row in rows]
            wait = min((as_utc(r.next_attempt_at) - self.now()).total_seconds() for r in waiting if r.next_attempt_at)
            if wait > self.inline_patience or time.monotonic() + wait > deadline:  # left to the next flush
                return [self._outcome(row) for row in rows]
            time.sleep(max(wait, 0.0))

    def _rows(self, keys: list[str]) -> list[OutboxMessage]:
        with new_session(self.engine) as session:
            found = outbox.by_keys(session, keys)
            rows = {row.idempotency_key: row for row in found}
        return [rows[key] for key in keys]

    def paused(self) -> bool:
        """Whether Slack took the app's access away (storage.appstate): then nothing is sent, and nothing is lost."""
        with new_session(self.engine) as session:
            return appstate.paused(session) is not None

    def deliver(self, message_id: int) -> Outcome:
        """Send one stored message if this process can claim it; record what Slack said. While the app is paused
        (uninstalled, tokens revoked) the message stays pending, unclaimed."""
        with new_session(self.engine) as session:
            before = outbox.get_message(session, message_id)
            if appstate.paused(session) is not None:
                return self._outcome(before)
            # Whether Slack may have it already: its sender died mid-send, or an earlier attempt failed (a timeout or a
            # dropped connection, after which Slack may well have posted it, perhaps followed by a 5xx that overwrote
            # the error): then look before posting again. (A 429 gives its attempt back: Slack took nothing.)
            abandoned = before.status == OutboxStatus.SENDING or before.attempts > 0
            attempt = outbox.claim(session, message_id, lease=self.lease, now=self.now())
            if attempt is None:
                return self._outcome(outbox.get_message(session, message_id), duplicate=True)
            with self._lease_kept(message_id, attempt):
                return self._send(session, message_id, attempt, abandoned)

    @contextlib.contextmanager
    def _lease_kept(self, message_id: int, attempt: int) -> Iterator[None]:
        """Renew the claim every third of the lease while the send runs (a thread of its own, stopped after)."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.lease.total_seconds() / 3):
                try:
                    with new_session(self.engine) as session:
                        if not outbox.renew(session, message_id, attempt, self.now() + self.lease):
                            return  # recorded meanwhile, or fenced off: nothing more to hold
                except Exception:  # a database hiccup: the next renewal tries again (the lease is three of them)
                    logger.warning("Could not renew the claim of outbox message %s", message_id, exc_info=True)

        keeper = threading.Thread(target=renew, name=f"outbox-lease-{message_id}", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()

    def _send(self, session, message_id: int, attempt: int, abandoned: bool) -> Outcome:
        """The claimed message sent, and what Slack said recorded (deliver's body)."""
        row = outbox.get_message(session, message_id)
        try:
            payload = json.loads(row.payload)
            if row.method == LATER:
                return self._run_job(session, row, attempt, payload)
            if row.method == RESPOND:
                return self._respond(session, row, attempt, payload)
            if row.method == POST:
                # Each post carries its key as message metadata, so that a sender taking over from a dead one
                # can find out whether Slack already has it before posting again.
                payload["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": row.idempotency_key}}
                if abandoned:
                    posted = self._already_posted(payload["channel"], row.idempotency_key, row.created_at)
                    if posted is not None:
                        return self._outcome(outbox.mark_sent(session, message_id, posted, attempt))
            if row.method in CARD_METHODS:
                target = self._card_of(session, row, payload.pop("card"), attempt)
                if isinstance(target, Outcome):
                    return target
                payload["channel"], payload["ts" if row.method == UPDATE else "timestamp"] = target
            if row.method == UPLOAD:  # the DM first (safe to repeat), then three calls made by slack_sdk
                user = payload.pop("user", None)
                if user is not None:
                    opened = self._api(self.sender, "conversations.open", users=user)
                    if not opened.ok:
                        return self._refused(
                            session, row, attempt, opened.error or "unknown", transient=opened.error in TRANSIENT
                        )
                    payload["channel"] = opened.data["channel"]["id"]
                response = self.sender.files_upload_v2(**payload)
            else:
                response = self.sender.api_call(row.method, json=payload)
            data = response.data if isinstance(response.data, dict) else {}  # JSON methods answer a dict
            return self._outcome(outbox.mark_sent(session, message_id, data, attempt))
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:  # wait as Slack asks, holding no thread; it is no failure
                wait = dt.timedelta(seconds=retry_after(exc) * self.retry_scale)
                self.paused_until = max(self.paused_until, self.now() + wait)  # every send waits, not just this one
                return self._outcome(
                    outbox.mark_retry(session, message_id, "ratelimited", self.now() + wait, attempt, counts=False)
                )
            error = str(exc.response.get("error") or status)
            if row.method == PIN and error == "already_pinned":  # what the call was for is done
                return self._outcome(outbox.mark_sent(session, message_id, {"ok": True, "skipped": error}, attempt))
            return self._refused(session, row, attempt, error, transient=status >= 500)
        except (URLError, OSError) as exc:
            return self._later(session, row, attempt, f"network: {exc}")

    def _run_job(self, session, row: OutboxMessage, attempt: int, payload: dict[str, Any]) -> Outcome:
        """Run a stored follow-up. A job that raises is tried again (back-off as for Slack) up to JOB_ATTEMPTS times;
        then it is given up on and the person told, by a message stored with that record."""
        message_id = id_of(row)
        session.commit()  # no read of this session's stays open while the job's own session writes
        try:
            if self.jobs is None:
                raise RuntimeError("no runner for follow-ups in this process")
            self.jobs(message_id, attempt, payload)
        except Exception as exc:
            logger.exception("The follow-up %s failed (attempt %d)", row.idempotency_key, attempt)
            if attempt < JOB_ATTEMPTS:
                return self._later(session, row, attempt, f"job: {exc!r}"[:500])
            told = self.reply_later(
                key=f"{payload['key']}:failed", user=payload["user"], url=payload.get("reply_to"), text=payload["failed"]
            )
            logger.error("Gave up on the follow-up %s; told %s (%s)", row.idempotency_key, payload["user"], told.status)
            return self._outcome(outbox.mark_failed(session, message_id, f"job: {exc!r}"[:500], attempt))
        session.expire_all()
        return self._outcome(outbox.get_message(session, message_id))

    def _respond(self, session, row: OutboxMessage, attempt: int, payload: dict[str, Any]) -> Outcome:
        """A later reply: through the response_url while Slack takes it, else (expired, used up, unreachable) by DM."""
        url, user = payload.pop("url", None), payload.pop("user")
        if url:
            try:
                answer = WebhookClient(url, timeout=10).send_dict(
                    {**payload, "response_type": "ephemeral", "replace_original": False}
                )
                if answer.status_code == 200:
                    return self._outcome(outbox.mark_sent(session, id_of(row), {"ok": True, "via": "response_url"}, attempt))
                logger.info("The response_url refused a later reply (%s %s): sent by DM", answer.status_code, answer.body)
            except (URLError, OSError) as exc:
                logger.info("The response_url could not be reached (%s): the later reply goes by DM", exc)
        response = self.sender.api_call(POST, json={"channel": user, **payload})
        data = response.data if isinstance(response.data, dict) else {}
        return self._outcome(outbox.mark_sent(session, id_of(row), data, attempt))

    def _card_of(self, session, row: OutboxMessage, card_key: str, attempt: int) -> tuple[str, str] | Outcome:
        """Where the card an update changes is (channel, ts), or the outcome recorded instead of sending it."""
        card = outbox.by_key(session, card_key)
        if card is not None and card.status in (OutboxStatus.PENDING, OutboxStatus.SENDING):  # posted soon: wait for it
            later = self.now() + CARD_WAIT * self.retry_scale
            return self._outcome(outbox.mark_retry(session, id_of(row), "card_not_sent", later, attempt, counts=False))
        answer = json.loads(card.result) if card is not None and card.result else {}
        if not answer.get("ts") or not answer.get("channel"):
            return self._outcome(outbox.mark_sent(session, id_of(row), {"ok": True, "skipped": "no_card"}, attempt))
        if outbox.newer_sent(session, row, f"{card_key}:v"):
            return self._outcome(outbox.mark_sent(session, id_of(row), {"ok": True, "skipped": "superseded"}, attempt))
        return str(answer["channel"]), str(answer["ts"])

    def _already_posted(self, channel: str, key: str, since: dt.datetime) -> dict[str, Any] | None:
        """The message a dead sender posted under `key` (found by its metadata in the channel's history since the row
        was stored), or None. DMs and a history that cannot be read (no channels:history scope) give None: the
        message is then posted again (at least once)."""
        if not channel.startswith(("C", "G")):
            return None
        cursor, oldest = "", f"{as_utc(since).timestamp() - 60:.6f}"
        for _ in range(HISTORY_PAGES):
            found = self._api(
                self.sender,
                "conversations.history",
                channel=channel,
                oldest=oldest,
                limit=200,
                include_all_metadata=True,
                cursor=cursor or None,
            )
            if not found.ok:
                logger.warning("Could not look for %s in %s before posting it again: %s", key, channel, found.error)
                return None
            for message in found.data.get("messages") or []:
                if ((message.get("metadata") or {}).get("event_payload") or {}).get("key") == key:
                    return {"ok": True, "channel": channel, "ts": message.get("ts"), "recovered": True}
            cursor = (found.data.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                return None
        return None

    def flush_pending(self, limit: int | None = None) -> int:
        """Send every message that is due (after a restart, an outage or a 429); returns how many were sent."""
        with new_session(self.engine) as session:
            ids = outbox.due_ids(session, self.now(), limit)
        outcomes = [self.deliver(message_id) for message_id in ids]
        return sum(1 for outcome in outcomes if outcome.status == OutboxStatus.SENT and not outcome.duplicate)

    def _refused(self, session, row: OutboxMessage, attempt: int, error: str, *, transient: bool) -> Outcome:
        if error in ACCESS_LOST:  # the app's access is gone (its app_uninstalled event may never have been kept): pause
            logger.error("Slack answers %s: Renkei pauses until a start finds the token working again", error)
            appstate.pause(session, error)
            return self._outcome(outbox.mark_retry(session, id_of(row), error, self.now(), attempt, counts=False))
        if transient:
            return self._later(session, row, attempt, error)
        logger.warning("Slack refused %s (%s): %s", row.method, row.idempotency_key, error)
        return self._outcome(outbox.mark_failed(session, id_of(row), error, attempt))

    def _later(self, session, row: OutboxMessage, attempt: int, error: str) -> Outcome:
        if attempt >= self.max_attempts:
            logger.error("Giving up on %s after %d attempts: %s", row.idempotency_key, attempt, error)
            return self._outcome(outbox.mark_failed(session, id_of(row), error, attempt))
        delay = dt.timedelta(seconds=min(30 * 2 ** (attempt - 1), 3600) * self.retry_scale)
        return self._outcome(outbox.mark_retry(session, id_of(row), error, self.now() + delay, attempt))

    @staticmethod
    def _outcome(row: OutboxMessage, duplicate: bool = False) -> Outcome:
        response = json.loads(row.result) if row.result else None
        return Outcome(status=row.status, response=response, error=row.last_error, duplicate=duplicate)
