"""Kind `standup`: `standup:<project>`, the stand-up prompt with its 回答する button in every department channel.

Fires at `standup.cron`, moved to the next business day when it falls on a closed day; a firing on a closed day
(`jobs run --at`) sends nothing. Still useful after downtime on the same local day only.

The rhythm follows the project's phase (Project.phase, set by `/renkei phase`): `standup:<project>` sends only
before launch (skipped with reason `after_launch` once the project is in operation, 運用), and
`standup:<project>:operate`, at `operation.standup` (weekly by default), only after it (reason `before_launch`
otherwise). Both are always derived, so `renkei jobs list` shows both, each saying when it applies; the phase is read
when the job fires, so changing it needs no restart.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from apscheduler.triggers.base import BaseTrigger

from commands import standup as standup_commands
from commands.base import post_to_channels
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import department_channels
from storage.ids import id_of
from storage.phases import AFTER_LAUNCH, in_operation, standup_job_id
from storage.projectfile import parse_cron
from words.durations import AFTER

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting, Project
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "standup"
ORDER = 10  # where its jobs stand among a project's (reminders/jobs/__init__.py)


def after_launch(spec: JobSpec) -> bool:
    """Whether the job is the after-launch one (`operation.standup`), not the usual `standup.cron` one."""
    return spec.id.endswith(AFTER_LAUNCH)


def prompt_trigger(
    project_file: ProjectFile, project: ProjectSpec, calendar: BusinessCalendar, *, operate: bool = False
) -> BaseTrigger:
    """When the prompt fires: `standup.cron` (`operation.standup` after launch), closed days moved to the next
    business day."""
    if project.standup is None:
        raise ValueError(f"project {project.slug!r} has no stand-up")
    cron = project.operation.standup if operate else project.standup.cron
    if cron is None:
        raise ValueError(f"project {project.slug!r} has no stand-up after launch")
    return BusinessDayTrigger(parse_cron(cron, project_file.timezone), calendar)


def rhythms(project: ProjectSpec) -> list[tuple[str, bool]]:
    """The project's stand-up jobs as (id suffix, after launch): the usual one, and the after-launch one unless
    `operation.standup` is null (stand-ups end at launch). None without `standup:`."""
    if not project.standup:
        return []
    return [("", False)] + ([(AFTER_LAUNCH, True)] if project.operation.standup else [])


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    return [
        JobSpec(
            standup_job_id(project.slug, after_launch=op),
            KIND,
            project.slug,
            prompt_trigger(project_file, project, calendar, operate=op),
        )
        for _, op in rhythms(project)
    ]


def wrong_phase(spec: JobSpec, project: Project) -> str | None:
    """Why a stand-up job (prompt or reminder) sends nothing in the project's phase: `after_launch` for the usual
    one once the project is in operation, `before_launch` for the after-launch one until then; None when it applies."""
    if after_launch(spec) != in_operation(project):
        return "before_launch" if after_launch(spec) else "after_launch"
    return None


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Post the stand-up prompt with its 回答する button to every department channel (if it applies in the phase)."""
    day = local_day(services, scheduled)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    with services.session() as session:
        project = project_row(session, spec.project)
        reason = wrong_phase(spec, project)
        if reason:
            return FiringResult("skipped", scheduled, reason=reason)
        channels = list(department_channels(session, id_of(project)).values())
        text, blocks = standup_commands.prompt(t, project=project, day=day)
    failed = post_to_channels(
        services.gateway, key=f"{spec.id}@{scheduled.isoformat()}", channels=channels, text=text, blocks=blocks
    )
    return FiringResult("delivered", scheduled, len(channels) - len(failed))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return phase_note(t, spec, what(t, spec, AFTER))


def phase_note(t: Callable[..., str], spec: JobSpec, text: str) -> str:
    """A stand-up job's line in `renkei jobs list`, saying whether it applies before or after launch (運用)."""
    return t("jobs.after_launch" if after_launch(spec) else "jobs.before_launch", what=text)
