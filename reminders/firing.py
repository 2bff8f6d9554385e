"""Running scheduled work, whatever its kind: claim a firing exactly once, then run the kind's body.

Everything that fires a job goes through `fire`: APScheduler (`bot/scheduler.py`), `renkei jobs run`, the
console's and the demo's clock (`bot/clock.py`), and `catch_up` at start-up. The kinds themselves — their
specs, bodies and rules — are the modules of `reminders/jobs/`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
from typing import TYPE_CHECKING

from reminders import jobs
from reminders.jobs.base import FiringResult, JobSpec
from reminders.triggers import latest_fire_time
from storage import appstate
from storage.deliveries import claim_firing, fail_firing, finish_firing, firing, needs_running
from storage.directory import project_slugs
from storage.enums import DeliveryStatus
from storage.meetings import active_meetings
from storage.uat import active_sessions

if TYPE_CHECKING:
    from bot.bootstrap import Services

__all__ = ["FiringResult", "JobSpec", "catch_up", "describe", "fire", "job_specs", "silent_reason", "upcoming"]

logger = logging.getLogger(__name__)

CATCH_UP_WINDOW = dt.timedelta(days=1)
INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


def job_specs(services: Services) -> list[JobSpec]:
    """Every job renkei.yml, the stored meetings and the stored reviews and tests (/uat) call for."""
    with services.session() as session:
        meetings = active_meetings(session)
        sessions = active_sessions(session)
        slugs = project_slugs(session)
    return jobs.derive_jobs(services.project_file, meetings, slugs, services.calendar, uat_sessions=sessions)


def describe(services: Services, spec: JobSpec) -> str:
    """What a job does, in the configured language (`会議「定例会議」のリマインド（前日）`).

    The meeting's title comes with the spec (no query per job: `renkei jobs list` stays fast with many meetings).
    """
    return jobs.KINDS[spec.kind].describe(services.translator(), spec)


# How far back the latest due firing of a job is looked for, nearest first: a day's firing, then a week's (the digest
# on Friday, run on Monday), a month's (the report), a year's. Without one (a meeting never yet due) a run is `now`'s.
DUE_LOOKBACKS = (dt.timedelta(days=2), dt.timedelta(days=35), dt.timedelta(days=400))


def latest_due(spec: JobSpec, now: dt.datetime, timezone: str = "Asia/Tokyo") -> dt.datetime | None:
    """The firing `renkei jobs run` without `--at` runs, so that a second run is the same firing (delivered once): the
    latest at or before `now`, for weekly and monthly jobs as for daily ones. For a reminder of something ahead (a
    meeting, a review or test) whose latest firing is no use any more (the meeting has begun), the next one: run by
    hand, the reminder of the coming meeting is sent now, and not again at its time."""
    kind = jobs.KINDS[spec.kind]
    found = None
    for lookback in DUE_LOOKBACKS:
        found = latest_fire_time(spec.trigger, now, lookback=lookback)
        if found is not None:
            break
    if getattr(kind, "REMINDS_AHEAD", False) and (found is None or not kind.still_useful(spec, found, now, timezone)):
        return spec.trigger.get_next_fire_time(None, now) or found
    return found


def fire(
    services: Services, job_id: str, scheduled_at: dt.datetime | None = None, now: dt.datetime | None = None
) -> FiringResult:
    """Run the firing of `job_id` scheduled at `scheduled_at` (default: the latest one due now) exactly once.

    The firing is claimed first (storage.deliveries.claim_firing: one process wins); the body runs and its messages
    are collected; they are stored in the outbox in the transaction that marks the firing done, and sent after.
    A body that raises stores nothing and leaves the firing failed, to be run again (catch-up, `renkei jobs run`);
    so does a process that dies mid-run, once the claim's lease is over.
    """
    spec = next((s for s in job_specs(services) if s.id == job_id), None)
    if spec is None:
        return FiringResult("unknown", None)
    now = now or dt.datetime.now(dt.timezone.utc)
    scheduled = scheduled_at or latest_due(spec, now, services.project_file.timezone) or now
    with services.session() as session:
        if appstate.paused(session) is not None:  # not claimed: once resumed, the catch-up runs it if still useful
            return FiringResult("skipped", scheduled, reason="paused")
        if not claim_firing(session, job_id, scheduled, INSTANCE, now=now):
            return FiringResult("duplicate", scheduled)
    try:
        with services.gateway.batch() as batch:  # the body's messages, stored below with the firing's result
            result = jobs.KINDS[spec.kind].run(services, spec, scheduled)
        with services.session() as session:
            batch.store(session)
            status = DeliveryStatus.DONE if result.status == "delivered" else DeliveryStatus.SKIPPED
            finish_firing(session, job_id, scheduled, status, commit=False)
            session.commit()
    except Exception as exc:
        logger.exception("Failed to run %s for %s", job_id, scheduled.isoformat())
        with services.session() as session:
            fail_firing(session, job_id, scheduled, f"{type(exc).__name__}: {exc}")
        raise
    batch.send()
    if result.status == "delivered" and not result.channels and not result.reason:  # ran: nobody to tell, nothing due
        result = dataclasses.replace(result, reason="nothing_due")
    logger.info("%s @ %s: %s %s", job_id, scheduled.isoformat(), result.status, result.reason)
    return result


def silent_reason(result: FiringResult) -> str | None:
    """Why a firing sent nothing, as the code of its sentence (`jobs.reason.<code>`, in the configured language); None
    when it sent something, or when there was no such job (said on its own: `jobs.unknown`). Every firing that sends
    nothing has one: skipped for a reason (閉庁日, 運用開始前 …), already delivered, failed, or nothing to send."""
    if result.status == "unknown" or (result.status == "delivered" and result.channels):
        return None
    if result.status in ("duplicate", "failed"):
        return result.status
    return result.reason or "nothing_due"


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    """Whether a firing missed while the bot was down is still worth sending now: the kind's rule."""
    return jobs.KINDS[spec.kind].still_useful(spec, scheduled, now, timezone)


