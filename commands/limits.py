"""The refusals of storage/limits.py in words: a Reply to answer with, or None when within the limit."""

from __future__ import annotations

import math

from commands.base import CommandContext, Reply
from storage.limits import (
    BURST,
    MAX_MEETINGS_PER_PROJECT,
    MAX_REMINDERS_PER_MEETING,
    REFILL,
    Family,
    rate_wait,
    same_time_offsets,
    scheduled_meetings,
)
from words.durations import BEFORE, duration_text


def meeting_limit(ctx: CommandContext, project_id: int) -> Reply | None:
    """Refuse a new meeting when the project already has MAX_MEETINGS_PER_PROJECT scheduled."""
    count = scheduled_meetings(ctx.session, project_id)
    if count < MAX_MEETINGS_PER_PROJECT:
        return None
    return Reply(text=ctx.t("limits.meetings_per_project", limit=MAX_MEETINGS_PER_PROJECT, count=count))


def reminder_limit(ctx: CommandContext, offsets: list[str]) -> Reply | None:
    """Refuse more than MAX_REMINDERS_PER_MEETING reminders, or two at the same time (前日 and 24時間前)."""
    if len(offsets) > MAX_REMINDERS_PER_MEETING:
        return Reply(text=ctx.t("limits.reminders_per_meeting", limit=MAX_REMINDERS_PER_MEETING, count=len(offsets)))
    same = same_time_offsets(offsets)
    if same:
        first, second = (duration_text(ctx.t, text, BEFORE) for text in same)
        return Reply(text=ctx.t("limits.reminder_same_time", first=first, second=second))
    return None


def rate_limit(ctx: CommandContext, family: Family) -> Reply | None:
    """Refuse one more of the family when the person's bucket is empty (storage/limits.py: BURST at once, then one
    every REFILL), saying the rule and how long to wait."""
    wait = rate_wait(ctx.session, family, ctx.user_id)
    if wait is None:
        return None
    text = ctx.t(
        "limits.too_fast",
        what=ctx.t(f"limits.family.{family}"),
        burst=BURST,
        interval=int(REFILL.total_seconds()),
        wait=max(1, math.ceil(wait.total_seconds())),
    )
    return Reply(text=text)
