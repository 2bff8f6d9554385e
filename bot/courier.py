"""The courier: `renkei serve`'s delivery threads. Commands and firings only store their messages (bot.gateway);
the courier sends what is due on a few threads of its own, so no acknowledgement and no listener thread ever waits
on Slack, and a message waiting for Retry-After holds no thread (its row waits, with the time to try again).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot.gateway import SlackGateway
from storage import outbox
from storage.db import new_session
from storage.roles import admins

if TYPE_CHECKING:
    from bot.bootstrap import Services

logger = logging.getLogger(__name__)

POLL_SECONDS = 30.0  # looked at least this often: rows stored by another instance, leases running out


class Courier:
    """Sends due outbox rows on `workers` threads; `wake` after storing new ones. One per process."""

    def __init__(self, gateway: SlackGateway, *, workers: int = 8, poll: float = POLL_SECONDS):
        self.gateway = gateway
        self.workers = workers
        self.poll = poll
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="courier")
        self._wakeup = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="courier", daemon=True)

    def start(self) -> Courier:
        self.gateway.courier = self
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking rows; wait for the sends under way (rows not taken stay pending for the next start)."""
        self.gateway.courier = None
        self._stopped.set()
        self._wakeup.set()
        self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def idle(self) -> bool:
        """Nothing being sent by this process right now (tests and benchmarks wait for it)."""
        with self._lock:
            return not self._in_flight

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wakeup.clear()
            try:
                self._dispatch()
                wait = self._until_next_due()
            except Exception:  # a database hiccup must not end the courier: look again shortly
                logger.exception("The courier could not read the outbox")
                wait = 1.0
            self._wakeup.wait(wait)

    def _dispatch(self) -> None:
        if self.gateway.paused_until > self.gateway.now():  # Slack asked for a pause (a 429): woken after it
            return
        with self._lock:
            free = self.workers * 2 - len(self._in_flight)  # a short queue per thread, no more
            busy = set(self._in_flight)
        if free <= 0:
            return
        with new_session(self.gateway.engine) as session:
            due = [i for i in outbox.due_ids(session, self.gateway.now(), free + len(busy)) if i not in busy][:free]
        for message_id in due:
            with self._lock:
                self._in_flight.add(message_id)
            self._pool.submit(self._deliver, message_id)

    def _deliver(self, message_id: int) -> None:
        try:
            self.gateway.deliver(message_id)
        except Exception:  # the row stays claimed until its lease ends, then it is tried again
            logger.exception("Delivery of outbox message %s failed", message_id)
        finally:
            with self._lock:
                self._in_flight.discard(message_id)
            self._wakeup.set()  # a thread is free: take the next due row

    def _until_next_due(self) -> float:
        with self._lock:
            if len(self._in_flight) >= self.workers * 2:
                return self.poll  # woken when a thread frees
        with new_session(self.gateway.engine) as session:
            moment = outbox.next_due(session)
        if self.gateway.paused_until > self.gateway.now():
            moment = max(moment, self.gateway.paused_until) if moment is not None else self.gateway.paused_until
        if moment is None:
            return self.poll
        seconds = (moment - self.gateway.now()).total_seconds()
        return min(max(seconds, 0.01), self.poll)


def tell_admins_of_failures(services: Services, limit: int = 20) -> int:
    """DM each admin one summary of the messages given up on since the last summary; how many it covered.

    Run hourly by `renkei serve`. The summary's key names the last message it covers, so a rerun (or a second
    instance) sends nothing new; a summary that cannot be delivered is not itself summarised.
    """
    t = services.translator()
    with services.session() as session:
        failed = outbox.failed_since_last_summary(session)
        people = admins(session)
    if not failed or not people:
        return 0
    lines = [t("outbox.failed_line", what=_what(row.idempotency_key), error=row.last_error or "?") for row in failed[-limit:]]
    text = "\n".join([t("outbox.failed_summary", count=len(failed)), *lines])
    last = failed[-1].id
    for admin in people:
        services.gateway.post_message(key=f"{outbox.FAILURE_SUMMARY}{last}:{admin}", channel=admin, text=text)
    return len(failed)


def _what(key: str) -> str:
    """An outbox key shortened for people: `standup:moving@2026-12-01T00:30:00+00:00:C0123` stays readable."""
    return key if len(key) <= 80 else key[:77] + "…"
