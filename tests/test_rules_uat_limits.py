"""Rules of /uat (設計レビュー・受入テスト) and of the per-person limits that mutation testing found unguarded.

Each test names the rule it protects and fails when that rule is broken:
- a result form submitted before the session has started is refused (commands/uat.py `_submit_result`);
- a 問題あり result is a new issue, held to the person's issue rate (commands/limits.py `rate_limit`);
- each family's rate counts the person's own issues and wins, not everybody's (storage/limits.py);
- a cancelled session is no longer derived into jobs (reminders/jobs/__init__.py `derive_jobs`), and its job, fired
  anyway, sends nothing (reminders/jobs/uat.py `run`).

Every test sets its own clock with time_machine (Thursday 2026-11-26 10:00 JST, a session on Monday 2026-12-07
14:00), so they pass whatever day the suite runs on. Commands, forms and firings run in-process on the real services
(no courier: what they post reaches fakeslack before they return). U02ZEIMU is 税務課's liaison, U01SHIMIN 市民課's,
U10LEAD the project's lead.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import func, select

from bot.dispatch import run_command
from bot.interactions import submit
from commands.base import Reply
from commands.uat import NOTE, OUTCOME, REQUIREMENT, result_modal
from reminders import firing
from reminders.firing import fire, job_specs
from reminders.jobs import derive_jobs
from storage.deliveries import firing as firing_row
from storage.enums import DeliveryStatus
from storage.limits import BURST, REFILL
from storage.models import Department, Issue, OutboxMessage, Project, UatResult, UatSession, Win
from storage.uat import get_session
from tests.conftest import channel_id

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday
START = dt.datetime(2026, 12, 7, 14, 0, tzinfo=TOKYO)  # a Monday: the session's start
ADD = "add 転入画面の受入テスト 2026-12-07 14:00 テスト"
LIAISON, OTHER, LEAD = "U02ZEIMU", "U01SHIMIN", "U10LEAD"


def slash(services, fakeslack, user: str, command: str, text: str, channel: str | None = None) -> str:
    """`user` types `command text` (in `channel`, else in a DM); the reply's follow-up runs too. The reply's text."""
    where = channel_id(fakeslack, channel) if channel else None
    with services.work() as session:
        reply = run_command(services.context(session, user_id=user, channel_id=where), command, text)
    services.follow_up(reply, user_id=user, channel_id=where)
    return reply.text


def add_session(services, fakeslack, text: str = ADD) -> int:
    """The lead adds a session from the leads channel (its cards are posted); its number."""
    said = slash(services, fakeslack, LEAD, "/uat", text, channel="moving-leads")
    assert "受入テスト #" in said, said
    with services.session() as session:
        return max(s.id for s in session.exec(select(UatSession)))


def count(services, model, *where) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def zeimu_result_form(services, number: int) -> dict:
    """The result form the bot builds for 税務課 (commands.uat.result_modal): what a client sends back on submit."""
    with services.session() as session:
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one()
        ctx = services.context(session, user_id=LIAISON, channel_id=None)
        return result_modal(ctx, get_session(session, number), zeimu)


def submitted(services, form: dict, outcome: str, note: str = "") -> dict[str, str] | Reply | None:
    """税務課's liaison submits the result form (bot.interactions.submit: the input gate, then commands.uat.submit)."""
    values = {
        OUTCOME: {"value": {"type": "radio_buttons", "selected_option": {"value": outcome}}},
        NOTE: {"value": {"type": "plain_text_input", "value": note}},
        REQUIREMENT: {"value": {"type": "static_select", "selected_option": None}},
    }
    return submit(services, user_id=LIAISON, view={**form, "id": "V0RESULT", "state": {"values": values}})


# --- rule 1: no result before the start, through the form too ------------------------------------------------------


