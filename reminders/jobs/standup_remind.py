"""Kind `standup-remind`: `standup-remind:<project>`, `standup.remind_after` after the prompt, mentions — once —
the liaisons of each department who have not answered that day's stand-up, and posts the day's roll-up (answered,
not yet, blockers by department) in the leads channel.

Nothing on a day the office is closed (the prompt's day decides). Still useful after downtime on the same local day.
It follows its prompt's rhythm: `standup-remind:<project>` before launch, `standup-remind:<project>:operate` after
(reasons `after_launch`, `before_launch`), so no one is reminded of a prompt that was not sent.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from commands import standup as standup_commands
from commands.people import Names, ask_unknown, known_names
from reminders.jobs import standup
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import OffsetTrigger
from storage.absences import away_on
from storage.directory import department_channels, project_departments, users_with_role
from storage.enums import OutboxStatus, Role
from storage.ids import id_of
from storage.projectfile import parse_duration
from storage.standups import answered_users, day_answers
from words.durations import AFTER

if TYPE_CHECKING:
    from sqlmodel import Session

    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "standup-remind"
ORDER = 20  # where its jobs stand among a project's (reminders/jobs/__init__.py)


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    if not project.standup:
        return []
    remind = parse_duration(project.standup.remind_after)
    return [
        JobSpec(
            f"{KIND}:{project.slug}{suffix}",
            KIND,
            project.slug,
            OffsetTrigger(standup.prompt_trigger(project_file, project, calendar, operate=operate), remind),
            offset=remind,
            offset_text=project.standup.remind_after,
        )
        for suffix, operate in standup.rhythms(project)
    ]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Mention, once, the liaisons of each department who have not answered today's stand-up."""
    day = local_day(services, scheduled - spec.offset)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    sent = 0
    with services.session() as session:
        project = project_row(session, spec.project)
        reason = standup.wrong_phase(spec, project)
        if reason:
            return FiringResult("skipped", scheduled, reason=reason)
        answered, away = answered_users(session, id_of(project), day), away_on(session, day)
        for department_id, channel in department_channels(session, id_of(project)).items():
            liaisons = users_with_role(session, Role.LIAISON, department_id=department_id)
            _, missing, _ = standup_commands.who_answered(liaisons, answered, away)  # nobody on 休暇 is reminded
            if missing:
                text = t(
                    f"standup.remind_{standup_commands.rhythm(project)}",
                    users=t("people.separator").join(f"<@{u}>" for u in missing),
                )
                outcome = services.gateway.post_message(
                    key=f"{spec.id}@{scheduled.isoformat()}:{channel}", channel=channel, text=text
                )
                sent += outcome.status != OutboxStatus.FAILED
        if project.leads_channel_id:
            days = department_days(session, id_of(project), day)
            people = services.project_file.people
            ask_unknown(session, services.gateway, people, {u for d in days for u in [*d.missing, *(b[0] for b in d.blockers)]})
            names = Names(t, known_names(session, people, t), in_slack=True)
            text = standup_commands.rollup(t, project=project, day=day, departments=days, name=names)
            outcome = services.gateway.post_message(
                key=f"{spec.id}@{scheduled.isoformat()}:{project.leads_channel_id}", channel=project.leads_channel_id, text=text
            )
            sent += outcome.status != OutboxStatus.FAILED
    return FiringResult("delivered", scheduled, sent)


def department_days(session: Session, project_id: int, day: dt.date) -> list[standup_commands.DepartmentDay]:
    """Each department of the project on `day`: who answered, which liaisons not yet, the blockers they named."""
    answers, away = day_answers(session, project_id, day), away_on(session, day)
    days = []
    for department in project_departments(session, project_id):
        mine = [(user, given) for department_id, user, given in answers if department_id == department.id]
        answered = [user for user, _ in mine]
        liaisons = users_with_role(session, Role.LIAISON, department_id=department.id)
        _, missing, off = standup_commands.who_answered(liaisons, answered, away)
        blockers = [(user, b) for user, given in mine if (b := standup_commands.blocker_of(given)) is not None]
        days.append(standup_commands.DepartmentDay(department.name, answered, missing, blockers, off))
    return days


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return standup.phase_note(t, spec, what(t, spec, AFTER))
