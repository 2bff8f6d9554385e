"""The outbox, the firing guard and the gateway, pinned down where mutation testing found them loose (scripts/mutation).

storage/outbox.py (what is stored, who may claim, what is due), storage/deliveries.py (one row per job and UTC
time), bot/gateway.py (form encoding, Slack's errors as results, retries and their back-off, uploads).
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlmodel import select

from bot.gateway import MAX_ATTEMPTS, SlackGateway, make_web_client
from commands.base import ApiResult, Outcome
from storage import outbox
from storage.db import make_engine, new_session
from storage.deliveries import claim_firing, finish_firing, firing
from storage.guard import ResidentsDataRefused
from storage.models import OutboxMessage
from tests.conftest import BOT_TOKEN

T0 = dt.datetime(2026, 11, 26, 1, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    with new_session(engine) as session:
        yield session
    engine.dispose()


def gateway(services, fakeslack, **kwargs) -> SlackGateway:
    return SlackGateway(engine=services.engine, client=make_web_client(token=BOT_TOKEN, base_url=fakeslack.url), **kwargs)


def row_of(services, key: str) -> OutboxMessage:
    with new_session(services.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


# --- deliveries ---------------------------------------------------------------------------------------------


@pytest.fixture
def machine_in_tokyo(monkeypatch):
    """The machine's own zone is not UTC: rows must still hold UTC."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def bot_channel(fakeslack) -> str:
    """A channel the bot is in, so a post to it is accepted by the (strict) fake Slack."""
    return fakeslack.add_channel("renkei-test", {fakeslack.bot_user}).id


def test_a_firing_is_one_row_per_job_and_utc_time(session, machine_in_tokyo):
    tokyo = T0.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert claim_firing(session, "standup:moving", tokyo, "host-a")
    assert not claim_firing(session, "standup:moving", T0, "host-b")  # the same moment in another zone
    assert claim_firing(session, "standup:online", T0, "host-b")
    row = firing(session, "standup:moving", T0)
    assert (row.job_id, row.claimed_by, row.status) == ("standup:moving", "host-a", "claimed")
    assert firing(session, "standup:online", tokyo).claimed_by == "host-b"
    assert firing(session, "standup:moving", T0 + dt.timedelta(days=1)) is None
    assert firing(session, "meeting:moving:1:1d", T0) is None


def test_finishing_a_firing_records_how_it_ended(session):
    claim_firing(session, "standup:moving", T0, "host-a")
    claim_firing(session, "standup:online", T0, "host-a")
    finish_firing(session, "standup:moving", T0, "skipped")
    finish_firing(session, "aging:nowhere", T0, "done")  # never claimed: nothing to finish
    assert firing(session, "standup:moving", T0).status == "skipped"
    assert firing(session, "standup:online", T0).status == "claimed"
    assert firing(session, "aging:nowhere", T0) is None


# --- the outbox ---------------------------------------------------------------------------------------------


def test_the_payload_is_stored_as_readable_json(session):
    row, created = outbox.enqueue(session, key="k1", method="chat.postMessage", payload={"channel": "C1", "text": "窓口"})
    assert created and row.payload == '{"channel": "C1", "text": "窓口"}' and row.status == "pending"
    row, created = outbox.enqueue(session, key="k1", method="chat.postMessage", payload={"text": "別"})
    assert not created and json.loads(row.payload)["text"] == "窓口"
    with pytest.raises(ResidentsDataRefused) as refused:
        outbox.enqueue(session, key="k2", method="chat.postMessage", payload={"text": "1234 5678 9018"})
    assert refused.value.where == "outbox chat.postMessage"


def message(session, key: str, **values) -> int:
    row, _ = outbox.enqueue(session, key=key, method="chat.postMessage", payload={"channel": "C1", "text": key})
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()
    return row.id


def test_only_a_pending_or_abandoned_message_is_claimed(session):
    lease = dt.timedelta(minutes=2)
    sent = message(session, "sent", status="sent", claimed_until=T0 - lease)
    failed = message(session, "failed", status="failed", claimed_until=T0 - lease)
    sending = message(session, "sending", status="sending", claimed_until=T0)  # its lease ends right now
    abandoned = message(session, "abandoned", status="sending", claimed_until=T0 - dt.timedelta(seconds=1))
    later = message(session, "later", next_attempt_at=T0 + dt.timedelta(seconds=1))
    due = message(session, "due", next_attempt_at=T0)
    fresh = message(session, "fresh")
    assert outbox.due_ids(session, T0) == [abandoned, due, fresh]
    assert [outbox.claim(session, i, lease=lease, now=T0) for i in (sent, failed, sending, later)] == [None] * 4
    assert [outbox.claim(session, i, lease=lease, now=T0) for i in (abandoned, due, fresh)] == [1, 1, 1]  # attempt no.
    assert outbox.due_ids(session, T0) == []


