"""`renkei jobs list` and `renkei jobs run` as an operator runs them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from reminders.calendar import BusinessCalendar
from tests.conftest import SAMPLE, channel_id, run

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
WEEKDAYS = "月火水木金土日"


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


def test_a_prompt_set_for_a_closed_day_is_listed_on_the_next_business_day(env, tmp_path):
    now = dt.datetime.now(ZoneInfo("Asia/Tokyo"))
    # the Monday of the next 09:30 prompt: today itself on a Monday before 09:30 (the suite may run at any hour)
    monday = now.date() + dt.timedelta(days=(7 - now.weekday()) % 7)
    if monday == now.date() and (now.hour, now.minute) >= (9, 30):
        monday += dt.timedelta(days=7)
    text = SAMPLE.read_text(encoding="utf-8").replace('closed_days: ["2026-08-14"]', f'closed_days: ["{monday}"]')
    text = text.replace('cron: "30 9 * * mon-fri"', 'cron: "30 9 * * mon"')
    config = tmp_path / "renkei.yml"
    config.write_text(text, encoding="utf-8")
    result = run(["jobs", "list"], {**env, "RENKEI_CONFIG": str(config)}, tmp_path)
    moved = BusinessCalendar(closed_days=[monday]).next_business_day(monday)
    line = next(row for row in result.stdout.splitlines() if row.startswith("standup:moving"))
    assert f"{moved}({WEEKDAYS[moved.weekday()]}) 09:30" in line, (line, monday)


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
    assert unknown.returncode == 1 and "standup:nowhere" in unknown.stderr and "jobs list" in unknown.stderr
    bad = run(["jobs", "run", "standup:moving", "--at", "next friday"], env, tmp_path)
    assert bad.returncode == 1 and "ISO" in bad.stderr


def test_jobs_run_aging_is_a_job_like_the_others_claimed_once(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    first = run(["jobs", "run", "aging:moving", "--at", "2026-11-27T09:00"], env, tmp_path)
    assert first.returncode == 0 and "2026-11-27 09:00 の回として実行し" in first.stdout, first.stdout + first.stderr
    second = run(["jobs", "run", "aging:moving", "--at", "2026-11-27T09:00"], env, tmp_path)
    assert "すでに配信済みです" in second.stdout
