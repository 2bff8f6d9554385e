"""Kind `aging`: `aging:<project>`, 09:00 each business morning, issues whose move is someone else's.

Whose move it is comes from storage.turns (the one rule): the department asked (依頼先), IT (asked, not answered) or
the reporter (IT answered: 確認待ち). The rule here (`escalation_step`): after `escalation.nudge_after` business days
since the ball went there, its holder is reminded — the department's or IT's channel, the reporter by DM; after
`escalation.leads_after` the leads channel is told whose move it is. Each reminder is sent once per turn (recorded
as an issue event naming when the turn began). Nobody is pinged on a closed day. Still useful after downtime on the
same local day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.base import escape
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import department_channels, departments_by_id, it_department
from storage.enums import EventKind, OutboxStatus
from storage.ids import id_of
from storage.issues import BOT_ACTOR, add_event, has_event, history, unresolved_issues
from storage.models import Project, utcnow
from storage.projectfile import EscalationSpec, parse_cron
from storage.turns import Turn, whose_turn
from words.durations import AFTER

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "aging"
ORDER = 60  # where its jobs stand among a project's (reminders/jobs/__init__.py)
AGING_CRON = "0 9 * * mon-fri"  # each business morning: waiting issues are nudged or raised to the leads

NUDGE, LEADS = "nudge", "leads"
WAITED_ON = (Turn.DEPARTMENT, Turn.IT, Turn.REPORTER)  # whoever holds the ball for someone else (storage.turns)

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
    departments = departments_by_id(session)
    channels = department_channels(session, id_of(project))
    it = it_department(session, id_of(project))
    notices = []
    for issue in unresolved_issues(session, id_of(project)):
        issue_id = id_of(issue)
        ball = whose_turn(issue, history(session, issue_id))
        if ball.turn not in WAITED_ON:  # its own department's work (or resolved): nobody else to remind
            continue
        age = calendar.business_days_between(ball.since.astimezone(zone).date(), today)
        step = escalation_step(age, escalation)
        steps = [NUDGE, LEADS] if step == LEADS else [NUDGE] if step == NUDGE else []
        holder = {
            Turn.DEPARTMENT: departments[issue.waiting_on_id].name if issue.waiting_on_id in departments else "",
            Turn.IT: it[0].name if it else "",
            Turn.REPORTER: "",
        }[ball.turn]
        for current in steps:
            kind = EventKind.NUDGED if current == NUDGE else EventKind.LEADS_ALERTED
            period = ball.since.isoformat()
            if has_event(session, issue_id, kind, period):
                continue
            if current == LEADS:
                channel = project.leads_channel_id
            elif ball.turn == Turn.DEPARTMENT:
                channel = channels.get(issue.waiting_on_id or 0)
            elif ball.turn == Turn.IT:
                channel = it[1] if it else None
            else:  # the reporter, by DM: the answer is theirs to check
                channel = issue.reporter_id
            if not channel:
                continue
            text = t(
                f"aging.{current}_{ball.turn}",
                number=issue_id,
                title=escape(issue.title),
                days=age,
                waiting_on=escape(holder),
                department=escape(departments[issue.department_id].name),
                reporter=issue.reporter_id,
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
