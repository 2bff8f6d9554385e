"""Kind `digest`: `digest:<project>`, at `digest.cron`, the week's digest in the project's leads channel.

A firing on a closed day moves to the next business day at the same time (a firing on a closed day itself, through
`jobs run --at`, sends nothing). It covers the days since the previous firing: the one moved from Friday 1/1 to
Monday 1/4 covers 12/26〜1/4, so the business days before the year-end closure are not lost. Skipped when the project
has no leads channel. Still useful after downtime on the same local day only.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import TICK, BusinessDayTrigger, fire_times
from storage.enums import OutboxStatus
from storage.projectfile import parse_cron
from words.durations import AFTER

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "digest"
ORDER = 40  # where its jobs stand among a project's (reminders/jobs/__init__.py)


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    if not project.digest:
        return []
    trigger = BusinessDayTrigger(parse_cron(project.digest.cron, project_file.timezone), calendar)  # closed days moved
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, trigger)]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Post the week's digest to the project's leads channel."""
    from commands import report as report_commands  # openpyxl: imported when a report job runs, not by `jobs list`

    day = local_day(services, scheduled)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    before = fire_times(spec.trigger, scheduled - dt.timedelta(days=30), scheduled - TICK)
    since = local_day(services, before[-1]) + dt.timedelta(days=1) if before else None  # from the day after the last
    t = services.translator()
    with services.session() as session:
        project = project_row(session, spec.project)
        if not project.leads_channel_id:
            return FiringResult("skipped", scheduled, reason="no_leads_channel")
        text, blocks = report_commands.digest_for(
            session,
            project,
            project_file=services.project_file,
            calendar=services.calendar,
            t=t,
            today=day,
            at=scheduled,
            since=since,
            slack=services.gateway,
        )
    outcome = services.gateway.post_message(
        key=f"{spec.id}@{scheduled.isoformat()}:{project.leads_channel_id}",
        channel=project.leads_channel_id,
        text=text,
        blocks=blocks,
    )
    return FiringResult("delivered", scheduled, int(outcome.status != OutboxStatus.FAILED))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, AFTER)
