"""Kind `uat`: `uat:<project>:<n>:<offset>`, `<offset>` before session `n` (renkei.yml's `uat.remind_before`), and
`uat:<project>:<n>:start` at its start.

The reminders follow the meetings' calendar rules (reminders/jobs/meeting.py): whole days count business days, so `1d`
before a Monday session fires on the Friday, never in the year-end closure. Each goes to every department channel and
names who signed up and the departments not yet. At the start the session's cards are updated in place, so they show
結果を記録. A cancelled or past session sends nothing. The jobs are derived from the stored sessions
(`session_specs`, called by reminders/jobs/__init__.py derive_jobs), as meetings' are.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from apscheduler.triggers.date import DateTrigger

from commands import uat as uat_commands
from commands.base import post_to_channels
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, what
from reminders.jobs.meeting import business_days_of, meeting_start
from reminders.triggers import BusinessDaysBeforeTrigger, OffsetTrigger, OpenDaysOnly
from storage.directory import department_channels
from storage.models import UatSession
from storage.projectfile import parse_duration
from storage.uat import get_session, starts_of
from words.durations import BEFORE

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "uat"
ORDER = 35  # after the meetings' reminders (reminders/jobs/__init__.py)
REMINDS_AHEAD = True  # a firing reminds of something ahead: run by hand once it has begun, the next one is meant
START = "start"


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    """No jobs from renkei.yml alone: they come from the stored sessions (`session_specs`)."""
    return []


def session_specs(
    project_file: ProjectFile, project: ProjectSpec, sessions: list[UatSession], calendar: BusinessCalendar
) -> list[JobSpec]:
    """One job per `uat.remind_before` offset of each session of the project, and one at its start."""
    found = []
    offsets: dict[dt.timedelta, str] = {}
    for text in project.uat.remind_before:
        offsets.setdefault(parse_duration(text), text)
    for row in sessions:
        base = DateTrigger(run_date=starts_of(row), timezone=ZoneInfo(project_file.timezone))
        prefix = f"{KIND}:{project.slug}:{row.id}"
        for offset, text in offsets.items():
            days = business_days_of(text, offset)
            trigger = (
                BusinessDaysBeforeTrigger(base, days, calendar) if days else OpenDaysOnly(OffsetTrigger(base, -offset), calendar)
            )
            found.append(
                JobSpec(
                    id=f"{prefix}:{text}",
                    kind=KIND,
                    project=project.slug,
                    trigger=trigger,
                    meeting_id=row.id,
                    offset=offset,
                    offset_text=text,
                    title=row.title,
                )
            )
        at_start = OffsetTrigger(base, dt.timedelta(0))
        found.append(
            JobSpec(id=f"{prefix}:{START}", kind=KIND, project=project.slug, trigger=at_start, meeting_id=row.id, title=row.title)
        )
    return found


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Remind every department channel of the session (who signed up, who not yet); at the start, refresh its cards."""
    if closed(services, local_day(services, scheduled)):  # `jobs run --at` a closed day: nobody is reminded then
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    tz = services.project_file.timezone
    with services.session() as session:
        row = get_session(session, spec.meeting_id or 0)
        if row is None or row.cancelled:
            return FiringResult("skipped", scheduled, reason="uat_cancelled")
        if spec.id.endswith(f":{START}"):
            count = uat_commands.refresh_cards(t, session, services.gateway, row, tz, now=starts_of(row))
            return FiringResult("delivered", scheduled, count)
        start = meeting_start(spec, scheduled)
        if start is None or start != starts_of(row):
            return FiringResult("skipped", scheduled, reason="uat_over")
        text = uat_commands.reminder(t, session, row, tz, spec.offset_text)
        channels = list(department_channels(session, row.project_id).values())
    failed = post_to_channels(services.gateway, key=f"{spec.id}@{scheduled.isoformat()}", channels=channels, text=text)
    return FiringResult("delivered", scheduled, len(channels) - len(failed))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    """A missed reminder is no use once the session has begun; the start's refresh is useful that day."""
    start = meeting_start(spec, scheduled)
    if start is None:
        return False
    if spec.id.endswith(f":{START}"):
        return now.astimezone(ZoneInfo(timezone)).date() == start.astimezone(ZoneInfo(timezone)).date()
    return now < start


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    if spec.id.endswith(f":{START}"):
        return t("uat.job_start", title=spec.title)
    return what(t, spec, BEFORE)
