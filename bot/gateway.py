"""The one road out to Slack: store first (outbox), send, retry, record, never twice."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from pathlib import Path
from typing import Any, Callable
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
from sqlalchemy.engine import Engine

from bot.settings import Settings
from commands.base import ApiResult, Outcome
from storage import outbox
from storage.db import new_session
from storage.enums import OutboxStatus
from storage.ids import id_of
from storage.models import OutboxMessage, utcnow

logger = logging.getLogger(__name__)
UPLOAD = "files.upload_v2"  # stored like any call; sent with WebClient.files_upload_v2


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


def make_web_client(*, token: str | None, base_url: str, retries: int = 3, retry_scale: float | None = None) -> WebClient:
    """A WebClient on `base_url` that retries 429 after Retry-After, 5xx and network errors with backoff.

    Every wait is multiplied by `retry_scale` (default: RENKEI_RETRY_SCALE, which is 1); the test suite sets it small
    so that retries are exercised without sleeping through real back-off and Retry-After.
    """
    scale = configured_retry_scale() if retry_scale is None else retry_scale
    backoff = ScaledInterval(BackoffRetryIntervalCalculator(backoff_factor=0.5), scale)
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ScaledRateLimitErrorRetryHandler(max_retry_count=retries + 2, scale=scale),
            AnyServerErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
            ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
        ],
    )


class SlackGateway:
    """Sends Web API calls through the outbox so that a crash, a 429 or an outage loses nothing."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: WebClient,
        max_attempts: int = 8,
        lease: dt.timedelta = dt.timedelta(minutes=2),
        now: Callable[[], dt.datetime] = utcnow,
    ):
        self.engine = engine
        self.client = client
        self.max_attempts = max_attempts
        self.lease = lease
        self.now = now

    def api(self, method: str, **params: Any) -> ApiResult:
        """Call a method that is safe to repeat (reads, channel management, views.publish) without the outbox.

        Retries for 429/5xx/network come from the client; the result, good or bad, is returned, never raised.
        """
        try:
            response = self.client.api_call(method, data=_form(params))
            return ApiResult(ok=True, data=response.data if isinstance(response.data, dict) else {})
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            return ApiResult(
                ok=False, data=data, error=str(data.get("error") or exc.response.status_code), needed=data.get("needed")
            )
        except (URLError, OSError) as exc:
            logger.warning("Slack unreachable for %s: %s", method, exc)
            return ApiResult(ok=False, data={}, error="network")

    def post_message(self, *, key: str, channel: str, text: str, blocks: list[dict] | None = None, **extra: Any) -> Outcome:
        """Post to a channel once per `key` (e.g. `standup:moving:2026-12-01T00:30:C123`)."""
        payload: dict[str, Any] = {"channel": channel, "text": text, **extra}
        if blocks:
            payload["blocks"] = blocks
        return self.call(key=key, method="chat.postMessage", payload=payload)

    def upload_file(self, *, key: str, user: str, path, title: str, comment: str) -> Outcome:
        """Upload a file (an Excel report) to the user's DM once per key; retried like any message."""
        opened = self.api("conversations.open", users=user)
        if not opened.ok:
            return Outcome(status=OutboxStatus.FAILED, response=None, error=opened.error, duplicate=False)
        payload = {
            "channel": opened.data["channel"]["id"],
            "file": str(path),
            "filename": Path(path).name,
            "title": title,
            "initial_comment": comment,
        }
        return self.call(key=key, method=UPLOAD, payload=payload)

    def call(self, *, key: str, method: str, payload: dict[str, Any]) -> Outcome:
        """Store the call under `key`, then send it unless it was stored (and so handled) before."""
        with new_session(self.engine) as session:
            row, created = outbox.enqueue(session, key=key, method=method, payload=payload)
        if not created:
            return self._outcome(row, duplicate=True)
        return self.deliver(id_of(row))

    def deliver(self, message_id: int) -> Outcome:
        """Send one stored message if this process can claim it; record what Slack said."""
        with new_session(self.engine) as session:
            if not outbox.claim(session, message_id, lease=self.lease, now=self.now()):
                return self._outcome(outbox.get_message(session, message_id), duplicate=True)
            row = outbox.get_message(session, message_id)
            try:
                payload = json.loads(row.payload)
                if row.method == UPLOAD:  # three calls (URL, upload, complete) made by slack_sdk
                    response = self.client.files_upload_v2(**payload)
                else:
                    response = self.client.api_call(row.method, json=payload)
                data = response.data if isinstance(response.data, dict) else {}  # JSON methods answer a dict
                return self._outcome(outbox.mark_sent(session, message_id, data))
            except SlackApiError as exc:
                status = exc.response.status_code
                error = str(exc.response.get("error") or status)
                if status == 429 or status >= 500:
                    return self._later(session, row, error)
                logger.warning("Slack refused %s (%s): %s", row.method, row.idempotency_key, error)
                return self._outcome(outbox.mark_failed(session, message_id, error))
            except (URLError, OSError) as exc:
                return self._later(session, row, f"network: {exc}")

    def flush_pending(self) -> int:
        """Send every message that is due (after a restart, an outage or a 429); returns how many were sent."""
        with new_session(self.engine) as session:
            ids = outbox.due_ids(session, self.now())
        outcomes = [self.deliver(message_id) for message_id in ids]
        return sum(1 for outcome in outcomes if outcome.status == OutboxStatus.SENT and not outcome.duplicate)

    def _later(self, session, row: OutboxMessage, error: str) -> Outcome:
        if row.attempts >= self.max_attempts:
            logger.error("Giving up on %s after %d attempts: %s", row.idempotency_key, row.attempts, error)
            return self._outcome(outbox.mark_failed(session, id_of(row), error))
        delay = dt.timedelta(seconds=min(30 * 2 ** (row.attempts - 1), 3600))
        return self._outcome(outbox.mark_retry(session, id_of(row), error, self.now() + delay))

    @staticmethod
    def _outcome(row: OutboxMessage, duplicate: bool = False) -> Outcome:
        response = json.loads(row.result) if row.result else None
        return Outcome(status=row.status, response=response, error=row.last_error, duplicate=duplicate)