def test_what_each_ending_leaves_in_the_row(session):
    lease = dt.timedelta(minutes=2)
    first = message(session, "retried")
    assert outbox.claim(session, first, lease=lease, now=T0)
    row = outbox.mark_retry(session, first, "ratelimited", T0 + dt.timedelta(seconds=30))
    assert (row.status, row.claimed_until, row.last_error) == ("pending", None, "ratelimited")
    assert row.next_attempt_at.astimezone(dt.timezone.utc) == T0 + dt.timedelta(seconds=30)
    assert outbox.claim(session, first, lease=lease, now=T0 + dt.timedelta(seconds=30))
    row = outbox.mark_sent(session, first, {"ok": True, "text": "窓口"})
    assert (row.status, row.claimed_until, row.last_error, row.result) == ("sent", None, None, '{"ok": true, "text": "窓口"}')
    second = message(session, "refused")
    assert outbox.claim(session, second, lease=lease, now=T0)
    row = outbox.mark_failed(session, second, "channel_not_found")
    assert (row.status, row.claimed_until, row.last_error) == ("failed", None, "channel_not_found")
    with pytest.raises(LookupError, match="outbox message 999999 is gone"):
        outbox.get_message(session, 999999)


# --- the gateway --------------------------------------------------------------------------------------------


def test_parameters_are_form_encoded_as_slack_reads_them(services, fakeslack):
    result = services.gateway.api(
        "conversations.open",
        users="U01SHIMIN",
        return_im=True,
        prevent_creation=False,
        blocks=[{"text": "窓口"}],
        limit=5,
        cursor=None,
    )
    assert result == ApiResult(ok=True, data={"ok": True, "channel": {"id": "D01SHIMIN"}})
    [call] = fakeslack.calls_to("conversations.open")
    assert call.params == {
        "users": "U01SHIMIN",
        "return_im": "true",
        "prevent_creation": "false",
        "blocks": '[{"text": "窓口"}]',
        "limit": "5",
    }


def test_slacks_refusals_and_outages_are_results(services, fakeslack):
    fakeslack.fail("conversations.open", error="missing_scope", needed="im:write")
    result = services.gateway.api("conversations.open", users="U1")
    assert (result.ok, result.error, result.needed) == (False, "missing_scope", "im:write")
    assert result.data["error"] == "missing_scope" and result.data["needed"] == "im:write"
    fakeslack.fail("conversations.open", error="user_not_found")
    result = services.gateway.api("conversations.open", users="U1")
    assert (result.ok, result.error, result.needed) == (False, "user_not_found", None)
    dead = SlackGateway(
        engine=services.engine, client=make_web_client(token=BOT_TOKEN, retries=0, base_url="http://127.0.0.1:9/api/")
    )
    assert dead.api("conversations.open", users="U1") == ApiResult(ok=False, data={}, error="network")


def test_an_http_error_is_slacks_error_word_rather_than_its_status(services, fakeslack):
    fakeslack.fail("conversations.open", status=404, times=1)
    result = services.gateway.api("conversations.open", users="U1")
    assert (result.ok, result.error, result.data["error"]) == (False, "internal_error", "internal_error")


def test_a_file_goes_to_the_users_dm(services, fakeslack, tmp_path):
    path = tmp_path / "進捗.xlsx"
    path.write_bytes(b"xlsx")
    outcome = services.gateway.upload_file(key="report:1", user="U01SHIMIN", path=path, title="進捗", comment="どうぞ")
    assert outcome.status == "sent" and not outcome.duplicate
    assert fakeslack.calls_to("files.completeUploadExternal")[0].params["channel_id"] == "D01SHIMIN"
    assert json.loads(row_of(services, "report:1").payload) == {  # the DM is opened when it is sent
        "user": "U01SHIMIN",
        "file": str(path),
        "filename": "進捗.xlsx",
        "title": "進捗",
        "initial_comment": "どうぞ",
    }
    fakeslack.fail("conversations.open", error="user_not_found")
    assert services.gateway.upload_file(key="report:2", user="U0GONE", path=path, title="t", comment="c") == Outcome(
        status="failed", response=None, error="user_not_found", duplicate=False
    )


