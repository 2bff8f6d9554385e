"""Every job follows the municipality's calendar: across the year-end closure (12/29〜1/3, with 元日 and two weekends)
no job of any kind fires on a closed day, a firing run by hand on one sends nothing, the weekly digest and the monthly
report move to the first business day (1/4) at their usual time and say so in `renkei jobs list`, and the report
sent then, like `/report` asked for that morning, covers the whole of December. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select
from typer.testing import CliRunner

from bot import interactions
from bot.cli import cli
from commands.report import report_period
from reminders.calendar import BusinessCalendar
from reminders.firing import fire, job_specs, moved_note, upcoming
from reminders.jobs import KINDS
from reminders.triggers import fire_times
from storage.meetings import add_meeting
from storage.models import Project
from storage.uat import add_session

TOKYO = ZoneInfo("Asia/Tokyo")
BEFORE_THE_CLOSURE = dt.datetime(2026, 12, 21, 9, 0, tzinfo=TOKYO)  # the test's own clock: a Monday before the closure
WINDOW = (dt.datetime(2026, 12, 25, 18, 0, tzinfo=TOKYO), dt.datetime(2027, 1, 5, 23, 59, tzinfo=TOKYO))


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), TOKYO)


@pytest.fixture(autouse=True)
def before_the_closure():
    with time_machine.travel(BEFORE_THE_CLOSURE, tick=True):
        yield


@pytest.fixture
def scheduled(synced):
    """The sample project with a one-off meeting set on 12/30 (a closed day, on purpose) and an acceptance test on
    1/5, besides the sample's weekly 定例会議 (Wednesdays: 12/30 is one)."""
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        add_meeting(
            session,
            project_id=project.id,
            title="年末の打合せ",
            cron=None,
            starts_at=at("2026-12-30", 10),
            remind_before=["1d", "15m", "12h"],
            created_by="U10LEAD",
        )
        add_session(
            session,
            project_id=project.id,
            title="転出の受入テスト",
            kind="test",
            starts_at=at("2027-01-05", 10),
            place=None,
            created_by="U10LEAD",
        )
    return synced


def test_no_job_of_any_kind_is_scheduled_on_a_closed_day(scheduled):
    calendar = scheduled.calendar
    kinds_seen = set()
    for spec in job_specs(scheduled):
        for moment in fire_times(spec.trigger, *WINDOW):
            kinds_seen.add(spec.kind)
            assert calendar.is_business_day(moment.astimezone(TOKYO).date()), (spec.id, moment)
    assert kinds_seen == set(KINDS)  # every kind was looked at: each fires in the window, on business days only


def test_a_firing_run_by_hand_on_a_closed_day_sends_nothing_whatever_the_kind(scheduled, fakeslack):
    new_year = at("2027-01-01", 10)
    ran = set()
    for spec in job_specs(scheduled):
        if spec.kind in ran:
            continue
        ran.add(spec.kind)
        with time_machine.travel(new_year + dt.timedelta(minutes=1), tick=True):
            result = fire(scheduled, spec.id, new_year)
        assert (result.status, result.reason, result.channels, result.scheduled_at) == ("skipped", "closed_day", 0, new_year)
    assert ran == set(KINDS)
    assert fakeslack.calls_to("chat.postMessage") == [] and fakeslack.calls_to("files.completeUploadExternal") == []


