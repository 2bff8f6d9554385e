"""The outbox gateway against fakeslack: stored first, retried, recorded, never sent twice."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlmodel import select

from bot.gateway import SlackGateway, make_web_client
from storage import outbox
from storage.db import new_session
from storage.models import OutboxMessage
from tests.conftest import BOT_TOKEN, until, wait_for


@pytest.fixture(autouse=True)
def _channel_c1(request) -> None:
    """The channel these tests post to ("C1"): it exists and the bot is in it, as fakeslack (like Slack) requires."""
    if "fakeslack" in request.fixturenames:
        fake = request.getfixturevalue("fakeslack")
        fake.add_channel("general", {fake.bot_user}, channel_id="C1")


def gateway_for(services, fakeslack, **kwargs) -> SlackGateway:
    """A second gateway on the same database: what a restarted or second process would build."""
    return SlackGateway(engine=services.engine, client=make_web_client(token=BOT_TOKEN, base_url=fakeslack.url), **kwargs)


def rows(services) -> list[OutboxMessage]:
    with new_session(services.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_message_is_stored_sent_and_recorded(services, fakeslack):
    outcome = services.gateway.post_message(key="hello:1", channel="C1", text="こんにちは")
    assert outcome.status == "sent" and outcome.response["ts"]
    [call] = fakeslack.calls_to("chat.postMessage")
    metadata = {"event_type": "renkei_outbox", "event_payload": {"key": "hello:1"}}  # found again after a crash
    assert call.params == {"channel": "C1", "text": "こんにちは", "metadata": metadata} and call.token == BOT_TOKEN
    [row] = rows(services)
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None


def test_the_same_key_is_sent_once(services, fakeslack):
    first = services.gateway.post_message(key="win:7:C1", channel="C1", text="a")
    second = services.gateway.post_message(key="win:7:C1", channel="C1", text="a")
    assert (first.duplicate, second.duplicate) == (False, True)
    assert second.status == "sent" and second.response == first.response
    assert len(fakeslack.calls_to("chat.postMessage")) == 1


def test_a_429_waits_in_the_outbox_as_slack_asks_holding_no_thread(services, fakeslack):
    """A delivery answered 429 is not slept through: the row waits Retry-After (times the retry scale) as its next
    attempt, the wait is not counted as a failed attempt, and the next flush after it sends the message."""
    clock = [dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone.utc)]
    gateway = SlackGateway(
        engine=services.engine,
        client=services.gateway.client,
        sender=make_web_client(token=BOT_TOKEN, base_url=fakeslack.url, wait_on_429=False),
        now=lambda: clock[0],
        retry_scale=1,
    )
    fakeslack.fail("chat.postMessage", status=429, retry_after=120, times=1)  # longer than the CLI waits in-line
    outcome = gateway.post_message(key="rl", channel="C1", text="x")
    assert (outcome.status, outcome.error) == ("pending", "ratelimited")
    with new_session(services.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == "rl")).one()
    assert (row.attempts, row.next_attempt_at.replace(tzinfo=dt.timezone.utc)) == (0, clock[0] + dt.timedelta(seconds=120))
    clock[0] += dt.timedelta(seconds=119)
    assert gateway.flush_pending() == 0  # not yet
    clock[0] += dt.timedelta(seconds=1)
    assert gateway.flush_pending() == 1
    assert [c.status for c in fakeslack.calls_to("chat.postMessage")] == [429, 200]


def test_in_production_a_429_waits_all_its_retry_after_and_errors_back_off(monkeypatch):
    """The waits the suite shortens (RENKEI_RETRY_SCALE=0.01), at their production scale of 1, without sleeping them."""
    client = make_web_client(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", retry_scale=1)
    rate_limit, server_error, network = client.retry_handlers
    waits: list[float] = []
    monkeypatch.setattr("bot.gateway.time.sleep", waits.append)
    state = RetryState()
    for retry_after in ("30", "1"):
        rate_limit.prepare_for_next_attempt(
            state=state, request=None, response=HttpResponse(status_code=429, headers={"retry-after": retry_after})
        )
    assert 30 <= waits[0] < 31 and 1 <= waits[1] < 2 and state.current_attempt == 2  # Retry-After plus < 1 s jitter
    for handler in (server_error, network):  # 0.5 s × 2ⁿ plus < 1 s jitter
        for attempt, low in enumerate((0.5, 1, 2)):
            assert low <= handler.interval_calculator.calculate_sleep_duration(attempt) < low + 1


@pytest.mark.parametrize("configured, expected", [(None, 1.0), ("0.01", 0.01)])
def test_the_retry_scale_comes_from_renkei_retry_scale(monkeypatch, tmp_path, configured, expected):
    monkeypatch.chdir(tmp_path)  # no .env
    if configured is None:
        monkeypatch.delenv("RENKEI_RETRY_SCALE", raising=False)
    else:
        monkeypatch.setenv("RENKEI_RETRY_SCALE", configured)
    rate_limit, server_error, _ = make_web_client(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/").retry_handlers
    assert rate_limit.scale == server_error.interval_calculator.scale == expected


def test_server_errors_are_retried_with_backoff(services, fakeslack):
    fakeslack.fail("chat.postMessage", status=503, times=1)
    fakeslack.fail("chat.postMessage", status=502, times=1)
    assert services.gateway.post_message(key="5xx", channel="C1", text="x").status == "sent"
    assert [c.status for c in fakeslack.calls_to("chat.postMessage")] == [503, 502, 200]


def test_a_refusal_is_recorded_and_not_retried(services, fakeslack):
    fakeslack.fail("chat.postMessage", error="channel_not_found")
    outcome = services.gateway.post_message(key="nf", channel="CGONE", text="x")
    assert (outcome.status, outcome.error) == ("failed", "channel_not_found")
    assert services.gateway.flush_pending() == 0
    assert len(fakeslack.calls_to("chat.postMessage")) == 1


def test_an_outage_keeps_the_message_and_a_restart_sends_it_once(services, fakeslack):
    fakeslack.fail("chat.postMessage", status=500, times=4)  # more than the client's own retries
    # a gateway that does not wait in-line (as the CLI would, for up to a minute and a half)
    outcome = gateway_for(services, fakeslack, inline_patience=dt.timedelta(0)).post_message(key="outage", channel="C1", text="x")
    assert outcome.status == "pending" and outcome.error == "internal_error"
    [row] = rows(services)
    # The retry is due later; a restarted process whose clock has reached that time sends it.
    restarted = gateway_for(services, fakeslack, now=lambda: row.next_attempt_at)
    assert restarted.flush_pending() == 1
    assert restarted.flush_pending() == 0
    assert [c.status for c in fakeslack.calls_to("chat.postMessage")][-1] == 200
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1
    assert rows(services)[0].status == "sent"


def test_network_errors_leave_the_message_pending(services, fakeslack):
    unreachable = make_web_client(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", retries=1)
    dead = SlackGateway(engine=services.engine, client=unreachable, inline_patience=dt.timedelta(0))
    outcome = dead.post_message(key="net", channel="C1", text="x")
    assert outcome.status == "pending" and outcome.error.startswith("network")
    [row] = rows(services)
    assert gateway_for(services, fakeslack, now=lambda: row.next_attempt_at).flush_pending() == 1


def test_a_message_abandoned_mid_send_is_picked_up_after_its_lease(services, fakeslack):
    with new_session(services.engine) as session:
        row, _ = outbox.enqueue(session, key="crash", method="chat.postMessage", payload={"channel": "C1", "text": "x"})
        assert outbox.claim(session, row.id, lease=services.gateway.lease)  # a process took it, then died
    assert services.gateway.flush_pending() == 0  # its lease still runs
    later = gateway_for(services, fakeslack, now=lambda: row.created_at + services.gateway.lease * 2)
    assert later.flush_pending() == 1


def test_two_processes_flushing_together_send_each_message_once(services, fakeslack):
    with new_session(services.engine) as session:
        for n in range(20):
            outbox.enqueue(session, key=f"batch:{n}", method="chat.postMessage", payload={"channel": "C1", "text": str(n)})
    gateways = [gateway_for(services, fakeslack) for _ in range(2)]
    sent = [0, 0]

    def flush(i: int) -> None:
        sent[i] = gateways[i].flush_pending()

    threads = [threading.Thread(target=flush, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = sorted(int(c.params["text"]) for c in fakeslack.calls_to("chat.postMessage"))
    assert texts == list(range(20)) and sum(sent) == 20


@pytest.mark.parametrize("history", ["readable", "missing_scope"])
def test_a_row_abandoned_mid_send_is_looked_for_in_the_channel_before_it_is_posted_again(services, fakeslack, history):
    """A sender that takes over a row whose sender died first looks for the post in the channel's history (by the
    outbox key in its metadata): found, it is recorded as sent; not found, or history unreadable, it is posted."""
    if history == "missing_scope":
        fakeslack.scopes = fakeslack.scopes.replace(",channels:history", "")
    with new_session(services.engine) as session:
        for key in ("on-the-wire", "never-left"):
            outbox.enqueue(session, key=key, method="chat.postMessage", payload={"channel": "C1", "text": key})
        rows = list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))
        for row in rows:
            assert outbox.claim(session, row.id, lease=services.gateway.lease)  # a process took both, then died
    metadata = {"event_type": "renkei_outbox", "event_payload": {"key": "on-the-wire"}}
    posted = services.gateway.client.chat_postMessage(channel="C1", text="on-the-wire", metadata=metadata)
    for n in range(3):  # later posts: the one looked for is on the second page of history (pages of 2)
        services.gateway.client.chat_postMessage(channel="C1", text=f"later {n}")
    later = services.gateway.now() + services.gateway.lease + dt.timedelta(seconds=1)
    assert gateway_for(services, fakeslack, now=lambda: later).flush_pending() == 2
    texts = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if "later" not in c.params["text"]]
    if history == "readable":
        assert sorted(texts) == ["never-left", "on-the-wire"]  # nothing twice
        recorded = json.loads(rows_by_key(services)["on-the-wire"].result)
        assert recorded == {"ok": True, "channel": "C1", "ts": posted["ts"], "recovered": True}  # where it is
        assert len(fakeslack.calls_to("conversations.history")) >= 3  # it followed the cursor to the second page
    else:  # at least once: the one known duplicate, logged
        assert sorted(texts) == ["never-left", "on-the-wire", "on-the-wire"]


def rows_by_key(services) -> dict[str, OutboxMessage]:
    return {row.idempotency_key: row for row in rows(services)}


def test_an_update_waits_for_its_card_then_changes_it_in_place(services, fakeslack):
    """chat.update needs the card's ts, known only once the card is sent: stored before it, the update waits (no
    attempt counted) and then goes to the card's channel and ts; an older version after a newer one, or an update of a
    card never posted, is recorded as skipped and never sent."""
    gateway = gateway_for(services, fakeslack, inline_patience=dt.timedelta(0))  # the CLI's wait, cut short
    with gateway.batch() as batch:
        gateway.post_message(key="issue:1:card:C1", channel="C1", text="v1")
    with new_session(services.engine) as session:  # the card is stored, not sent yet
        batch.store(session)
        session.commit()
    waiting = gateway.update_message(key="issue:1:card:C1:v2", card_key="issue:1:card:C1", text="v2")
    assert waiting.status == "pending" and not fakeslack.calls_to("chat.update")
    [card] = batch.send()
    assert card.status == "sent"
    wait_for(lambda: gateway.flush_pending() == 1)  # due again after CARD_WAIT (times the tests' retry scale)
    [update] = fakeslack.calls_to("chat.update", ok_only=True)
    assert update.params["ts"] == card.response["ts"] and update.params["channel"] == "C1" and update.params["text"] == "v2"
    assert "card" not in update.params
    with gateway.batch() as both:  # two changes stored in order; the later one happens to be delivered first
        gateway.update_message(key="issue:1:card:C1:v3", card_key="issue:1:card:C1", text="v3")
        gateway.update_message(key="issue:1:card:C1:v4", card_key="issue:1:card:C1", text="v4")
    with new_session(services.engine) as session:
        both.store(session)
        session.commit()
    older, newer = [r.id for r in rows(services)][-2:]
    assert gateway.deliver(newer).status == "sent"
    assert gateway.deliver(older).response == {"ok": True, "skipped": "superseded"}
    nowhere = gateway.update_message(key="issue:2:card:C1:v2", card_key="issue:2:card:C1", text="x")
    assert nowhere.response == {"ok": True, "skipped": "no_card"}
    assert [c.params["text"] for c in fakeslack.calls_to("chat.update")] == ["v2", "v4"]
    assert next(r for r in rows(services) if r.idempotency_key == "issue:1:card:C1:v2").attempts == 1


def test_an_older_version_stored_after_a_newer_one_never_overwrites_it(services, fakeslack):
    """Two follow-ups at once (two ratings in the same second) may store their updates in the other order than they
    read: the version in the key, not the order of storing, says which is newer. An older version is skipped whether
    the newer one was sent already or still waits to be sent; digests (not numbers) keep the storing order."""
    gateway = gateway_for(services, fakeslack, inline_patience=dt.timedelta(0))
    gateway.post_message(key="req:1:card:C1", channel="C1", text="card")
    with gateway.batch() as both:  # stored: the newer read first, the older read second
        gateway.update_message(key="req:1:card:C1:v2000", card_key="req:1:card:C1", text="both ratings")
        gateway.update_message(key="req:1:card:C1:v1000", card_key="req:1:card:C1", text="one rating")
    with new_session(services.engine) as session:
        both.store(session)
        session.commit()
    newer, older = [r.id for r in rows(services)][-2:]
    assert gateway.deliver(older).response == {"ok": True, "skipped": "superseded"}  # the newer one is still pending
    assert gateway.deliver(newer).status == "sent"
    assert [c.params["text"] for c in fakeslack.calls_to("chat.update")] == ["both ratings"]


def test_a_post_slack_accepted_after_the_clients_timeout_is_looked_for_before_it_is_posted_again(services, fakeslack):
    """Slack took the post but answered after the client gave up (issue 22, point 4): the row is pending with a
    network error; the next attempt finds the post in the channel's history by its key and records it, instead of
    posting it a second time."""
    gateway = gateway_for(services, fakeslack, inline_patience=dt.timedelta(0))
    gateway.sender.timeout = 1  # the client gives up after a second; Slack answers after one and a half
    fakeslack.delay = 1.5
    try:
        outcome = gateway.post_message(key="slow:1", channel="C1", text="遅い応答")
    finally:
        fakeslack.delay = 0.0
    assert outcome.status == "pending" and outcome.error.startswith("network")
    until(lambda: len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1, timeout=10)  # Slack has it
    [row] = rows(services)
    retry = gateway_for(services, fakeslack, now=lambda: row.next_attempt_at)
    assert retry.flush_pending() == 1
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1  # not posted twice
    [row] = rows(services)
    assert row.status == "sent" and json.loads(row.result)["recovered"] is True


def test_a_long_send_keeps_its_claim_and_a_dead_senders_row_is_taken_over_within_a_minute(services, fakeslack):
    """The claim is renewed while Slack takes its time (issue 22, point 4): with a three-second lease (renewed each
    second) and a post Slack answers after six, a second sender a second past the first lease finds the row still
    claimed and leaves it (a renewal may come two seconds late on a busy machine); the post goes out once. A row
    whose sender died is taken over a minute after it was claimed, not five."""
    from bot.gateway import SEND_LEASE

    assert SEND_LEASE <= dt.timedelta(minutes=1)
    with new_session(services.engine) as session:
        row, _ = outbox.enqueue(session, key="long:1", method="chat.postMessage", payload={"channel": "C1", "text": "長い送信"})
    slow = gateway_for(services, fakeslack, lease=dt.timedelta(seconds=3))
    fakeslack.delay = 6.0
    sender = threading.Thread(target=slow.deliver, args=(row.id,))
    sender.start()
    try:
        until(lambda: fakeslack.arrivals.count("chat.postMessage") == 1)
        time.sleep(4.0)  # past the first lease: only its renewals keep the row
        other = gateway_for(services, fakeslack, lease=dt.timedelta(seconds=3))
        assert other.deliver(row.id).duplicate  # still claimed: not taken over
    finally:
        sender.join()
        fakeslack.delay = 0.0
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1
    [stored] = rows(services)
    assert stored.status == "sent" and stored.attempts == 1
    with new_session(services.engine) as session:
        dead, _ = outbox.enqueue(session, key="dead:1", method="chat.postMessage", payload={"channel": "C1", "text": "x"})
        claimed_at = services.gateway.now()
        assert outbox.claim(session, dead.id, lease=SEND_LEASE, now=claimed_at)  # a process took it, then died
    restarted = gateway_for(services, fakeslack, now=lambda: claimed_at + SEND_LEASE + dt.timedelta(seconds=1))
    assert restarted.flush_pending() == 1
