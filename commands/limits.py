"""The refusals of storage/limits.py in words: a Reply to answer with, or None when within the limit."""

from __future__ import annotations

from commands.base import CommandContext, Reply
from commands.durations import BEFORE, duration_text
from storage.limits import (
    MAX_ISSUES_PER_MINUTE,
    MAX_MEETINGS_PER_PROJECT,
    MAX_REMINDERS_PER_MEETING,
    MAX_WINS_PER_MINUTE,
    issues_in_window,
    same_time_offsets,
    scheduled_meetings,
    wins_in_window,
)


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


def issue_rate_limit(ctx: CommandContext) -> Reply | None:
    """Refuse a new issue when the person filed MAX_ISSUES_PER_MINUTE in the last minute."""
    if issues_in_window(ctx.session, ctx.user_id) < MAX_ISSUES_PER_MINUTE:
        return None
    return Reply(text=ctx.t("limits.issues_per_minute", limit=MAX_ISSUES_PER_MINUTE))


def win_rate_limit(ctx: CommandContext) -> Reply | None:
    """Refuse a new win when the person shared MAX_WINS_PER_MINUTE in the last minute."""
    if wins_in_window(ctx.session, ctx.user_id) < MAX_WINS_PER_MINUTE:
        return None
    return Reply(text=ctx.t("limits.wins_per_minute", limit=MAX_WINS_PER_MINUTE))
