"""/hearing (ヒアリング) through signed requests against fakeslack, on SQLite and PostgreSQL: a lead starts a hearing,
each department channel gets a card, liaisons answer in a form (and edit), the status, the close with its summary in
the leads channel, and the refusals on the way. The deadline, the close's confirmation and late answers:
tests/test_hearing_deadline.py.

The sample project 引越しワンストップ化: U10LEAD its lead, U01SHIMIN the liaison of 市民課, U02ZEIMU of 税務課.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import func, select

from commands.hearing import ANSWER_BUTTON, MODAL_CALLBACK
from storage.models import Hearing, HearingAnswer
from storage.privacy import my_number_check_digit
from tests.conftest import channel_id, click, post_interaction, post_slash, wait_for

DEFAULT_LABELS = [
    "現在の業務で困っていること",
    "新しいシステムで解決したいこと",
    "心配なこと・不安なこと",
    "関わるべき職員（チーム内で誰が関わるべきか）",
    "配慮が必要な住民の状況",
]
DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
MY_NUMBER = "12345678901" + str(my_number_check_digit("12345678901"))


@pytest.fixture(autouse=True)
def monday():
    """These tests state their own clock (a hearing's default deadline counts business days from its start): Monday
    2026-12-07 09:00 in Tokyo, ticking on, whatever day the suite runs."""
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=True):
        yield


@pytest.fixture
def app(synced, http_app):
    return http_app


def count(services, model) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def slash(app, fakeslack, text: str, *, user: str = "U10LEAD", channel: str = "moving-leads") -> str:
    cid = channel_id(fakeslack, channel) if channel.startswith("moving-") else channel
    return post_slash(app, "/hearing", text, user=user, channel=cid, response_url=fakeslack.response_url).json()["text"]


def posts(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def updates(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.update", ok_only=True) if c.params["channel"] == cid]


def blocks_of(call) -> list:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def buttons(call) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in blocks_of(call) if b["type"] == "actions" for e in b["elements"]]


def dms(fakeslack, user: str) -> list[str]:
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == user]


def replies(fakeslack) -> list[str]:
    return [c.params.get("text", "") for c in fakeslack.calls_to("response_url")]


def start(app, fakeslack, title: str = "引越し手続きの現状") -> int:
    """Start a hearing as the lead in the leads channel and wait for every department's card."""
    before = len(posts(fakeslack, "moving-it"))
    reply = slash(app, fakeslack, f"start {title}")
    assert "を引越しワンストップ化で始めました" in reply and "6 部署" in reply, reply
    wait_for(lambda: all(posts(fakeslack, name) for name in DEPARTMENT_CHANNELS) and len(posts(fakeslack, "moving-it")) > before)
    [(action, value)] = buttons(posts(fakeslack, "moving-it")[-1])
    assert action == ANSWER_BUTTON
    return int(value)


def press(app, fakeslack, number: int | str, *, user: str = "U01SHIMIN", channel: str = "moving-shimin") -> dict | str:
    """Press 回答する on the card: the form opened, or the text the presser is answered with."""
    opened, answered = len(fakeslack.calls_to("views.open")), len(replies(fakeslack))
    click(app, ANSWER_BUTTON, str(number), user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url)
    wait_for(lambda: len(fakeslack.calls_to("views.open")) > opened or len(replies(fakeslack)) > answered)
    if len(fakeslack.calls_to("views.open")) > opened:
        return json.loads(fakeslack.calls_to("views.open")[-1].params["view"])
    return replies(fakeslack)[-1]


def submit(app, view: dict, answers: list[str], *, user: str = "U01SHIMIN", view_id: str = "V1"):
    values = {f"q{n}": {"value": {"type": "plain_text_input", "value": v}} for n, v in enumerate(answers)}
    return post_interaction(
        app,
        {
            "type": "view_submission",
            "team": {"id": "T000TEST"},
            "api_app_id": "A000TEST",
            "user": {"id": user},
            "view": {**view, "id": view_id, "state": {"values": values}},
        },
    )


def answer(app, fakeslack, number: int, answers: list[str], *, user="U01SHIMIN", channel="moving-shimin", view_id="V1"):
    view = press(app, fakeslack, number, user=user, channel=channel)
    assert isinstance(view, dict), view
    before = len(dms(fakeslack, user))
    response = submit(app, view, answers, user=user, view_id=view_id)
    assert response.status_code == 200 and response.text in ("", "{}"), response.text
    wait_for(lambda: len(dms(fakeslack, user)) > before)
    return dms(fakeslack, user)[-1]


def test_a_lead_starts_a_hearing_and_every_department_channel_gets_a_card_with_the_questions(app, fakeslack, services):
    number = start(app, fakeslack)
    for name in DEPARTMENT_CHANNELS:
        [card] = posts(fakeslack, name)
        text = card.params["text"]
        assert f"ヒアリング #{number}「引越し手続きの現状」" in text and "山本 直子 さんから" in text
        assert all(label in text for label in DEFAULT_LABELS) and "この部署の回答: まだありません" in text
        assert buttons(card) == [(ANSWER_BUTTON, str(number))]
    assert not posts(fakeslack, "moving-leads")
    with services.session() as session:
        hearing = session.get(Hearing, number)
        assert json.loads(hearing.questions) == ["problems", "solve", "worries", "people", "residents"]
        assert (hearing.status, hearing.started_by) == ("open", "U10LEAD")


@pytest.mark.parametrize(
    "text,user,expected",
    [
        ("start", "U10LEAD", "題名を書いてください"),
        ("start    ", "U10LEAD", "題名を書いてください"),
        ("start " + "長" * 151, "U10LEAD", "題名が長すぎます（151文字、上限150文字）"),
        (f"start 住民 {MY_NUMBER} の件", "U10LEAD", "マイナンバー"),
        ("start 現状の確認", "U01SHIMIN", "リーダーと管理者です"),
        ("stat", "U10LEAD", "/hearing start"),
        ("status abc", "U10LEAD", "「abc」はヒアリングの番号として読めませんでした"),
        ("status 99", "U10LEAD", "ヒアリング #99 は見つかりません"),
        ("close", "U10LEAD", "受付中のヒアリングがありません"),
    ],
)
def test_bad_commands_are_explained_and_change_nothing(app, fakeslack, services, text, user, expected):
    reply = slash(app, fakeslack, text, user=user)
    assert expected in reply, reply
    assert count(services, Hearing) == 0
    assert not any(posts(fakeslack, name) for name in DEPARTMENT_CHANNELS)


def test_a_liaison_answers_in_the_form_edits_it_and_the_card_names_who_answered(app, fakeslack, services):
    number = start(app, fakeslack)
    view = press(app, fakeslack, number)
    assert isinstance(view, dict) and view["callback_id"] == MODAL_CALLBACK
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in inputs] == DEFAULT_LABELS
    assert all(b["optional"] and "initial_value" not in b["element"] for b in inputs)
    assert "市民課" in json.dumps(view["blocks"], ensure_ascii=False)

    thanks = answer(app, fakeslack, number, ["転出届の入力が二度手間", "", "操作を覚えられるか", "窓口の2名", ""])
    assert "ご回答ありがとうございました" in thanks and "市民課" in thanks
    wait_for(lambda: updates(fakeslack, "moving-shimin"))
    [update] = updates(fakeslack, "moving-shimin")
    [card] = fakeslack.channel_named("moving-shimin").messages  # the card itself, changed in place
    assert update.params["ts"] == card["ts"] and "この部署の回答: 佐藤 花子" in card["text"]
    assert "この部署の回答: 佐藤 花子" in update.params["text"] and buttons(update) == [(ANSWER_BUTTON, str(number))]
    assert not updates(fakeslack, "moving-zeimu")  # other departments' cards name their own answers only

    again = press(app, fakeslack, number)
    assert isinstance(again, dict)
    prefilled = [b["element"].get("initial_value") for b in again["blocks"] if b["type"] == "input"]
    assert prefilled == ["転出届の入力が二度手間", None, "操作を覚えられるか", "窓口の2名", None]
    edited = answer(app, fakeslack, number, ["転出届の入力が二度手間", "入力を一度に", "", "", ""], view_id="V2")
    assert "回答を修正しました" in edited
    with services.session() as session:
        [row] = session.exec(select(HearingAnswer)).all()  # edited, never duplicated
        assert json.loads(row.answers) == {"0": "転出届の入力が二度手間", "1": "入力を一度に", "2": "", "3": "", "4": ""}
        assert row.user_id == "U01SHIMIN" and row.updated_at >= row.created_at


