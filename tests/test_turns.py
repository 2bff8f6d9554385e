"""Whose turn is it (issue 23, point 1): the one rule (storage.turns) as a table, and the aging job following it —
after IT answers, the reporter is asked to check, not the department it once waited on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from commands.report import project_summary
from reminders.jobs.aging import LEADS, NUDGE, aging_notices
from storage.enums import EventKind
from storage.issues import NewIssue, create_issue, escalate_to_it, get_issue, record_it_answer, reopen_issue, resolve_issue
from storage.models import Department, Issue, IssueEvent, Project
from storage.turns import Turn, turn_after, whose_turn
from tests.conftest import channel_id

TOKYO = ZoneInfo("Asia/Tokyo")
OW, DE, IT_, RE, NO = Turn.OWN, Turn.DEPARTMENT, Turn.IT, Turn.REPORTER, Turn.NOBODY

# Every state × every event, for an issue that waits on another department (W) and one that does not (-), escalated
# or not: where the ball goes. A new EventKind without a row here fails `test_every_event_has_a_rule`.
TABLE = {
    # event:            (from OWN, from DEPARTMENT, from IT, from REPORTER, from NOBODY) for waiting=False, escalated=False
    EventKind.CREATED: (OW, OW, OW, OW, OW),
    EventKind.WAITING: (DE, DE, DE, DE, DE),
    EventKind.TAKEN: (OW, DE, IT_, RE, NO),
    EventKind.ASSIGNED: (OW, DE, IT_, RE, NO),
    EventKind.ESCALATED: (IT_, IT_, IT_, IT_, IT_),
    EventKind.IT_TAKEN: (OW, DE, IT_, RE, NO),
    EventKind.ANSWERED: (RE, RE, RE, RE, RE),
    EventKind.RESOLVED: (NO, NO, NO, NO, NO),
    EventKind.REOPENED: (OW, OW, OW, OW, OW),
    EventKind.NUDGED: (OW, DE, IT_, RE, NO),
    EventKind.LEADS_ALERTED: (OW, DE, IT_, RE, NO),
}
STATES = (OW, DE, IT_, RE, NO)


def test_every_event_has_a_rule():
    assert set(TABLE) == set(EventKind)


@pytest.mark.parametrize("event", list(TABLE))
@pytest.mark.parametrize("state", STATES)
def test_the_table_for_an_issue_that_waits_on_nobody(state, event):
    assert turn_after(state, event, waiting=False, escalated=False) == TABLE[event][STATES.index(state)]


@pytest.mark.parametrize("state", STATES)
def test_an_issue_waiting_on_a_department_starts_and_reopens_with_that_department(state):
    assert turn_after(state, EventKind.CREATED, waiting=True, escalated=False) == DE
    assert turn_after(state, EventKind.REOPENED, waiting=True, escalated=False) == DE


@pytest.mark.parametrize("state", STATES)
def test_an_escalated_issue_reopened_goes_back_to_it(state):
    """The reporter reopens after IT's answer and a resolve: IT is asked again, whatever it waited on before."""
    assert turn_after(state, EventKind.REOPENED, waiting=True, escalated=True) == IT_
    assert turn_after(state, EventKind.REOPENED, waiting=False, escalated=True) == IT_


def test_a_kind_without_a_rule_is_refused():
    with pytest.raises(ValueError):
        turn_after(OW, "moved_by_magic", waiting=False, escalated=False)  # type: ignore[arg-type]


def at(day: str, hour: int = 9, minute: int = 5) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def _issue(services, created: dt.datetime) -> int:
    """税務課's issue waiting on 市民課, filed at `created`."""
    with time_machine.travel(created, tick=False), services.session() as session:
        shimin, zeimu = (session.exec(select(Department).where(Department.slug == s)).one() for s in ("shimin", "zeimu"))
        project = session.exec(select(Project)).one()
        issue = create_issue(
            session=session,
            issue_in=NewIssue(
                project_id=project.id,
                department_id=zeimu.id,
                reporter_id="U02ZEIMU",
                title="転出データの連携仕様",
                waiting_on_id=shimin.id,
            ),
        )
        return issue.id


def _at(services, moment: dt.datetime, change) -> None:
    with time_machine.travel(moment, tick=False), services.session() as session:
        change(session, session.get(Issue, number_of(session)))


def number_of(session) -> int:
    return session.exec(select(Issue.id)).one()


