"""Slack taking the app's access away (issue 22, point 6): `app_uninstalled` and `tokens_revoked` are answered (not
404) and pause the app — nothing is sent, no job fires, and nothing is lost: the messages wait in the outbox and the
firings are not claimed — until a start finds the token working again (a reinstall), when what waited goes out."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlmodel import select

from bot.workspace import resume_if_allowed
from reminders.firing import fire
from storage import appstate
from storage.models import Delivery, OutboxMessage
from tests.conftest import channel_id, sign

TOKYO = ZoneInfo("Asia/Tokyo")


def event(app, kind: str) -> requests.Response:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T000TEST",
            "api_app_id": "A000TEST",
            "event": {"type": kind, "event_ts": "1700000000.000100"},
            "event_id": f"Ev{kind}",
            "event_time": 1700000000,
        }
    )
    headers = {**sign(body), "Content-Type": "application/json"}
    return requests.post(f"{app.url}/slack/events", data=body.encode(), headers=headers, timeout=10)


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
def test_losing_access_pauses_sending_and_jobs_and_a_working_token_resumes_them(synced, http_app, fakeslack, kind):
    assert event(http_app, kind).status_code == 200
    http_app.settle()
    with synced.session() as session:
        assert appstate.paused(session) == kind
    posted = len(fakeslack.calls_to("chat.postMessage"))
    shimin = channel_id(fakeslack, "moving-shimin")
    outcome = synced.gateway.post_message(key="paused:1", channel=shimin, text="止まっている間の知らせ")
    assert outcome.status == "pending" and synced.gateway.flush_pending() == 0
    monday = dt.datetime(2026, 11, 30, 9, 30, tzinfo=TOKYO)
    result = fire(synced, "standup:moving", monday, now=monday)
    assert (result.status, result.reason) == ("skipped", "paused")
    assert len(fakeslack.calls_to("chat.postMessage")) == posted  # nothing went to Slack
    with synced.session() as session:
        assert (
            session.get(Delivery, 1) is None
            or session.exec(__import__("sqlmodel").select(Delivery).where(Delivery.job_id == "standup:moving")).all() == []
        )  # the firing was not claimed: the catch-up can still run it
    assert resume_if_allowed(synced)  # a start whose token works (a reinstall)
    assert synced.gateway.flush_pending() == 1  # what waited goes out
    with synced.session() as session:
        [row] = session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == "paused:1")).all()
        assert row.status == "sent"
        assert appstate.paused(session) is None
    assert fire(synced, "standup:moving", monday, now=monday).status == "delivered"


def test_slack_refusing_the_token_pauses_too_and_the_message_waits(synced, fakeslack):
    """Bolt acknowledges events itself, so an `app_uninstalled` whose pause could not be stored is not sent again.
    The gateway does not depend on it: Slack answering `token_revoked` to a post pauses Renkei the same way, and the
    message waits, unlost, for the resume."""
    shimin = channel_id(fakeslack, "moving-shimin")
    fakeslack.fail("chat.postMessage", error="token_revoked")
    outcome = synced.gateway.post_message(key="revoked:1", channel=shimin, text="取り消された後の知らせ")
    assert outcome.status == "pending"
    with synced.session() as session:
        assert appstate.paused(session) == "token_revoked"
    assert synced.gateway.flush_pending() == 0 and len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 0
    assert resume_if_allowed(synced)
    assert synced.gateway.flush_pending() == 1 and len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1
