"""Reminder offsets in words: `1d` before a meeting is 前日, `15m` is 15分前, `3h` after the prompt is 3時間後.

renkei.yml, stored meetings and job ids keep the short form (`1d`, `15m`, `3h`); people read and may type words.
"""

from __future__ import annotations

import re
from typing import Iterable

from commands.base import Translate
from commands.suggest import fold
from storage.projectfile import DURATION_RE

BEFORE, AFTER = "before", "after"
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_WORDS = re.compile(r"^(\d{1,4})(分|時間|日)(前|後)?$")
_WORD_UNITS = {"分": "m", "時間": "h", "日": "d"}
_SEPARATORS = re.compile(r"[,、]")


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