def _ball(services):
    with services.session() as session:
        issue = session.exec(select(Issue)).one()
        events = session.exec(select(IssueEvent).where(IssueEvent.issue_id == issue.id).order_by(IssueEvent.id)).all()
        return whose_turn(issue, events)


def _texts(fakeslack, channel: str) -> list[str]:
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == channel]


def test_after_it_answers_the_reporter_is_asked_to_check_and_the_department_is_not_blamed(synced, fakeslack):
    """The issue's first scenario: #1 waits on 市民課, is escalated and answered by IT. From then on it is 税務課's
    reporter's move: 市民課 is never nudged for it again, the reporter is (by DM), and the leads hear whose move it
    is — counted in business days from the answer, not from the day it was filed."""
    _issue(synced, at("2026-11-02", 10))  # Monday
    _at(synced, at("2026-11-04", 11), lambda s, i: escalate_to_it(s, i, "U02ZEIMU", "仕様の判断をお願いします"))
    assert _ball(synced).turn == IT_
    _at(synced, at("2026-11-05", 11), lambda s, i: record_it_answer(s, i, "U09IT", "様式Bで連携してください"))
    ball = _ball(synced)
    assert (ball.turn, ball.user_id) == (RE, "U02ZEIMU") and ball.since.astimezone(TOKYO).date() == dt.date(2026, 11, 5)
    shimin = channel_id(fakeslack, "moving-shimin")
    with time_machine.travel(at("2026-11-09"), tick=False):
        assert aging_notices(synced, "moving") == []  # 2 business days since the answer: too early for anyone
    with time_machine.travel(at("2026-11-10"), tick=False):
        [nudge] = aging_notices(synced, "moving")  # 3 business days since the answer
    assert (nudge.step, nudge.channel) == (NUDGE, "U02ZEIMU")
    [dm] = _texts(fakeslack, "U02ZEIMU")
    assert "回答を確認して" in dm and "/issue 解決 1" in dm
    with time_machine.travel(at("2026-11-16"), tick=False):
        [leads] = aging_notices(synced, "moving")  # 7 business days (11/5 → 11/16)
    assert leads.step == LEADS
    [alert] = _texts(fakeslack, channel_id(fakeslack, "moving-leads"))
    assert "確認待ち" in alert and "<@U02ZEIMU>" in alert and "市民課の回答待ち" not in alert
    assert _texts(fakeslack, shimin) == []  # 市民課 was never blamed for what is the reporter's move
    with time_machine.travel(at("2026-11-16", 17), tick=False), synced.session() as session:  # nor in the digest
        summary = project_summary(
            session,
            session.exec(select(Project)).one(),
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 16),
            calendar=synced.calendar,
            timezone="Asia/Tokyo",
        )
    assert [d.waits for d in summary.departments if d.waits] == []
    [zeimu] = [d for d in summary.departments if d.checks]  # the reporter's department: theirs to check and close
    assert (zeimu.name, [(c.number, c.business_days) for c in zeimu.checks]) == ("税務課", [(1, 7)])
    from commands.report import digest_for

    with time_machine.travel(at("2026-11-16", 17), tick=False), synced.session() as session:
        text, _ = digest_for(
            session,
            session.exec(select(Project)).one(),
            project_file=synced.project_file,
            calendar=synced.calendar,
            t=synced.translator(),
        )
    assert "*税務課*: IT部門の回答の確認待ち 1 件（最長 7 営業日）" in text
    assert "#1 転出データの連携仕様: IT部門の回答を報告者が確認して解決へ（7 営業日）" in text, text[text.index("税務課*") :][
        :300
    ]


def test_waiting_on_a_department_then_it_then_resolved_and_reopened(synced, fakeslack):
    """The ball follows each step: 市民課 nudged while it waits on them; IT's channel while IT is asked; nobody after
    the resolve; IT again after a reopen."""
    _issue(synced, at("2026-11-02", 10))
    with time_machine.travel(at("2026-11-06"), tick=False):  # 3 business days (11/3 文化の日 is none)
        [first] = aging_notices(synced, "moving")
    assert first.channel == channel_id(fakeslack, "moving-shimin")
    _at(synced, at("2026-11-06", 11), lambda s, i: escalate_to_it(s, i, "U02ZEIMU", ""))
    with time_machine.travel(at("2026-11-11"), tick=False):
        [it] = aging_notices(synced, "moving")
    assert it.channel == channel_id(fakeslack, "moving-it")
    assert "/issue 回答 1" in _texts(fakeslack, it.channel)[0]
    _at(synced, at("2026-11-11", 11), lambda s, i: record_it_answer(s, i, "U09IT", "様式Bで"))
    _at(synced, at("2026-11-11", 12), lambda s, i: resolve_issue(s, i, "U02ZEIMU", "様式Bで解決"))
    assert _ball(synced).turn == NO
    with time_machine.travel(at("2026-11-20"), tick=False):
        assert aging_notices(synced, "moving") == []
    _at(synced, at("2026-11-20", 11), lambda s, i: reopen_issue(s, i, "U02ZEIMU"))
    with synced.session() as session:
        assert get_issue(session, 1).status != "resolved"
    assert _ball(synced).turn == IT_


