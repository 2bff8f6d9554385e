"""The municipality's calendar against known dates of 2025–2027, and the triggers built on it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from reminders.calendar import CLOSED_DAY, HOLIDAY, WEEKEND, YEAR_END, BusinessCalendar
from reminders.triggers import BusinessDayTrigger, OffsetTrigger, fire_times, latest_fire_time
from storage.projectfile import parse_cron

TOKYO = ZoneInfo("Asia/Tokyo")
CALENDAR = BusinessCalendar(closed_days=[dt.date(2026, 8, 14)])

KNOWN = [  # (date, reason or None for an open day, what it is)
    ("2025-01-01", HOLIDAY, "元日"),
    ("2025-01-13", HOLIDAY, "成人の日"),
    ("2025-02-24", HOLIDAY, "振替休日"),
    ("2025-05-06", HOLIDAY, "振替休日"),
    ("2025-09-15", HOLIDAY, "敬老の日"),
    ("2025-11-24", HOLIDAY, "振替休日"),
    ("2025-12-26", None, "last business day of 2025"),
    ("2025-12-29", YEAR_END, "closure"),
    ("2026-01-02", YEAR_END, "closure"),
    ("2026-01-03", WEEKEND, "a Saturday in the closure"),
    ("2026-01-05", None, "first business day of 2026"),
    ("2026-03-20", HOLIDAY, "春分の日"),
    ("2026-05-06", HOLIDAY, "振替休日"),
    ("2026-08-13", None, "open"),
    ("2026-08-14", CLOSED_DAY, "closed_days"),
    ("2026-09-21", HOLIDAY, "敬老の日"),
    ("2026-09-22", HOLIDAY, "国民の休日"),
    ("2026-09-23", HOLIDAY, "秋分の日"),
    ("2026-09-24", None, "open"),
    ("2026-11-23", HOLIDAY, "勤労感謝の日"),
    ("2026-11-24", None, "open"),
    ("2026-12-28", None, "open"),
    ("2026-12-29", YEAR_END, "closure"),
    ("2026-12-31", YEAR_END, "closure"),
    ("2027-01-01", HOLIDAY, "元日"),
    ("2027-01-04", None, "first business day of 2027"),
    ("2027-03-22", HOLIDAY, "振替休日"),
    ("2027-05-03", HOLIDAY, "憲法記念日"),
    ("2027-05-06", None, "open"),
    ("2027-11-23", HOLIDAY, "勤労感謝の日"),
    ("2026-11-28", WEEKEND, "Saturday"),
]


@pytest.mark.parametrize("day,reason,what", KNOWN)
def test_known_dates(day, reason, what):
    assert CALENDAR.closed_reason(dt.date.fromisoformat(day)) == reason, what


def test_holiday_names_come_with_the_calendar():
    assert CALENDAR.holiday_name(dt.date(2026, 9, 22)) == "国民の休日"
    assert "振替休日" in CALENDAR.holiday_name(dt.date(2025, 11, 24))


def test_next_business_day_and_counts():
    assert CALENDAR.next_business_day(dt.date(2026, 12, 29)) == dt.date(2027, 1, 4)
    assert CALENDAR.next_business_day(dt.date(2026, 9, 19)) == dt.date(2026, 9, 24)  # Sat, Sun, 3 holidays
    assert CALENDAR.next_business_day(dt.date(2026, 9, 24)) == dt.date(2026, 9, 24)
    assert CALENDAR.business_days_between(dt.date(2026, 9, 18), dt.date(2026, 9, 25)) == 2


def test_an_ordinance_with_another_closure():
    custom = BusinessCalendar(year_end_closure=("12-28", "01-04"))
    assert custom.closed_reason(dt.date(2026, 12, 28)) == YEAR_END
    assert custom.closed_reason(dt.date(2027, 1, 4)) == YEAR_END
    assert custom.next_business_day(dt.date(2026, 12, 28)) == dt.date(2027, 1, 5)


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def test_a_daily_prompt_skips_a_week_with_a_holiday():
    trigger = BusinessDayTrigger(parse_cron("30 9 * * mon-fri"), CALENDAR)
    days = [t.date().isoformat() for t in fire_times(trigger, at("2026-11-19"), at("2026-11-27", 23))]
    assert days == ["2026-11-19", "2026-11-20", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]


def test_a_prompt_set_for_a_holiday_moves_to_the_next_business_day():
    weekly = BusinessDayTrigger(parse_cron("30 9 * * mon"), CALENDAR)
    assert fire_times(weekly, at("2026-11-22"), at("2026-11-30", 23)) == [at("2026-11-24", 9, 30), at("2026-11-30", 9, 30)]
    daily = BusinessDayTrigger(parse_cron("30 9 * * mon-fri"), CALENDAR)
    assert daily.get_next_fire_time(None, at("2026-12-28", 10)) == at("2027-01-04", 9, 30)  # the closure is one move
    assert fire_times(daily, at("2026-12-28", 10), at("2027-01-04", 23)) == [at("2027-01-04", 9, 30)]


def test_offsets_and_the_firing_a_run_belongs_to():
    standup = BusinessDayTrigger(parse_cron("30 9 * * mon-fri"), CALENDAR)
    remind = OffsetTrigger(standup, dt.timedelta(hours=3))
    assert remind.get_next_fire_time(None, at("2026-11-23")) == at("2026-11-24", 12, 30)
    before = OffsetTrigger(parse_cron("0 10 * * wed"), -dt.timedelta(days=1))
    assert before.get_next_fire_time(None, at("2026-11-26")) == at("2026-12-01", 10)
    assert latest_fire_time(standup, at("2026-11-24", 9, 31)) == at("2026-11-24", 9, 30)
    assert latest_fire_time(standup, at("2026-11-24", 9, 29), lookback=dt.timedelta(days=5)) == at("2026-11-20", 9, 30)
    assert latest_fire_time(standup, at("2026-11-24", 9, 29)) is None  # nothing within the default two days
