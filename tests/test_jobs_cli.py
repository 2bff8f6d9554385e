"""`renkei jobs list` and `renkei jobs run` as an operator runs them."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE, channel_id, run

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


def test_jobs_list_shows_every_job_with_its_next_run(env, tmp_path):
    result = run(["jobs", "list"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    for job in (
        "standup:moving",
        "standup-remind:moving",
        "meeting:moving:1:1d",
        "meeting:moving:1:15m",
        "digest:moving",
        "report:moving",
        "aging:moving",
    ):
        assert job in result.stdout
    line = next(row for row in result.stdout.splitlines() if row.startswith("meeting:moving:1:15m"))
    assert "定例会議" in line and "(水) 09:45" in line and "15分前" in line  # the meeting is Wednesday 10:00
    assert "前日" in next(row for row in result.stdout.splitlines() if row.startswith("meeting:moving:1:1d"))
    assert "1d" not in result.stdout.replace("meeting:moving:1:1d", "")  # durations in words, not 1d / 15m
    assert "(金) 16:00" in next(row for row in result.stdout.splitlines() if row.startswith("digest:moving"))


@pytest.mark.parametrize(
    ("now", "closed", "listed"),
    [
        # Thursday: the next Monday prompt is closed, so Tuesday's is listed
        ("2026-11-26T10:00:00+09:00", "2026-11-30", "2026-12-01(火) 09:30"),
        # Monday before 09:30: today's prompt is the next one; today is closed
        ("2026-11-30T09:00:00+09:00", "2026-11-30", "2026-12-01(火) 09:30"),
        # Monday after 09:30: today's prompt is past; the next Monday is closed
        ("2026-11-30T09:45:00+09:00", "2026-12-07", "2026-12-08(火) 09:30"),
        # a closed Monday before a holiday: 2027-01-11 is 成人の日, so the prompt moves to Tuesday the 12th
        ("2027-01-08T12:00:00+09:00", "2027-01-11", "2027-01-12(火) 09:30"),
    ],
)
def test_a_prompt_set_for_a_closed_day_is_listed_on_the_next_business_day(env, tmp_path, now, closed, listed):
    text = SAMPLE.read_text(encoding="utf-8").replace('closed_days: ["2026-08-14"]', f'closed_days: ["{closed}"]')
    text = text.replace('cron: "30 9 * * mon-fri"', 'cron: "30 9 * * mon"')
    config = tmp_path / "renkei.yml"
    config.write_text(text, encoding="utf-8")
    result = run(["jobs", "list"], {**env, "RENKEI_CONFIG": str(config), "RENKEI_TEST_NOW": now}, tmp_path)
    assert result.returncode == 0, result.stderr
    line = next(row for row in result.stdout.splitlines() if row.startswith("standup:moving"))
    assert listed in line, line


def test_jobs_run_reaches_every_channel_through_429s_and_posts_once(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    assert run(["sync"], env, tmp_path).returncode == 0
    fakeslack.fail("chat.postMessage", status=429, retry_after=1, times=3)
    first = run(["jobs", "run", "standup:moving", "--at", "2026-11-27T09:30"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2026-11-27 09:30 の回として実行し、6 チャンネルに送りました" in first.stdout
    statuses = [c.status for c in fakeslack.calls_to("chat.postMessage")]
    assert statuses.count(429) == 3
    for name in DEPARTMENT_CHANNELS:
        cid = channel_id(fakeslack, name)
        assert len([c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]) == 1
    second = run(["jobs", "run", "standup:moving", "--at", "2026-11-27T09:30"], env, tmp_path)
    assert second.returncode == 0 and "すでに配信済みです。二重には送りません" in second.stdout
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 6


def test_jobs_run_on_a_holiday_says_why_nothing_was_sent(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    result = run(["jobs", "run", "standup:moving", "--at", "2026-11-23T09:30"], env, tmp_path)
    assert result.returncode == 0 and "送りませんでした（理由: 閉庁日）" in result.stdout


def test_jobs_run_refuses_unknown_jobs_and_bad_times(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    unknown = run(["jobs", "run", "standup:nowhere"], env, tmp_path)
    assert unknown.returncode == 2 and "standup:nowhere" in unknown.stderr and "jobs list" in unknown.stderr
    bad = run(["jobs", "run", "standup:moving", "--at", "そのうち"], env, tmp_path)
    assert bad.returncode == 2 and "「今日 09:30」" in bad.stderr  # how to write one, with an example from today


def test_jobs_run_aging_is_a_job_like_the_others_claimed_once(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    first = run(["jobs", "run", "aging:moving", "--at", "2026-11-27T09:00"], env, tmp_path)
    assert first.returncode == 0 and "2026-11-27 09:00 の回として実行し" in first.stdout, first.stdout + first.stderr
    second = run(["jobs", "run", "aging:moving", "--at", "2026-11-27T09:00"], env, tmp_path)
    assert "すでに配信済みです" in second.stdout
