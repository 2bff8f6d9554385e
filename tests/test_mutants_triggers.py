"""The calendar triggers' own rules (reminders/triggers.py), written against mutants that survived the suite: a one-off
firing (a meeting on a given day, a DateTrigger) is asked for a bounded number of times, never spun on; moves name the
latest closed-day firing; the helpers that list firings keep to their window."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from reminders.calendar import BusinessCalendar
from reminders.triggers import (
    BusinessDaysBeforeTrigger,
    BusinessDayTrigger,
    OffsetTrigger,
    OpenDaysOnly,
    fire_times,
    latest_fire_time,
)
from storage.projectfile import parse_cron

TOKYO = ZoneInfo("Asia/Tokyo")
CALENDAR = BusinessCalendar()


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), TOKYO)


class Counted(BaseTrigger):
    """A base trigger that counts how often it is asked."""

    def __init__(self, base: BaseTrigger):
        self.base, self.asked = base, 0

    def get_next_fire_time(self, previous_fire_time, now):
        self.asked += 1
        return self.base.get_next_fire_time(previous_fire_time, now)

    def source_time(self, fire_time):
        return self.base.source_time(fire_time)


class Stuck(BaseTrigger):
    """A base that answers the same moment whatever it is asked (as an offset over a one-off date does)."""

    def __init__(self, moment: dt.datetime):
        self.moment, self.asked = moment, 0

    def get_next_fire_time(self, previous_fire_time, now):
        self.asked += 1
        return self.moment


def test_rule_a_meeting_on_a_holiday_gets_no_reminder_minutes_before_and_the_base_is_asked_twice_at_most():
    """15 minutes before a one-off meeting on 2027-01-01 (元日): no reminder at all, and the trigger does not keep asking
    a base that answers the same moment again."""
    base = Counted(OffsetTrigger(DateTrigger(at("2027-01-01", 10)), -dt.timedelta(minutes=15)))
    assert OpenDaysOnly(base, CALENDAR).get_next_fire_time(None, at("2026-12-20", 9)) is None
    assert base.asked <= 2


def test_rule_a_stuck_base_on_an_open_day_is_answered_once():
    stuck = Stuck(at("2027-01-05", 9))
    assert OpenDaysOnly(stuck, CALENDAR).get_next_fire_time(None, at("2027-01-01", 9)) == at("2027-01-05", 9)  # type: ignore[arg-type]
    assert stuck.asked == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda base: BusinessDaysBeforeTrigger(base, 1, CALENDAR),
        lambda base: OpenDaysOnly(base, CALENDAR),
    ],
)
def test_rule_a_stuck_base_in_the_past_ends_the_search_at_once(make):
    """A base that keeps answering a moment already past: no firing, found after two questions, not four hundred."""
    stuck = Stuck(at("2027-01-01", 9))  # closed (OpenDaysOnly) and its day-before lies before `now`
    assert make(stuck).get_next_fire_time(None, at("2027-01-02", 9)) is None
    assert stuck.asked <= 2


def test_rule_the_source_of_a_reminder_asks_a_stuck_base_twice_at_most():
    stuck = Stuck(at("2027-01-06", 10))
    trigger = BusinessDaysBeforeTrigger(stuck, 1, CALENDAR)
    assert trigger.source_time(at("2027-01-05", 10)) == at("2027-01-06", 10)
    assert trigger.source_time(at("2027-01-04", 10)) is None  # no meeting has its reminder then
    stuck.asked = 0
    assert trigger.source_time(at("2027-01-07", 10)) is None  # past the only meeting: the search ends
    assert stuck.asked <= 2


def test_rule_a_day_before_reminder_of_a_one_off_meeting_fires_once():
    """A one-off meeting on Monday 2027-01-04: the reminder a business day before is on 12/28 (the last day before the
    closure), at the meeting's time; listing the firings finds it once."""
    base = Counted(DateTrigger(at("2027-01-04", 10)))
    trigger = BusinessDaysBeforeTrigger(base, 1, CALENDAR)
    assert trigger.get_next_fire_time(None, at("2026-12-20", 9)) == at("2026-12-28", 10)
    assert fire_times(trigger, at("2026-12-20", 9), at("2027-01-10", 9)) == [at("2026-12-28", 10)]
    assert trigger.get_next_fire_time(None, at("2026-12-28", 10, 1)) is None