@pytest.mark.parametrize("outcome,note", [("ok", ""), ("problem", "転出日の表示が逆になる")], ids=["問題なし", "問題あり"])
def test_rule_a_result_form_submitted_before_the_session_starts_is_refused(synced, fakeslack, outcome, note):
    """Rule: no result is recorded before the session has started, not even through a result form submitted then
    (commands/uat.py `_submit_result` checks again: the card's button and `/uat result` are not the only ways in)."""
    with time_machine.travel(NOW, tick=False):
        number = add_session(synced, fakeslack)
        form = zeimu_result_form(synced, number)
    with time_machine.travel(START - dt.timedelta(seconds=1), tick=False):
        refused = submitted(synced, form, outcome, note)
    assert isinstance(refused, Reply), refused
    assert refused.text == "結果はレビュー・テストが始まってから記録できます（開始: 2026-12-07(月) 14:00）。"
    assert count(synced, UatResult) == count(synced, Issue) == 0
    with time_machine.travel(START, tick=False):  # the same form, once the session has started
        recorded = submitted(synced, form, outcome, note)
    assert isinstance(recorded, Reply) and "税務課の結果「" in recorded.text, recorded
    with synced.session() as session:
        assert [(r.session_id, r.user_id, r.outcome) for r in session.exec(select(UatResult))] == [(number, LIAISON, outcome)]


# --- rule 2: a 問題あり result is a new issue, held to the person's issue limit -------------------------------------


@pytest.mark.parametrize(
    "own,others,filed_ago,refused",
    [
        (BURST, 0, dt.timedelta(0), True),  # the burst spent: refused
        (BURST - 1, BURST, dt.timedelta(0), False),  # others' issues do not count
        (BURST, 0, REFILL - dt.timedelta(seconds=1), True),  # the next token is not there yet
        (BURST, 0, REFILL, False),  # one REFILL later, one more
    ],
    ids=["burst-spent", "others-at-theirs", "before-the-refill", "a-refill-later"],
)
def test_rule_a_problem_result_is_held_to_the_liaisons_issue_limit(synced, fakeslack, own, others, filed_ago, refused):
    """Rule: 問題あり files an issue, so a liaison who spent their burst (BURST issues) is refused with the rate's
    sentence until REFILL has passed, and neither an issue nor a result is stored (commands/uat.py `_submit_result`
    calls commands/limits.py `rate_limit`); other people's issues leave room."""
    with time_machine.travel(NOW, tick=False):
        number = add_session(synced, fakeslack)
        form = zeimu_result_form(synced, number)
    at = START + dt.timedelta(minutes=30)
    with time_machine.travel(at - filed_ago, tick=False):
        for n in range(others):
            assert "を登録しました" in slash(synced, fakeslack, OTHER, "/issue", f"市民課の様式 その{n}")
        for n in range(own):
            assert "を登録しました" in slash(synced, fakeslack, LIAISON, "/issue", f"税務課の様式 その{n}")
    assert count(synced, Issue) == own + others
    with time_machine.travel(at, tick=False):
        said = submitted(synced, form, "problem", "転出日の表示が逆になる")
    assert isinstance(said, Reply), said
    from_session = count(synced, Issue, Issue.uat_session_id == number)
    if refused:
        wait = int((REFILL - filed_ago).total_seconds())
        assert said.text == ISSUE_REFUSAL.format(wait=wait)
        assert (count(synced, Issue), from_session, count(synced, UatResult)) == (own + others, 0, 0)
    else:
        assert "税務課の結果「問題あり」を記録し、課題 #" in said.text, said.text
        assert (count(synced, Issue), from_session, count(synced, UatResult)) == (own + others + 1, 1, 1)
        assert count(synced, Issue, Issue.uat_session_id == number, Issue.reporter_id == LIAISON) == 1


# --- rule 3: each family's limit counts the person's own, not everybody's ------------------------------------------

WIN, ISSUE = ("/win", Win, "入力項目を{n}つ減らせた", "小さな成功を"), ("/issue", Issue, "様式の確認 その{n}", "を登録しました")
RATE = "は、1人につき続けて 20 件まで、その後は 6 秒に1件までです。{wait} 秒ほどおいてから、もう一度お試しください。"
WIN_REFUSAL, ISSUE_REFUSAL = "小さな成功の共有" + RATE, "課題の登録" + RATE


