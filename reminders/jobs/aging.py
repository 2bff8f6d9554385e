"""Kind `aging`: `aging:<project>`, 09:00 each business morning, issues that wait on another department.

The rule (`escalation_step`): after `escalation.nudge_after` business days the waited-on department's channel is
reminded; after `escalation.leads_after` the leads channel is told. Each reminder is sent once per waiting period
(recorded as an issue event). Nobody is pinged on a closed day. Still useful after downtime on the same local day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from commands.base import escape
from commands.durations import AFTER
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import department_channels
from storage.enums import EventKind, OutboxStatus
from storage.ids import id_of
from storage.issues import BOT_ACTOR, add_event, has_event, waiting_issues, waiting_since
from storage.models import Department, Project, utcnow
from storage.projectfile import EscalationSpec, parse_cron

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "aging"
ORDER = 60  # where its jobs stand among a project's (reminders/jobs/__init__.py)
AGING_CRON = "0 9 * * mon-fri"  # each business morning: waiting issues are nudged or raised to the leads

NUDGE, LEADS = "nudge", "leads"

# post(key, channel, text) -> True when the message is (or already was) delivered
Post = Callable[[str, str, str], bool]


def escalation_step(waiting_business_days: int, escalation: EscalationSpec) -> str | None:
    """The rule: after `nudge_after` business days the waited-on department is reminded;
    after `leads_after` the leads are told. None while the wait is still short."""
    if waiting_business_days >= escalation.leads_after:
        return LEADS
    if waiting_business_days >= escalation.nudge_after:
        return NUDGE
    return None


@dataclass(frozen=True)
class AgingNotice:
    """One reminder sent (or found already sent) for a waiting issue."""

    issue_id: int
    step: str
    channel: str


def check_waiting_issues(
    session: Session,
    *,
    project: Project,
    escalation: EscalationSpec,
    calendar: BusinessCalendar,
    now: dt.datetime,
    timezone: str,
    post: Post,
    t: Callable[..., str],
) -> list[AgingNotice]:
    """Remind departments of issues waiting on them, and the leads of long waits; each once per waiting period.

    Runs on business days only: on a closed day nobody is pinged.
    """
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    if not calendar.is_business_day(today):
        return []
    departments = {id_of(d): d for d in session.exec(select(Department))}
    channels = department_channels(session, id_of(project))
    notices = []
    for issue in waiting_issues(session, id_of(project)):
        issue_id, waiting_on_id = id_of(issue), issue.waiting_on_id
        if waiting_on_id is None:  # waiting_issues lists only issues that wait on a department
            continue
        since = waiting_since(session, issue)
        age = calendar.business_days_between(since.astimezone(zone).date(), today)
        step = escalation_step(age, escalation)
        steps = [NUDGE, LEADS] if step == LEADS else [NUDGE] if step == NUDGE else []
        for current in steps:
            kind = EventKind.NUDGED if current == NUDGE else EventKind.LEADS_ALERTED
            period = since.isoformat()
            if has_event(session, issue_id, kind, period):
                continue
            channel = channels.get(waiting_on_id) if current == NUDGE else project.leads_channel_id
            if not channel:
                continue
            text = t(
                f"aging.{current}",
                number=issue_id,
                title=escape(issue.title),
                days=age,
                waiting_on=escape(departments[waiting_on_id].name),
                department=escape(departments[issue.department_id].name),
            )
            if post(f"issue:{issue_id}:{kind}:{period}", channel, text):
                add_event(session, issue_id, BOT_ACTOR, kind, period)
                session.commit()
                notices.append(AgingNotice(issue_id, current, channel))
    return notices


def aging_notices(services: Services, project_slug: str, now: dt.datetime | None = None) -> list[AgingNotice]:
    """Remind departments of issues waiting on them, and the leads of long waits; what was sent."""
    spec = services.project_file.project(project_slug)
    if spec is None:
        raise LookupError(f"no project {project_slug!r} in the project file")
    escalation = spec.escalation

    def post(key: str, channel: str, text: str) -> bool:
        return services.gateway.post_message(key=key, channel=channel, text=text).status != OutboxStatus.FAILED

    with services.session() as session:
        project = project_row(session, project_slug)
        return check_waiting_issues(
            session,
            project=project,
            escalation=escalation,
            calendar=services.calendar,
            now=now or utcnow(),
            timezone=services.project_file.timezone,
            post=post,
            t=services.translator(),
        )


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    trigger = BusinessDayTrigger(parse_cron(AGING_CRON, project_file.timezone), calendar)
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, trigger)]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Each business morning: the reminders of `aging_notices` (none on a closed day)."""
    if closed(services, local_day(services, scheduled)):
        return FiringResult("skipped", scheduled, reason="closed_day")
    return FiringResult("delivered", scheduled, len(aging_notices(services, spec.project, scheduled)))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, AFTER)
