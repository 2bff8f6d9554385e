"""Nothing depends on the day or hour the suite runs: the scheduling tests (the calendar, every job kind, dates read
from "today"), run again as if it were a Monday at 09:00 JST (the stand-up hour), a morning of the year-end closure,
the first business morning after it, the last business day of a fiscal year, 29 February and an ordinary day years
ahead, still pass. A test that mixes a fixed moment with "now" fails here on some of those days."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, TEST_NOW

SCHEDULING_TESTS = [
    "tests/test_clock.py",  # the check below that the set clock reaches this process and the ones it starts
    "tests/test_calendar.py",
    "tests/test_mutants_calendar.py",
    "tests/test_jobs.py",
    "tests/test_jobs_cli.py",
    "tests/test_job_kinds.py",
    "tests/test_standup_meeting.py",
    "tests/test_meeting_calendar.py",
    "tests/test_aging.py",
    "tests/test_mutants_aging.py",
    "tests/test_hearing_jobs.py",  # the hearing reminders
    "tests/test_uat.py",  # design reviews and acceptance tests, their reminders
    "tests/test_retro.py",  # the monthly 振り返り
    "tests/test_digest_steps.py",  # the weekly digest
    "tests/test_report_delivery.py",  # the monthly report
    "tests/test_closed_days.py",  # every kind against the year-end closure
    "tests/test_dates_in_words.py",  # 来週水曜, 12/10 … read from "today"
]


def test_the_clock_the_suite_runs_under_reaches_every_process(env, tmp_path):
    """Under RENKEI_TEST_NOW this process and a process it starts both read that moment (give or take the run)."""
    child = subprocess.run(
        [sys.executable, "-c", "import datetime as d; print(d.datetime.now(d.timezone.utc).isoformat())"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = dt.datetime.fromisoformat(child.stdout.strip())
    ours = dt.datetime.now(dt.timezone.utc)
    expected = dt.datetime.fromisoformat(TEST_NOW) if TEST_NOW else ours
    assert abs(ours - expected) < dt.timedelta(minutes=10)
    assert abs(theirs - ours) < dt.timedelta(minutes=1)


@pytest.mark.skipif(bool(TEST_NOW), reason="already running under a set clock")
@pytest.mark.parametrize(
    "moment",
    [
        pytest.param("2026-11-30T09:00:00+09:00", id="monday-0900-jst"),
        pytest.param("2026-12-29T09:00:00+09:00", id="year-end-closure"),
        pytest.param("2027-01-04T08:59:59+09:00", id="first-business-morning-of-the-year"),  # after a long closure
        pytest.param("2027-03-31T17:00:00+09:00", id="last-business-day-of-the-fiscal-year"),
        pytest.param("2028-02-29T09:00:00+09:00", id="leap-day"),
        pytest.param("2031-06-17T10:00:00+09:00", id="an-ordinary-tuesday-years-ahead"),
    ],
)
def test_the_scheduling_tests_pass_whatever_the_clock_says(moment):
    environment = {**os.environ, "RENKEI_TEST_NOW": moment}
    environment.pop("RENKEI_REQUIRE_POSTGRES", None)  # SQLite is enough to show the clock changes nothing
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "-k", "not postgresql"] + SCHEDULING_TESTS,
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-6000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