def test_only_the_departments_liaisons_may_answer_and_forged_buttons_open_nothing(app, fakeslack, services):
    number = start(app, fakeslack)
    refused = press(app, fakeslack, number, user="U02ZEIMU", channel="moving-shimin")
    assert refused == "市民課のヒアリングに回答できるのは、市民課の連絡担当の方です。担当の方に回答をお願いしてください。"
    assert "見つかりません" in press(app, fakeslack, "999")
    assert "見つかりません" in press(app, fakeslack, "1; DROP TABLE")
    assert "部署のチャンネル" in press(app, fakeslack, number, channel="moving-leads")
    assert fakeslack.calls_to("views.open") == []

    view = press(app, fakeslack, number)  # a form opened by the liaison, then submitted by someone else
    assert isinstance(view, dict)
    response = submit(app, view, ["横から回答"], user="U02ZEIMU")
    assert response.status_code == 200
    wait_for(lambda: dms(fakeslack, "U02ZEIMU"))
    assert "連絡担当の方です" in dms(fakeslack, "U02ZEIMU")[0]
    forged = {**view, "private_metadata": json.dumps({"hearing_id": number, "department_id": 2, "channel_id": None})}
    submit(app, forged, ["税務課になりすまし"], view_id="V3")  # 市民課's liaison naming 税務課
    wait_for(lambda: dms(fakeslack, "U01SHIMIN"))
    assert "税務課の連絡担当の方です" in dms(fakeslack, "U01SHIMIN")[0]
    assert count(services, HearingAnswer) == 0


