"""Business-day counts and closures, pinned down where mutation testing found them loose (scripts/mutation).

`business_days_between` counts from per-year prefix sums anchored at the first year a calendar is asked about; the
count must equal a plain day-by-day count whatever that year is and in whichever order spans are asked.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reminders.calendar import YEAR_END, BusinessCalendar

D = dt.date.fromisoformat


def counted(calendar: BusinessCalendar, start: dt.date, end: dt.date) -> int:
    """Business days after `start` up to and including `end`, one day at a time."""
    return sum(calendar.is_business_day(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1))


SPANS = [
    ("2026-03-02", "2026-03-31"),
    ("2025-12-20", "2026-01-10"),
    ("2024-06-01", "2027-02-01"),
    ("2023-12-25", "2025-01-06"),
    ("2027-12-24", "2028-01-07"),
]


@pytest.mark.parametrize("closure", [("12-29", "01-03"), ("01-02", "01-03")])  # the second leaves 31 December open
@pytest.mark.parametrize("first", range(len(SPANS)))
def test_counts_match_a_day_by_day_count_whichever_year_is_asked_first(closure, first):
    calendar = BusinessCalendar(year_end_closure=closure)
    plain = BusinessCalendar(year_end_closure=closure)
    for start, end in SPANS[first:] + SPANS[:first]:  # each order anchors the prefix sums at another year
        assert calendar.business_days_between(D(start), D(end)) == counted(plain, D(start), D(end)), (start, end)


def test_a_span_asked_backwards_from_a_late_anchor():
    calendar = BusinessCalendar(year_end_closure=("01-02", "01-03"))
    assert calendar.business_days_between(D("2028-01-04"), D("2028-01-05")) == 1  # the anchor year: 2028
    # 2025-12-31 (Wed) is open with this closure: the years before the anchor count every day of theirs
    assert (
        calendar.business_days_between(D("2025-12-30"), D("2026-01-05"))
        == counted(calendar, D("2025-12-30"), D("2026-01-05"))
        == 2
    )
    assert calendar.business_days_between(D("2024-12-30"), D("2028-01-05")) == counted(calendar, D("2024-12-30"), D("2028-01-05"))


def test_no_business_days_when_the_end_is_not_after_the_start():
    calendar = BusinessCalendar()
    assert calendar.business_days_between(D("2026-11-26"), D("2026-11-26")) == 0
    assert calendar.business_days_between(D("2026-11-27"), D("2026-11-26")) == 0
    assert calendar.business_days_between(D("2026-12-01"), D("2026-11-02")) == 0


def test_a_closure_within_one_year_includes_both_ends():
    obon = BusinessCalendar(year_end_closure=("08-12", "08-14"))  # Wed 12 to Fri 14 August 2026
    assert [obon.closed_reason(D(f"2026-08-{day}")) for day in (10, 12, 13, 14, 17)] == [None, YEAR_END, YEAR_END, YEAR_END, None]
    assert obon.closed_reason(D("2026-12-29")) is None  # no year-end closure besides


def test_a_closure_of_one_day():
    one_day = BusinessCalendar(year_end_closure=("08-13", "08-13"))
    assert [one_day.closed_reason(D(f"2026-08-{day}")) for day in (12, 13, 14)] == [None, YEAR_END, None]
