"""Kind `meeting`: `meeting:<project>:<n>:<offset>`, `<offset>` before meeting `n` (weekly by cron, or one-off).

The reminder goes to the channels of the meeting's participants (a regular meeting's: every department's) with
agenda material: all of it for a regular meeting, what concerns the participants for another one, none when nothing
does (storage.agenda). For a meeting on a closed day the leads are warned instead. A cancelled meeting sends
nothing. Still useful after downtime only before the meeting starts.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Callable
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from commands import meeting as meeting_commands
from commands.base import escape, post_to_channels, when_text
from reminders.jobs.base import FiringResult, JobSpec, closed, local_day, what
from reminders.triggers import BusinessDaysBeforeTrigger, OffsetTrigger, OpenDaysOnly
from storage.agenda import agenda
from storage.directory import department_channels
from storage.ids import id_of
from storage.limits import MAX_REMINDERS_PER_MEETING
from storage.meetings import is_from_config, is_regular, participant_departments, participant_ids, skipped_days
from storage.models import Meeting, Project
from storage.projectfile import parse_cron, parse_duration
from words.durations import BEFORE

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from reminders.calendar import BusinessCalendar
    from storage.projectfile import ProjectFile, ProjectSpec

logger = logging.getLogger(__name__)

KIND = "meeting"
ORDER = 30  # where its jobs stand among a project's (reminders/jobs/__init__.py)
REMINDS_AHEAD = True  # a firing reminds of something ahead: run by hand once it has begun, the next one is meant

_trimmed: set[int] = set()  # meetings whose extra reminders were already logged in this process


def meeting_offsets(meeting: Meeting) -> list[tuple[str, dt.timedelta]]:
    """A meeting's reminder offsets, each time once (`1d` and `24h` are one reminder).

    A meeting added with /meeting keeps its first MAX_REMINDERS_PER_MEETING: the command refuses more, and
    meetings stored before that limit (one had hundreds) no longer flood the scheduler. renkei.yml's are kept.
    """
    offsets: dict[dt.timedelta, str] = {}
    for text in filter(None, (meeting.remind_before or "").split(",")):
        offsets.setdefault(parse_duration(text), text)
    pairs = [(text, offset) for offset, text in offsets.items()]
    if not is_from_config(meeting) and len(pairs) > MAX_REMINDERS_PER_MEETING:
        if id_of(meeting) not in _trimmed:
            _trimmed.add(id_of(meeting))
            logger.warning(
                "Meeting %s has %d reminders; only the first %d are scheduled (cancel it and add it again)",
                meeting.id,
                len(pairs),
                MAX_REMINDERS_PER_MEETING,
            )
        pairs = pairs[:MAX_REMINDERS_PER_MEETING]
    return pairs


def business_days_of(text: str, offset: dt.timedelta) -> int | None:
    """Whole days of an offset written in days (`1d`, `2d`): counted in business days; None for `3h`, `15m`."""
    if text.strip().endswith("d") and offset.days >= 1 and not offset.seconds:
        return offset.days
    return None


def meeting_jobs(meeting: Meeting, project_slug: str, timezone: str, calendar: BusinessCalendar) -> list[JobSpec]:
    """One job per reminder offset of a meeting (weekly by cron, or one-off at `starts_at`).

    An offset in days counts business days, at the meeting's time of day: `1d` before a Monday 10:00 meeting is the
    Friday at 10:00. Shorter offsets are exact (`15m` before is 09:45 that day).
    """
    if meeting.cron:
        base: BaseTrigger = parse_cron(meeting.cron, timezone)
    elif meeting.starts_at:
        base = DateTrigger(run_date=meeting.starts_at, timezone=ZoneInfo(timezone))
    else:
        return []
    specs = []
    for text, offset in meeting_offsets(meeting):
        days = business_days_of(text, offset)
        trigger = (
            BusinessDaysBeforeTrigger(base, days, calendar) if days else OpenDaysOnly(OffsetTrigger(base, -offset), calendar)
        )
        specs.append(
            JobSpec(
                id=f"{KIND}:{project_slug}:{meeting.id}:{text}",
                kind=KIND,
                project=project_slug,
                trigger=trigger,
                meeting_id=meeting.id,
                offset=offset,
                offset_text=text,
                title=meeting.title,
            )
        )
    return specs


def specs(project_file: ProjectFile, project: ProjectSpec, meetings: list[Meeting], calendar: BusinessCalendar) -> list[JobSpec]:
    return [spec for meeting in meetings for spec in meeting_jobs(meeting, project.slug, project_file.timezone, calendar)]


def meeting_start(spec: JobSpec, scheduled: dt.datetime) -> dt.datetime | None:
    """The start of the meeting a firing at `scheduled` reminds of, as the scheduler computes it.

    A firing the scheduler makes belongs to its own meeting; a run by hand at another time (`renkei jobs run` with no
    firing due) to the meeting of the next reminder. None when the meeting is over (a one-off in the past).
    """
    trigger = spec.trigger
    firing = trigger.get_next_fire_time(None, scheduled)
    if firing is None or not isinstance(trigger, (OffsetTrigger, OpenDaysOnly, BusinessDaysBeforeTrigger)):
        return None
    return trigger.source_time(firing)


def run(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Remind the participants' channels of a meeting, with agenda material; on a closed day, warn the leads."""
    if closed(services, local_day(services, scheduled)):  # `jobs run --at` a closed day: nobody is reminded then
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    calendar = services.calendar
    tz = services.project_file.timezone
    with services.session() as session:
        meeting = session.get(Meeting, spec.meeting_id)
        if meeting is None or meeting.cancelled:
            return FiringResult("skipped", scheduled, reason="cancelled")
        project = session.get(Project, meeting.project_id)
        if project is None:
            raise LookupError(f"meeting {meeting.id}'s project {meeting.project_id} is gone")  # projects are never deleted
        start = meeting_start(spec, scheduled)
        if start is None:
            return FiringResult("skipped", scheduled, reason="meeting_over")
        local_start = start.astimezone(ZoneInfo(tz))
        if local_start.date() in skipped_days(meeting):  # `/meeting skip`: no meeting that day, no reminder
            return FiringResult("skipped", scheduled, reason="meeting_skipped")
        key = f"{spec.id}@{scheduled.isoformat()}"
        if not calendar.is_business_day(local_start.date()):
            if not project.leads_channel_id:
                return FiringResult("skipped", scheduled, reason="closed_day_no_leads_channel")
            text = t(
                "meeting.closed_day_warning",
                title=escape(meeting.title),
                when=when_text(t, local_start, year=False),
                reason=t(f"calendar.{calendar.closed_reason(local_start.date())}"),
                number=meeting.id,
            )
            services.gateway.post_message(key=f"{key}:leads", channel=project.leads_channel_id, text=text)
            return FiringResult("delivered", scheduled, 1, reason="closed_day_leads_warned")
        participants = participant_ids(meeting)  # None: every department
        material = agenda(
            session,
            id_of(project),
            today=local_day(services, scheduled),
            timezone=tz,
            business_days=calendar.business_days_between,
            departments=participants,
            requirements=is_regular(meeting),
        )
        text, blocks = meeting_commands.meeting_reminder(
            t,
            meeting=meeting,
            project=project,
            start=local_start,
            agenda=None if participants is not None and material.empty else material,
            lead_time=spec.offset_text,
            departments=[d.name for d in participant_departments(session, meeting)],
        )
        channels = [
            channel
            for department_id, channel in department_channels(session, id_of(project)).items()
            if participants is None or department_id in participants
        ]
    failed = post_to_channels(services.gateway, key=key, channels=channels, text=text, blocks=blocks)
    return FiringResult("delivered", scheduled, len(channels) - len(failed))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    """A missed reminder is no use once the meeting has begun."""
    start = meeting_start(spec, scheduled)
    return start is not None and now < start


def describe(t: Callable[..., str], spec: JobSpec) -> str:
    return what(t, spec, BEFORE)
