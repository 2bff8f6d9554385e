"""Meeting reminders keep the office calendar, and a reminder run by hand names its meeting's real time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from sqlmodel import select

from reminders.firing import catch_up, fire, job_specs, upcoming
from storage.meetings import add_meeting
from storage.models import Project
from tests.conftest import channel_id

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
    # Thursday 15:15, no reminder of the Wednesday 10:00 定例会議 due in the last two days: `renkei jobs run` with no
    # --at runs as now, and the reminder names the next meeting (Wednesday 12/02 10:00), not "now + 1 day"
    with time_machine.travel(at("2026-11-26", 15, 15), tick=False):
        result = fire(synced, "meeting:moving:1:1d")
    assert result.status == "delivered"
    [text] = shimin_posts(fakeslack)
    assert "12/02(水) 10:00" in text and "11/27" not in text


def test_a_missed_day_before_reminder_is_caught_up_until_the_meeting_starts(synced, fakeslack):
    number = add(synced, "月曜会議", cron="0 10 * * mon")
    with time_machine.travel(at("2027-01-09", 9), tick=False):  # Saturday: Friday's reminder was missed
        done = dict(catch_up(synced, now=at("2027-01-09", 9)))
    # 1/11 is 成人の日: the meeting is on a closed day, so only the leads are told, still before it
    assert done[f"meeting:moving:{number}:1d"].status == "delivered"
