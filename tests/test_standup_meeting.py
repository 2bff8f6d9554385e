"""/standup and /meeting through signed requests: answers, status, forms, blockers, meetings."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from commands.issue_blocks import FIELDS
from commands.standup import ANSWER_BUTTON, BLOCKER_BUTTON, MODAL_CALLBACK
from storage.models import Department, Issue, Meeting, StandupAnswer
from tests.conftest import channel_id, click, post_interaction, post_slash, wait_for


@pytest.fixture
def app(synced, http_app):
    return http_app


def count(services, model) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_direct_answer_is_stored_and_shown_in_status(app, fakeslack, services):
    text = post_slash(app, "/standup", "昨日: 様式の確認 今日: 税務課と打合せ", user="U02ZEIMU").json()["text"]
    assert "受け付けました（税務課）" in text and "課題として登録" not in text
    status = post_slash(app, "/standup", "status", channel=channel_id(fakeslack, "moving-zeimu")).json()["text"]
    assert "税務課: 1/1 人 ・ 回答済み 鈴木 一郎" in status and "市民課: 0/1 人" in status
    assert count(services, StandupAnswer) == 1
    post_slash(app, "/standup", "訂正: 今日は資料作成", user="U02ZEIMU")
    assert count(services, StandupAnswer) == 1  # one answer per person and day; the latest counts


def as_shown(view: dict, user: str) -> dict:
    """The submission of a form sent as it was shown (every field's initial value), as Slack sends it."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "plain_text_input":
            values[block["block_id"]] = {"value": {"type": element["type"], "value": element.get("initial_value")}}
        elif element["type"] == "datepicker":
            values[block["block_id"]] = {"value": {"type": element["type"], "selected_date": element.get("initial_date")}}
        else:
            values[block["block_id"]] = {"value": {"type": element["type"], "selected_option": element.get("initial_option")}}
    return {
        "type": "view_submission",
        "team": {"id": "T000TEST"},
        "api_app_id": "A000TEST",
        "user": {"id": user},
        "view": {**view, "id": "V1", "state": {"values": values}},
    }


def test_an_answer_naming_a_blocker_offers_an_issue_waiting_on_the_department_it_names(app, fakeslack, services):
    """税務課's blocker names 市民課: the offer says so, the button opens the /issue form filled in (title, 税務課,
    依頼先 市民課), and sent as shown it files an issue waiting on 市民課 with its card in both channels."""
    text = "今日: 連携テスト\n困っていること: 市民から様式（第2版）が届かない"
    reply = post_slash(app, "/standup", text, user="U02ZEIMU").json()
    assert "「市民から様式（第2版）が届かない」を市民課への依頼" in reply["text"]
    button = reply["blocks"][1]["elements"][0]
    assert button["action_id"] == BLOCKER_BUTTON
    click(app, BLOCKER_BUTTON, button["value"], user="U01SHIMIN", channel="D01", response_url=fakeslack.response_url)
    wait_for(lambda: any("困っていること" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
    assert not fakeslack.calls_to("views.open")  # someone else's answer opens no form for another user
    click(app, BLOCKER_BUTTON, button["value"], user="U02ZEIMU", channel="D02", response_url=fakeslack.response_url)
    wait_for(lambda: fakeslack.calls_to("views.open"))
    view = json.loads(fakeslack.calls_to("views.open")[0].params["view"])
    shown = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert shown[FIELDS["title"]]["initial_value"] == "市民から様式（第2版）が届かない"
    assert shown[FIELDS["department"]]["initial_option"]["text"]["text"] == "税務課"
    assert shown[FIELDS["waiting_on"]]["initial_option"]["text"]["text"] == "市民課"
    assert count(services, Issue) == 0  # nothing is filed until the form is sent
    sent = post_interaction(app, as_shown(view, "U02ZEIMU"))
    assert sent.status_code == 200 and sent.text in ("", "{}"), sent.text
    with services.session() as session:
        issue = session.exec(select(Issue)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        assert (issue.title, issue.reporter_id, issue.waiting_on_id) == ("市民から様式（第2版）が届かない", "U02ZEIMU", shimin.id)
    for name in ("moving-shimin", "moving-zeimu"):
        wait_for(
            lambda name=name: [
                c for c in fakeslack.calls_to("chat.postMessage") if c.params["channel"] == channel_id(fakeslack, name)
            ]
        )


def test_a_blocker_naming_no_other_department_opens_the_form_without_one(app, fakeslack, services):
    reply = post_slash(app, "/standup", "困っていること: 端末の設定が終わらない", user="U02ZEIMU").json()
    assert "を課題として登録しますか" in reply["text"] and "への依頼" not in reply["text"]
    click(
        app,
        BLOCKER_BUTTON,
        reply["blocks"][1]["elements"][0]["value"],
        user="U02ZEIMU",
        channel="D02",
        response_url=fakeslack.response_url,
    )
    wait_for(lambda: fakeslack.calls_to("views.open"))
    view = json.loads(fakeslack.calls_to("views.open")[0].params["view"])
    waiting_on = next(b for b in view["blocks"] if b.get("block_id") == FIELDS["waiting_on"])
    assert "initial_option" not in waiting_on["element"]


def test_none_is_not_a_blocker(app):
    reply = post_slash(app, "/standup", "困っていること: 特になし", user="U01SHIMIN").json()
    assert "課題として登録" not in reply["text"]


def test_the_prompt_button_and_slash_command_open_the_form_and_it_stores_answers(app, fakeslack, services):
    post_slash(app, "/standup", "", user="U03KOKUHO", channel=channel_id(fakeslack, "moving-kokuho"))
    wait_for(lambda: fakeslack.calls_to("views.open"))
    click(
        app,
        ANSWER_BUTTON,
        "1",
        user="U03KOKUHO",
        channel=channel_id(fakeslack, "moving-kokuho"),
        response_url=fakeslack.response_url,
    )
    wait_for(lambda: len(fakeslack.calls_to("views.open")) == 2)
    view = json.loads(fakeslack.calls_to("views.open")[1].params["view"])
    assert view["callback_id"] == MODAL_CALLBACK
    assert [b["label"]["text"] for b in view["blocks"]] == ["昨日やったこと", "今日やること", "困っていること"]

    def submit(blocker: str):
        values = {
            f"q{n}": {"value": {"type": "plain_text_input", "value": v}} for n, v in enumerate(["様式の確認", "テスト", blocker])
        }
        return post_interaction(
            app,
            {
                "type": "view_submission",
                "team": {"id": "T000TEST"},
                "api_app_id": "A000TEST",
                "user": {"id": "U03KOKUHO"},
                "view": {**view, "id": "V9", "state": {"values": values}},
            },
        )

    refused = submit("住民 123456789018 の件")
    assert refused.json()["response_action"] == "errors" and "q2" in refused.json()["errors"]
    assert count(services, StandupAnswer) == 0
    assert submit("国保の資格確認で止まっている").status_code == 200
    wait_for(lambda: count(services, StandupAnswer) == 1)
    wait_for(lambda: [c for c in fakeslack.calls_to("chat.postMessage") if c.params["channel"] == "U03KOKUHO"])
    [dm] = [c for c in fakeslack.calls_to("chat.postMessage") if c.params["channel"] == "U03KOKUHO"]
    assert "課題として登録" in json.dumps(dm.params["blocks"], ensure_ascii=False)


def test_meetings_are_added_listed_and_cancelled(app, services):
    added = post_slash(app, "/meeting", "add 受入テスト準備会 毎週木曜 15:00 remind 1d,30m", user="U10LEAD").json()["text"]
    assert "受入テスト準備会" in added and "前日、30分前" in added
    one_off = post_slash(app, "/meeting", "add 設計レビュー 2099-12-03 14:00", user="U02ZEIMU").json()["text"]
    assert "2099-12-03(木) 14:00" in one_off
    listed = post_slash(app, "/meeting", "list", user="U02ZEIMU").json()["text"]
    assert "定例会議" in listed and "受入テスト準備会" in listed and "設計レビュー" in listed and "［renkei.yml］" in listed
    assert "次の会議は" in post_slash(app, "/meeting", "next").json()["text"]
    with services.session() as session:
        weekly = session.exec(select(Meeting).where(Meeting.title == "受入テスト準備会")).one()
        assert (weekly.cron, weekly.remind_before) == ("0 15 * * thu", "1d,30m")
    refused = post_slash(app, "/meeting", f"cancel {weekly.id}", user="U03KOKUHO").json()["text"]
    assert "中止できるのは" in refused
    assert "中止しました" in post_slash(app, "/meeting", f"cancel {weekly.id}", user="U10LEAD").json()["text"]
    assert "受入テスト準備会" not in post_slash(app, "/meeting", "list", user="U02ZEIMU").json()["text"]
    assert "renkei.yml で決められている" in post_slash(app, "/meeting", "cancel 1", user="U10LEAD").json()["text"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", "使い方"),
        ("add 会議", "件名・曜日か日付・時刻の3つ"),
        ("add 会議 25時", "件名・曜日か日付・時刻の3つ"),  # a title and a time, no day
        ("add 会議 someday 10:00", "日時として読めません"),
        ("add 会議 wed 25:00", "日時として読めません"),
        ("add 会議 2020-01-01 10:00", "過去の日時"),
        ("add 会議 wed 10:00 remind soon", "リマインドの後には"),
        ("cancel", "会議の番号を指定"),
        ("cancel 999", "#999 は見つかりません"),
        ("dance", "「/meeting dance」というコマンドはありません"),
        ("add <!here> 会議 wed 10:00 remind x", "リマインドの後には"),
    ],
)
def test_bad_meeting_input_is_explained_and_stores_nothing(app, services, text, expected):
    before = count(services, Meeting)
    reply = post_slash(app, "/meeting", text, user="U10LEAD").json()["text"]
    assert expected in reply and "<!here>" not in reply
    assert count(services, Meeting) == before


@pytest.mark.parametrize(
    "user,channel", [("U10LEAD", "moving-zeimu"), ("U01SHIMIN", "moving-zeimu"), ("U77NOBODY", "moving-zeimu")]
)
def test_the_prompt_button_tells_who_is_no_liaison_there_instead_of_opening_the_form(app, fakeslack, user, channel):
    click(app, ANSWER_BUTTON, "1", user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url)
    wait_for(lambda: fakeslack.calls_to("response_url"))
    said = fakeslack.calls_to("response_url")[-1].params["text"]
    assert "税務課" in said or "連絡担当" in said, said
    assert fakeslack.calls_to("views.open") == []  # no form to fill in only to be refused


def test_a_blocker_filed_once_is_not_filed_again_by_a_second_press(app, fakeslack, services):
    reply = post_slash(app, "/standup", "困っていること: 市民課から様式が届かない", user="U02ZEIMU").json()
    value = reply["blocks"][1]["elements"][0]["value"]
    click(app, BLOCKER_BUTTON, value, user="U02ZEIMU", channel="D02", response_url=fakeslack.response_url)
    wait_for(lambda: fakeslack.calls_to("views.open"))
    view = json.loads(fakeslack.calls_to("views.open")[0].params["view"])
    post_interaction(app, as_shown(view, "U02ZEIMU"))
    assert count(services, Issue) == 1
    click(app, BLOCKER_BUTTON, value, user="U02ZEIMU", channel="D02", response_url=fakeslack.response_url)
    wait_for(lambda: any("すでに課題 #1" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
    assert len(fakeslack.calls_to("views.open")) == 1 and count(services, Issue) == 1
