"""APScheduler 3 triggers that know the office calendar, and fire-time arithmetic."""

from __future__ import annotations

import datetime as dt

from apscheduler.triggers.base import BaseTrigger

from reminders.calendar import BusinessCalendar

TICK = dt.timedelta(microseconds=1)
MAX_STEPS = 400  # a year of daily firings: enough to cross any closure, small enough to never hang
LOOKBACK = dt.timedelta(days=15)  # longer than any closure (year end + weekends, Golden Week)


class BusinessDayTrigger(BaseTrigger):
    """Fires like `base`, but a firing that falls on a closed day moves to the next business day, same time.

    When the moved firing meets a regular one (a daily stand-up after a holiday), they are one firing.
    """

    def __init__(self, base: BaseTrigger, calendar: BusinessCalendar):
        self.base = base
        self.calendar = calendar

    def get_next_fire_time(self, previous_fire_time, now):
        """The earliest firing at or after `now`: a regular one on a business day, or a moved one.

        Base firings up to LOOKBACK before `now` are considered, since a firing on a closed day
        before `now` may move to a time after it.
        """
        best = None
        candidate = self.base.get_next_fire_time(None, now - LOOKBACK)
        for _ in range(MAX_STEPS):
            if candidate is None or (best is not None and candidate >= best):
                break
            day = candidate.date()
            open_day = self.calendar.is_business_day(day)
            if not open_day:
                day = self.calendar.next_business_day(day)
            moment = candidate.replace(year=day.year, month=day.month, day=day.day)
            if moment >= now:
                best = moment if best is None else min(best, moment)
                if open_day:
                    break
            candidate = self.base.get_next_fire_time(candidate, candidate + TICK)
        return best

    def moved_from(self, moment: dt.datetime) -> dt.datetime | None:
        """The firing on a closed day that `moment` stands in for (1/1 08:00 for 1/4 08:00); None when `moment` is a
        regular firing (or no firing of this trigger)."""
        if self.base.get_next_fire_time(None, moment) == moment and self.calendar.is_business_day(moment.date()):
            return None  # a regular firing, even when moved ones meet it (a daily stand-up after a holiday)
        found = None
        candidate = self.base.get_next_fire_time(None, moment - LOOKBACK)
        for _ in range(MAX_STEPS):
            if candidate is None or candidate > moment:
                break
            if not self.calendar.is_business_day(candidate.date()):
                day = self.calendar.next_business_day(candidate.date())
                if candidate.replace(year=day.year, month=day.month, day=day.day) == moment:
                    found = candidate  # the latest one wins: the firing people would have expected last
            following = self.base.get_next_fire_time(candidate, candidate + TICK)
            candidate = following if following is None or following > candidate else None
        return found

    def __str__(self) -> str:
        return f"business days of {self.base}"


class OffsetTrigger(BaseTrigger):
    """Fires `offset` after each firing of `base` (negative: before), e.g. a reminder 1d before a meeting."""

    def __init__(self, base: BaseTrigger, offset: dt.timedelta):
        self.base = base
        self.offset = offset

    def get_next_fire_time(self, previous_fire_time, now):
        """The base's next firing after `now - offset`, shifted by the offset."""
        base_time = self.base.get_next_fire_time(None, now - self.offset)
        return base_time + self.offset if base_time is not None else None

    def source_time(self, fire_time: dt.datetime) -> dt.datetime | None:
        """The base firing a firing of this trigger belongs to (a reminder's meeting start)."""
        return fire_time - self.offset

    def __str__(self) -> str:
        return f"{self.base} {self.offset:+}"


class OpenDaysOnly(BaseTrigger):
    """Fires like `base` (an OffsetTrigger: a reminder hours or minutes before a meeting), except on closed days:
    a reminder 15 minutes before a meeting set on a holiday, or 12 hours before a Monday one, is not sent at all.
    Reminders in days count business days instead (BusinessDaysBeforeTrigger) and so never fall on a closed day."""

    def __init__(self, base: OffsetTrigger, calendar: BusinessCalendar):
        self.base = base
        self.calendar = calendar

    def get_next_fire_time(self, previous_fire_time, now):
        candidate = self.base.get_next_fire_time(None, now)
        for _ in range(MAX_STEPS):
            if candidate is None or self.calendar.is_business_day(candidate.date()):
                return candidate
            following = self.base.get_next_fire_time(candidate, candidate + TICK)
            candidate = following if following is None or following > candidate else None
        return None

    def source_time(self, fire_time: dt.datetime) -> dt.datetime | None:
        """The meeting start a firing belongs to (OffsetTrigger.source_time)."""
        return self.base.source_time(fire_time)

    def __str__(self) -> str:
        return f"open days of {self.base}"


class BusinessDaysBeforeTrigger(BaseTrigger):
    """Fires `days` business days before each firing of `base`, at the base's time of day.

    A reminder "1d" before a Monday 10:00 meeting fires on the Friday at 10:00; before a meeting on 1/4, on the last
    business day before the year-end closure. The calendar is the office's (reminders/calendar.py).
    """

    def __init__(self, base: BaseTrigger, days: int, calendar: BusinessCalendar):
        self.base = base
        self.days = days
        self.calendar = calendar

    def before(self, start: dt.datetime) -> dt.datetime:
        """The firing for a base firing at `start`."""
        day = start.date()
        for _ in range(self.days):
            day = self.calendar.previous_business_day(day)
        return start.replace(year=day.year, month=day.month, day=day.day)

    def get_next_fire_time(self, previous_fire_time, now):
        """The earliest firing at or after `now` (each lies before its base firing, so the base is asked from `now`)."""
        candidate = self.base.get_next_fire_time(None, now)
        for _ in range(MAX_STEPS):
            if candidate is None:
                return None
            moment = self.before(candidate)
            if moment >= now:
                return moment
            following = self.base.get_next_fire_time(candidate, candidate + TICK)
            candidate = following if following is None or following > candidate else None
        return None

    def source_time(self, fire_time: dt.datetime) -> dt.datetime | None:
        """The base firing whose reminder fires at `fire_time` (None when none does)."""
        candidate = self.base.get_next_fire_time(None, fire_time)
        for _ in range(MAX_STEPS):
            if candidate is None:
                return None
            moment = self.before(candidate)
            if moment == fire_time:
                return candidate
            if moment > fire_time:
                return None
            following = self.base.get_next_fire_time(candidate, candidate + TICK)
            candidate = following if following is None or following > candidate else None
        return None

    def __str__(self) -> str:
        return f"{self.base} -{self.days} business days"


def fire_times(trigger: BaseTrigger, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every firing from `start` up to and including `end`."""
    times: list[dt.datetime] = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end and len(times) < 10_000:
        if moment >= start:  # a DateTrigger answers its run date even when it lies before `start`
            times.append(moment)
        following = trigger.get_next_fire_time(moment, moment + TICK)
        moment = following if following is None or following > moment else None
    return times


def latest_fire_time(trigger: BaseTrigger, now: dt.datetime, lookback: dt.timedelta = dt.timedelta(days=2)) -> dt.datetime | None:
    """The firing a run at `now` belongs to: the latest one at or before `now` (within `lookback`)."""
    times = fire_times(trigger, now - lookback, now)
    return times[-1] if times else None
