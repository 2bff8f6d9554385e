"""No single job stops `renkei serve` (issue 22, point 2): a firing whose body fails during the catch-up at start is
recorded failed, the other firings go on, and `renkei jobs list` says which failed and why; the next run of it (by
its rule) delivers it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from typer.testing import CliRunner

from reminders import jobs
from reminders.firing import catch_up, fire

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.datetime(2026, 11, 30, 9, 40, tzinfo=TOKYO)  # ten minutes after the 09:30 stand-up prompt


def test_a_failing_catch_up_is_recorded_and_the_rest_goes_on(synced, fakeslack, cli_environment, monkeypatch):
    from bot.cli import cli

    def broken(services, spec, scheduled):
        raise RuntimeError("a bad row")

    monkeypatch.setattr(jobs.KINDS["standup"], "run", broken)
    results = dict(catch_up(synced, now=MONDAY))  # does not raise
    both = ["standup:moving", "standup:moving:operate"]  # the two rhythms of the stand-up kind: both failed, neither raised
    assert {job: (results[job].status, results[job].reason) for job in both} == {job: ("failed", "RuntimeError") for job in both}
    with time_machine.travel(MONDAY, tick=False):
        listed = CliRunner().invoke(cli, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    assert "送信に失敗したままの回（2 件" in listed.output
    assert "standup:moving" in listed.output.split("送信に失敗したままの回")[1] and "RuntimeError: a bad row" in listed.output
    monkeypatch.undo()
    again = {job: fire(synced, job, MONDAY.replace(minute=30), now=MONDAY).status for job in both}  # run again
    assert again == {"standup:moving": "delivered", "standup:moving:operate": "skipped"}  # (before launch: skipped)
    with time_machine.travel(MONDAY, tick=False):
        assert "送信に失敗したまま" not in CliRunner().invoke(cli, ["jobs", "list"]).output