def test_the_form_refuses_an_all_blank_answer_a_too_long_one_and_my_number_under_the_question(app, fakeslack, services):
    number = start(app, fakeslack)
    view = press(app, fakeslack, number)
    assert isinstance(view, dict)
    blank = submit(app, view, ["", "  ", "", "", ""]).json()
    assert blank["response_action"] == "errors" and "少なくとも1つの質問に回答してください" in blank["errors"]["q0"]
    long = submit(app, view, ["短い", "長" * 2501]).json()
    assert long["response_action"] == "errors" and set(long["errors"]) == {"q1"} and "2501文字" in long["errors"]["q1"]
    mine = submit(app, view, ["", "", "", "", f"住民 {MY_NUMBER} の世帯"]).json()
    assert mine["response_action"] == "errors" and set(mine["errors"]) == {"q4"} and "マイナンバー" in mine["errors"]["q4"]
    assert count(services, HearingAnswer) == 0


def test_status_shows_who_answered_per_department_and_who_has_not(app, fakeslack):
    number = start(app, fakeslack)
    answer(app, fakeslack, number, ["様式が多い"])
    status = slash(app, fakeslack, "status", user="U02ZEIMU", channel="moving-zeimu")
    lines = status.splitlines()
    assert lines[0] == f"*ヒアリング #{number}「引越し手続きの現状」の回答状況*（回答受付中）"
    assert any(line.startswith("• 市民課: 佐藤 花子（") for line in lines), status
    assert lines[-1] == "未回答の部署: 税務課、国民健康保険課、福祉課、子育て支援課、情報政策課"
    assert "U01SHIMIN" not in status  # people by name
    outsider = slash(app, fakeslack, f"status {number}", user="U77NOBODY", channel="D77")
    assert "参加していない" in outsider or "メンバー" in outsider or "引越しワンストップ化" in outsider
    assert "佐藤 花子" not in outsider


def test_close_posts_the_summary_to_the_leads_closes_every_card_and_refuses_later_answers(app, fakeslack, services):
    number = start(app, fakeslack)
    view = press(app, fakeslack, number)  # opened before the close, submitted after it
    assert isinstance(view, dict)
    answer(app, fakeslack, number, ["転出届の入力が二度手間", "", "", "", "高齢の方の来庁 & 付き添い"], view_id="V1")
    answer(app, fakeslack, number, ["課税台帳との照合"], user="U02ZEIMU", channel="moving-zeimu", view_id="V2")

    assert "リーダーと管理者です" in slash(app, fakeslack, "close", user="U01SHIMIN", channel="moving-shimin")
    closed = slash(app, fakeslack, "close 確定")  # four departments have not answered: confirmed as typed
    assert f"ヒアリング #{number}「引越し手続きの現状」を締め切りました" in closed
    wait_for(lambda: posts(fakeslack, "moving-leads"))
    wait_for(lambda: all(len(updates(fakeslack, n)) >= 1 for n in DEPARTMENT_CHANNELS))
    sections = [b for c in posts(fakeslack, "moving-leads") for b in blocks_of(c) if b["type"] == "section"]
    summary = "\n".join(b["text"]["text"] for b in sections)
    shimin, zeimu = summary.index("*■ 市民課*"), summary.index("*■ 税務課*")
    assert shimin < summary.index("• 佐藤 花子: 転出届の入力が二度手間") < zeimu
    assert "• 佐藤 花子: 高齢の方の来庁 &amp; 付き添い" in summary  # user text escaped
    assert zeimu < summary.index("• 鈴木 一郎: 課税台帳との照合")
    assert "回答がなかった部署: 国民健康保険課、福祉課、子育て支援課、情報政策課" in summary
    for name in DEPARTMENT_CHANNELS:
        last = updates(fakeslack, name)[-1]
        assert "締め切りました" in last.params["text"] and buttons(last) == []
    with services.session() as session:
        hearing = session.get(Hearing, number)
        assert (hearing.status, hearing.closed_by) == ("closed", "U10LEAD") and hearing.closed_at is not None

    assert "すでに締め切られています" in slash(app, fakeslack, f"close {number}")
    assert "すでに締め切られているため" in press(app, fakeslack, number)
    before = len(dms(fakeslack, "U01SHIMIN"))
    submit(app, view, ["締切後の回答"], view_id="V9")
    wait_for(lambda: len(dms(fakeslack, "U01SHIMIN")) > before)
    assert "回答は保存していません" in dms(fakeslack, "U01SHIMIN")[-1]
    with services.session() as session:
        assert all("締切後" not in row.answers for row in session.exec(select(HearingAnswer)))
    status = slash(app, fakeslack, "status")
    assert "（締切）" in status.splitlines()[0]


