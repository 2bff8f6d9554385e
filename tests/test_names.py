"""Issue 14, point 3: people by name where people read (lists, /issue show, /dept who, App Home, the console), never a
bare Slack id; through signed requests on SQLite and PostgreSQL, Slack's names given by fakeslack's users.info."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.conftest import channel_id, post_slash, sign, wait_for
from tests.test_console import console_settings, play  # noqa: F401  (console_settings is a fixture)

SATO = ("佐藤 花子", False)


@pytest.fixture
def app(synced, http_app):
    return http_app


def slack_only(services, *user_ids: str) -> None:
    """Take people out of renkei.yml's `people:`: only Slack (users.info) can name them now."""
    for user_id in user_ids:
        services.project_file.people.pop(user_id)


def asked(fakeslack, user_id: str) -> bool:
    return any(c.params.get("user") == user_id for c in fakeslack.calls_to("users.info", ok_only=True))


def slash(app, fakeslack, text: str, *, command: str = "/issue", user: str = "U01SHIMIN", channel: str = "moving-shimin"):
    response = post_slash(
        app, command, text, user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url
    )
    return response.json()["text"]


def test_dept_who_names_a_liaison_slack_names_once_a_follow_up_has_asked(app, fakeslack, services):
    slack_only(services, "U01SHIMIN")
    fakeslack.users["U01SHIMIN"] = SATO
    first = slash(app, fakeslack, "who shimin", command="/dept")
    assert "連絡担当: <@U01SHIMIN>" in first  # not known yet: a mention, which Slack shows as the name
    wait_for(lambda: asked(fakeslack, "U01SHIMIN"))  # asked after the ack, not in it
    time.sleep(0.2)  # the follow-up commits the cached name
    assert "連絡担当: 佐藤 花子" in slash(app, fakeslack, "who shimin", command="/dept")
    calls = len(fakeslack.calls_to("users.info"))
    assert "U01SHIMIN" not in slash(app, fakeslack, "who shimin", command="/dept")
    time.sleep(0.3)
    assert len(fakeslack.calls_to("users.info")) == calls  # cached: nobody asked again


def test_issue_show_and_list_name_the_reporter_and_the_assignee(app, fakeslack, services):
    slack_only(services, "U01SHIMIN", "U02ZEIMU")
    fakeslack.users.update({"U01SHIMIN": SATO, "U02ZEIMU": ("鈴木 一郎", False)})
    slash(app, fakeslack, "転出データの連携仕様が決まらない to:zeimu")
    slash(app, fakeslack, "assign 1 <@U02ZEIMU>")
    wait_for(lambda: asked(fakeslack, "U01SHIMIN") and asked(fakeslack, "U02ZEIMU"))  # the cards' follow-ups asked
    time.sleep(0.2)
    shown = slash(app, fakeslack, "show 1")
    assert "報告: 佐藤 花子" in shown and "担当者: 鈴木 一郎" in shown
    assert "U01SHIMIN" not in shown and "U02ZEIMU" not in shown  # in the history too
    listed = slash(app, fakeslack, "list")
    assert "担当: 鈴木 一郎" in listed and "U02ZEIMU" not in listed


def test_a_deleted_user_is_marked(app, fakeslack, services):
    slack_only(services, "U01SHIMIN")
    fakeslack.users["U01SHIMIN"] = ("佐藤 花子", True)
    slash(app, fakeslack, "窓口端末の更新時期を決めたい")
    wait_for(lambda: asked(fakeslack, "U01SHIMIN"))  # the card's follow-up
    time.sleep(0.2)
    assert "報告: 佐藤 花子（退職・削除済み）" in slash(app, fakeslack, "show 1")


def test_the_app_home_names_who_shared_a_win(app, fakeslack, services):
    slack_only(services, "U01SHIMIN")
    fakeslack.users["U01SHIMIN"] = SATO
    slash(app, fakeslack, "転入届の待ち時間が減った", command="/win")
    event = {
        "token": "legacy",
        "team_id": "T000TEST",
        "api_app_id": "A000TEST",
        "type": "event_callback",
        "event_id": "Ev02",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": "U02ZEIMU",
            "channel": "D01",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event)
    headers = {**sign(body), "Content-Type": "application/json"}
    assert requests.post(f"{app.url}/slack/events", data=body.encode(), headers=headers, timeout=5).status_code == 200
    wait_for(lambda: fakeslack.calls_to("views.publish"))
    [call] = fakeslack.calls_to("views.publish")
    home = json.dumps(json.loads(call.params["view"]), ensure_ascii=False)
    assert "転入届の待ち時間が減った — 市民課・佐藤 花子" in home and "U01SHIMIN" not in home  # asked before publishing


def test_the_console_shows_names_for_mentions_and_marks_nobody_named_as_such(console_settings):  # noqa: F811
    out = play(
        console_settings, "/issue 窓口端末の更新時期を決めたい\n/issue assign 1 <@U88HELPER>\n/issue show 1\n", user="U01SHIMIN"
    )
    assert "<@" not in out
    assert "担当者を 名前未登録（U88HELPER） さんにしました" in out  # a mention in a reply, rendered
    assert "報告: 佐藤 花子" in out and "担当者: 名前未登録（U88HELPER）" in out
