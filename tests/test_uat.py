"""`/uat` (設計レビュー・受入テスト): a session on a business day, departments sign up on its card, reminders by the
meetings' calendar rules, and a department's 問題あり filed as an issue linked to the session and the requirement.

Through signed requests against fakeslack, on SQLite and PostgreSQL. The suite's day is Thursday 2026-11-26 (JST).
U01SHIMIN is 市民課's liaison, U02ZEIMU 税務課's, U10LEAD the project's lead; U77OUT belongs to no project.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlmodel import select

from bot.i18n import Translator
from commands.report import make_report
from commands.uat import ATTENDEES, MODAL_CALLBACK, NOTE, OUTCOME, REQUIREMENT, RESULT_BUTTON, SIGNUP_BUTTON
from reminders.calendar import BusinessCalendar
from reminders.firing import fire, job_specs
from storage.models import Department, Issue, Project, Requirement, UatResult, UatSession, UatSignup
from storage.uat import add_session, next_sessions, save_signup
from tests.conftest import channel_id, click, post_interaction, post_slash, wait_for

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday
DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
ADD = "転入画面の受入テスト 2026-12-07 14:00 テスト 場所:第3会議室"  # a Monday


@pytest.fixture(autouse=True)
def thursday():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def app(synced, http_app):
    return http_app


def slash(app, fakeslack, text: str, *, user: str = "U01SHIMIN", channel: str = "moving-shimin", **kw) -> dict:
    where = channel_id(fakeslack, channel) if channel.startswith("moving") else channel
    reply = post_slash(app, "/uat", text, user=user, channel=where, response_url=fakeslack.response_url, **kw).json()
    app.settle()  # its follow-up (the cards) has finished
    return reply


def rows(app, model, *where) -> list:
    with app.services.session() as session:
        return list(session.exec(select(model).where(*where)))


def department_id(app, slug: str) -> int:
    with app.services.session() as session:
        return session.exec(select(Department).where(Department.slug == slug)).one().id


def posts_to(fakeslack, name: str, method: str = "chat.postMessage") -> list:
    return [c for c in fakeslack.calls_to(method) if c.params.get("channel") == channel_id(fakeslack, name)]


def card_texts(call) -> str:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def card_buttons(call) -> set[str]:
    blocks = call.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return {e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def press(app, fakeslack, action_id: str, value: str, *, user: str, channel: str) -> dict | str:
    """Press a card's button: the form it opens, or the text the presser is told."""
    opened, said = len(fakeslack.calls_to("views.open")), len(fakeslack.calls_to("response_url"))
    click(app, action_id, value, user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url)
    app.settle()
    assert len(fakeslack.calls_to("views.open")) > opened or len(fakeslack.calls_to("response_url")) > said, "nothing"
    if len(fakeslack.calls_to("views.open")) > opened:
        return json.loads(fakeslack.calls_to("views.open")[-1].params["view"])
    return fakeslack.calls_to("response_url")[-1].params["text"]


def submit(app, view: dict, values: dict, *, user: str) -> dict:
    payload = {
        "type": "view_submission",
        "team": {"id": "T000TEST"},
        "api_app_id": "A000TEST",
        "user": {"id": user},
        "view": {**view, "id": f"V{uuid.uuid4().hex[:10]}", "state": {"values": values}},  # each submission its own
    }
    response = post_interaction(app, payload)
    assert response.status_code == 200, response.text
    app.settle()  # what the submission started after its ack (the cards' new state) has finished
    return response.json() if response.text not in ("", "{}") else {}


def attendees(text: str) -> dict:
    return {ATTENDEES: {"value": {"type": "plain_text_input", "value": text}}}


def result(outcome: str | None, note: str = "", requirement: str | None = None) -> dict:
    return {
        OUTCOME: {"value": {"type": "radio_buttons", "selected_option": {"value": outcome} if outcome else None}},
        NOTE: {"value": {"type": "plain_text_input", "value": note}},
        REQUIREMENT: {"value": {"type": "static_select", "selected_option": {"value": requirement} if requirement else None}},
    }


def told(fakeslack, user: str) -> list[str]:
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage") if c.params.get("channel") == user]


