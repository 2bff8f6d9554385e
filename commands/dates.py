"""Dates in words, in the style a municipality chose (`report.dates` of renkei.yml): 令和8年11月26日, 2026年11月26日, or
both (令和8年11月26日 (2026/11/26)). The Excel report and the leads' board word dates with these."""

from __future__ import annotations

import datetime as dt

from commands.base import Translate

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