@pytest.mark.parametrize(
    "family,own,others,refusal",
    [
        (WIN, BURST, 0, WIN_REFUSAL),  # the person's burst spent: refused
        (WIN, BURST - 1, BURST, None),  # another's spent: the person is not held back
        (WIN, 0, BURST, None),
        (ISSUE, BURST, 0, ISSUE_REFUSAL),
        (ISSUE, BURST - 1, BURST, None),
    ],
    ids=["win-own-at-limit", "win-others-at-limit", "win-only-others", "issue-own-at-limit", "issue-others-at-limit"],
)
def test_rule_each_familys_rate_counts_the_persons_own_not_everybodys(synced, fakeslack, family, own, others, refusal):
    """Rule: the rates of /win and /issue (BURST at once, then one every REFILL) count what the person shared or
    filed (storage/limits.py `filed_since`, by reporter): other people's wins and issues never empty a person's
    bucket."""
    command, model, text, done = family
    with time_machine.travel(NOW, tick=False):
        for n in range(others):
            assert done in slash(synced, fakeslack, OTHER, command, text.format(n=n))
        for n in range(own):
            assert done in slash(synced, fakeslack, LIAISON, command, text.format(n=n + 10))
        said = slash(synced, fakeslack, LIAISON, command, text.format(n=99))
    if refusal:
        assert said == refusal.format(wait=6)
        assert count(synced, model, model.reporter_id == LIAISON) == own
    else:
        assert done in said, said
        assert count(synced, model, model.reporter_id == LIAISON) == own + 1
    assert count(synced, model, model.reporter_id == OTHER) == others


# --- rule 4: a cancelled session has no jobs, and its job fired anyway sends nothing ------------------------------


def test_rule_a_cancelled_acceptance_test_is_no_longer_derived_into_jobs(synced, fakeslack):
    """Rule: `/uat cancel` ends a session's reminders: derive_jobs (reminders/jobs/__init__.py) leaves out cancelled
    sessions, even when it is handed every stored session, while a session not cancelled keeps its jobs."""
    with time_machine.travel(NOW, tick=False):
        cancelled = add_session(synced, fakeslack)
        kept = add_session(synced, fakeslack, "add 転出画面の受入テスト 2026-12-08 14:00 テスト")
        jobs = {f"uat:moving:{n}:{s}" for n in (cancelled, kept) for s in ("1d", "15m", "start")}
        assert {s.id for s in job_specs(synced) if s.kind == "uat"} == jobs
        said = slash(synced, fakeslack, LEAD, "/uat", f"cancel {cancelled}", channel="moving-leads")
        assert "を中止しました" in said, said
    kept_jobs = {f"uat:moving:{kept}:{s}" for s in ("1d", "15m", "start")}
    assert {s.id for s in job_specs(synced) if s.kind == "uat"} == kept_jobs
    with synced.session() as session:
        every = list(session.exec(select(UatSession)))
        slugs = {p.id: p.slug for p in session.exec(select(Project))}
    assert [s.cancelled for s in sorted(every, key=lambda s: s.id)] == [True, False]
    derived = derive_jobs(synced.project_file, [], slugs, synced.calendar, uat_sessions=every)
    assert {s.id for s in derived if s.kind == "uat"} == kept_jobs


@pytest.mark.parametrize("job", ["1d", "15m", "start"])
def test_rule_a_cancelled_acceptance_tests_job_fired_anyway_sends_nothing(synced, fakeslack, monkeypatch, job):
    """Rule: a cancelled session's job sends nothing, even fired with its id (reminders.firing.fire): not derived any
    more it is unknown, and fired from a list derived before the cancel (a scheduler that has not reconciled yet)
    its body (reminders/jobs/uat.py `run`) skips it: no reminder to the departments, no card refreshed."""
    with time_machine.travel(NOW, tick=False):
        number = add_session(synced, fakeslack)
        before_cancel = job_specs(synced)
        job_id = f"uat:moving:{number}:{job}"
        spec = next(s for s in before_cancel if s.id == job_id)
        moment = spec.trigger.get_next_fire_time(None, NOW)
        assert "を中止しました" in slash(synced, fakeslack, LEAD, "/uat", f"cancel {number}", channel="moving-leads")
    expected = {"1d": dt.datetime(2026, 12, 4, 14, 0), "15m": dt.datetime(2026, 12, 7, 13, 45), "start": START}[job]
    assert moment == expected.replace(tzinfo=TOKYO)
    calls, stored = len(fakeslack.calls), count(synced, OutboxMessage)
    with time_machine.travel(moment, tick=False):
        assert fire(synced, job_id, scheduled_at=moment).status == "unknown"  # no longer derived
        monkeypatch.setattr(firing, "job_specs", lambda services: before_cancel)
        result = fire(synced, job_id, scheduled_at=moment)
    assert fakeslack.calls[calls:] == []
    assert count(synced, OutboxMessage) == stored
    assert (result.status, result.reason) == ("skipped", "uat_cancelled")  # not a refresh that found nothing new
    with synced.session() as session:
        assert firing_row(session, job_id, moment).status == DeliveryStatus.SKIPPED