def test_the_card_says_whose_move_it_is_at_every_step(synced):
    """The card (and `/issue show`) carries the rule's answer: the department asked, IT, the reporter, then no line."""
    import json

    from commands.issue import card_of

    def card() -> str:
        with synced.session() as session:
            ctx = synced.context(session, user_id="U02ZEIMU", channel_id=None)
            _, blocks = card_of(ctx, session.exec(select(Issue)).one())
            return json.dumps(blocks, ensure_ascii=False)

    _issue(synced, at("2026-11-02", 10))
    assert "次の対応: 市民課（依頼先部署）" in card()
    _at(synced, at("2026-11-04", 11), lambda s, i: escalate_to_it(s, i, "U02ZEIMU", ""))
    assert "次の対応: IT部門（回答待ち）" in card()
    _at(synced, at("2026-11-05", 11), lambda s, i: record_it_answer(s, i, "U09IT", "様式Bで"))
    assert "次の対応: 報告者 鈴木 一郎（IT部門の回答を確認して、解決なら解決済みに）" in card()
    _at(synced, at("2026-11-05", 12), lambda s, i: resolve_issue(s, i, "U02ZEIMU", "様式Bで解決"))
    assert "次の対応" not in card()


def test_the_issue_list_says_whose_move_it_is(synced):
    """`/issue list`: → 市民課の回答待ち while 市民課 holds the ball; 次の対応: 報告者 … after IT's answer, not 市民課."""
    from bot.dispatch import run_command

    def listed() -> str:
        with synced.session() as session:
            ctx = synced.context(session, user_id="U02ZEIMU", channel_id=None)
            return run_command(ctx, "/issue", "list").text

    _issue(synced, at("2026-11-02", 10))
    assert "→ 市民課の回答待ち" in listed()
    _at(synced, at("2026-11-04", 11), lambda s, i: escalate_to_it(s, i, "U02ZEIMU", ""))
    _at(synced, at("2026-11-05", 11), lambda s, i: record_it_answer(s, i, "U09IT", "様式Bで"))
    line = listed()
    assert "次の対応: 報告者 鈴木 一郎" in line and "市民課の回答待ち" not in line


def test_app_home_and_the_meeting_agenda_follow_the_same_rule(synced):
    """市民課's liaison's App Home says the issue waits on them, and the regular meeting's agenda lists the wait, only
    while 市民課 holds the ball; after IT's answer neither does."""
    from storage.agenda import agenda
    from storage.home import home_data

    def seen() -> tuple[list[bool], list[int]]:
        with synced.session() as session:
            now = dt.datetime.now(dt.timezone.utc)
            home = home_data(session, "U01SHIMIN", now=now, timezone="Asia/Tokyo")
            project = session.exec(select(Project)).one()
            days = synced.calendar.business_days_between
            waits = agenda(session, project.id, today=dt.date(2026, 11, 10), timezone="Asia/Tokyo", business_days=days)
        return [i.waiting_on_me for i in home.issues], [w.number for w in waits.oldest_waiting]

    _issue(synced, at("2026-11-02", 10))
    assert seen() == ([True], [1])
    _at(synced, at("2026-11-04", 11), lambda s, i: escalate_to_it(s, i, "U02ZEIMU", ""))
    _at(synced, at("2026-11-05", 11), lambda s, i: record_it_answer(s, i, "U09IT", "様式Bで"))
    assert seen() == ([False], [])


def _dm_to(fakeslack, user: str) -> list:
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == user]


