"""Dates in words, in the style a municipality chose (`report.dates` of renkei.yml): 令和8年11月26日, 2026年11月26日, or
both (令和8年11月26日 (2026/11/26)). The Excel report and the leads' board word dates with these."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from words.base import Translate

ERAS = ((dt.date(2019, 5, 1), "reiwa"), (dt.date(1989, 1, 8), "heisei"), (dt.date(1926, 12, 25), "showa"))


def date_text(t: Translate, style: str, day: dt.date) -> str:
    """A date as text in the report's style (the print header, lists in one cell): 令和8年11月26日 (2026/11/26)."""
    western = t("dates.seireki", year=day.year, month=day.month, day=day.day)
    era = next(((first, name) for first, name in ERAS if day >= first), None)
    if era is None or style == "seireki":
        return western
    wareki = t("dates.wareki", era=t(f"dates.era_{era[1]}"), year=day.year - era[0].year + 1, month=day.month, day=day.day)
    return wareki if style == "wareki" else t("dates.both", wareki=wareki, year=day.year, month=day.month, day=day.day)


def short_date(t: Translate, day: dt.date) -> str:
    """`11/26` (month and day) for dates inside a sentence of a cell."""
    return t("dates.short", month=day.month, day=day.day)


def short_span(t: Translate, first: dt.date, last: dt.date) -> str:
    """`12/24〜12/28`, or `12/24` for one day."""
    if first == last:
        return short_date(t, first)
    return t("dates.span", first=short_date(t, first), last=short_date(t, last))


# --- dates as people write them ------------------------------------------------------------------------------------

RELATIVE_DAYS = {"今日": 0, "本日": 0, "明日": 1, "あした": 1, "明後日": 2, "あさって": 2, "today": 0, "tomorrow": 1}
RELATIVE_DAYS.update({"昨日": -1, "きのう": -1, "一昨日": -2, "おととい": -2, "yesterday": -1})  # `jobs run --at 昨日 9時`
TIME_RE = re.compile(r"^([01]?\d|2[0-3])(?::([0-5]\d)|時(?:([0-5]?\d)分|(半))?)$")  # 14:00, 14時, 14時30分, 14時半
WEEK_WORDS = {"今週": 0, "来週": 1, "再来週": 2, "this": 0, "next": 1}  # 来週水曜, next wed
DAY_NAMES = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
DAY_NAMES.update({name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))})
ERA_WORDS = {"令和": "reiwa", "r": "reiwa", "平成": "heisei", "h": "heisei"}
MONTH_WORDS = {"今月": 0, "来月": 1, "再来月": 2}  # 来月1日
_MONTH_RE = re.compile(r"^(今月|来月|再来月)の?(\d{1,2})日$")
_WEEK_RE = re.compile(r"^(今週|来週|再来週|this|next)の?([月火水木金土日]|mon|tue|wed|thu|fri|sat|sun)[a-z]*(?:曜日?)?$")
_DATE_RE = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?$")  # 2026-12-10, 2026/12/10, 12月10日, 12/10
_ERA_RE = re.compile(r"^(令和|平成|r|h)(\d{1,2}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")  # 令和8年12月10日, R8.12.10
RECENTLY_PASSED = dt.timedelta(days=60)  # a year-less date this many days past may be a slip or next year's: asked


@dataclass
class AmbiguousDate(Exception):
    """A date that can be read two ways (`来週日曜`: weeks begin on Monday or on Sunday; `12/5` a few days after it:
    this year's, just past, or next year's). The caller asks back with both readings instead of guessing."""

    text: str
    readings: tuple[dt.date, dt.date]


def read_time(text: str) -> tuple[int, int] | None:
    """`14:00`, `14時`, `14時30分`, `14時半`, full-width or not, as (hour, minute); None when it is no time."""
    match = TIME_RE.match(unicodedata.normalize("NFKC", text or "").strip())
    if not match:
        return None
    return int(match.group(1)), 30 if match.group(4) else int(match.group(2) or match.group(3) or 0)


