"""The jobs a project file and its meetings call for: ids, triggers, kinds (derived, never stored)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger

from reminders.calendar import BusinessCalendar, calendar_for
from reminders.triggers import BusinessDayTrigger, OffsetTrigger
from storage.models import Meeting
from storage.projectfile import ProjectFile, parse_cron, parse_duration

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


def meeting_jobs(meeting: Meeting, project_slug: str, timezone: str) -> list[JobSpec]:
    """One job per reminder offset of a meeting (weekly by cron, or one-off at `starts_at`)."""
    specs = []
    for text in filter(None, (meeting.remind_before or "").split(",")):
        offset = parse_duration(text)
        if meeting.cron:
            trigger: BaseTrigger = OffsetTrigger(parse_cron(meeting.cron, timezone), -offset)
        elif meeting.starts_at:
            trigger = DateTrigger(run_date=meeting.starts_at - offset, timezone=ZoneInfo(timezone))
        else:
            continue
        specs.append(JobSpec(id=f"{MEETING}:{project_slug}:{meeting.id}:{text}", kind=MEETING, project=project_slug,
                             trigger=trigger, meeting_id=meeting.id, offset=offset, offset_text=text))
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
