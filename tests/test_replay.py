"""Replays: the same signed request sent again is answered as the first was and does nothing a second time.

Slack's signature stays valid for 5 minutes, so anyone who sees a request can send it again. A slash command is
handled once per trigger_id, a form submission once per view id + hash (storage.requests); a button acts through a
conditional update, so a second identical click changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from urllib.parse import urlencode

import pytest
import requests
from sqlmodel import func, select

from commands.issue_blocks import ESCALATE, FIELDS, MODAL_CALLBACK
from storage import requests as handled
from storage.models import HandledRequest, Issue, IssueEvent, Win
from tests.conftest import channel_id, post_slash, sign, slash_body, wait_for

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


@pytest.fixture
def app(synced, http_app):
    return http_app


def count(services, model) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def posts(fakeslack, channel: str | None = None) -> list:
    return [
        c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if channel is None or c.params.get("channel") == channel
    ]


def stays(predicate) -> None:
    """Nothing more happened: a second run's work after its ack (follow-ups) has been let finish, and the count is
    still the first run's."""
    wait_for(predicate)


class Signed:
    """One request as Slack signed it: the same bytes and headers, sendable any number of times."""

    def __init__(self, app, body: str):
        self.url, self.body, self.headers = f"{app.url}/slack/events", body.encode(), sign(body)

    def send(self) -> requests.Response:
        return requests.post(self.url, data=self.body, headers=self.headers, timeout=10)


def slash(app, fakeslack, command: str, text: str, *, user: str = "U01SHIMIN", channel: str = "moving-shimin") -> Signed:
    return Signed(
        app, slash_body(command, text, user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url)
    )


def interaction(app, payload: dict) -> Signed:
    return Signed(app, urlencode({"payload": json.dumps(payload)}))


def in_parallel(signed: Signed, times: int = 2) -> list[requests.Response]:
    """Send the same request from `times` threads at the same moment."""
    barrier, responses = threading.Barrier(times), [None] * times

    def send(n: int) -> None:
        barrier.wait()
        responses[n] = signed.send()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


# --- slash commands -------------------------------------------------------------------------------------------


def test_a_replayed_issue_creates_one_issue_and_gets_the_same_answer(app, fakeslack, services):
    request = slash(app, fakeslack, "/issue", "転出データの連携仕様が決まらない !高 to:zeimu")
    first = request.send()
    assert first.status_code == 200 and "*#1*" in first.json()["text"]
    zeimu = channel_id(fakeslack, "moving-zeimu")
    wait_for(lambda: posts(fakeslack, zeimu))
    replayed = request.send()
    assert replayed.status_code == 200 and replayed.json() == first.json()
    assert count(services, Issue) == 1
    stays(lambda: len(posts(fakeslack, zeimu)) == 1)
    with services.session() as session:
        assert [e.kind for e in session.exec(select(IssueEvent))].count("created") == 1
    # a new invocation (its own trigger_id) of the very same text is a new issue
    assert "*#2*" in post_slash(app, "/issue", "転出データの連携仕様が決まらない !高 to:zeimu").json()["text"]


def test_a_replayed_win_fans_out_once(app, fakeslack, services):
    request = slash(app, fakeslack, "/win", "転入手続きの入力項目を5つ減らせた", user="U03KOKUHO", channel="moving-kokuho")
    first = request.send()
    assert first.status_code == 200 and "7 チャンネル" in first.json()["text"]
    wait_for(lambda: len(posts(fakeslack)) == 7)
    replayed = request.send()
    assert replayed.status_code == 200 and replayed.json() == first.json()
    assert count(services, Win) == 1
    stays(lambda: len(posts(fakeslack)) == 7)
    for name in [*DEPARTMENT_CHANNELS, "moving-leads"]:
        assert len(posts(fakeslack, channel_id(fakeslack, name))) == 1, name


def test_two_identical_issue_requests_at_once_create_one_issue(app, fakeslack, services):
    responses = in_parallel(slash(app, fakeslack, "/issue", "窓口端末の更新時期を決めたい to:zeimu"))
    assert [r.status_code for r in responses] == [200, 200]
    assert count(services, Issue) == 1
    assert responses[0].json() == responses[1].json() and "*#1*" in responses[0].json()["text"]
    with services.session() as session:
        assert session.exec(select(func.count()).select_from(HandledRequest)).one() == 1


