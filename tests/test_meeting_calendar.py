"""Meeting reminders keep the office calendar, and a reminder run by hand names its meeting's real time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from reminders.firing import catch_up, fire, job_specs, upcoming
from storage.meetings import add_meeting
from storage.models import Meeting, Project
from tests.conftest import channel_id, post_slash


@pytest.fixture
def app(synced, http_app):
    return http_app


TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def add(services, title: str, *, cron: str | None = None, starts_at: dt.datetime | None = None) -> int:
    with services.session() as session:
        project = session.exec(select(Project)).one()
        meeting = add_meeting(
            session,
            project_id=project.id,
            title=title,
            cron=cron,
            starts_at=starts_at,
            remind_before=["1d", "15m"],
            created_by="U10LEAD",
        )
        return meeting.id


def next_firing(services, job_id: str, now: dt.datetime) -> dt.datetime | None:
    [spec] = [s for s in job_specs(services) if s.id == job_id]
    moment = upcoming(spec, now)
    return moment.astimezone(TOKYO) if moment else None


def shimin_posts(fakeslack) -> list[str]:
    cid = channel_id(fakeslack, "moving-shimin")
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def test_the_day_before_reminder_of_a_monday_meeting_fires_on_the_friday(synced):
    number = add(synced, "月曜会議", cron="0 10 * * mon")
    assert next_firing(synced, f"meeting:moving:{number}:1d", at("2026-11-25", 12)) == at("2026-11-27", 10)  # Fri
    assert next_firing(synced, f"meeting:moving:{number}:15m", at("2026-11-25", 12)) == at("2026-11-30", 9, 45)


def test_the_day_before_reminder_of_a_meeting_after_the_year_end_closure_fires_before_it(synced):
    number = add(synced, "仕事始めの打合せ", starts_at=at("2027-01-04", 14))
    # 12/29-1/3 are closed: the last business day before 1/4 is Monday 12/28
    assert next_firing(synced, f"meeting:moving:{number}:1d", at("2026-12-20")) == at("2026-12-28", 14)


def test_a_reminder_after_a_holiday_skips_it(synced):
    number = add(synced, "火曜会議", cron="30 13 * * tue")
    # Tuesday 11/24 follows 勤労感謝の日 (Monday 11/23): the reminder is on Friday 11/20
    assert next_firing(synced, f"meeting:moving:{number}:1d", at("2026-11-19", 18)) == at("2026-11-20", 13, 30)


def test_a_reminder_fired_on_the_friday_names_the_monday_meeting(synced, fakeslack):
    number = add(synced, "月曜会議", cron="0 10 * * mon")
    with time_machine.travel(at("2026-11-27", 10), tick=False):
        result = fire(synced, f"meeting:moving:{number}:1d", at("2026-11-27", 10))
    assert result.status == "delivered"
    [text] = shimin_posts(fakeslack)
    assert "11/30(月) 10:00" in text


def test_a_meeting_reminder_run_by_hand_names_the_meetings_real_date_and_time(synced, fakeslack):
    # Thursday 15:15: the latest reminder of the Wednesday 10:00 定例会議 (Tuesday's, for 11/25) is no use now the
    # meeting is over: `renkei jobs run` with no --at runs the next one, and it names the next meeting (Wednesday
    # 12/02 10:00), not the past one nor "now + 1 day"
    with time_machine.travel(at("2026-11-26", 15, 15), tick=False):
        result = fire(synced, "meeting:moving:1:1d")
    assert result.status == "delivered"
    [text] = shimin_posts(fakeslack)
    assert "12/02(水) 10:00" in text and "11/27" not in text and "11/25" not in text


def test_a_missed_day_before_reminder_is_caught_up_until_the_meeting_starts(synced, fakeslack):
    number = add(synced, "月曜会議", cron="0 10 * * mon")
    with time_machine.travel(at("2027-01-09", 9), tick=False):  # Saturday: Friday's reminder was missed
        done = dict(catch_up(synced, now=at("2027-01-09", 9)))
    # 1/11 is 成人の日: the meeting is on a closed day, so only the leads are told, still before it
    assert done[f"meeting:moving:{number}:1d"].status == "delivered"


# --- /meeting add: Japanese dates, closed days, what the confirmation says, duplicates ----------------------------


@pytest.mark.parametrize(
    ("when", "shown"),
    [
        ("12月3日 14:00", "2026-12-03(木) 14:00"),
        ("2026/12/03 14:00", "2026-12-03(木) 14:00"),
        ("2026年12月3日 14時半", "2026-12-03(木) 14:30"),
        ("明日 14:00", "2026-11-27(金) 14:00"),
        ("毎週水曜 10時", "2026-12-02(水) 10:00"),
    ],
)
def test_meeting_add_reads_japanese_dates_and_times(app, when, shown):
    with time_machine.travel(at("2026-11-26", 9), tick=True):
        text = post_slash(app, "/meeting", f"add 打合せ {when} remind 1日", user="U10LEAD").json()["text"]
    assert "を登録しました" in text and shown in text, text
    assert ("毎週水曜 10:00" in text) == when.startswith("毎週") and ("一回のみ" in text) != when.startswith("毎週")


def test_a_weekday_alone_is_weekly_and_the_confirmation_says_so(app):
    with time_machine.travel(at("2026-11-26", 9), tick=True):
        text = post_slash(app, "/meeting", "add 打合せ 水曜 10:00", user="U10LEAD").json()["text"]
    assert "毎週水曜 10:00" in text


def test_a_meeting_on_a_closed_day_is_refused_with_the_reason_unless_forced(app, synced):
    with time_machine.travel(at("2026-12-20", 9), tick=True):
        refused = post_slash(app, "/meeting", "add 打合せ 2026/12/30 10:00", user="U10LEAD").json()["text"]
        assert "12/30 は年末年始の閉庁期間のため、会議を登録しませんでした" in refused and "--force" in refused
        weekend = post_slash(app, "/meeting", "add 打合せ 毎週土曜 10:00", user="U10LEAD").json()["text"]
        assert "土日のため" in weekend
        with synced.session() as session:
            assert session.exec(select(Meeting).where(Meeting.title == "打合せ")).first() is None
        forced = post_slash(app, "/meeting", "add 打合せ 2026/12/30 10:00 --force", user="U10LEAD").json()["text"]
        assert "を登録しました" in forced


def test_the_same_meeting_twice_is_refused(app, synced):
    with time_machine.travel(at("2026-11-26", 9), tick=True):
        first = post_slash(app, "/meeting", "add 打合せ 12月3日 14:00", user="U10LEAD").json()["text"]
        second = post_slash(app, "/meeting", "add 打合せ 2026-12-03 14:00", user="U10LEAD").json()["text"]
        other = post_slash(app, "/meeting", "add 打合せ 2026-12-03 15:00", user="U10LEAD").json()["text"]
    assert "を登録しました" in first and "がすでに登録されています" in second and "を登録しました" in other
    with synced.session() as session:
        assert len(session.exec(select(Meeting).where(Meeting.title == "打合せ")).all()) == 2