def added(app, fakeslack) -> None:
    text = slash(app, fakeslack, f"add {ADD}")["text"]
    assert "受入テスト #1「転入画面の受入テスト」" in text and "2026-12-07(月) 14:00" in text, text
    assert all(posts_to(fakeslack, n) for n in [*DEPARTMENT_CHANNELS, "moving-leads"]), "a channel got no card"


# --- /uat add, the card, sign-ups ----------------------------------------------------------------------------------


def test_a_session_is_added_its_card_reaches_every_channel_and_a_sign_up_updates_every_copy(app, fakeslack):
    added(app, fakeslack)
    [stored] = rows(app, UatSession)
    assert (stored.kind, stored.place, stored.created_by) == ("test", "第3会議室", "U01SHIMIN")
    [card] = posts_to(fakeslack, "moving-zeimu")
    assert "税務課: 未登録" in card_texts(card) and "第3会議室" in card_texts(card)
    assert card_buttons(card) == {SIGNUP_BUTTON}  # 結果を記録 only once it has started
    form = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
    assert form["callback_id"] == MODAL_CALLBACK and json.loads(form["private_metadata"])["department"] == department_id(
        app, "zeimu"
    )
    assert submit(app, form, attendees(""), user="U02ZEIMU")["errors"][ATTENDEES]  # required
    assert rows(app, UatSignup) == []
    submit(app, form, attendees("鈴木、山田"), user="U02ZEIMU")
    assert len(fakeslack.calls_to("chat.update")) >= 7  # every copy of the card (the submission settled)
    for name in [*DEPARTMENT_CHANNELS, "moving-leads"]:
        [update] = posts_to(fakeslack, name, "chat.update")
        assert "税務課: 参加（鈴木、山田）" in card_texts(update) and "市民課: 未登録" in card_texts(update)
    assert any("税務課の参加を登録しました" in t for t in told(fakeslack, "U02ZEIMU"))
    again = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
    assert next(b for b in again["blocks"] if b.get("block_id") == ATTENDEES)["element"]["initial_value"] == "鈴木、山田"
    submit(app, again, attendees("鈴木"), user="U02ZEIMU")
    wait_for(lambda: len(fakeslack.calls_to("chat.update")) >= 14)
    [signup] = rows(app, UatSignup)
    assert (signup.attendees, signup.department_id) == ("鈴木", department_id(app, "zeimu"))
    assert "税務課: 参加（鈴木）" in card_texts(posts_to(fakeslack, "moving-leads", "chat.update")[-1])
    back = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
    submit(app, back, attendees("鈴木、山田"), user="U02ZEIMU")  # changed back: every copy is updated again
    wait_for(lambda: len(fakeslack.calls_to("chat.update")) >= 21)
    assert "税務課: 参加（鈴木、山田）" in card_texts(posts_to(fakeslack, "moving-leads", "chat.update")[-1])


def test_only_the_channels_departments_liaisons_sign_up_and_forged_or_stale_values_change_nothing(app, fakeslack):
    added(app, fakeslack)
    refused = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U01SHIMIN", channel="moving-zeimu")
    assert "税務課の連絡担当だけ" in refused
    assert "見つかりません" in press(app, fakeslack, SIGNUP_BUTTON, "999", user="U02ZEIMU", channel="moving-zeimu")
    assert "見つかりません" in press(app, fakeslack, SIGNUP_BUTTON, "1;drop", user="U02ZEIMU", channel="moving-zeimu")
    form = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
    submit(app, form, attendees("佐藤"), user="U01SHIMIN")  # someone else sends 税務課's form
    wait_for(lambda: any("税務課の連絡担当だけ" in t for t in told(fakeslack, "U01SHIMIN")))
    assert "マイナンバー" in submit(app, form, attendees("123456789018"), user="U02ZEIMU")["errors"][ATTENDEES]
    assert rows(app, UatSignup) == []
    with app.services.session() as session:
        session.get(UatSession, 1).cancelled = True
        session.commit()
    submit(app, form, attendees("鈴木"), user="U02ZEIMU")  # a form opened before the session was cancelled
    wait_for(lambda: any("見つかりません" in t for t in told(fakeslack, "U02ZEIMU")))
    assert rows(app, UatSignup) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("転入画面 毎週水曜 10:00", "1回ごとに日付で登録"),
        ("転入画面 2026-11-20 10:00", "過去の日時"),
        ("転入画面 2026-12-29 10:00", "年末年始の閉庁期間のため"),
        ("転入画面 2026-12-05 10:00 review", "土日のため"),
        ("転入画面 12月32日 10:00", "日時として読めません"),
        ("転入画面", "3つを"),
        ("住民 123456789018 の確認 2026-12-07 10:00", "マイナンバー"),
        ("あ" * 151 + " 2026-12-07 10:00", "長すぎます"),
        ("転入画面 2026-12-07 10:00 場所:" + "x" * 301, "場所は"),
    ],
)
def test_bad_sessions_are_refused_saying_why_and_store_nothing(app, fakeslack, text, expected):
    assert expected in slash(app, fakeslack, f"add {text}")["text"]
    assert rows(app, UatSession) == []


