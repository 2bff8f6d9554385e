"""APScheduler 3.x wiring: an in-memory job store per process, jobs derived at start-up, every firing through
`reminders.firing.fire` (exactly once, across processes)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from bot.bootstrap import Services
from reminders.firing import fire, job_specs, upcoming
from reminders.jobs.meeting import KIND as MEETING
from reminders.jobs.uat import KIND as UAT

FAILURE_SUMMARY_SECONDS = 3600
RECONCILE_SECONDS = 60
NAMES_SECONDS = 12 * 3600  # everyone listed is named again twice a day (users.info answers are cached for a day)


def make_scheduler(timezone: str) -> BackgroundScheduler:
    """A background scheduler with its own memory job store (never shared between processes)."""
    return BackgroundScheduler(timezone=ZoneInfo(timezone), job_defaults={"coalesce": True, "max_instances": 1})


def add_outbox_watch(scheduler: BackgroundScheduler, services: Services) -> None:
    """Tell the admins, once an hour at most, about messages the outbox gave up on (bot.courier)."""
    from bot.courier import tell_admins_of_failures

    scheduler.add_job(
        tell_admins_of_failures,
        "interval",
        seconds=FAILURE_SUMMARY_SECONDS,
        args=[services],
        id="outbox:failures",
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1),
    )


def fire_scheduled(services: Services, job_id: str) -> None:
    """What APScheduler calls: the firing due now."""
    fire(services, job_id)


def add_jobs(scheduler, services: Services) -> None:
    """Schedule every job derived from renkei.yml and the meetings (explicit ids, replace_existing)."""
    now = dt.datetime.now(dt.timezone.utc)
    for spec in job_specs(services):
        if upcoming(spec, now) is None:
            continue
        scheduler.add_job(
            fire_scheduled,
            spec.trigger,
            args=[services, spec.id],
            id=spec.id,
            replace_existing=True,
            misfire_grace_time=300,
            coalesce=True,
        )
    scheduler.add_job(
        reconcile_meetings,
        "interval",
        seconds=RECONCILE_SECONDS,
        args=[scheduler, services],
        id="meetings:reconcile",
        replace_existing=True,
    )
    scheduler.add_job(
        name_everyone,
        "interval",
        seconds=NAMES_SECONDS,
        args=[services],
        id="people:names",
        replace_existing=True,
        next_run_time=now + dt.timedelta(seconds=30),  # soon after the start, then twice a day
    )


def name_everyone(services: Services) -> None:
    """Ask Slack the names of everyone listed that renkei.yml does not name (commands.people.name_everyone)."""
    from commands.people import name_everyone as ask

    with services.session() as session:
        ask(session, services.gateway, services.project_file.people)


def reconcile_meetings(scheduler, services: Services) -> None:
    """Pick up meetings added or cancelled with /meeting, and reviews and tests added with /uat (in this or another
    instance), within a minute."""
    now = dt.datetime.now(dt.timezone.utc)
    wanted = {spec.id: spec for spec in job_specs(services) if spec.kind in (MEETING, UAT) and upcoming(spec, now)}
    for job in scheduler.get_jobs():
        if job.id.startswith((f"{MEETING}:", f"{UAT}:")) and job.id not in wanted:
            scheduler.remove_job(job.id)
    present = {job.id for job in scheduler.get_jobs()}
    for job_id, spec in wanted.items():
        if job_id not in present:
            scheduler.add_job(
                fire_scheduled,
                spec.trigger,
                args=[services, job_id],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=300,
                coalesce=True,
            )
