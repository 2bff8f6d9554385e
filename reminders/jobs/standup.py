"""Kind `standup`: `standup:<project>`, the stand-up prompt with its 回答する button in every department channel.

Fires at `standup.cron`, moved to the next business day when it falls on a closed day; a firing on a closed day
(`jobs run --at`) sends nothing. Still useful after downtime on the same local day only.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from apscheduler.triggers.base import BaseTrigger

from commands import standup as standup_commands
from commands.base import post_to_channels
from commands.durations import AFTER
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import department_channels
from storage.ids import id_of
from storage.projectfile import parse_cron

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "standup"
ORDER = 10  # where its jobs stand among a project's (reminders/jobs/__init__.py)


def prompt_trigger(project_file: ProjectFile, project: ProjectSpec, calendar: BusinessCalendar) -> BaseTrigger:
    """When the prompt fires: `standup.cron`, closed days moved to the next business day."""
    if project.standup is None:
        raise ValueError(f"project {project.slug!r} has no stand-up")
    return BusinessDayTrigger(parse_cron(project.standup.cron, project_file.timezone), calendar)


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    if not project.standup:
        return []
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, prompt_trigger(project_file, project, calendar))]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Post the stand-up prompt with its 回答する button to every department channel."""
    day = local_day(services, scheduled)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    with services.session() as session:
        project = project_row(session, spec.project)
        channels = list(department_channels(session, id_of(project)).values())
        text, blocks = standup_commands.prompt(t, project=project, day=day)
    failed = post_to_channels(
        services.gateway, key=f"{spec.id}@{scheduled.isoformat()}", channels=channels, text=text, blocks=blocks
    )
    return FiringResult("delivered", scheduled, len(channels) - len(failed))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, AFTER)
