"""The jobs a project file and its meetings call for: ids, triggers, kinds (derived, never stored)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from reminders.calendar import BusinessCalendar, calendar_for
from reminders.triggers import BusinessDayTrigger, OffsetTrigger
from storage.limits import MAX_REMINDERS_PER_MEETING
from storage.models import Meeting
from storage.projectfile import ProjectFile, parse_cron, parse_duration

logger = logging.getLogger(__name__)

STANDUP, STANDUP_REMIND, MEETING, DIGEST, REPORT, AGING = "standup", "standup-remind", "meeting", "digest", "report", "aging"
AGING_CRON = "0 9 * * mon-fri"  # each business morning: waiting issues are nudged or raised to the leads


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: `standup:moving`, `meeting:moving:3:1d` …"""

    id: str
    kind: str
    project: str
    trigger: BaseTrigger
    meeting_id: int | None = None
    offset: dt.timedelta = dt.timedelta(0)  # meeting reminders: how long before the meeting
    offset_text: str = ""
    title: str = ""  # meeting reminders: the meeting's title, so describing a job needs no query


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
    if meeting.source != "config" and len(pairs) > MAX_REMINDERS_PER_MEETING:
        if meeting.id not in _trimmed:
            _trimmed.add(meeting.id)
            logger.warning("Meeting %s has %d reminders; only the first %d are scheduled (cancel it and add it again)",
                           meeting.id, len(pairs), MAX_REMINDERS_PER_MEETING)
        pairs = pairs[:MAX_REMINDERS_PER_MEETING]
    return pairs


def meeting_jobs(meeting: Meeting, project_slug: str, timezone: str) -> list[JobSpec]:
    """One job per reminder offset of a meeting (weekly by cron, or one-off at `starts_at`)."""
    specs = []
    for text, offset in meeting_offsets(meeting):
        if meeting.cron:
            trigger: BaseTrigger = OffsetTrigger(parse_cron(meeting.cron, timezone), -offset)
        elif meeting.starts_at:
            trigger = DateTrigger(run_date=meeting.starts_at - offset, timezone=ZoneInfo(timezone))
        else:
            continue
        specs.append(JobSpec(id=f"{MEETING}:{project_slug}:{meeting.id}:{text}", kind=MEETING, project=project_slug,
                             trigger=trigger, meeting_id=meeting.id, offset=offset, offset_text=text,
                             title=meeting.title))
    return specs


def derive_jobs(project_file: ProjectFile, meetings: list[Meeting], project_slugs: dict[int, str],
                calendar: BusinessCalendar | None = None) -> list[JobSpec]:
    """Every job of every project: stand-up (moved off closed days), its reminder, meetings, digest, report, aging."""
    calendar = calendar or calendar_for(project_file)
    tz = project_file.timezone
    specs: list[JobSpec] = []
    for project in project_file.projects:
        if project.standup:
            standup = BusinessDayTrigger(parse_cron(project.standup.cron, tz), calendar)
            specs.append(JobSpec(f"{STANDUP}:{project.slug}", STANDUP, project.slug, standup))
            remind = parse_duration(project.standup.remind_after)
            specs.append(JobSpec(f"{STANDUP_REMIND}:{project.slug}", STANDUP_REMIND, project.slug,
                                 OffsetTrigger(standup, remind), offset=remind, offset_text=project.standup.remind_after))
        for meeting in meetings:
            if project_slugs.get(meeting.project_id) == project.slug and not meeting.cancelled:
                specs += meeting_jobs(meeting, project.slug, tz)
        if project.digest:
            specs.append(JobSpec(f"{DIGEST}:{project.slug}", DIGEST, project.slug, parse_cron(project.digest.cron, tz)))
        if project.report:
            specs.append(JobSpec(f"{REPORT}:{project.slug}", REPORT, project.slug, parse_cron(project.report.cron, tz)))
        specs.append(JobSpec(f"{AGING}:{project.slug}", AGING, project.slug,
                             BusinessDayTrigger(parse_cron(AGING_CRON, tz), calendar)))
    return specs
