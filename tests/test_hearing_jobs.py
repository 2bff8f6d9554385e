"""The `hearing` job (business-day reminders to departments that owe an open hearing its answers) and what
storage/hearings.py gives the digest and a leads' board; on SQLite and PostgreSQL, Slack replaced by fakeslack.
Also the close's summary split within Slack's limits (no database needed)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from commands.hearing import ANSWER_BUTTON
from reminders import firing
from reminders.firing import fire, job_specs
from storage.hearings import awaiting_answers, close_hearing, create_hearing, latest_summary, save_answer
from storage.models import Department, Project
from tests.conftest import channel_id, wait_for

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # a business day, at hearing.remind's default time
SATURDAY = dt.datetime(2026, 12, 5, 10, 0, tzinfo=TOKYO)
DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


@pytest.fixture(autouse=True)
def monday_before():
    """These tests state their own clock: the hearings are started on the Monday before TUESDAY (the clock ticks on),
    whatever day the suite runs."""
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=TOKYO), tick=True):
        yield


@pytest.fixture
def project(synced):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        departments = {d.slug: d.id for d in session.exec(select(Department))}
        return project.id, departments


def new_hearing(services, project_id: int, title: str = "現状の確認") -> int:
    with services.session() as session:
        return create_hearing(
            session, project_id=project_id, title=title, questions=["problems", "独自の質問"], started_by="U10LEAD"
        ).id


def answer(services, hearing_id: int, department_id: int, user: str, answers: dict[int, str]) -> bool:
    with services.session() as session:
        return save_answer(session, hearing_id=hearing_id, department_id=department_id, user_id=user, answers=answers)


def posts(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def reminded(fakeslack) -> dict[str, int]:
    return {name: len(posts(fakeslack, name)) for name in DEPARTMENT_CHANNELS}


def run_at(services, moment: dt.datetime):
    with time_machine.travel(moment + dt.timedelta(minutes=1), tick=True):
        return fire(services, "hearing:moving", moment)


def test_the_job_is_derived_for_the_project_and_described(synced):
    spec = next(s for s in job_specs(synced) if s.id == "hearing:moving")
    assert firing.describe(synced, spec) == "ヒアリングに未回答の部署へのリマインド（受付中のあいだ。閉庁日は次の開庁日へ）"
    assert firing.still_useful(spec, TUESDAY, TUESDAY + dt.timedelta(hours=5), "Asia/Tokyo")
    assert not firing.still_useful(spec, TUESDAY, TUESDAY + dt.timedelta(days=1), "Asia/Tokyo")
    with time_machine.travel(dt.datetime(2026, 12, 4, 12, 0, tzinfo=TOKYO), tick=False):  # Friday noon
        following = spec.trigger.get_next_fire_time(None, dt.datetime.now(TOKYO))
    assert following == dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)  # the weekend skipped: Monday 10:00


def test_departments_without_answers_are_reminded_once_a_day_with_the_answer_button(synced, fakeslack, project):
    project_id, departments = project
    hearing = new_hearing(synced, project_id)
    answer(synced, hearing, departments["shimin"], "U01SHIMIN", {0: "二度手間", 1: ""})
    result = run_at(synced, TUESDAY)
    assert (result.status, result.channels) == ("delivered", 5)
    wait_for(lambda: sum(reminded(fakeslack).values()) == 5)
    assert reminded(fakeslack)["moving-shimin"] == 0  # it answered
    [reminder] = posts(fakeslack, "moving-zeimu")
    assert (
        f"ヒアリング #{hearing}「現状の確認」への回答をお願いします。税務課からはまだ回答がありません" in reminder.params["text"]
    )
    blocks = reminder.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]] == [
        (ANSWER_BUTTON, str(hearing))
    ]

    assert run_at(synced, TUESDAY).status == "duplicate"
    run_at(synced, TUESDAY + dt.timedelta(hours=5))  # another firing the same day (`jobs run --at`): no second reminder
    assert sum(reminded(fakeslack).values()) == 5


def test_nothing_is_sent_on_a_closed_day_when_all_answered_or_no_hearing_is_open(synced, fakeslack, project):
    project_id, departments = project
    assert run_at(synced, TUESDAY).channels == 0  # no hearing at all
    hearing = new_hearing(synced, project_id)
    skipped = run_at(synced, SATURDAY)
    assert (skipped.status, skipped.reason) == ("skipped", "closed_day")
    for slug, user in [("shimin", "U01SHIMIN"), ("zeimu", "U02ZEIMU"), ("kokuho", "U03KOKUHO")]:
        answer(synced, hearing, departments[slug], user, {1: "回答"})
    for slug, user in [("fukushi", "U04FUKUSHI"), ("kosodate", "U05KOSODATE"), ("it", "U09IT")]:
        answer(synced, hearing, departments[slug], user, {0: "回答"})
    assert run_at(synced, TUESDAY).channels == 0  # every department answered
    second = new_hearing(synced, project_id, "窓口の流れ")
    with synced.session() as session:
        assert close_hearing(session, second, "U10LEAD")
        assert not close_hearing(session, second, "U10LEAD")  # closed once
    assert run_at(synced, TUESDAY + dt.timedelta(days=1)).channels == 0  # the open one is answered, the other closed
    assert sum(reminded(fakeslack).values()) == 0
    with time_machine.travel(TUESDAY + dt.timedelta(days=2, minutes=-30), tick=False):
        new_hearing(synced, project_id, "今朝のヒアリング")
    assert run_at(synced, TUESDAY + dt.timedelta(days=2)).channels == 0  # started this morning: its cards just arrived
    assert run_at(synced, TUESDAY + dt.timedelta(days=3)).channels == 6  # the next business day, every department
    wait_for(lambda: sum(reminded(fakeslack).values()) == 6)


def test_storage_gives_the_digest_the_departments_awaited_and_a_board_the_latest_answers(synced, project):
    project_id, departments = project
    with synced.session() as session:
        assert awaiting_answers(session, project_id) == [] and latest_summary(session, project_id) is None
    first = new_hearing(synced, project_id, "現状の確認")
    second = new_hearing(synced, project_id, "窓口の流れ")
    assert answer(synced, second, departments["zeimu"], "U02ZEIMU", {0: "様式"}) is False
    assert answer(synced, second, departments["zeimu"], "U02ZEIMU", {0: "様式の差し替え"}) is True  # an edit
    with synced.session() as session:
        awaited = awaiting_answers(session, project_id)
        assert [(h.id, [d.slug for d in missing]) for h, missing in awaited] == [
            (first, ["shimin", "zeimu", "kokuho", "fukushi", "kosodate", "it"]),
            (second, ["shimin", "kokuho", "fukushi", "kosodate", "it"]),
        ]
        board = latest_summary(session, project_id)
        assert board is not None and board.hearing.id == second and board.questions == ["problems", "独自の質問"]
        by_slug = {row.department.slug: row.answers for row in board.departments}
        assert list(by_slug) == ["shimin", "zeimu", "kokuho", "fukushi", "kosodate", "it"]
        [given] = by_slug["zeimu"]
        assert (given.user_id, given.answers) == ("U02ZEIMU", {0: "様式の差し替え"}) and by_slug["shimin"] == []
        assert close_hearing(session, first, "U10LEAD")
        assert [h.id for h, _ in awaiting_answers(session, project_id)] == [second]  # closed hearings await nothing
    with synced.session() as session, pytest.raises(ValueError):
        save_answer(session, hearing_id=first, department_id=departments["shimin"], user_id="U01SHIMIN", answers={0: "遅れて"})


def test_a_long_summary_is_split_over_messages_within_slacks_limits():
    from bot.i18n import Translator
    from commands.blocks import MESSAGE_BLOCKS, MESSAGE_TEXT, SECTION_TEXT, text_size
    from commands.hearing import summary_messages
    from storage.hearings import Answer, DepartmentAnswers
    from storage.models import Hearing
    from words.names import Names

    t = Translator("ja")
    questions = ["problems", "solve", "worries", "people", "residents", *(f"質問{n}" for n in range(5))]
    hearing = Hearing(id=7, project_id=1, title="長い回答", questions=json.dumps(questions), started_by="U10LEAD")
    when = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    rows = [
        DepartmentAnswers(
            Department(id=d, slug=f"d{d}", name=f"第{d}課"),
            [Answer(d, f"U{d}{p}X", when, {n: f"{d}-{p}-{n}" + "あ" * 2490 for n in range(10)}) for p in range(3)],
        )
        for d in range(1, 7)
    ]
    rows.append(DepartmentAnswers(Department(id=9, slug="quiet", name="静かな課"), []))
    pages = summary_messages(t, hearing, rows, Names(t, {}, in_slack=True))
    assert len(pages) > 1
    for blocks in pages:
        assert len(blocks) <= MESSAGE_BLOCKS and text_size(blocks) <= MESSAGE_TEXT
        assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in blocks)
        assert "入りきりませんでした" not in json.dumps(blocks, ensure_ascii=False)  # nothing cut: every answer is there
    text = "\n".join(b["text"]["text"] for blocks in pages for b in blocks)
    assert all(f"{d}-{p}-{n}" in text for d in range(1, 7) for p in range(3) for n in range(10))
    assert text.index("第1課") < text.index("第6課") and text.endswith("回答がなかった部署: 静かな課")
    assert pages[0][0]["text"]["text"] == "*ヒアリング #7「長い回答」のまとめ*"
