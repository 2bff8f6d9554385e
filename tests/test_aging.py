"""Waiting issues age in business days: the waited-on department, then the leads, each told once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from reminders.calendar import BusinessCalendar
from reminders.jobs.aging import LEADS, NUDGE, aging_notices, escalation_step
from storage.issues import NewIssue, create_issue, reopen_issue, resolve_issue
from storage.models import Department, Issue, IssueEvent, Project
from storage.projectfile import EscalationSpec
from tests.conftest import channel_id

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 9, minute: int = 5) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


@pytest.mark.parametrize("days,step", [(0, None), (2, None), (3, NUDGE), (6, NUDGE), (7, LEADS), (30, LEADS)])
def test_the_escalation_rule(days, step):
    assert escalation_step(days, EscalationSpec()) == step


def test_the_rule_follows_the_project_setting():
    assert escalation_step(1, EscalationSpec(nudge_after=1, leads_after=2)) == NUDGE
    assert escalation_step(2, EscalationSpec(nudge_after=1, leads_after=2)) == LEADS


def test_business_days_skip_weekends_holidays_and_the_year_end():
    calendar = BusinessCalendar()
    # Thu 2026-11-19 -> Wed 11-25: Fri 20, (Sat, Sun, Mon 23 勤労感謝の日), Tue 24, Wed 25
    assert calendar.business_days_between(dt.date(2026, 11, 19), dt.date(2026, 11, 25)) == 3
    assert calendar.business_days_between(dt.date(2026, 12, 28), dt.date(2027, 1, 4)) == 1  # closure 12/29-1/3


def waiting_issue(services, created: dt.datetime) -> int:
    with time_machine.travel(created, tick=False), services.session() as session:
        shimin, zeimu = (session.exec(select(Department).where(Department.slug == s)).one() for s in ("shimin", "zeimu"))
        project = session.exec(select(Project)).one()
        issue = create_issue(
            session=session,
            issue_in=NewIssue(
                project_id=project.id,
                department_id=shimin.id,
                reporter_id="U01SHIMIN",
                title="<転出> データの受け渡し",
                waiting_on_id=zeimu.id,
            ),
        )
        return issue.id


def run_on(services, moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        return aging_notices(services, "moving")


def posted(fakeslack, name: str) -> list[str]:
    cid = channel_id(fakeslack, name)
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def test_aging_across_a_holiday_nudges_then_tells_the_leads_once_each(synced, fakeslack):
    number = waiting_issue(synced, at("2026-11-19", 10))  # Thursday
    assert run_on(synced, at("2026-11-23")) == []  # 勤労感謝の日: closed, nobody pinged
    assert run_on(synced, at("2026-11-24")) == []  # 2 business days
    [nudge] = run_on(synced, at("2026-11-25"))  # 3 business days (a calendar count would say 6)
    assert nudge.step == NUDGE and nudge.channel == channel_id(fakeslack, "moving-zeimu")
    [text] = posted(fakeslack, "moving-zeimu")
    assert f"#{number}" in text and "3 営業日" in text and "&lt;転出&gt;" in text
    assert run_on(synced, at("2026-11-25", 15)) == []  # never twice
    assert run_on(synced, at("2026-11-30")) == []  # 6 business days: the nudge was already sent
    [leads] = run_on(synced, at("2026-12-01"))  # 7 business days
    assert leads.step == LEADS
    [text] = posted(fakeslack, "moving-leads")
    assert "7 営業日" in text and "税務課" in text
    assert run_on(synced, at("2026-12-02")) == []
    assert len(posted(fakeslack, "moving-zeimu")) == 1
    with synced.session() as session:
        kinds = [e.kind for e in session.exec(select(IssueEvent).where(IssueEvent.issue_id == number))]
    assert kinds.count("nudged") == 1 and kinds.count("leads_alerted") == 1


def test_a_resolved_issue_is_not_chased_and_a_reopened_one_starts_a_new_wait(synced, fakeslack):
    number = waiting_issue(synced, at("2026-11-19", 10))
    with time_machine.travel(at("2026-11-20"), tick=False), synced.session() as session:
        issue = session.get(Issue, number)
        resolve_issue(session, issue, "U02ZEIMU")
    assert run_on(synced, at("2026-11-25")) == []
    with time_machine.travel(at("2026-11-26"), tick=False), synced.session() as session:
        reopen_issue(session, session.get(Issue, number), "U01SHIMIN")
    assert run_on(synced, at("2026-11-30")) == []  # 2 business days since the reopen
    [nudge] = run_on(synced, at("2026-12-01"))
    assert nudge.step == NUDGE


def test_the_year_end_closure_pings_nobody(synced, fakeslack):
    waiting_issue(synced, at("2026-12-21", 10))
    [nudge] = run_on(synced, at("2026-12-24"))  # Tue 22, Wed 23, Thu 24 = 3 business days
    assert nudge.step == NUDGE
    for day in ("2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03"):
        assert run_on(synced, at(day)) == []
    assert [n.step for n in run_on(synced, at("2027-01-05"))] == [LEADS]  # Fri 25, Mon 28, Mon 1/4, Tue 1/5 = 7
