"""Residents' data in the spellings people really use (issue 22, point 5): a My Number written as Excel shows a long
number (`123,456,789,018`), with full-width commas, with 、, or with a variation selector or a tag character between
its digits is refused on every road a text takes in — `/hearing start`, the hearing form, `/req add` (command and
form), `/uat add`, `/issue` — through signed HTTP on SQLite and PostgreSQL, and nothing of it is stored."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import SQLModel, select

from commands.req import MODAL_CALLBACK
from storage.privacy import contains_my_number
from tests.conftest import channel_id, post_interaction, post_slash
from tests.test_hearing import answer, press, start
from tests.test_hearing import submit as submit_hearing

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday, a business day
NUMBER = "123456789018"  # a valid My Number (check digit 8)
SPELLINGS = {
    "Excel's commas": "123,456,789,018",
    "full-width commas": "１２３，４５６，７８９，０１８",
    "読点": "1234、5678、9018",
    "ideographic comma, half width": "1234､5678､9018",
    "variation selector": "1\ufe0f2345678\ufe0f9018",
    "tag character": "1234\U000e00205678\U000e00209018",
    "emoji keycaps": "".join(f"{d}\ufe0f\u20e3" for d in "1234") + " 5678 9018",
}
CONTROLS = ["1,234,567 円と 2,345 円", "1,234,567,890,123", "12/01、12/08、12/15 の会議", "123,456,789,017"]


@pytest.fixture(autouse=True)
def thursday():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=list(SPELLINGS))
def test_rule_each_spelling_is_read_as_a_my_number(spelling):
    assert contains_my_number(f"住民 {spelling} の件")


@pytest.mark.parametrize("text", CONTROLS)
def test_rule_money_longer_numbers_dates_and_a_wrong_check_digit_written_with_commas_are_no_my_number(text):
    assert not contains_my_number(text)


def test_rule_every_format_character_between_the_digits_hides_nothing():
    """Every character of Unicode category Cf (as this Python's unicodedata knows them) between the groups."""
    formats = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(formats) > 150
    missed = [f"U+{ord(c):04X}" for c in formats if not contains_my_number(f"1234{c}5678{c}9018")]
    assert missed == []


def stored_texts(services) -> list[str]:
    with services.session() as session:
        return [
            value
            for table in SQLModel.metadata.sorted_tables
            for row in session.execute(select(table))
            for value in row
            if isinstance(value, str)
        ]


def holds_the_number(services) -> bool:
    """Whether any stored text holds the number's digits, whatever stood between them."""
    return any(NUMBER in re.sub(r"\D", "", unicodedata.normalize("NFKC", text)) for text in stored_texts(services))


def slash(app, fakeslack, command: str, text: str, *, user: str, channel: str) -> str:
    reply = post_slash(app, command, text, user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url)
    app.settle()
    return reply.json()["text"]


REFUSED = "マイナンバー"


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=list(SPELLINGS))
def test_each_command_road_refuses_each_spelling_and_stores_nothing(synced, http_app, fakeslack, spelling):
    roads = [
        ("/hearing", f"start 住民 {spelling} の転出について", "U10LEAD", "moving-leads"),
        ("/req", f"add 住民 {spelling} を共有する 影響: 手入力", "U02ZEIMU", "moving-zeimu"),
        ("/req", f"add 転出届を共有する 影響: 住民 {spelling} の確認", "U02ZEIMU", "moving-zeimu"),
        ("/uat", f"add 住民 {spelling} の画面 2026-12-07 14:00 テスト", "U01SHIMIN", "moving-shimin"),
        ("/issue", f"住民 {spelling} の件", "U01SHIMIN", "moving-shimin"),
    ]
    posted = len(fakeslack.calls_to("chat.postMessage"))
    for command, text, user, channel in roads:
        assert REFUSED in slash(http_app, fakeslack, command, text, user=user, channel=channel), (command, text)
    assert not holds_the_number(synced)
    assert len(fakeslack.calls_to("chat.postMessage")) == posted  # nothing announced


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=list(SPELLINGS))
def test_the_hearing_form_refuses_each_spelling_under_its_question_and_keeps_a_clean_answer(
    synced, http_app, fakeslack, spelling
):
    number = start(http_app, fakeslack)
    view = press(http_app, fakeslack, number)
    assert isinstance(view, dict), view
    refused = submit_hearing(http_app, view, [f"住民 {spelling} の転出", "", "", "", ""]).json()
    assert refused["response_action"] == "errors" and REFUSED in refused["errors"]["q0"]
    assert not holds_the_number(synced)
    assert "回答" in answer(http_app, fakeslack, number, ["転出届の入力が二度手間", "", "", "", ""])  # the control


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=list(SPELLINGS))
def test_the_requirement_form_refuses_each_spelling_in_either_field(synced, http_app, fakeslack, spelling):
    zeimu = channel_id(fakeslack, "moving-zeimu")
    post_slash(http_app, "/req", "add 転出届の内容を共有する", user="U02ZEIMU", channel=zeimu)  # no 影響: the form opens
    http_app.settle()
    [opened] = fakeslack.calls_to("views.open")
    view = json.loads(opened.params["view"])
    assert view["callback_id"] == MODAL_CALLBACK

    def submitted(text: str, effect: str) -> dict:
        values = {
            "req_text": {"value": {"type": "plain_text_input", "value": text}},
            "req_effect": {"value": {"type": "plain_text_input", "value": effect}},
        }
        body = {"type": "view_submission", "team": {"id": "T000TEST"}, "api_app_id": "A000TEST", "user": {"id": "U02ZEIMU"}}
        return post_interaction(http_app, {**body, "view": {**view, "id": "V1", "state": {"values": values}}}).json()

    assert REFUSED in submitted(f"住民 {spelling} を共有", "手入力")["errors"]["req_text"]
    assert REFUSED in submitted("転出届を共有", f"住民 {spelling} の確認")["errors"]["req_effect"]
    assert not holds_the_number(synced)