def read_date(text: str, today: dt.date, *, fiscal: bool = False) -> dt.date | None:
    """A date as people type it, full-width or not: `今日`, `明日`, `明後日`, `今週金曜`, `来週水曜`, `再来週の月曜日`,
    `来月1日`, `12/10`, `12月10日`, `2026/12/10`, `2026-12-10`, `2026年12月10日`, `令和8年12月10日`, `R8.12.10`.

    A date without its year is the next such day (`1月8日` typed in December is next January's); one that passed in
    the last RECENTLY_PASSED days is asked back (AmbiguousDate). With `fiscal`, a date without its year lies in the
    fiscal year (April to March) of `today` instead: `--from 4/1 --to 3/31` is this fiscal year. None when unreadable.
    """
    word = unicodedata.normalize("NFKC", text or "")
    word = "".join(c for c in word if unicodedata.category(c) != "Cf").strip().lower().replace(" ", "")
    if word in RELATIVE_DAYS:
        return today + dt.timedelta(days=RELATIVE_DAYS[word])
    if match := _WEEK_RE.match(word):
        return _in_week(text, today, WEEK_WORDS[match.group(1)], DAY_NAMES[match.group(2)])
    if match := _MONTH_RE.match(word):
        months = today.year * 12 + today.month - 1 + MONTH_WORDS[match.group(1)]
        return _date(months // 12, months % 12 + 1, int(match.group(2)))
    if match := _ERA_RE.match(word):
        return _era_date(*match.groups())
    match = _DATE_RE.match(word)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert month is not None and day is not None, "the pattern requires both"
    if year is not None:
        return _date(year, month, day)
    if fiscal:
        start_year = today.year if today.month >= 4 else today.year - 1
        return _date(start_year if month >= 4 else start_year + 1, month, day)
    this_year, next_year = _date(today.year, month, day), _date(today.year + 1, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    if this_year is not None and next_year is not None and today - this_year <= RECENTLY_PASSED:
        raise AmbiguousDate(text, (this_year, next_year))
    return next_year  # 2/29 typed in a year before a leap year is next year's; None when no such day comes next


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # 2月30日, 13月1日
        return None


def _in_week(text: str, today: dt.date, weeks_ahead: int, weekday: int) -> dt.date:
    """`来週水曜`: read with weeks that begin on Monday (ISO, most offices' 週) and on Sunday (most wall calendars).
    When the two readings differ and both are still to come, the date is asked back."""
    readings = []
    for first_day in (0, 6):  # Monday, Sunday
        start = today - dt.timedelta(days=(today.weekday() - first_day) % 7) + dt.timedelta(weeks=weeks_ahead)
        readings.append(start + dt.timedelta(days=(weekday - first_day) % 7))
    ahead = sorted({day for day in readings if day >= today})
    if len(ahead) == 2:
        raise AmbiguousDate(text, (ahead[0], ahead[1]))
    return ahead[0] if ahead else readings[0]  # both past: the Monday reading, which the caller refuses as past


def _era_date(era: str, year: str, month: str, day: str) -> dt.date | None:
    """`令和8年12月10日` as 2026-12-10; None for a date outside its era (平成32年)."""
    name = ERA_WORDS[era]
    first = next(start for start, code in ERAS if code == name)
    following = next((start for start, code in reversed(ERAS) if start > first), None)
    found = _date(first.year + (1 if year == "元" else int(year)) - 1, int(month), int(day))
    if found is None or found < first or (following is not None and found >= following):
        return None
    return found


def ambiguous_text(t: Translate, problem: AmbiguousDate) -> str:
    """Asking back: 「来週日曜」は 2026年12月13日（日） と 2026年12月20日（日） のどちらとも読めます。…"""
    first, second = (long_date(t, day) for day in problem.readings)
    return t("dates.ambiguous", text=problem.text, first=first, second=second, example=f"{problem.readings[1]:%Y/%-m/%-d}")


def long_date(t: Translate, day: dt.date) -> str:
    """`2026年12月13日（日）`."""
    weekday = t("calendar.weekdays").split(",")[day.weekday()]
    return t("dates.long", year=day.year, month=day.month, day=day.day, weekday=weekday)


def read_moment(text: str, now: dt.datetime) -> dt.datetime | None:
    """A moment as people write it, in `now`'s time zone: a day in words with or without a time (`明日 09:31`,
    `来週月曜 9時`, `12/10 14:00`, `明後日`: the same time of day as now), a time today (`17:00`), or an ISO moment
    (`2026-12-02T09:30`, `2026-12-02 09:30`). None when unreadable; AmbiguousDate for a day read two ways.
    The console's `:time` and `renkei jobs run --at` read their moments with it."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    words = text.split()
    time = read_time(words[-1]) if words else None
    day_words = words[:-1] if time is not None else words
    zone = now.tzinfo
    if day_words or time is not None:
        day = read_date("".join(day_words), now.date()) if day_words else now.date()  # `next friday`, `来週 水曜`
        if day is not None:
            hour, minute = time or (now.hour, now.minute)
            return dt.datetime.combine(day, dt.time(hour, minute), zone)
    try:
        moment = dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