def test_rule_a_one_off_firing_on_a_closed_day_moves_once_and_then_there_is_none():
    base = Counted(DateTrigger(at("2027-01-02", 8)))  # a Saturday in the closure
    trigger = BusinessDayTrigger(base, CALENDAR)
    assert trigger.get_next_fire_time(None, at("2026-12-31", 8)) == at("2027-01-04", 8)
    assert trigger.get_next_fire_time(None, at("2027-01-04", 8, 1)) is None
    assert base.asked <= 4
    assert trigger.moved_from(at("2027-01-04", 8)) == at("2027-01-02", 8)


def test_rule_the_latest_of_two_closed_day_firings_is_named_as_the_moved_one():
    """A rhythm on Saturdays and Sundays only: both move to Monday; the move is named after the Sunday's (the firing
    people would have expected last), and the Monday has no regular firing of its own."""
    trigger = BusinessDayTrigger(parse_cron("0 9 * * sat,sun", "Asia/Tokyo"), CALENDAR)
    assert trigger.get_next_fire_time(None, at("2027-02-05", 12)) == at("2027-02-08", 9)
    assert trigger.moved_from(at("2027-02-08", 9)) == at("2027-02-07", 9)
    assert fire_times(trigger, at("2027-02-05", 12), at("2027-02-16", 12)) == [at("2027-02-08", 9), at("2027-02-15", 9)]


def test_rule_a_move_further_back_than_a_week_is_still_found():
    """Golden Week 2027 (4/29 and 5/3–5/5 closed, with the weekend between): a Thursday 4/29 firing moves to 4/30; one on
    5/3 moves to 5/6; seen from 5/6 the move is found although 5/3 lies three days back, and from 5/2 the next
    firing is 5/6."""
    trigger = BusinessDayTrigger(parse_cron("0 10 * * mon,thu", "Asia/Tokyo"), CALENDAR)
    assert trigger.get_next_fire_time(None, at("2027-04-28", 12)) == at("2027-04-30", 10)
    assert trigger.get_next_fire_time(None, at("2027-05-02", 12)) == at("2027-05-06", 10)
    assert trigger.moved_from(at("2027-05-06", 10)) is None  # 5/6 is a Thursday: its own firing


def test_rule_a_firing_moved_across_a_long_closure_is_found_from_inside_it():
    """A digest on Fridays 16:00: 2026-12-25 is open; the closure 12/29–1/3 holds no Friday firing other than 1/1,
    which moves to 1/4. Seen from 12/31 (14 days after a firing two weeks back), the next is 1/4 16:00."""
    trigger = BusinessDayTrigger(parse_cron("0 16 * * fri", "Asia/Tokyo"), CALENDAR)
    assert trigger.get_next_fire_time(None, at("2026-12-31", 12)) == at("2027-01-04", 16)
    assert trigger.moved_from(at("2027-01-04", 16)) == at("2027-01-01", 16)


def test_rule_firings_are_listed_within_their_window_only():
    """A one-off date before the window is not listed (a DateTrigger answers its date whatever it is asked); the end
    is included; the latest firing at or before a moment is the one a run belongs to, within the lookback only."""
    assert fire_times(DateTrigger(at("2027-01-05", 9)), at("2027-01-06", 9), at("2027-01-10", 9)) == []
    daily = parse_cron("0 9 * * *", "Asia/Tokyo")
    assert fire_times(daily, at("2027-01-05", 9), at("2027-01-07", 9)) == [
        at("2027-01-05", 9),
        at("2027-01-06", 9),
        at("2027-01-07", 9),
    ]
    assert latest_fire_time(daily, at("2027-01-07", 9)) == at("2027-01-07", 9)
    assert latest_fire_time(daily, at("2027-01-07", 8, 59)) == at("2027-01-06", 9)
    weekly = parse_cron("0 9 * * mon", "Asia/Tokyo")
    assert latest_fire_time(weekly, at("2027-01-13", 9)) == at("2027-01-11", 9)  # two days back: the window's start
    assert latest_fire_time(weekly, at("2027-01-13", 9, 1)) is None  # more than two days back
    assert latest_fire_time(weekly, at("2027-01-13", 9, 1), lookback=dt.timedelta(days=3)) == at("2027-01-11", 9)


def test_rule_naming_a_move_asks_a_stuck_base_a_bounded_number_of_times():
    """`moved_from` over a base that keeps answering one closed-day moment (an offset over a one-off date): the move is
    found (a Saturday firing stands for Monday's), and the search ends at once instead of spinning."""
    stuck = Stuck(at("2027-02-06", 9))  # a Saturday
    trigger = BusinessDayTrigger(stuck, CALENDAR)  # type: ignore[arg-type]
    assert trigger.moved_from(at("2027-02-08", 9)) == at("2027-02-06", 9)
    assert stuck.asked <= 3
