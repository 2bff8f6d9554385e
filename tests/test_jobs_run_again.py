"""`renkei jobs run <job>` without `--at` runs the latest firing due, so that running it again is that same firing —
delivered once — for the weekly digest and the monthly report as for the daily stand-up (issue 22, point 4)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from typer.testing import CliRunner

from reminders.firing import fire, job_specs, latest_due
from tests.conftest import channel_id

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)  # the digest was due on Friday 11/27, the report on 11/2


def test_every_job_run_twice_without_a_time_is_one_firing(synced, fakeslack):
    """Each job of the sample project, run at 10:00 and again at 11:30 the same Monday: the second run finds the same
    latest firing and is a duplicate; nothing is posted the second time."""
    ids = [spec.id for spec in job_specs(synced)]
    assert any(i.startswith("digest:") for i in ids) and any(i.startswith("report:") for i in ids)
    first = {i: fire(synced, i, None, now=MONDAY) for i in ids}
    posted = len(fakeslack.calls_to("chat.postMessage", ok_only=True)) + len(fakeslack.calls_to("files.completeUploadExternal"))
    again = {i: fire(synced, i, None, now=MONDAY + dt.timedelta(minutes=90)) for i in ids}
    assert {i: r.status for i, r in again.items()} == {i: "duplicate" for i in ids}
    assert {i: r.scheduled_at for i, r in again.items()} == {i: r.scheduled_at for i, r in first.items()}
    assert (
        len(fakeslack.calls_to("chat.postMessage", ok_only=True)) + len(fakeslack.calls_to("files.completeUploadExternal"))
        == posted
    )


def test_the_latest_due_firing_of_a_weekly_and_a_monthly_job_is_found_days_back(synced):
    specs = {spec.id.split(":")[0]: spec for spec in job_specs(synced)}
    assert latest_due(specs["digest"], MONDAY) == dt.datetime(2026, 11, 27, 16, 0, tzinfo=TOKYO)
    report = latest_due(specs["report"], MONDAY)
    assert report is not None and report.date() == dt.date(2026, 11, 2)


def test_the_digest_run_again_by_hand_says_it_was_delivered(synced, fakeslack, cli_environment):
    from bot.cli import cli

    with time_machine.travel(MONDAY, tick=True):
        first = CliRunner().invoke(cli, ["jobs", "run", "digest:moving"])
        second = CliRunner().invoke(cli, ["jobs", "run", "digest:moving"])
    assert first.exit_code == 0 and "2026-11-27" in first.output, first.output
    assert second.exit_code == 0 and "すでに配信済みです" in second.output, second.output
    leads = channel_id(fakeslack, "moving-leads")
    assert len([c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == leads]) == 1