def test_delivering_a_message_already_sent_answers_what_was_recorded(services, fakeslack):
    first = services.gateway.post_message(key="once", channel=bot_channel(fakeslack), text="x")
    again = services.gateway.deliver(row_of(services, "once").id)
    assert again == Outcome(status="sent", response=first.response, error=None, duplicate=True)


def test_a_429_that_outlasts_the_clients_retries_is_retried_later(services, fakeslack):
    fakeslack.fail("chat.postMessage", status=429, retry_after=5, times=50)
    waiting = gateway(services, fakeslack, now=lambda: T0, inline_patience=dt.timedelta(0))
    outcome = waiting.post_message(key="rl", channel=bot_channel(fakeslack), text="x")
    assert (outcome.status, outcome.error) == ("pending", "ratelimited")


def test_back_off_doubles_from_30_seconds_up_to_an_hour_then_gives_up(services, fakeslack):
    fakeslack.fail("chat.postMessage", status=500, times=1000)
    clock = [T0]
    slow = SlackGateway(
        engine=services.engine,
        now=lambda: clock[0],
        max_attempts=9,
        client=make_web_client(token=BOT_TOKEN, base_url=fakeslack.url, retries=0),
        retry_scale=1,
        inline_patience=dt.timedelta(0),
    )
    outcome = slow.post_message(key="outage", channel=bot_channel(fakeslack), text="x")
    delays = []
    while outcome.status == "pending":
        row = row_of(services, "outage")
        delays.append((row.next_attempt_at.astimezone(dt.timezone.utc) - clock[0]).total_seconds())
        clock[0] = row.next_attempt_at.astimezone(dt.timezone.utc)
        outcome = slow.deliver(row.id)
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert (outcome.status, outcome.error, outcome.duplicate) == ("failed", "internal_error", False)
    assert row_of(services, "outage").attempts == 9


def test_the_client_waits_as_slack_asks_and_times_out(monkeypatch):
    client = make_web_client(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", retries=2, retry_scale=1)
    assert client.timeout == 10
    rate_limit, server_error, network = client.retry_handlers
    assert (rate_limit.max_retry_count, server_error.max_retry_count, network.max_retry_count) == (4, 2, 2)
    assert network.interval_calculator is server_error.interval_calculator
    waits: list[float] = []
    monkeypatch.setattr("bot.gateway.time.sleep", waits.append)
    for headers in ({}, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}):  # none, or a date: one second
        state = RetryState()
        rate_limit.prepare_for_next_attempt(state=state, request=None, response=HttpResponse(status_code=429, headers=headers))
        assert state.next_attempt_requested is True and state.current_attempt == 1
    assert len(waits) == 2 and all(1 <= wait < 2 for wait in waits)
    gateway = SlackGateway(engine=None, client=client)
    assert gateway.max_attempts == MAX_ATTEMPTS
    delays = [min(30 * 2 ** (attempt - 1), 3600) for attempt in range(1, MAX_ATTEMPTS)]
    assert sum(delays) > 24 * 3600  # a message is retried for more than a day before it is given up


# --- firings run again, and what operators see of the outbox ------------------------------------------------------


def test_a_failed_or_cut_short_firing_is_claimed_again_and_a_running_one_is_not(session):
    from storage.deliveries import FIRING_LEASE, fail_firing, needs_running

    assert claim_firing(session, "standup:moving", T0, "host-a", now=T0)
    assert not claim_firing(session, "standup:moving", T0, "host-b", now=T0 + FIRING_LEASE)  # still running
    assert not needs_running(firing(session, "standup:moving", T0), T0 + FIRING_LEASE)
    assert needs_running(firing(session, "standup:moving", T0), T0 + FIRING_LEASE + dt.timedelta(seconds=1))
    assert claim_firing(session, "standup:online", T0, "host-a", now=T0)  # another job's firing at the same time
    fail_firing(session, "standup:online", T0, "RuntimeError")
    retaken = T0 + FIRING_LEASE + dt.timedelta(seconds=1)
    assert claim_firing(session, "standup:moving", T0, "host-b", now=retaken)
    row = firing(session, "standup:moving", T0)
    assert (row.claimed_by, row.status) == ("host-b", "claimed")
    assert row.claimed_at.replace(tzinfo=dt.timezone.utc) == retaken  # the new claim has a lease of its own
    assert not claim_firing(session, "standup:moving", T0, "host-c", now=retaken + dt.timedelta(seconds=1))
    assert firing(session, "standup:online", T0).claimed_by == "host-a"  # the other job's firing is left alone
    fail_firing(session, "standup:moving", T0, "RuntimeError: " + "x" * 3000)
    row = firing(session, "standup:moving", T0)
    assert row.status == "failed" and row.error.startswith("RuntimeError: ") and len(row.error) == 2000
    assert needs_running(row, T0) and needs_running(None, T0)
    assert claim_firing(session, "standup:moving", T0, "host-c", now=T0)  # a failed firing at once
    finish_firing(session, "standup:moving", T0, "done")
    row = firing(session, "standup:moving", T0)
    assert (row.status, row.error, row.claimed_by) == ("done", None, "host-c")
    assert not needs_running(row, T0 + dt.timedelta(days=1))
    assert not claim_firing(session, "standup:moving", T0, "host-d", now=T0 + dt.timedelta(days=1))
    assert claim_firing(session, "digest:moving", T0, "host-a", status="skipped")  # a skip is recorded, once
    assert firing(session, "digest:moving", T0).status == "skipped"