def test_a_slack_profile_name_holding_a_my_number_is_masked_and_stops_nothing(synced, http_app, fakeslack, monkeypatch):
    """Slack's data is data (issue 22, point 2): a liaison whose display name holds a My Number files an issue; the
    issue is stored, its cards are posted (the name's digits masked as ＊), the cache keeps the masked name, and no
    text Renkei stored or sent holds the number."""
    from storage.models import Issue, Person

    people = {k: v for k, v in synced.project_file.people.items() if k != "U01SHIMIN"}
    monkeypatch.setattr(synced, "project_file", synced.project_file.model_copy(update={"people": people}))
    fakeslack.users["U01SHIMIN"] = ("鈴木 健一 1234 5678 9018", False)
    answer = slash(http_app, fakeslack, "/issue", "転出届の様式の件", user="U01SHIMIN", channel="moving-shimin")
    assert "#1" in answer
    with synced.session() as session:
        assert session.get(Issue, 1) is not None
        assert session.get(Person, "U01SHIMIN").name == "鈴木 健一 ＊＊＊＊ ＊＊＊＊ ＊＊＊＊"
    posted = [c.params.get("text", "") for c in fakeslack.calls_to("chat.postMessage", ok_only=True)]
    assert any("転出届の様式の件" in text for text in posted)
    sent = [json.dumps(c.params, ensure_ascii=False) for c in fakeslack.calls_to("chat.postMessage", ok_only=True)]
    sent += [json.dumps(c.params, ensure_ascii=False) for c in fakeslack.calls_to("chat.update", ok_only=True)]
    assert any("鈴木 健一 ＊＊＊＊" in text for text in sent)  # the card names the person, masked
    assert not holds_the_number(synced)
    assert not any(NUMBER in re.sub(r"\D", "", json.dumps(c.params, ensure_ascii=False)) for c in fakeslack.calls)