def test_an_outsider_may_not_add_list_or_show(app, fakeslack):
    assert "メンバーだけ" in slash(app, fakeslack, f"add {ADD}", user="U77OUT")["text"]
    assert rows(app, UatSession) == []
    added(app, fakeslack)
    assert "転入画面" not in slash(app, fakeslack, "list", user="U77OUT")["text"]
    assert "転入画面" not in slash(app, fakeslack, "show 1", user="U77OUT")["text"]


def test_a_review_is_added_and_listed_and_shown_with_its_sign_ups(app, fakeslack):
    text = slash(app, fakeslack, "add 画面設計 明日 10時 レビュー", user="U10LEAD", channel="moving-leads")["text"]
    assert "設計レビュー #1「画面設計」" in text and "2026-11-27(金) 10:00" in text
    with app.services.session() as session:
        save_signup(session, session_id=1, department_id=department_id(app, "kokuho"), user_id="U03KOKUHO", attendees="高橋")
    listed = slash(app, fakeslack, "list")["text"]
    assert "#1 設計レビュー「画面設計」" in listed and "参加登録 1/6 部署" in listed
    shown = slash(app, fakeslack, "show 1")["text"]
    assert "国民健康保険課: 参加（高橋）" in shown and "福祉課: 未登録" in shown and "課題はありません" in shown
    assert "見つかりません" in slash(app, fakeslack, "show 42")["text"]
    assert "番号を指定" in slash(app, fakeslack, "show")["text"]
    assert "使い方" in slash(app, fakeslack, "shw 1")["text"]


# --- results: 問題なし / 問題あり (an issue linked to the session and the requirement) ----------------------------------