def test_the_digest_and_the_report_move_to_the_first_business_day_and_the_list_says_why(scheduled, cli_environment):
    specs = {spec.id: spec for spec in job_specs(scheduled)}
    after_the_last_digest = at("2026-12-25", 17)
    assert upcoming(specs["digest:moving"], after_the_last_digest) == at("2027-01-04", 16)  # not 1/1 (Fri) 16:00
    assert upcoming(specs["report:moving"], after_the_last_digest) == at("2027-01-04", 8)  # not 1/1 08:00
    assert moved_note(scheduled, specs["report:moving"], at("2027-01-04", 8)) == "（01/01(金) 08:00 が元日のため移動）"
    assert moved_note(scheduled, specs["digest:moving"], at("2027-01-08", 16)) == ""  # a regular Friday
    assert moved_note(scheduled, specs["retro:moving"], at("2027-01-04", 10)) == "（01/01(金) 10:00 が元日のため移動）"
    assert moved_note(scheduled, specs["standup:moving"], at("2027-01-04", 9, 30)) == ""  # Monday's own, not 12/29's
    assert moved_note(scheduled, specs["hearing:moving"], at("2027-01-07", 10)) == ""

    with time_machine.travel(after_the_last_digest, tick=False):
        listed = CliRunner().invoke(cli, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[0]: line for line in listed.output.splitlines() if line.strip()}
    assert "2027-01-04(月) 16:00（01/01(金) 16:00 が元日のため移動）" in rows["digest:moving"]
    assert "2027-01-04(月) 08:00（01/01(金) 08:00 が元日のため移動）" in rows["report:moving"]


def test_the_report_sent_on_the_first_business_day_covers_the_whole_previous_month(scheduled, fakeslack):
    with time_machine.travel(at("2027-01-04", 8, 1), tick=True):
        result = fire(scheduled, "report:moving", at("2027-01-04", 8))
        assert (result.status, result.channels) == ("delivered", 1)
        scheduled.gateway.flush_pending()
    [upload] = fakeslack.calls_to("files.completeUploadExternal", ok_only=True)
    assert "2026-12-01〜2026-12-31" in str(upload.params)


@pytest.mark.parametrize(
    ("today", "period"),
    [
        ("2027-01-04", ("2026-12-01", "2026-12-31")),  # the first business day after the closure: December
        ("2027-01-05", ("2027-01-01", "2027-01-05")),  # 1/4 has ended: this month
        ("2026-12-01", ("2026-11-01", "2026-11-30")),  # a Tuesday, the month's first business day
        ("2026-12-02", ("2026-12-01", "2026-12-02")),
        ("2027-05-06", ("2027-04-01", "2027-04-30")),  # after Golden Week (5/1〜5/5 closed)
        ("2027-05-07", ("2027-05-01", "2027-05-07")),
    ],
)
def test_a_report_asked_for_without_dates_before_a_business_day_of_the_month_has_ended_covers_the_last_month(today, period):
    found = report_period(dt.date.fromisoformat(today), BusinessCalendar())
    assert found == tuple(dt.date.fromisoformat(day) for day in period)


def test_report_asked_for_on_the_morning_of_1_4_is_decembers(synced):
    answers = []
    with time_machine.travel(at("2027-01-04", 10), tick=True):
        interactions.slash(
            synced,
            user_id="U20BOSS",
            channel_id=None,
            command="/report",
            text="",
            trigger_id="t",
            ack=lambda **kwargs: answers.append(kwargs.get("text", "")),
            respond=lambda **kwargs: answers.append(kwargs.get("text", "")),
        )
    assert "2026-12-01〜2026-12-31" in answers[0], answers


def test_the_digest_moved_to_1_4_covers_the_days_since_the_last_one_and_the_next_one_follows_on(synced, fakeslack):
    def digest_at(moment: dt.datetime) -> str:
        with time_machine.travel(moment + dt.timedelta(minutes=1), tick=True):
            assert fire(synced, "digest:moving", moment).status == "delivered"
            synced.gateway.flush_pending()
        return fakeslack.calls_to("chat.postMessage", ok_only=True)[-1].params["text"]

    assert "12/19〜12/25" in digest_at(at("2026-12-25", 16))  # a regular Friday: its seven days
    assert "12/26〜01/04" in digest_at(at("2027-01-04", 16))  # moved from 1/1: 12/28 (a business day) is not lost
    assert "01/05〜01/08" in digest_at(at("2027-01-08", 16))  # the next Friday: from the day after the moved one
