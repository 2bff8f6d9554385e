"""Waiting issues (reminders/jobs/aging.py), pinned down where mutation testing found them loose (scripts/mutation).

Days are counted in the project's time zone (Asia/Tokyo), whatever the machine's; each reminder is recorded as an
event of its own kind, by `renkei`, for its waiting period; a department without a channel does not keep the leads
from being told. Every moment is frozen with time_machine; the machine's zone is set to UTC where it matters.
"""

from __future__ import annotations

import time

import pytest
import time_machine
from sqlmodel import col, select

from bot.i18n import Translator
from reminders.jobs import aging
from reminders.jobs.aging import LEADS, NUDGE, aging_notices
from reminders.jobs.base import FiringResult, JobSpec
from storage.issues import history, reopen_issue, resolve_issue
from storage.models import Department, Issue, IssueEvent, ProjectDepartment
from storage.turns import whose_turn
from tests.conftest import channel_id
from tests.test_aging import at, posted, run_on, waiting_issue


@pytest.fixture
def machine_in_utc(monkeypatch):
    """The machine's own zone is UTC (as on CI), so that a count in it would differ from Tokyo's."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def events(services, number: int) -> list[tuple[str, str, str | None]]:
    with services.session() as session:
        rows = session.exec(
            select(IssueEvent)
            .where(IssueEvent.issue_id == number, col(IssueEvent.kind).in_(["nudged", "leads_alerted"]))
            .order_by(IssueEvent.id)
        )
        return [(e.kind, e.actor_id, e.note) for e in rows]


def test_today_is_tokyos_day_not_the_machines(synced, fakeslack, machine_in_utc):
    number = waiting_issue(synced, at("2026-11-18", 10))  # Wednesday
    # Tuesday 08:30 in Tokyo is still Monday 23 November (a holiday) in UTC: Thu, Fri, Tue = 3 business days
    [nudge] = run_on(synced, at("2026-11-24", 8, 30))
    assert (nudge.issue_id, nudge.step) == (number, NUDGE)


def test_the_wait_starts_on_tokyos_day_not_the_machines(synced, fakeslack, machine_in_utc):
    number = waiting_issue(synced, at("2026-11-19", 8))  # Thursday 08:00 in Tokyo, still Wednesday in UTC
    [nudge] = run_on(synced, at("2026-11-25"))  # Fri, Tue, Wed: 3 business days (4 from Wednesday)
    assert nudge.issue_id == number
    [text] = posted(fakeslack, "moving-zeimu")
    assert "3 営業日" in text and "4 営業日" not in text


def test_each_reminder_is_an_event_of_its_kind_by_renkei_for_its_waiting_period(synced, fakeslack):
    number = waiting_issue(synced, at("2026-11-19", 10))
    with synced.session() as session:
        issue = session.get(Issue, number)
        period = whose_turn(issue, history(session, number)).since.isoformat()  # when the ball went to 税務課
    run_on(synced, at("2026-11-25"))
    assert events(synced, number) == [("nudged", "renkei", period)]
    run_on(synced, at("2026-12-01"))
    assert events(synced, number) == [("nudged", "renkei", period), ("leads_alerted", "renkei", period)]


def test_a_long_wait_found_at_once_sends_both_reminders_in_order(synced, fakeslack):
    number = waiting_issue(synced, at("2026-11-19", 10))
    notices = run_on(synced, at("2026-12-01"))  # 7 business days: nothing was sent before (the bot was down)
    assert [(n.issue_id, n.step, n.channel) for n in notices] == [
        (number, NUDGE, channel_id(fakeslack, "moving-zeimu")),
        (number, LEADS, channel_id(fakeslack, "moving-leads")),
    ]
    assert [kind for kind, _, _ in events(synced, number)] == ["nudged", "leads_alerted"]
    [text] = posted(fakeslack, "moving-leads")
    assert "（市民課からの依頼）" in text and "税務課の回答待ち" in text


def test_a_new_waiting_period_is_reminded_again(synced, fakeslack):
    number = waiting_issue(synced, at("2026-11-19", 10))
    [first] = run_on(synced, at("2026-11-25"))
    with time_machine.travel(at("2026-11-26"), tick=False), synced.session() as session:
        resolve_issue(session, session.get(Issue, number), "U02ZEIMU")
    with time_machine.travel(at("2026-11-27"), tick=False), synced.session() as session:
        reopen_issue(session, session.get(Issue, number), "U01SHIMIN")
    [again] = run_on(synced, at("2026-12-02"))  # Mon, Tue, Wed after the reopen: 3 business days
    assert (first.step, again.step) == (NUDGE, NUDGE)
    assert len(posted(fakeslack, "moving-zeimu")) == 2
    nudges = [note for kind, _, note in events(synced, number) if kind == "nudged"]
    assert len(nudges) == 2 and nudges[0] != nudges[1]


def test_a_department_without_a_channel_does_not_keep_the_leads_from_being_told(synced, fakeslack):
    number = waiting_issue(synced, at("2026-11-19", 10))
    with synced.session() as session:
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one()
        link = session.exec(select(ProjectDepartment).where(ProjectDepartment.department_id == zeimu.id)).one()
        link.channel_id = None  # its channel was never made (sync failed for it)
        session.add(link)
        session.commit()
    [leads] = run_on(synced, at("2026-12-01"))
    assert (leads.issue_id, leads.step, leads.channel) == (number, LEADS, channel_id(fakeslack, "moving-leads"))


def test_an_unknown_project_is_named(synced):
    with pytest.raises(LookupError, match="no project 'nowhere' in the project file"):
        aging_notices(synced, "nowhere")


def test_the_job_runs_each_business_morning_in_the_projects_zone_and_reports_what_it_sent(synced, fakeslack):
    project_file = synced.project_file.model_copy(update={"timezone": "Pacific/Honolulu"})
    [spec] = aging.specs(project_file, project_file.projects[0], [], synced.calendar)
    assert (spec.id, spec.kind, spec.project) == ("aging:moving", "aging", "moving")
    assert str(spec.trigger.base.timezone) == "Pacific/Honolulu"
    waiting_issue(synced, at("2026-11-19", 10))
    scheduled = at("2026-11-25", 9, 0)
    with time_machine.travel(scheduled, tick=False):
        assert aging.run(synced, JobSpec("aging:moving", "aging", "moving", spec.trigger), scheduled) == FiringResult(
            "delivered", scheduled, 1
        )


def test_the_job_is_described_for_people():
    spec = JobSpec("aging:moving", "aging", "moving", None)
    assert aging.describe(Translator("ja"), spec) == "回答待ちの課題の確認（開庁日の朝）"