def test_after_it_answers_the_reporter_gets_the_buttons_to_resolve_or_ask_again(synced, http_app, fakeslack):
    """Signed HTTP, end to end: IT's answer reaches the reporter with 解決済みにする and IT部門にもう一度相談; asking
    again puts the ball back with IT (its channel told, the answer cleared so IT answers anew); the second answer
    is resolved from the DM. What the reporter typed (full-width brackets) is kept as typed."""
    import json

    from commands.issue_blocks import ESCALATE, RESOLVE
    from tests.conftest import click, post_slash, wait_for
    from tests.test_issue_flow import report

    report(http_app, fakeslack, text="転出届の様式（第3版）が届かない to:zeimu")
    it = channel_id(fakeslack, "moving-it")
    post_slash(http_app, "/issue", "escalate 1", user="U01SHIMIN")
    post_slash(http_app, "/issue", "answer 1 様式（第3版）は共有フォルダにあります", user="U09IT")
    http_app.settle()
    [dm] = [c for c in _dm_to(fakeslack, "U01SHIMIN") if "回答がありました" in c.params["text"]]
    body = json.dumps(dm.params["blocks"], ensure_ascii=False)
    assert "様式（第3版）は共有フォルダにあります" in body and "回答を確認して" in body
    assert [e["action_id"] for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]] == [RESOLVE, ESCALATE]
    assert _ball(synced).turn == RE

    click(http_app, ESCALATE, "1", user="U01SHIMIN", channel="D01SHIMIN", response_url=fakeslack.response_url)
    http_app.settle()
    assert _ball(synced).turn == IT_
    asked = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == it]
    assert any("再度の相談" in text and "/issue 回答 1" in text for text in asked)
    with synced.session() as session:
        issue = get_issue(session, 1)
        assert issue.it_answer is None and issue.title == "転出届の様式（第3版）が届かない"
    again = post_slash(http_app, "/issue", "escalate 1", user="U01SHIMIN").json()["text"]
    assert "すでに IT部門に相談済み" in again  # asked again once: nothing to ask until IT answers

    post_slash(http_app, "/issue", "answer 1 様式を再送しました", user="U09IT")
    click(http_app, RESOLVE, "1", user="U01SHIMIN", channel="D01SHIMIN", response_url=fakeslack.response_url)
    http_app.settle()
    assert _ball(synced).turn == NO
    wait_for(lambda: any("解決済み" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))


def test_the_reporter_hears_why_an_issue_was_reopened_and_how_it_was_resolved(synced, http_app, fakeslack):
    """`/issue reopen N 理由` keeps the reason in the history and the reporter's DM carries it, as the resolve's note."""
    from tests.conftest import post_slash
    from tests.test_issue_flow import report

    report(http_app, fakeslack, text="転出届の様式が届かない to:zeimu")
    post_slash(http_app, "/issue", "close 1 様式を再送しました", user="U02ZEIMU")
    reopened = post_slash(http_app, "/issue", "reopen 1 まだ（第2版）のままです", user="U02ZEIMU").json()["text"]
    assert "#1" in reopened
    http_app.settle()
    texts = [c.params["text"] for c in _dm_to(fakeslack, "U01SHIMIN")]
    assert any("解決のメモ: 様式を再送しました" in t for t in texts)
    assert any("再開の理由: まだ（第2版）のままです" in t for t in texts)
    with synced.session() as session:
        [event] = session.exec(select(IssueEvent).where(IssueEvent.kind == EventKind.REOPENED)).all()
        assert event.note == "まだ（第2版）のままです"


def test_an_issue_asked_of_it_twice_counts_once_in_the_figures(synced):
    """IT asked again after its answer is still one issue sent to IT (the digest's and the report's IT部門へ相談)."""
    from storage.issues import ask_it_again

    summary_of = project_summary

    _issue(synced, at("2026-11-02", 10))
    _at(synced, at("2026-11-04", 11), lambda s, i: escalate_to_it(s, i, "U02ZEIMU", ""))
    _at(synced, at("2026-11-05", 11), lambda s, i: record_it_answer(s, i, "U09IT", "様式Bで"))
    _at(synced, at("2026-11-06", 11), lambda s, i: ask_it_again(s, i, "U02ZEIMU", "様式Bが見つかりません"))
    with time_machine.travel(at("2026-11-06", 17), tick=False), synced.session() as session:
        summary = summary_of(
            session,
            session.exec(select(Project)).one(),
            dt.date(2026, 11, 1),
            dt.date(2026, 11, 6),
            calendar=synced.calendar,
            timezone="Asia/Tokyo",
        )
    assert summary.totals.escalations == 1 and _ball(synced).turn == IT_
