"""Named rules of the calendar's moves and the readers of dates, each written against a mutant that survived the
suite (scripts/mutation on commands.dates, reminders.triggers, storage.phases and the digest and report jobs)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from reminders.calendar import BusinessCalendar
from reminders.firing import fire
from reminders.triggers import BusinessDayTrigger
from storage.models import Project
from storage.projectfile import parse_cron
from words.dates import read_moment

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), TOKYO)


def test_rule_a_move_across_the_new_year_names_the_firing_of_the_old_year():
    """A Friday digest on 2027-12-31 (the closure) moves to Tuesday 2028-01-04 (1/3 is still closed); the move is
    named with its year — a firing of 2027 — and a moment that is no firing at all stands in for nothing."""
    trigger = BusinessDayTrigger(parse_cron("0 16 * * fri", "Asia/Tokyo"), BusinessCalendar())
    assert trigger.get_next_fire_time(None, at("2027-12-30", 12)) == at("2028-01-04", 16)
    assert trigger.moved_from(at("2028-01-04", 16)) == at("2027-12-31", 16)
    assert trigger.moved_from(at("2028-01-05", 12)) is None  # no firing of this trigger
    assert trigger.moved_from(at("2028-01-07", 16)) is None  # a regular Friday


@pytest.mark.parametrize(
    ("written", "meant"),
    [("2026/12/02T09:30", "2026-12-02T09:30"), ("2026-12-02T09:30+09:00", "2026-12-02T09:30")],
)
def test_rule_an_iso_moment_is_read_with_slashes_or_its_own_offset(written, meant):
    assert read_moment(written, at("2026-12-01", 8)) == dt.datetime.fromisoformat(meant).replace(tzinfo=TOKYO)


def test_rule_a_digest_with_no_leads_channel_is_skipped_saying_why(synced, fakeslack):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        project.leads_channel_id = None
        session.add(project)
        session.commit()
    friday = at("2026-11-27", 16)
    with time_machine.travel(friday + dt.timedelta(minutes=1), tick=True):
        result = fire(synced, "digest:moving", friday)
    assert (result.status, result.reason, result.scheduled_at) == ("skipped", "no_leads_channel", friday)
    assert fakeslack.calls_to("chat.postMessage") == []


def test_rule_a_reminder_minutes_before_skips_closed_days_and_finds_the_next_open_one():
    """15 minutes before a Wednesday 10:00 meeting: 4/29 (昭和の日) and 5/6 (振替休日) are closed Wednesdays in 2026,
    so from 4/28 the next reminder is 5/13 09:45, and it belongs to the 10:00 meeting of that day."""
    from reminders.triggers import OffsetTrigger, OpenDaysOnly

    trigger = OpenDaysOnly(OffsetTrigger(parse_cron("0 10 * * wed", "Asia/Tokyo"), -dt.timedelta(minutes=15)), BusinessCalendar())
    assert trigger.get_next_fire_time(None, at("2026-04-28", 12)) == at("2026-05-13", 9, 45)
    assert trigger.source_time(at("2026-05-13", 9, 45)) == at("2026-05-13", 10)


def test_rule_fire_times_include_a_firing_at_the_very_end():
    from reminders.triggers import fire_times

    trigger = BusinessDayTrigger(parse_cron("30 9 * * mon-fri", "Asia/Tokyo"), BusinessCalendar())
    assert fire_times(trigger, at("2026-12-07", 0), at("2026-12-08", 9, 30)) == [at("2026-12-07", 9, 30), at("2026-12-08", 9, 30)]


def test_rule_the_monthly_report_goes_to_this_projects_managers_or_is_skipped_saying_why(synced, fakeslack):
    """No manager of this project (a manager of another one does not count): skipped, `no_managers`, at its time."""
    from storage.models import RoleAssignment

    with synced.session() as session:
        for row in session.exec(select(RoleAssignment).where(RoleAssignment.role == "manager")):
            row.project_id = None  # the sample's manager now manages no project (as of another project's)
            session.add(row)
        session.commit()
    first = at("2026-12-01", 8)
    with time_machine.travel(first + dt.timedelta(minutes=1), tick=True):
        result = fire(synced, "report:moving", first)
    assert (result.status, result.reason, result.scheduled_at) == ("skipped", "no_managers", first)
    assert fakeslack.calls_to("files.completeUploadExternal") == []


def test_rule_the_monthly_reports_file_is_titled_with_the_project_and_its_month(synced, fakeslack):
    first = at("2026-12-01", 8)
    with time_machine.travel(first + dt.timedelta(minutes=1), tick=True):
        assert fire(synced, "report:moving", first).status == "delivered"
        synced.gateway.flush_pending()
    [upload] = fakeslack.calls_to("files.completeUploadExternal", ok_only=True)
    [file] = json.loads(upload.params["files"])
    assert file["title"] == "引越しワンストップ化 進捗レポート 2026-11-01〜2026-11-30"


def test_rule_a_report_section_without_cron_sends_no_monthly_report():
    """`report: {dates: wareki}` words the reports people ask for; no `cron`, no monthly job."""
    from reminders.jobs import report as report_job
    from storage.projectfile import parse_project_file
    from tests.conftest import SAMPLE

    text = SAMPLE.read_text(encoding="utf-8").replace('report: {cron: "0 8 1 * *", dates: both}', "report: {dates: wareki}")
    project_file = parse_project_file(text)
    [project] = project_file.projects
    assert report_job.specs(project_file, project, [], BusinessCalendar()) == []
