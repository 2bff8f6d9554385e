"""Kind `hearing`: `hearing:<project>`, at `hearing.remind` (closed days moved to the next business day), asks each
department channel that has not answered an open hearing of the project to answer, with the 回答する button, naming
the deadline and the business days left (本日 on its day).

Once per hearing, day and channel (the key names the local day, not the time); nothing when no hearing is open or
every department has answered, nor on the day a hearing started (its card has just arrived). After a hearing's
deadline departments are no longer reminded: the leads channel is told once, naming who has not answered.
On each firing the cards of open hearings with a deadline are shown again (chat.update, only when they changed), so
their days left are the morning's and, once it has passed, they say a late answer is still kept (期限後).
A firing on a closed day sends nothing. Still useful after downtime on the same local day.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Callable

from commands import hearing as hearing_commands
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, project_row, same_local_day, what
from reminders.triggers import BusinessDayTrigger
from storage.directory import department_channels
from storage.enums import OutboxStatus
from storage.hearings import awaiting_answers, open_hearings
from storage.ids import id_of
from storage.models import as_utc
from storage.projectfile import parse_cron
from words.durations import AFTER

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.models import Meeting
    from storage.projectfile import ProjectFile, ProjectSpec

KIND = "hearing"
ORDER = 37  # where its jobs stand (reminders/jobs/__init__.py): after the meetings and sessions, before the digest


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    trigger = BusinessDayTrigger(parse_cron(project.hearing.remind, project_file.timezone), calendar)
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, trigger)]


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Remind, once a day, each department channel that owes an open hearing its answers."""
    day = local_day(services, scheduled)
    if closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    sent = 0
    with services.session() as session:
        project = project_row(session, spec.project)
        channels = department_channels(session, id_of(project))
        for hearing in open_hearings(session, id_of(project)):  # the cards' days left as of this morning
            if hearing.deadline is not None and local_day(services, as_utc(hearing.created_at)) < day:
                ctx = services.context(session, user_id=hearing.started_by, channel_id=None)
                for department_id in channels:
                    hearing_commands.refresh_card(ctx, id_of(hearing), department_id, day)
        for hearing, missing in awaiting_answers(session, id_of(project)):
            if local_day(services, as_utc(hearing.created_at)) >= day:  # started today: its card was just sent
                continue
            if hearing.deadline is not None and hearing.deadline < day:  # past its deadline: the leads decide, once
                if project.leads_channel_id:
                    outcome = services.gateway.post_message(
                        key=f"{spec.id}:{hearing.id}:deadline-passed",
                        channel=project.leads_channel_id,
                        text=hearing_commands.deadline_passed(t, hearing, missing),
                    )
                    sent += outcome.status != OutboxStatus.FAILED
                continue
            for department in missing:
                channel = channels.get(id_of(department))
                if channel is None:
                    continue
                left = hearing_commands.reminder_left(t, services.calendar, hearing, day)
                text, blocks = hearing_commands.reminder(t, hearing, department, left)
                outcome = services.gateway.post_message(
                    key=f"{spec.id}@{day.isoformat()}:{hearing.id}:{channel}", channel=channel, text=text, blocks=blocks
                )
                sent += outcome.status != OutboxStatus.FAILED
    return FiringResult("delivered", scheduled, sent)


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, AFTER)
