"""Scheduled work wired to the services: claim the firing once, then post through the gateway."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.bootstrap import Services
from commands import meeting as meeting_commands
from commands import standup as standup_commands
from commands.base import escape, post_to_channels, when_text
from commands.durations import AFTER, BEFORE, duration_text
from reminders.aging import AgingNotice, check_waiting_issues
from reminders.schedule import AGING, DIGEST, MEETING, REPORT, STANDUP, STANDUP_REMIND, JobSpec, derive_jobs
from reminders.triggers import latest_fire_time
from storage.agenda import agenda
from storage.deliveries import DONE, SKIPPED, claim_firing, finish_firing, firing
from storage.directory import LIAISON, MANAGER, department_channels, users_with_role
from storage.meetings import active_meetings
from storage.models import Meeting, Project, utcnow
from storage.standups import answered_users

logger = logging.getLogger(__name__)

CATCH_UP_WINDOW = dt.timedelta(days=1)
RECONCILE_SECONDS = 60
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class FiringResult:
    """What one run of a job did: delivered (to `channels`), duplicate, skipped, or unknown.

    `reason` is a code worded by the catalog's `jobs.reason.<code>` (closed_day, no_managers …).
    """

    status: str
    scheduled_at: dt.datetime | None
    channels: int = 0
    reason: str = ""


def job_specs(services: Services) -> list[JobSpec]:
    """Every job renkei.yml and the stored meetings call for."""
    with services.session() as session:
        meetings = active_meetings(session)
        slugs = {p.id: p.slug for p in session.exec(select(Project))}
    return derive_jobs(services.project_file, meetings, slugs, services.calendar)


def describe(services: Services, spec: JobSpec) -> str:
    """What a job does, in the configured language (`会議「定例会議」のリマインド（前日）`).

    The meeting's title comes with the spec (no query per job: `renkei jobs list` stays fast with many meetings).
    """
    t = services.translator()
    offset = duration_text(t, spec.offset_text, BEFORE if spec.kind == MEETING else AFTER) if spec.offset_text else ""
    return t(f"jobs.what_{spec.kind}", offset=offset, title=spec.title)


def fire(services: Services, job_id: str, scheduled_at: dt.datetime | None = None,
         now: dt.datetime | None = None) -> FiringResult:
    """Run the firing of `job_id` scheduled at `scheduled_at` (default: the latest one due now) exactly once.

    The delivery row is inserted first (ON CONFLICT DO NOTHING); only the process that inserted it sends.
    """
    spec = next((s for s in job_specs(services) if s.id == job_id), None)
    if spec is None:
        return FiringResult("unknown", None)
    now = now or dt.datetime.now(dt.timezone.utc)
    scheduled = scheduled_at or latest_fire_time(spec.trigger, now) or now
    with services.session() as session:
        if not claim_firing(session, job_id, scheduled, INSTANCE):
            return FiringResult("duplicate", scheduled)
    try:
        result = BODIES[spec.kind](services, spec, scheduled)
    except Exception:
        logger.exception("Failed to run %s for %s", job_id, scheduled.isoformat())
        raise
    with services.session() as session:
        finish_firing(session, job_id, scheduled, DONE if result.status == "delivered" else SKIPPED)
    logger.info("%s @ %s: %s %s", job_id, scheduled.isoformat(), result.status, result.reason)
    return result


def fire_scheduled(services: Services, job_id: str) -> None:
    """What APScheduler calls: the firing due now."""
    fire(services, job_id)


def _local_day(services: Services, moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(services.project_file.timezone)).date()


def _project(session, slug: str) -> Project:
    return session.exec(select(Project).where(Project.slug == slug)).one()


def _closed(services: Services, day: dt.date) -> bool:
    return not services.calendar.is_business_day(day)


def run_standup(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Post the stand-up prompt with its 回答する button to every department channel."""
    day = _local_day(services, scheduled)
    if _closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    with services.session() as session:
        project = _project(session, spec.project)
        channels = list(department_channels(session, project.id).values())
        text, blocks = standup_commands.prompt(t, project=project, day=day)
    failed = post_to_channels(services.gateway, key=f"{spec.id}@{scheduled.isoformat()}", channels=channels, text=text,
                              blocks=blocks)
    return FiringResult("delivered", scheduled, len(channels) - len(failed))