def test_several_hearings_are_told_apart_by_number_and_default_to_the_latest_open_one(app, fakeslack):
    first = start(app, fakeslack, "現状の確認")
    second = start(app, fakeslack, "窓口の流れ")
    assert f"#{second}「窓口の流れ」" in slash(app, fakeslack, "status").splitlines()[0]
    assert f"ほかに受付中のヒアリング: #{first}「現状の確認」" in slash(app, fakeslack, "status")  # not hidden by the latest
    assert f"#{first}「現状の確認」" in slash(app, fakeslack, f"status {first}").splitlines()[0]
    assert f"#{first}「現状の確認」" in slash(app, fakeslack, f"status ＃{first}").splitlines()[0]  # full width
    assert f"#{second}" in slash(app, fakeslack, "close 確定")
    assert f"#{first}「現状の確認」" in slash(app, fakeslack, "status").splitlines()[0]  # the latest open one now
    assert f"#{first}" in slash(app, fakeslack, "締切 確定")
    assert "受付中のヒアリングがありません" in slash(app, fakeslack, "close")
    wait_for(lambda: len(posts(fakeslack, "moving-leads")) == 2)  # one summary per hearing
    wait_for(lambda: all(len(updates(fakeslack, n)) == 2 for n in DEPARTMENT_CHANNELS))


def test_an_answer_racing_the_close_is_either_in_before_it_or_refused(services):
    import threading

    from storage.hearings import close_hearing, create_hearing, save_answer
    from storage.models import Department, Hearing, HearingAnswer, Project

    with services.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one().id
        number = create_hearing(session, project_id=project.id, title="現状", questions=["problems"], started_by="U10LEAD").id
    for _ in range(5):
        barrier, refused, seen = threading.Barrier(2), [], []

        def answer() -> None:
            with services.session() as session:
                barrier.wait()
                try:
                    save_answer(session, hearing_id=number, department_id=shimin, user_id="U01SHIMIN", answers={0: "転記"})
                except ValueError:
                    refused.append(True)

        def close() -> None:
            with services.session() as session:
                barrier.wait()
                close_hearing(session, number, "U10LEAD")
            with services.session() as session:  # what the close's summary reads, right after it
                seen.extend(a.id for a in session.exec(select(HearingAnswer)))

        threads = [threading.Thread(target=answer), threading.Thread(target=close)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with services.session() as session:
            hearing = session.get(Hearing, number)
            stored = session.exec(select(HearingAnswer)).all()
            assert hearing.status == "closed"
            assert {a.id for a in stored} <= set(seen) and bool(refused) != bool(stored)  # stored: in the summary
            hearing.status, hearing.closed_at = "open", None  # open again for the next round
            for row in stored:
                session.delete(row)
            session.add(hearing)
            session.commit()


def test_another_projects_hearing_is_not_reached_by_number_from_this_projects_channel(app, fakeslack, services):
    from storage.hearings import create_hearing
    from storage.models import Project

    with services.session() as session:
        other = Project(slug="other", name="別の事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        number = create_hearing(session, project_id=other.id, title="別の件", questions=["problems"], started_by="U99ADMIN").id
    for text in (f"status {number}", f"close {number}"):
        said = slash(app, fakeslack, text)
        assert f"ヒアリング #{number}「別の件」は引越しワンストップ化のものではありません" in said, said
    with services.session() as session:
        assert session.get(Hearing, number).status == "open"
