"""Kind `report`: `report:<project>`, at `report.cron`, the previous month's Excel report in every manager's DM.

A firing on a closed day (1/1) moves to the next business day at the same time (1/4) and still reports the whole
previous month (December); a firing on a closed day itself (`jobs run --at`) sends nothing. Skipped when the project
has no manager. Still useful after downtime on the same local day only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from commands.base import escape
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import users_with_role
from storage.enums import OutboxStatus, Role
from storage.projectfile import parse_cron
from words.durations import AFTER

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "report"
ORDER = 50  # where its jobs stand among a project's (reminders/jobs/__init__.py)


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    if not project.report or not project.report.cron:
        return []  # `report: {dates: …}` alone words the reports people ask for; no monthly one is sent
    trigger = BusinessDayTrigger(parse_cron(project.report.cron, project_file.timezone), calendar)  # closed days moved
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, trigger)]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Send the previous month's Excel report to every manager of the project, in their DMs."""
    from commands import report as report_commands  # openpyxl: imported when a report job runs, not by `jobs list`

    day = local_day(services, scheduled)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    start, end = report_commands.previous_month(day)
    with services.session() as session:
        project = project_row(session, spec.project)
        managers = users_with_role(session, Role.MANAGER, project_id=project.id)
        if not managers:
            return FiringResult("skipped", scheduled, reason="no_managers")
        folder = Path(services.settings.renkei_reports_dir)
        path = report_commands.make_report(
            session,
            project,
            start=start,
            end=end,
            out=folder / report_commands.report_filename(project, start, end),
            calendar=services.calendar,
            project_file=services.project_file,
            t=t,
            slack=services.gateway,
        )
    sent = 0
    for manager in managers:
        outcome = services.gateway.upload_file(
            key=f"{spec.id}@{scheduled.isoformat()}:{manager}",
            user=manager,
            path=path,
            title=t("report.file_title", project=project.name, start=start, end=end),
            comment=t("report.monthly_comment", project=escape(project.name), start=start, end=end),
        )
        sent += outcome.status != OutboxStatus.FAILED
    return FiringResult("delivered", scheduled, sent)


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, AFTER)