def run_standup_remind(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Mention, once, the liaisons of each department who have not answered today's stand-up."""
    day = _local_day(services, scheduled - spec.offset)
    if _closed(services, day):
        return FiringResult("skipped", scheduled, reason="closed_day")
    t = services.translator()
    sent = 0
    with services.session() as session:
        project = _project(session, spec.project)
        answered = answered_users(session, project.id, day)
        for department_id, channel in department_channels(session, project.id).items():
            missing = [u for u in users_with_role(session, LIAISON, department_id=department_id) if u not in answered]
            if missing:
                text = t("standup.remind", users=" ".join(f"<@{u}>" for u in missing))
                outcome = services.gateway.post_message(key=f"{spec.id}@{scheduled.isoformat()}:{channel}",
                                                        channel=channel, text=text)
                sent += outcome.status != "failed"
    return FiringResult("delivered", scheduled, sent)


def run_meeting(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Remind every department channel of a meeting, with agenda material; on a closed day, warn the leads."""
    start = scheduled + spec.offset
    t = services.translator()
    calendar = services.calendar
    tz = services.project_file.timezone
    with services.session() as session:
        meeting = session.get(Meeting, spec.meeting_id)
        if meeting is None or meeting.cancelled:
            return FiringResult("skipped", scheduled, reason="cancelled")
        project = session.get(Project, meeting.project_id)
        local_start = start.astimezone(ZoneInfo(tz))
        key = f"{spec.id}@{scheduled.isoformat()}"
        if not calendar.is_business_day(local_start.date()):
            if not project.leads_channel_id:
                return FiringResult("skipped", scheduled, reason="closed_day_no_leads_channel")
            text = t("meeting.closed_day_warning", title=escape(meeting.title), when=when_text(t, local_start, year=False),
                     reason=t(f"calendar.{calendar.closed_reason(local_start.date())}"), number=meeting.id)
            services.gateway.post_message(key=f"{key}:leads", channel=project.leads_channel_id, text=text)
            return FiringResult("delivered", scheduled, 1, reason="closed_day_leads_warned")
        material = agenda(session, project.id, today=_local_day(services, scheduled), timezone=tz,
                          business_days=calendar.business_days_between)
        text, blocks = meeting_commands.meeting_reminder(t, meeting=meeting, project=project, start=local_start,
                                                         agenda=material, lead_time=spec.offset_text)
        channels = list(department_channels(session, project.id).values())
    failed = post_to_channels(services.gateway, key=key, channels=channels, text=text, blocks=blocks)
    return FiringResult("delivered", scheduled, len(channels) - len(failed))


def run_digest(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Post the week's digest to the project's leads channel."""
    from commands import report as report_commands  # openpyxl: imported when a report job runs, not by `jobs list`

    t = services.translator()
    with services.session() as session:
        project = _project(session, spec.project)
        if not project.leads_channel_id:
            return FiringResult("skipped", scheduled, reason="no_leads_channel")
        text, blocks = report_commands.digest_for(session, project, project_file=services.project_file,
                                                  calendar=services.calendar, t=t,
                                                  today=_local_day(services, scheduled))
    outcome = services.gateway.post_message(key=f"{spec.id}@{scheduled.isoformat()}:{project.leads_channel_id}",
                                            channel=project.leads_channel_id, text=text, blocks=blocks)
    return FiringResult("delivered", scheduled, int(outcome.status != "failed"))


def run_report(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Send the previous month's Excel report to every manager of the project, in their DMs."""
    from commands import report as report_commands

    t = services.translator()
    start, end = report_commands.previous_month(_local_day(services, scheduled))
    with services.session() as session:
        project = _project(session, spec.project)
        managers = users_with_role(session, MANAGER, project_id=project.id)
        if not managers:
            return FiringResult("skipped", scheduled, reason="no_managers")
        folder = Path(services.settings.renkei_reports_dir)
        path = report_commands.make_report(session, project, start=start, end=end,
                                           out=folder / report_commands.report_filename(project, start, end),
                                           calendar=services.calendar,
                                           timezone=services.project_file.timezone, t=t)
    sent = 0
    for manager in managers:
        outcome = services.gateway.upload_file(key=f"{spec.id}@{scheduled.isoformat()}:{manager}", user=manager, path=path,
                                               title=t("report.file_title", project=project.name, start=start, end=end),
                                               comment=t("report.monthly_comment", project=escape(project.name), start=start,
                                                         end=end))
        sent += outcome.status != "failed"
    return FiringResult("delivered", scheduled, sent)


def aging_notices(services: Services, project_slug: str, now: dt.datetime | None = None) -> list[AgingNotice]:
    """Remind departments of issues waiting on them, and the leads of long waits; what was sent."""
    escalation = services.project_file.project(project_slug).escalation

    def post(key: str, channel: str, text: str) -> bool:
        return services.gateway.post_message(key=key, channel=channel, text=text).status != "failed"

    with services.session() as session:
        project = _project(session, project_slug)
        return check_waiting_issues(session, project=project, escalation=escalation, calendar=services.calendar,
                                    now=now or utcnow(), timezone=services.project_file.timezone, post=post,
                                    t=services.translator())


def run_aging(services: Services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    """Job `aging:<project>`, each business morning: the reminders of `aging_notices`."""
    return FiringResult("delivered", scheduled, len(aging_notices(services, spec.project, scheduled)))


BODIES = {STANDUP: run_standup, STANDUP_REMIND: run_standup_remind, MEETING: run_meeting, DIGEST: run_digest,
          REPORT: run_report, AGING: run_aging}


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    """Whether a firing missed while the bot was down is still worth sending now.

    Stand-up (and its reminder), digest, report, aging: only on the same local day. Meeting reminder: only before
    the meeting.
    """
    if spec.kind == MEETING:
        return now < scheduled + spec.offset
    zone = ZoneInfo(timezone)
    return scheduled.astimezone(zone).date() == now.astimezone(zone).date()


def catch_up(services: Services, now: dt.datetime | None = None) -> list[tuple[str, FiringResult]]:
    """At start-up: deliver, once, each firing missed while no process ran, when still useful; log the rest."""
    now = now or dt.datetime.now(dt.timezone.utc)
    done = []
    for spec in job_specs(services):
        last = latest_fire_time(spec.trigger, now, lookback=CATCH_UP_WINDOW)
        if last is None:
            continue
        with services.session() as session:
            if firing(session, spec.id, last) is not None:
                continue
        if still_useful(spec, last, now, services.project_file.timezone):
            done.append((spec.id, fire(services, spec.id, last, now=now)))
        else:
            with services.session() as session:
                if claim_firing(session, spec.id, last, INSTANCE, status=SKIPPED):
                    logger.info("Skipped %s @ %s: missed while down and no longer useful", spec.id, last.isoformat())
                    done.append((spec.id, FiringResult("skipped", last, reason="missed")))
    return done


def upcoming(spec: JobSpec, now: dt.datetime) -> dt.datetime | None:
    """The job's next firing after `now` (None for a one-off reminder whose time has passed)."""
    moment = spec.trigger.get_next_fire_time(None, now)
    return moment if moment is not None and moment >= now else None


def add_jobs(scheduler, services: Services) -> None:
    """Schedule every job derived from renkei.yml and the meetings (explicit ids, replace_existing)."""
    now = dt.datetime.now(dt.timezone.utc)
    for spec in job_specs(services):
        if upcoming(spec, now) is None:
            continue
        scheduler.add_job(fire_scheduled, spec.trigger, args=[services, spec.id], id=spec.id, replace_existing=True,
                          misfire_grace_time=300, coalesce=True)
    scheduler.add_job(reconcile_meetings, "interval", seconds=RECONCILE_SECONDS, args=[scheduler, services],
                      id="meetings:reconcile", replace_existing=True)


def reconcile_meetings(scheduler, services: Services) -> None:
    """Pick up meetings added or cancelled with /meeting (in this or another instance) within a minute."""
    now = dt.datetime.now(dt.timezone.utc)
    wanted = {spec.id: spec for spec in job_specs(services) if spec.kind == MEETING and upcoming(spec, now)}
    for job in scheduler.get_jobs():
        if job.id.startswith(f"{MEETING}:") and job.id not in wanted:
            scheduler.remove_job(job.id)
    present = {job.id for job in scheduler.get_jobs()}
    for job_id, spec in wanted.items():
        if job_id not in present:
            scheduler.add_job(fire_scheduled, spec.trigger, args=[services, job_id], id=job_id, replace_existing=True,
                              misfire_grace_time=300, coalesce=True)
