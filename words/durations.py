"""Times in words: reminder offsets (`1d` before a meeting is 前日, `15m` is 15分前, `3h` after is 3時間後) and
schedules (`0 10 * * wed` is 毎週水曜 10:00).

renkei.yml, stored meetings and job ids keep the short forms (`1d`, cron strings); people read words and may type them.
"""

from __future__ import annotations

import re
from typing import Iterable

from storage.projectfile import CRON_WEEKDAYS, DURATION_RE
from words.base import Translate, fold

BEFORE, AFTER = "before", "after"
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_WORDS = re.compile(r"^(\d{1,4})(分|時間|日)(前|後)?$")
_WORD_UNITS = {"分": "m", "時間": "h", "日": "d"}
_SEPARATORS = re.compile(r"[,、]")
_NUMBER = re.compile(r"^\d{1,2}$")
_MONDAY_FIRST = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # the order of the catalog's calendar.weekdays


def duration_text(t: Translate, text: str, direction: str) -> str:
    """`1d` before -> 前日 (the day before), `15m` before -> 15分前, `3h` after -> 3時間後, in the catalog's language.

    `direction` is "before" or "after". Text that is not a short-form duration is returned as it is.
    """
    match = DURATION_RE.match(str(text).strip())
    if not match:
        return text
    amount, unit = int(match.group(1)), match.group(2)
    if (amount, unit) == (1, "d"):
        return t(f"duration.{direction}_one_day")
    return t(f"duration.{direction}_{_UNITS[unit]}", n=amount)


def durations_text(t: Translate, texts: Iterable[str] | str, direction: str) -> str:
    """Several offsets (`["1d", "15m"]` or `"1d,15m"`) in words: 前日、15分前."""
    if isinstance(texts, str):
        texts = [part for part in texts.split(",") if part]
    return t("duration.separator").join(duration_text(t, text, direction) for text in texts)


def read_duration(text: str) -> str | None:
    """A reminder offset as typed (`1d`, `前日`, `1日前`, `15分`, `３時間`…) in the short form; None if unreadable."""
    word = fold(text)
    if word == "前日":
        return "1d"
    if DURATION_RE.match(word):
        return word
    match = _WORDS.match(word)
    if match and match.group(3) != "後":
        return f"{int(match.group(1))}{_WORD_UNITS[match.group(2)]}"
    return None


def read_durations(text: str) -> list[str | None]:
    """Offsets separated by `,` or `、` (`前日,15分前`), each read by read_duration."""
    return [read_duration(part) for part in _SEPARATORS.split(text) if part.strip()]


def _weekdays(field: str) -> list[int] | None:
    """A crontab weekday field (`wed`, `1-5`, `mon,wed`, `*`) as Monday-first indexes; None if not that simple."""
    if field in ("*", "?"):
        return list(range(7))
    days: set[int] = set()
    for part in field.lower().split(","):
        ends = part.split("-")
        if len(ends) > 2 or not all(ends):
            return None
        try:  # crontab numbers (0 and 7 are Sunday) or names
            first, last = (_MONDAY_FIRST.index(CRON_WEEKDAYS[int(e)] if e.isdigit() else e) for e in (ends[0], ends[-1]))
        except (ValueError, IndexError):
            return None
        days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    return sorted(days)


def schedule_text(t: Translate, cron: str) -> str:
    """A crontab schedule in words: 毎週水曜 10:00, 平日 9:30, 毎日 9:00, 毎月1日 8:00 (in the catalog's language).

    Only a fixed time is put into words (one minute, one hour, every month); anything else (`*/15 9-17 * * *`) is
    shown as the cron string it is, said to be one.
    """
    fields = cron.split()
    if len(fields) != 5 or not (_NUMBER.match(fields[0]) and _NUMBER.match(fields[1])) or fields[3] != "*":
        return t("schedule.cron", cron=cron)
    minute, hour, day = int(fields[0]), int(fields[1]), fields[2]
    if minute > 59 or hour > 23:
        return t("schedule.cron", cron=cron)
    time = f"{hour}:{minute:02d}"
    weekdays = _weekdays(fields[4])
    if day != "*":
        if _NUMBER.match(day) and 1 <= int(day) <= 31 and weekdays == list(range(7)):
            return t("schedule.monthly", day=int(day), time=time)
        return t("schedule.cron", cron=cron)
    if weekdays is None:
        return t("schedule.cron", cron=cron)
    if len(weekdays) == 7:
        return t("schedule.daily", time=time)
    if weekdays == [0, 1, 2, 3, 4]:
        return t("schedule.weekdays", time=time)
    names = t("calendar.weekdays").split(",")
    return t("schedule.weekly", days=t("schedule.day_separator").join(names[d] for d in weekdays), time=time)
