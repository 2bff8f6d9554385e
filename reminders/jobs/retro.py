"""Kind `retro`: `retro:<project>`, at `operation.retrospective` (monthly), the 振り返り prompt in every department
channel, with its 回答する button (commands/retro.py).

Only after launch: skipped with reason `before_launch` until the project is in operation (運用, `/renkei phase`).
Closed days are moved to the next business day; a firing on a closed day (`jobs run --at`) sends nothing. The
prompt's key names the month (`retro:<project>@<YYYY-MM>:<channel>`), so a channel gets it once a month even if the
schedule changes. Still useful after downtime within the same month.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from commands import retro as retro_commands
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import department_channels, project_departments
from storage.enums import OutboxStatus
from storage.ids import id_of
from storage.phases import in_operation
from storage.projectfile import parse_cron
from storage.retrospectives import month_of
from words.durations import AFTER

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "retro"
ORDER = 90  # where its jobs stand among a project's (reminders/jobs/__init__.py): after the others


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    trigger = BusinessDayTrigger(parse_cron(project.operation.retrospective, project_file.timezone), calendar)
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, trigger)]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Ask each department, in its channel, for the month's 振り返り (only once the project is in operation)."""
    day = local_day(services, scheduled)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    month = month_of(day)
    sent = 0
    with services.session() as session:
        project = project_row(session, spec.project)
        if not in_operation(project):
            return FiringResult("skipped", scheduled, reason="before_launch")
        key = retro_commands.prompt_key(project, month)
        channels = department_channels(session, id_of(project))  # one query, not one per department
        for department in project_departments(session, id_of(project)):
            channel = channels.get(id_of(department))
            if channel is None:
                continue
            text, blocks = retro_commands.prompt(t, project=project, department=department, month=month)
            outcome = services.gateway.post_message(key=f"{key}:{channel}", channel=channel, text=text, blocks=blocks)
            sent += outcome.status != OutboxStatus.FAILED
    return FiringResult("delivered", scheduled, sent)


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    """A month's 振り返り is still worth asking for later that month."""
    zone = ZoneInfo(timezone)
    return month_of(scheduled.astimezone(zone).date()) == month_of(now.astimezone(zone).date())


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, AFTER)
