"""Nothing depends on the weekday or hour the suite runs: the scheduling tests, run again as if it were a Monday at
09:00 JST (the stand-up hour) and a morning of the year-end closure, still pass."""

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
        pytest.param("2027-01-04T08:59:59+09:00", id="first-business-morning-of-the-year"),
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