def test_a_replayed_form_command_opens_the_form_once(app, fakeslack):
    request = slash(app, fakeslack, "/issue", "", channel="moving-zeimu")
    assert request.send().status_code == 200
    wait_for(lambda: fakeslack.calls_to("views.open"))
    assert request.send().status_code == 200
    stays(lambda: len(fakeslack.calls_to("views.open")) == 1)


# --- form submissions -----------------------------------------------------------------------------------------


def _issue_form(app, fakeslack) -> dict:
    post_slash(app, "/issue", "", channel=channel_id(fakeslack, "moving-zeimu"))
    wait_for(lambda: fakeslack.calls_to("views.open"))
    view = json.loads(fakeslack.calls_to("views.open")[-1].params["view"])
    assert view["callback_id"] == MODAL_CALLBACK
    return view


def _submission(view: dict, title: str, *, due: str | None = None) -> dict:
    department = next(b for b in view["blocks"] if b["block_id"] == FIELDS["department"])
    values = {
        FIELDS["title"]: {"value": {"type": "plain_text_input", "value": title}},
        FIELDS["body"]: {"value": {"type": "plain_text_input", "value": "詳細"}},
        FIELDS["department"]: {"value": {"type": "static_select", "selected_option": department["element"]["initial_option"]}},
        FIELDS["waiting_on"]: {"value": {"type": "static_select", "selected_option": None}},
        FIELDS["severity"]: {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
        FIELDS["due"]: {"value": {"type": "datepicker", "selected_date": due}},
    }
    return {
        "type": "view_submission",
        "team": {"id": "T000TEST"},
        "api_app_id": "A000TEST",
        "user": {"id": "U02ZEIMU"},
        "trigger_id": "2.3.4",
        "view": {**view, "id": "V0FORM", "hash": "1700000000.abcd", "state": {"values": values}},
    }


def _dms(fakeslack) -> list:
    return posts(fakeslack, "U02ZEIMU")


def test_a_replayed_form_submission_creates_one_issue(app, fakeslack, services):
    request = interaction(app, _submission(_issue_form(app, fakeslack), "課税データの受け渡し方法"))
    first = request.send()
    assert first.status_code == 200 and "errors" not in first.text
    wait_for(lambda: _dms(fakeslack))
    replayed = request.send()
    assert replayed.status_code == 200 and replayed.text == first.text
    assert count(services, Issue) == 1
    stays(lambda: len(_dms(fakeslack)) == 1)


def test_two_identical_form_submissions_at_once_create_one_issue(app, fakeslack, services):
    responses = in_parallel(interaction(app, _submission(_issue_form(app, fakeslack), "課税データの受け渡し方法")))
    assert [r.status_code for r in responses] == [200, 200]
    wait_for(lambda: _dms(fakeslack))
    assert count(services, Issue) == 1
    stays(lambda: len(_dms(fakeslack)) == 1)


def test_a_form_sent_back_with_errors_can_be_corrected_and_sent_again(app, fakeslack, services):
    """Slack sends the corrected form with the same view id and hash: errors keep no key, so it goes through."""
    view = _issue_form(app, fakeslack)
    refused = interaction(app, _submission(view, "", due="2000-01-01"))
    assert refused.send().json()["response_action"] == "errors"
    assert refused.send().json()["response_action"] == "errors"  # a replay of it is checked again, still refused
    assert count(services, Issue) == 0
    assert interaction(app, _submission(view, "課税データの受け渡し方法")).send().status_code == 200
    wait_for(lambda: count(services, Issue) == 1)


# --- buttons --------------------------------------------------------------------------------------------------


def test_a_replayed_click_changes_the_issue_once_and_posts_once(app, fakeslack, services):
    post_slash(app, "/issue", "転出データの連携仕様が決まらない to:zeimu", channel=channel_id(fakeslack, "moving-shimin"))
    zeimu, it = channel_id(fakeslack, "moving-zeimu"), channel_id(fakeslack, "moving-it")
    wait_for(lambda: posts(fakeslack, zeimu))
    click = interaction(
        app,
        {
            "type": "block_actions",
            "team": {"id": "T000TEST"},
            "api_app_id": "A000TEST",
            "trigger_id": "1.2.3",
            "user": {"id": "U02ZEIMU", "team_id": "T000TEST"},
            "channel": {"id": zeimu},
            "response_url": fakeslack.response_url,
            "container": {"type": "message", "channel_id": zeimu, "message_ts": "1700000000.000001"},
            "message": {"ts": "1700000000.000001", "text": "card"},
            "actions": [
                {"type": "button", "action_id": ESCALATE, "block_id": "issue_1", "value": "1", "action_ts": "1700000001.000001"}
            ],
        },
    )
    assert click.send().status_code == 200
    wait_for(lambda: posts(fakeslack, it))
    assert click.send().status_code == 200
    wait_for(lambda: any("すでに IT部門に相談済み" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
    stays(lambda: len(posts(fakeslack, it)) == 1)
    with services.session() as session:
        assert [e.kind for e in session.exec(select(IssueEvent))].count("escalated") == 1
        assert session.get(Issue, 1).escalated


# --- the store itself -----------------------------------------------------------------------------------------


def test_a_key_is_claimed_once_and_keeps_its_reply(services):
    with services.session() as session:
        handled.claim_in(session, "slash:1.2.3", "U1")
        session.commit()
        with pytest.raises(handled.Replayed):
            handled.claim_in(session, "slash:1.2.3", "U1")
        session.rollback()
        assert handled.stored_reply(session, "slash:1.2.3") == (True, None)
        handled.reply_in(session, "slash:1.2.3", {"args": [], "kwargs": {"text": "#1 を登録しました"}})
        session.commit()
        assert handled.stored_reply(session, "slash:1.2.3") == (True, {"args": [], "kwargs": {"text": "#1 を登録しました"}})
        handled.release_in(session, "slash:1.2.3")
        session.commit()
        assert handled.stored_reply(session, "slash:1.2.3") == (False, None)


def test_keys_older_than_a_day_are_pruned(services):
    now = dt.datetime(2030, 4, 1, 9, 0, tzinfo=dt.timezone.utc)
    with services.session() as session:
        session.add(HandledRequest(key="slash:old", user_id="U1", created_at=now - dt.timedelta(days=1, minutes=1)))
        session.add(HandledRequest(key="slash:new", user_id="U1", created_at=now - dt.timedelta(hours=23)))
        session.commit()
        assert handled.prune(session, now=now) == 1
        assert handled.stored_reply(session, "slash:old")[0] is False
        assert handled.stored_reply(session, "slash:new")[0] is True


def test_a_first_run_that_fails_before_its_ack_lets_the_next_one_run(services, monkeypatch):
    """The key is written in the request's own transaction: a run that fails keeps no key (nothing of it is kept),
    so the same request sent again runs; once one has run, the next is answered with its stored reply."""
    from bot import dispatch, interactions

    runs: list[str] = []
    real = dispatch.COMMANDS["/win"]

    def failing(ctx, text):
        runs.append("failed")
        raise RuntimeError("database went away")

    def counted(ctx, text):
        runs.append("ran")
        return real(ctx, text)

    def send(acks: list) -> None:
        interactions.slash(
            services,
            user_id="U01SHIMIN",
            channel_id=None,
            command="/win",
            text="窓口の待ち時間が半分になった",
            trigger_id="1337.42.once",
            ack=lambda **kw: acks.append(kw),
            respond=None,
            replay_key="slash:1337.42.once",
        )

    first, second, third = [], [], []
    monkeypatch.setitem(dispatch.COMMANDS, "/win", failing)
    send(first)
    monkeypatch.setitem(dispatch.COMMANDS, "/win", counted)
    send(second)
    send(third)
    assert runs == ["failed", "ran"]
    assert "エラー" in first[0]["text"] and second == third and "共有" in second[0]["text"]
    with services.session() as session:
        assert handled.stored_reply(session, "slash:1337.42.once") == (True, {"args": [], "kwargs": second[0]})


def test_a_long_key_is_hashed_to_fit_the_column():
    key = handled.request_key("view", "V" * 300, "h")
    assert len(key) <= 200 and key.startswith("view:sha256:")
    assert handled.request_key("slash", "1337.42.abcd") == "slash:1337.42.abcd"