def test_after_the_start_a_problem_becomes_an_issue_linked_to_the_session_and_the_requirement(app, fakeslack):
    added(app, fakeslack)
    with app.services.session() as session:
        project = session.exec(select(Project)).one()
        session.add(Requirement(project_id=project.id, text="転出日を和暦で表示する", proposed_by="U10LEAD", status="agreed"))
        session.commit()
    early = slash(app, fakeslack, "result 1", user="U02ZEIMU", channel="moving-zeimu")["text"]
    assert "始まってから" in early
    start = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=True):
        assert fire(app.services, "uat:moving:1:start", scheduled_at=start).status == "delivered"
        assert len(fakeslack.calls_to("chat.update")) >= 7  # every copy of the card (the submission settled)
        assert RESULT_BUTTON in card_buttons(posts_to(fakeslack, "moving-zeimu", "chat.update")[-1])
        form = press(app, fakeslack, RESULT_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
        choices = next(b for b in form["blocks"] if b.get("block_id") == REQUIREMENT)["element"]["options"]
        assert [o["text"]["text"] for o in choices] == ["なし", "#1 転出日を和暦で表示する"]
        errors = submit(app, form, result("problem", ""), user="U02ZEIMU")["errors"]
        assert set(errors) == {NOTE}
        assert set(submit(app, form, result(None), user="U02ZEIMU")["errors"]) == {OUTCOME}
        assert set(submit(app, form, result("problem", "表示が逆", "999"), user="U02ZEIMU")["errors"]) == {REQUIREMENT}
        assert "マイナンバー" in submit(app, form, result("problem", "123456789018 の方"), user="U02ZEIMU")["errors"][NOTE]
        assert rows(app, UatResult) == rows(app, Issue) == []
        submit(app, form, result("problem", "転出日の表示が逆になる\n一覧画面で確認", "1"), user="U02ZEIMU")
        wait_for(lambda: rows(app, Issue))
        [issue] = rows(app, Issue)
        assert (issue.title, issue.body, issue.reporter_id) == ("転出日の表示が逆になる", "一覧画面で確認", "U02ZEIMU")
        assert (issue.uat_session_id, issue.requirement_id, issue.department_id) == (1, 1, department_id(app, "zeimu"))
        assert issue.waiting_on_id == department_id(app, "shimin")  # 市民課 added the session: the problem is theirs
        wait_for(lambda: any("転出日の表示が逆になる" in c.params.get("text", "") for c in posts_to(fakeslack, "moving-shimin")))
        [stored] = rows(app, UatResult)
        assert (stored.outcome, stored.issue_id, stored.requirement_id) == ("problem", issue.id, 1)
        wait_for(lambda: len(posts_to(fakeslack, "moving-zeimu")) > 1)
        assert any("転出日の表示が逆になる" in c.params.get("text", "") for c in posts_to(fakeslack, "moving-zeimu")[1:])
        wait_for(lambda: "問題あり（課題 #1）" in card_texts(posts_to(fakeslack, "moving-leads", "chat.update")[-1]))
        shimin = press(app, fakeslack, RESULT_BUTTON, "1", user="U01SHIMIN", channel="moving-shimin")
        submit(app, shimin, result("ok"), user="U01SHIMIN")
        wait_for(lambda: len(rows(app, UatResult)) == 2)
        assert len(rows(app, Issue)) == 1  # 問題なし files nothing
        assert "税務課の連絡担当だけ" in press(app, fakeslack, RESULT_BUTTON, "1", user="U01SHIMIN", channel="moving-zeimu")
        shown = slash(app, fakeslack, "show 1")["text"]
        assert "課題 #1「転出日の表示が逆になる」（要件 #1）" in shown and "市民課: 未登録 ・ 結果: 問題なし" in shown
        assert "問題が見つかったときの依頼先部署: 市民課" in shown
        detail = post_slash(app, "/issue", "show 1", user="U02ZEIMU", channel=channel_id(fakeslack, "moving-zeimu")).json()
        assert "受入テスト #1「転入画面の受入テスト」で見つかった課題です。（要件 #1）" in detail["text"]


def test_a_problem_at_a_session_the_lead_added_waits_on_it_and_its_card_reaches_its_channel(app, fakeslack):
    """A session added by the lead (no department of their own) belongs to the project's IT department: 市民課's
    問題あり is filed waiting on IT, its card in IT's channel, the session card says where problems go."""
    text = slash(app, fakeslack, f"add {ADD}", user="U10LEAD", channel="moving-leads")["text"]
    assert "受入テスト #1" in text
    assert "問題が見つかったときの依頼先部署: 情報政策課" in card_texts(posts_to(fakeslack, "moving-it")[0])
    start = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=True):
        form = press(app, fakeslack, RESULT_BUTTON, "1", user="U01SHIMIN", channel="moving-shimin")
        submit(app, form, result("problem", "転入届の住所が二重に表示される"), user="U01SHIMIN")
    [issue] = rows(app, Issue)
    assert (issue.department_id, issue.waiting_on_id) == (department_id(app, "shimin"), department_id(app, "it"))
    wait_for(lambda: any("転入届の住所が二重に表示される" in card_texts(c) for c in posts_to(fakeslack, "moving-it")))


# --- reminders ----------------------------------------------------------------------------------------------------


