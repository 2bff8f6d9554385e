"""The monthly 振り返り after launch: the prompt (only in 運用, once a month per channel, closed days moved), its button
and form (only the department's liaisons; My Number and length refused; editable within the month, prefilled), the
answer shared in the prompt's thread and in the leads channel, and what the digest reads (month_answers, recent)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import col, func, select

from commands.retro import ANSWER_BUTTON, MODAL_CALLBACK
from reminders.firing import fire, job_specs
from storage.models import Department, OutboxMessage, Project, Retrospective
from storage.retrospectives import month_answers, recent
from tests.conftest import channel_id, click, post_interaction, post_slash, wait_for

TOKYO = ZoneInfo("Asia/Tokyo")
FIRST = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # operation.retrospective's default: 0 10 1 * * (a Tuesday)


@pytest.fixture
def app(synced, http_app):
    return http_app


@pytest.fixture
def live(app, fakeslack):
    """The sample project in operation (運用), at 10:05 on December 1st, the clock ticking."""
    with time_machine.travel(FIRST + dt.timedelta(minutes=5), tick=True):
        post_slash(app, "/renkei", "phase 運用", user="U10LEAD")
        wait_for(lambda: posts(fakeslack, "moving-leads"))
        yield app


def posts(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def said(fakeslack, text: str, times: int = 1) -> bool:
    """Whether replies (ephemeral, DM, response_url) have said `text`, at least `times` times."""
    calls = [
        *fakeslack.calls_to("chat.postMessage"),
        *fakeslack.calls_to("chat.postEphemeral"),
        *fakeslack.calls_to("response_url"),
    ]
    return sum(text in (c.params.get("text") or "") for c in calls) >= times


def prompt_button(fakeslack, name: str) -> dict:
    [prompt] = [c for c in posts(fakeslack, name) if "振り返りです" in c.params["text"]]
    return next(e for b in prompt.params["blocks"] if b["type"] == "actions" for e in b["elements"])


def count(services) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(Retrospective)).one()


def press(app, fakeslack, value: str, user: str, name: str) -> None:
    click(app, ANSWER_BUTTON, value, user=user, channel=channel_id(fakeslack, name), response_url=fakeslack.response_url)


def opened_view(app, fakeslack, value: str, user: str = "U01SHIMIN", name: str = "moving-shimin") -> dict:
    before = len(fakeslack.calls_to("views.open"))
    press(app, fakeslack, value, user, name)
    wait_for(lambda: len(fakeslack.calls_to("views.open")) > before)
    return json.loads(fakeslack.calls_to("views.open")[-1].params["view"])


def submit(app, view: dict, answers: list[str], user: str = "U01SHIMIN"):
    values = {f"q{n}": {"value": {"type": "plain_text_input", "value": v}} for n, v in enumerate(answers)}
    return post_interaction(
        app,
        {
            "type": "view_submission",
            "team": {"id": "T000TEST"},
            "api_app_id": "A000TEST",
            "user": {"id": user},
            "view": {**view, "id": f"V{uuid.uuid4().hex[:8]}", "state": {"values": values}},  # each submission its own
        },
    )


def test_before_launch_no_retrospective_is_asked(app, fakeslack, synced):
    with time_machine.travel(FIRST + dt.timedelta(minutes=1), tick=True):
        result = fire(synced, "retro:moving", FIRST)
    assert (result.status, result.reason) == ("skipped", "before_launch")
    assert not posts(fakeslack, "moving-shimin")


def test_a_closed_day_moves_the_prompt_to_the_next_business_day(synced):
    [spec] = [s for s in job_specs(synced) if s.id == "retro:moving"]
    after_new_year = spec.trigger.get_next_fire_time(None, dt.datetime(2026, 12, 31, tzinfo=TOKYO))
    assert after_new_year == dt.datetime(2027, 1, 4, 10, 0, tzinfo=TOKYO)  # 1/1–1/3 closed, Monday the 4th
    with time_machine.travel(dt.datetime(2027, 1, 1, 10, 1, tzinfo=TOKYO), tick=True):
        closed = fire(synced, "retro:moving", dt.datetime(2027, 1, 1, 10, 0, tzinfo=TOKYO))
    assert (closed.status, closed.reason) == ("skipped", "closed_day")


def test_after_launch_each_department_is_asked_once_a_month(live, fakeslack, synced):
    result = fire(synced, "retro:moving", FIRST)
    assert (result.status, result.channels) == ("delivered", 6)
    wait_for(lambda: len(posts(fakeslack, "moving-zeimu")) == 2)  # the phase's announcement, then the prompt
    prompt = posts(fakeslack, "moving-zeimu")[-1].params["text"]
    assert prompt.startswith("*引越しワンストップ化* の12月の振り返りです（税務課）。")
    again = fire(synced, "retro:moving", FIRST + dt.timedelta(days=1))  # `jobs run --at` another day that month
    assert again.status == "delivered"
    with synced.session() as session:  # one prompt per channel and month, whatever fires
        keys = session.exec(
            select(OutboxMessage.idempotency_key).where(col(OutboxMessage.idempotency_key).startswith("retro:"))
        ).all()
    assert len(keys) == 6 and all(k.startswith("retro:moving@2026-12:") for k in keys)
    assert len([c for c in posts(fakeslack, "moving-zeimu") if "振り返りです" in c.params["text"]]) == 1
    assert not posts(fakeslack, "moving-leads")[1:]  # the prompt is for departments; the leads see the answers


def test_a_liaison_answers_and_the_answer_closes_the_loop(live, fakeslack, synced):
    fire(synced, "retro:moving", FIRST)
    wait_for(lambda: len(posts(fakeslack, "moving-shimin")) == 2)
    button = prompt_button(fakeslack, "moving-shimin")
    view = opened_view(live, fakeslack, button["value"])
    assert view["callback_id"] == MODAL_CALLBACK
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["住民や職員にとって良くなったこと", "まだ困っていること"]
    assert submit(live, view, ["転入の待ち時間が半分に", "国保の案内がまだ紙"]).status_code == 200
    wait_for(lambda: count(synced) == 1)
    wait_for(lambda: said(fakeslack, "12月の振り返りを受け付けました（市民課）"))
    wait_for(lambda: len(posts(fakeslack, "moving-shimin")) == 3 and len(posts(fakeslack, "moving-leads")) == 2)
    prompt_ts = next(m["ts"] for m in fakeslack.channel_named("moving-shimin").messages if "振り返りです" in (m["text"] or ""))
    shared = posts(fakeslack, "moving-shimin")[-1].params
    assert shared["thread_ts"] == prompt_ts
    assert "佐藤 花子 さんの振り返り（市民課、12月）" in shared["text"] and "転入の待ち時間が半分に" in shared["text"]
    leads = posts(fakeslack, "moving-leads")[-1].params
    assert "thread_ts" not in leads and "*まだ困っていること*: 国保の案内がまだ紙" in leads["text"]

    again = opened_view(live, fakeslack, button["value"])  # editable within the month: the form is prefilled
    assert [b["element"].get("initial_value") for b in again["blocks"] if b["type"] == "input"] == [
        "転入の待ち時間が半分に",
        "国保の案内がまだ紙",
    ]
    submit(live, again, ["転入の待ち時間が半分に", "国保の案内は来月から電子化"])
    wait_for(lambda: said(fakeslack, "12月の振り返りを更新しました（市民課）"))
    wait_for(lambda: len(posts(fakeslack, "moving-leads")) == 3)
    assert count(synced) == 1
    assert "振り返りを更新しました" in posts(fakeslack, "moving-leads")[-1].params["text"]
    with synced.session() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one().id
        [answer] = month_answers(session, project, dt.date(2026, 12, 15))
        assert (answer.department, answer.user_id) == ("市民課", "U01SHIMIN")
        assert answer.answers == {"better": "転入の待ち時間が半分に", "hurts": "国保の案内は来月から電子化"}
        assert recent(session, project, dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7)) == [answer]
        assert recent(session, project, dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)) == []
        assert month_answers(session, project, dt.date(2026, 11, 1)) == []


def test_my_number_and_over_long_answers_are_refused_in_the_form(live, fakeslack, synced):
    fire(synced, "retro:moving", FIRST)
    wait_for(lambda: len(posts(fakeslack, "moving-shimin")) == 2)
    view = opened_view(live, fakeslack, prompt_button(fakeslack, "moving-shimin")["value"])
    refused = submit(live, view, ["住民 123456789018 の手続き", ""]).json()
    assert refused["response_action"] == "errors" and "q0" in refused["errors"]
    too_long = submit(live, view, ["", "長" * 2600]).json()
    assert too_long["response_action"] == "errors" and "q1" in too_long["errors"]
    assert count(synced) == 0


def test_only_the_departments_liaisons_answer(live, fakeslack, synced):
    fire(synced, "retro:moving", FIRST)
    wait_for(lambda: len(posts(fakeslack, "moving-shimin")) == 2)
    value = prompt_button(fakeslack, "moving-shimin")["value"]
    before = len(fakeslack.calls_to("views.open"))
    press(live, fakeslack, value, "U02ZEIMU", "moving-shimin")
    wait_for(lambda: said(fakeslack, "振り返りに回答できるのは市民課の連絡担当です。"))
    assert len(fakeslack.calls_to("views.open")) == before
    view = opened_view(live, fakeslack, value)  # a form opened by 佐藤 さん, submitted as someone else (forged)
    submit(live, view, ["代わりに回答"], user="U02ZEIMU")
    wait_for(lambda: said(fakeslack, "振り返りに回答できるのは市民課の連絡担当です。", times=2))
    assert count(synced) == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        ("forged", "この振り返りは見つかりませんでした。"),
        ("999:1:2026-12", "この振り返りは見つかりませんでした。"),
        ("{project}:999:2026-12", "この振り返りは見つかりませんでした。"),
        ("{project}:{department}:2026-11", "11月の振り返りは締め切りました。"),
    ],
)
def test_stale_or_forged_buttons_open_nothing(live, fakeslack, synced, value, expected):
    with synced.session() as session:
        department = session.exec(select(Department).where(Department.slug == "shimin")).one()
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
    value = value.format(project=project.id, department=department.id)
    before = len(fakeslack.calls_to("views.open"))
    press(live, fakeslack, value, "U01SHIMIN", "moving-shimin")
    wait_for(lambda: said(fakeslack, expected))
    assert len(fakeslack.calls_to("views.open")) == before


def test_an_empty_form_stores_nothing(live, fakeslack, synced):
    fire(synced, "retro:moving", FIRST)
    wait_for(lambda: len(posts(fakeslack, "moving-shimin")) == 2)
    view = opened_view(live, fakeslack, prompt_button(fakeslack, "moving-shimin")["value"])
    submit(live, view, ["", ""])
    wait_for(lambda: said(fakeslack, "どの項目も空欄のため、保存しませんでした。"))
    assert count(synced) == 0


def test_the_digest_lines_name_the_department_the_person_and_the_answers(synced):
    from bot.i18n import Translator
    from commands.retro import digest_lines
    from storage.retrospectives import RetroAnswer
    from words.names import Names

    t = Translator("ja")
    name = Names(t, {"U01SHIMIN": "佐藤 花子"})
    moment = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
    given = RetroAnswer(
        dt.date(2026, 12, 1), "市民課", "U01SHIMIN", {"better": "待ち時間が半分に", "hurts": "", "紙": "<!channel>"}, moment
    )
    assert digest_lines(t, [given], name) == [
        "*運用後の振り返り（今週の回答）*",
        "• 市民課（佐藤 花子 さん、12月）",
        "    ◦ 住民や職員にとって良くなったこと: 待ち時間が半分に",
        "    ◦ 紙: &lt;!channel&gt;",
    ]
    assert digest_lines(t, [], name) == []


def test_the_longest_questionnaire_renkei_yml_allows_still_opens_as_a_form():
    """Ten questions of 150 characters (storage.projectfile's limits) in a form's private_metadata: within Slack's
    3,000 characters only when Japanese is written as itself, not as 6-character escapes."""
    import datetime as dt

    from bot.i18n import Translator
    from commands import retro, standup
    from storage.models import Department, Project
    from storage.projectfile import QUESTIONS_LIMIT
    from tests.fakeslack import PRIVATE_METADATA

    t, project, department = (
        Translator("ja"),
        Project(id=1, slug="p", name="引越し", leads_channel_name="p-leads"),
        Department(id=2, slug="d", name="市民課"),
    )
    questions = [f"{n}" + "住民" * 74 + "？" for n in range(QUESTIONS_LIMIT)]
    forms = [
        retro.modal(
            t, project=project, department=department, month=dt.date(2026, 12, 1), questions=questions, given={}, channel_id="C1"
        ),
        standup.modal(t, project=project, questions=questions, channel_id="C1"),
    ]
    assert all(len(form["private_metadata"]) <= PRIVATE_METADATA for form in forms)