def test_what_operators_see_and_retry(session):
    sent = message(session, "standup:moving@2026-12-01T00:30:00+00:00:C1", status="sent")
    waiting = message(session, "standup:moving@2026-12-01T00:30:00+00:00:C2", next_attempt_at=T0 + dt.timedelta(minutes=1))
    sending = message(
        session, "standup:moving@2026-12-01T00:30:00+00:00:C3", status="sending", claimed_until=T0 + dt.timedelta(minutes=3)
    )
    failed = message(session, "win:1:C1", status="failed", attempts=35, last_error="not_in_channel")
    other = message(session, "standup:moving@2026-12-02T00:30:00+00:00:C1")
    assert outbox.waiting(session, "standup:moving@2026-12-01T00:30:00+00:00") == 2  # pending and sending
    assert outbox.waiting(session, "standup:moving@2026-12-0%") == 0  # a prefix, not a pattern
    assert [r.id for r in outbox.messages(session)] == [other, failed, sending, waiting]
    assert [r.id for r in outbox.messages(session, failed_only=True)] == [failed]
    assert [r.id for r in outbox.messages(session, limit=1)] == [other]
    assert outbox.next_due(session) is not None
    assert outbox.retry(session, [sent, failed, 999]) == [failed]  # only failed rows, only those named
    row = outbox.get_message(session, failed)
    session.refresh(row)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("pending", 0, None, None)
    assert outbox.retry(session, None) == []
    assert outbox.get_message(session, sent).status == "sent"


def test_the_next_due_moment_is_the_earliest_retry_or_lease_end(session):
    assert outbox.next_due(session) is None
    message(session, "later", next_attempt_at=T0 + dt.timedelta(minutes=5))
    message(session, "sooner", next_attempt_at=T0 + dt.timedelta(minutes=1))
    message(session, "done", status="sent", next_attempt_at=T0)
    assert outbox.next_due(session) == T0 + dt.timedelta(minutes=1)
    message(session, "held", status="sending", claimed_until=T0 + dt.timedelta(seconds=30))
    assert outbox.next_due(session) == T0 + dt.timedelta(seconds=30)


def test_failures_are_summarised_from_where_the_last_summary_stopped(session):
    assert outbox.failed_since_last_summary(session) == []
    first = message(session, "win:1:C1", status="failed")
    message(session, "win:1:C2", status="sent")
    assert [r.id for r in outbox.failed_since_last_summary(session)] == [first]
    message(session, f"{outbox.FAILURE_SUMMARY}{first}:U00ADMIN", status="failed")  # a summary, even failed, is none
    assert outbox.failed_since_last_summary(session) == []
    second = message(session, "win:2:C1", status="failed")
    assert [r.id for r in outbox.failed_since_last_summary(session)] == [second]


def test_finishing_or_failing_one_firing_leaves_the_jobs_other_firings_alone(session):
    from storage.deliveries import fail_firing

    tomorrow = T0 + dt.timedelta(days=1)
    assert claim_firing(session, "standup:moving", T0, "host-a") and claim_firing(session, "standup:moving", tomorrow, "host-a")
    finish_firing(session, "standup:moving", T0, "done")
    assert (firing(session, "standup:moving", T0).status, firing(session, "standup:moving", tomorrow).status) == (
        "done",
        "claimed",
    )
    fail_firing(session, "standup:moving", tomorrow, "RuntimeError")
    assert (firing(session, "standup:moving", T0).status, firing(session, "standup:moving", tomorrow).status) == (
        "done",
        "failed",
    )
    finish_firing(session, "standup:moving", tomorrow, "done", commit=False)
    session.rollback()  # joined the caller's transaction, which did not commit
    assert firing(session, "standup:moving", tomorrow).status == "failed"