def test_reminders_count_business_days_name_who_signed_up_and_stop_when_cancelled(app, fakeslack):
    added(app, fakeslack)  # Monday 2026-12-07 14:00
    slash(app, fakeslack, "add 年明けの受入テスト 2027-01-04 10:00")
    specs = {s.id: s for s in job_specs(app.services) if s.kind == "uat"}
    assert set(specs) >= {"uat:moving:1:1d", "uat:moving:1:15m", "uat:moving:1:start", "uat:moving:2:1d"}
    now = dt.datetime.now(dt.timezone.utc)
    friday = specs["uat:moving:1:1d"].trigger.get_next_fire_time(None, now)
    assert friday == dt.datetime(2026, 12, 4, 14, 0, tzinfo=TOKYO)  # 1d before a Monday: the Friday
    assert specs["uat:moving:1:15m"].trigger.get_next_fire_time(None, now) == dt.datetime(2026, 12, 7, 13, 45, tzinfo=TOKYO)
    before_closure = specs["uat:moving:2:1d"].trigger.get_next_fire_time(None, now)
    assert before_closure == dt.datetime(2026, 12, 28, 10, 0, tzinfo=TOKYO)  # never in the year-end closure
    with app.services.session() as session:
        save_signup(session, session_id=1, department_id=department_id(app, "zeimu"), user_id="U02ZEIMU", attendees="鈴木")
    wait_for(lambda: all(len(posts_to(fakeslack, n)) == 2 for n in DEPARTMENT_CHANNELS))  # the two cards
    assert fire(app.services, "uat:moving:1:1d", scheduled_at=friday).channels == 6
    wait_for(lambda: all(len(posts_to(fakeslack, n)) == 3 for n in DEPARTMENT_CHANNELS))
    assert len(posts_to(fakeslack, "moving-leads")) == 2  # the leads get the cards, the reminders go to departments
    reminder = posts_to(fakeslack, "moving-fukushi")[-1].params["text"]
    assert "受入テスト #1「転入画面の受入テスト」* は 12/07(月) 14:00 から" in reminder
    assert "• 税務課: 鈴木" in reminder and "市民課、国民健康保険課、福祉課" in reminder and "税務課、" not in reminder
    assert fire(app.services, "uat:moving:1:1d", scheduled_at=friday).status == "duplicate"  # exactly once
    with app.services.session() as session:
        session.get(UatSession, 1).cancelled = True
        session.commit()
    assert not [s for s in job_specs(app.services) if s.id.startswith("uat:moving:1:")]


# --- the weekly digest's data and the 受入テスト sheet ------------------------------------------------------------------


def test_next_sessions_gives_the_next_review_and_test_with_signed_up_and_not_yet(synced):
    now = dt.datetime.now(dt.timezone.utc)
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one()

        def add(title, days, kind, cancelled=False):
            row = add_session(
                session,
                project_id=project.id,
                title=title,
                kind=kind,
                starts_at=now + dt.timedelta(days=days),
                place=None,
                created_by="U10LEAD",
            )
            row.cancelled = cancelled
            session.commit()
            return row

        add("過去のテスト", -2, "test")
        add("中止したレビュー", 1, "review", cancelled=True)
        test = add("受入テスト1回目", 5, "test")
        add("受入テスト2回目", 12, "test")
        review = add("画面設計レビュー", 8, "review")
        save_signup(session, session_id=test.id, department_id=zeimu.id, user_id="U02ZEIMU", attendees="鈴木")
        found = next_sessions(session, project.id, now)
    assert [(n.number, n.kind, n.title) for n in found] == [
        (test.id, "test", "受入テスト1回目"),
        (review.id, "review", "画面設計レビュー"),
    ]
    assert found[0].signed_up == ["税務課"] and "税務課" not in found[0].not_yet and len(found[0].not_yet) == 5
    assert found[1].signed_up == [] and len(found[1].not_yet) == 6


def test_the_acceptance_test_sheet_has_a_row_per_session_and_department(app, fakeslack, tmp_path):
    added(app, fakeslack)
    with app.services.session() as session:
        save_signup(session, session_id=1, department_id=department_id(app, "zeimu"), user_id="U02ZEIMU", attendees="鈴木")
        session.add(
            UatResult(
                session_id=1, department_id=department_id(app, "zeimu"), user_id="U02ZEIMU", outcome="problem", note="表示が逆"
            )
        )
        session.commit()
        project = session.exec(select(Project)).one()
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 12, 31),
            out=tmp_path / "report.xlsx",
            calendar=BusinessCalendar(),
            project_file=app.services.project_file,
            t=Translator("ja"),
        )
    ws = load_workbook(path)["受入テスト"]
    header = [c.value for c in ws[1]]
    assert header == ["No.", "種別", "題名", "日時", "部署", "参加者", "結果", "内容", "課題番号", "要件番号"]
    table = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2) if row[0].value is not None]
    assert len(table) == 6  # one row per department of the project
    zeimu = next(r for r in table if r["部署"] == "税務課")
    shown = (zeimu["No."], zeimu["種別"], zeimu["参加者"], zeimu["結果"], zeimu["内容"])
    assert shown == (1, "受入テスト", "鈴木", "問題あり", "表示が逆")
    assert zeimu["日時"] == dt.datetime(2026, 12, 7, 14, 0)  # a real date and time, in the project's zone
    shimin = next(r for r in table if r["部署"] == "市民課")
    assert (shimin["参加者"], shimin["結果"]) == ("未登録", "未記録")