def catch_up(services: Services, now: dt.datetime | None = None) -> list[tuple[str, FiringResult]]:
    """At start-up: deliver, once, each firing missed while no process ran, when still useful; log the rest. A firing
    that fails is recorded failed and the others go on: no single job stops `renkei serve` from starting."""
    now = now or dt.datetime.now(dt.timezone.utc)
    done = []
    for spec in job_specs(services):
        last = latest_fire_time(spec.trigger, now, lookback=CATCH_UP_WINDOW)
        if last is None:
            continue
        with services.session() as session:
            if not needs_running(firing(session, spec.id, last), now):
                continue
        if still_useful(spec, last, now, services.project_file.timezone):
            try:
                done.append((spec.id, fire(services, spec.id, last, now=now)))
            except Exception as exc:  # recorded failed by fire (renkei jobs list shows it), run again by its rule
                done.append((spec.id, FiringResult("failed", last, reason=type(exc).__name__)))
        else:
            with services.session() as session:
                if claim_firing(session, spec.id, last, INSTANCE, status=DeliveryStatus.SKIPPED):
                    logger.info("Skipped %s @ %s: missed while down and no longer useful", spec.id, last.isoformat())
                    done.append((spec.id, FiringResult("skipped", last, reason="missed")))
    return done


def upcoming(spec: JobSpec, now: dt.datetime) -> dt.datetime | None:
    """The job's next firing after `now` (None for a one-off reminder whose time has passed)."""
    moment = spec.trigger.get_next_fire_time(None, now)
    return moment if moment is not None and moment >= now else None


def moved_note(services: Services, spec: JobSpec, moment: dt.datetime) -> str:
    """Why a firing is not at its usual time: `（1/1（金） 08:00 は元日のため）` when `moment` stands in for a firing on
    a closed day (reminders.triggers.BusinessDayTrigger.moved_from); empty otherwise."""
    from commands.base import when_text  # wording: the commands layer, imported when a list is shown

    moved_from = getattr(spec.trigger, "moved_from", None)
    origin = moved_from(moment) if moved_from is not None else None
    if origin is None:
        return ""
    t = services.translator()
    day = origin.date()
    reason = services.calendar.closed_reason(day)
    because = (services.calendar.holiday_name(day) if reason == "holiday" else None) or t(f"calendar.{reason}")
    return t("jobs.moved", when=when_text(t, origin, year=False), reason=because)
