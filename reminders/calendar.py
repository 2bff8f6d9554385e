"""The municipality's business days: weekends, national holidays, the year-end closure, closed days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import jpholiday

if TYPE_CHECKING:
    from storage.projectfile import ProjectFile

WEEKEND, HOLIDAY, YEAR_END, CLOSED_DAY = "weekend", "holiday", "year_end", "closed_day"


class BusinessCalendar:
    """Answers "is the office open on this day?" and counts business days.

    National holidays come from jpholiday, which includes 振替休日 (substitute holidays) and
    国民の休日 (a day sandwiched between two holidays).
    """

    def __init__(self, *, year_end_closure: tuple[str, str] = ("12-29", "01-03"), closed_days: Iterable[dt.date] = ()):
        start, end = year_end_closure
        self._closure = (tuple(int(x) for x in start.split("-")), tuple(int(x) for x in end.split("-")))
        self._closed_days = set(closed_days)
        self._year_prefix: dict[int, list[int]] = {}  # year -> business days up to each day of that year
        self._year_start: dict[int, int] = {}  # year -> business days from the anchor year to the start of that year
        self._anchor: int | None = None  # the first year asked about; only differences of counts are ever used
        self._holiday_years: dict[int, frozenset[dt.date]] = {}

    def _holidays(self, year: int) -> frozenset[dt.date]:
        """The national holidays of a year, asked of jpholiday once per year (it is slow per date)."""
        if year not in self._holiday_years:
            self._holiday_years[year] = frozenset(day for day, _ in jpholiday.year_holidays(year))
        return self._holiday_years[year]

    def closed_reason(self, day: dt.date) -> str | None:
        """Why the office is closed on `day` (weekend, holiday, year_end, closed_day), or None when open."""
        if day.weekday() >= 5:
            return WEEKEND
        if day in self._holidays(day.year):
            return HOLIDAY
        if self._in_closure(day):
            return YEAR_END
        if day in self._closed_days:
            return CLOSED_DAY
        return None

    def is_business_day(self, day: dt.date) -> bool:
        """True when the office is open."""
        return self.closed_reason(day) is None

    def holiday_name(self, day: dt.date) -> str | None:
        """The national holiday's Japanese name, if `day` is one."""
        return jpholiday.is_holiday_name(day)

    def next_business_day(self, day: dt.date) -> dt.date:
        """`day` itself when open, else the first open day after it."""
        while not self.is_business_day(day):
            day += dt.timedelta(days=1)
        return day

    def previous_business_day(self, day: dt.date) -> dt.date:
        """The last open day before `day` (a reminder 前日 of a Monday meeting falls on the Friday)."""
        day -= dt.timedelta(days=1)
        while not self.is_business_day(day):
            day -= dt.timedelta(days=1)
        return day

    def business_days_between(self, start: dt.date, end: dt.date) -> int:
        """Business days after `start` up to and including `end` (0 when end <= start).

        Counted from per-year prefix sums, so ageing 100,000 issues in a report stays fast.
        """
        if end <= start:
            return 0
        return self._count_through(end) - self._count_through(start)

    def _count_through(self, day: dt.date) -> int:
        """Business days from the anchor year's start (negative before it) up to and including `day`."""
        if self._anchor is None:
            self._anchor = day.year
        return self._before_year(day.year) + self._prefix(day.year)[day.timetuple().tm_yday]

    def _before_year(self, year: int) -> int:
        anchor = self._anchor
        assert anchor is not None, "_count_through sets the anchor first"
        if year not in self._year_start:
            if year == anchor:
                self._year_start[year] = 0
            elif year > anchor:
                self._year_start[year] = self._before_year(year - 1) + self._prefix(year - 1)[-1]
            else:
                self._year_start[year] = self._before_year(year + 1) - self._prefix(year)[-1]
        return self._year_start[year]

    def _prefix(self, year: int) -> list[int]:
        if year not in self._year_prefix:
            prefix, day = [0], dt.date(year, 1, 1)
            while day.year == year:
                prefix.append(prefix[-1] + self.is_business_day(day))
                day += dt.timedelta(days=1)
            self._year_prefix[year] = prefix
        return self._year_prefix[year]

    def _in_closure(self, day: dt.date) -> bool:
        (start_month, start_day), (end_month, end_day) = self._closure
        here = (day.month, day.day)
        if (start_month, start_day) <= (end_month, end_day):
            return (start_month, start_day) <= here <= (end_month, end_day)
        return here >= (start_month, start_day) or here <= (end_month, end_day)


def calendar_for(project_file: ProjectFile) -> BusinessCalendar:
    """The calendar a project file describes."""
    return BusinessCalendar(year_end_closure=project_file.year_end_closure, closed_days=project_file.closed_days)