def test_a_session_stored_elsewhere_gets_its_jobs_at_the_next_reconcile_and_loses_them_when_cancelled(synced):
    from bot.scheduler import add_jobs, make_scheduler, reconcile_meetings

    scheduler = make_scheduler("Asia/Tokyo")
    add_jobs(scheduler, synced)
    before = {job.id for job in scheduler.get_jobs()}
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        starts = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)
        row = add_session(
            session, project_id=project.id, title="受入テスト", kind="test", starts_at=starts, place=None, created_by="U10LEAD"
        )
        number = row.id
    reconcile_meetings(scheduler, synced)
    assert {job.id for job in scheduler.get_jobs()} - before == {f"uat:moving:{number}:{s}" for s in ("1d", "15m", "start")}
    with synced.session() as session:
        session.get(UatSession, number).cancelled = True
        session.commit()
    reconcile_meetings(scheduler, synced)
    assert {job.id for job in scheduler.get_jobs()} == before


def test_the_digest_lines_name_the_next_sessions_and_the_departments_not_yet(synced):
    from commands.uat import digest_lines

    now = dt.datetime.now(dt.timezone.utc)
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one()
        starts = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)
        row = add_session(
            session, project_id=project.id, title="受入テスト", kind="test", starts_at=starts, place=None, created_by="U10LEAD"
        )
        save_signup(session, session_id=row.id, department_id=zeimu.id, user_id="U02ZEIMU", attendees="鈴木")
        [line] = digest_lines(Translator("ja"), next_sessions(session, project.id, now), "Asia/Tokyo")
    assert line.startswith("• 受入テスト #1「受入テスト」 2026-12-07(月) 14:00 ・ 参加登録済み: 税務課 ・ 未登録: 市民課、")


def test_the_jobs_are_described_in_words_and_a_missed_reminder_is_dropped_once_the_session_began(app, fakeslack):
    from reminders.firing import describe
    from reminders.jobs import uat as kind

    added(app, fakeslack)
    specs = {s.id: s for s in job_specs(app.services) if s.kind == "uat"}
    reminder = describe(app.services, specs["uat:moving:1:1d"])
    assert reminder == "設計レビュー・受入テスト「転入画面の受入テスト」のリマインド（前日）"
    assert "開始" in describe(app.services, specs["uat:moving:1:start"])
    friday = dt.datetime(2026, 12, 4, 14, 0, tzinfo=TOKYO)
    start = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)
    assert kind.still_useful(specs["uat:moving:1:1d"], friday, friday + dt.timedelta(hours=3), "Asia/Tokyo")
    assert not kind.still_useful(specs["uat:moving:1:1d"], friday, start + dt.timedelta(minutes=1), "Asia/Tokyo")
    assert kind.still_useful(specs["uat:moving:1:start"], start, start + dt.timedelta(hours=2), "Asia/Tokyo")
    assert not kind.still_useful(specs["uat:moving:1:start"], start, start + dt.timedelta(days=1), "Asia/Tokyo")


def test_two_liaisons_of_a_department_signing_up_at_once_both_succeed_the_later_wins(services):
    import threading

    with services.session() as session:
        project = session.exec(select(Project)).one()
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one().id
        number = add_session(
            session,
            project_id=project.id,
            title="受入テスト",
            kind="test",
            starts_at=dt.datetime(2026, 12, 7, 14, tzinfo=TOKYO),
            place=None,
            created_by="U10LEAD",
        ).id
    barrier, failures = threading.Barrier(2), []

    def sign(user: str) -> None:
        with services.session() as session:
            barrier.wait()
            try:
                save_signup(session, session_id=number, department_id=zeimu, user_id=user, attendees=f"{user}の課")
            except Exception as exc:  # an IntegrityError here would be a lost sign-up
                failures.append(exc)

    threads = [threading.Thread(target=sign, args=(user,)) for user in ("U02ZEIMU", "U66TWO")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with services.session() as session:
        rows = list(session.exec(select(UatSignup)))
    assert failures == [] and len(rows) == 1 and rows[0].attendees in ("U02ZEIMUの課", "U66TWOの課")


def test_a_session_is_called_off_by_who_added_it_or_a_lead_its_cards_say_so_and_its_jobs_end(app, fakeslack):
    added(app, fakeslack)  # by U01SHIMIN
    assert "中止できるのは" in slash(app, fakeslack, "cancel 1", user="U02ZEIMU", channel="moving-zeimu")["text"]
    assert "見つかりません" in slash(app, fakeslack, "cancel 9")["text"]
    assert "使い方" in slash(app, fakeslack, "cancel")["text"]
    assert not rows(app, UatSession)[0].cancelled
    assert any(spec.id.startswith("uat:moving:1:") for spec in job_specs(app.services))
    said = slash(app, fakeslack, "中止 1", user="U10LEAD", channel="moving-leads")["text"]
    assert "受入テスト #1「転入画面の受入テスト」を中止しました" in said
    wait_for(lambda: all(posts_to(fakeslack, n, "chat.update") for n in [*DEPARTMENT_CHANNELS, "moving-leads"]))
    update = posts_to(fakeslack, "moving-fukushi", "chat.update")[-1]
    assert "中止になりました" in card_texts(update) and card_buttons(update) == set()
    assert "すでに中止" in slash(app, fakeslack, "cancel 1")["text"]
    assert not any(spec.id.startswith("uat:moving:1:") for spec in job_specs(app.services))


def test_a_lead_pressing_sign_up_is_told_that_liaisons_sign_up_from_their_channel(app, fakeslack):
    added(app, fakeslack)
    said = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U10LEAD", channel="moving-leads")
    assert "各部署の連絡担当が自分の部署のチャンネルのカードから" in said and rows(app, UatSignup) == []


def test_another_projects_session_is_not_reached_by_number_from_this_projects_channel(app, fakeslack):
    with app.services.session() as session:
        other = Project(slug="other", name="別の事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        at = dt.datetime(2026, 12, 7, 14, tzinfo=TOKYO)
        number = add_session(
            session, project_id=other.id, title="別", kind="test", starts_at=at, place=None, created_by="U99ADMIN"
        ).id
    for text in (f"show {number}", f"cancel {number}", f"result {number}"):
        said = slash(app, fakeslack, text, user="U99ADMIN", channel="moving-leads")["text"]
        assert f"受入テスト #{number}は引越しワンストップ化のものではありません" in said, said
    assert not rows(app, UatSession, UatSession.id == number)[0].cancelled


def test_whoever_added_a_session_may_call_it_off(app, fakeslack):
    added(app, fakeslack)  # by U01SHIMIN, a liaison (not a lead)
    assert "を中止しました" in slash(app, fakeslack, "cancel 1", user="U01SHIMIN", channel="moving-shimin")["text"]
    assert rows(app, UatSession)[0].cancelled


def test_a_held_session_asks_for_the_results_still_missing(app, fakeslack):
    """After the start, a department that signed up and recorded nothing reads 結果: 未記録 on the card and in
    `/uat show`, and `/uat list` counts the departments still to record — not a bare 実施済み."""
    added(app, fakeslack)
    form = press(app, fakeslack, SIGNUP_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
    submit(app, form, attendees("鈴木、山田"), user="U02ZEIMU")
    start = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)
    with time_machine.travel(start + dt.timedelta(hours=2), tick=True):
        listed = slash(app, fakeslack, "list")["text"]
        shown = slash(app, fakeslack, "show 1")["text"]
        assert "実施済み（結果の記録待ち 1 部署）" in listed
        assert "税務課: 参加（鈴木、山田） ・ 結果: 未記録（記録をお願いします）" in shown
        assert "市民課: 未登録" in shown and "市民課: 未登録 ・ 結果" not in shown  # not signed up: nothing to record
        form = press(app, fakeslack, RESULT_BUTTON, "1", user="U02ZEIMU", channel="moving-zeimu")
        submit(app, form, result("ok"), user="U02ZEIMU")
        listed = slash(app, fakeslack, "list")["text"]
    assert "実施済み" in listed and "記録待ち" not in listed
