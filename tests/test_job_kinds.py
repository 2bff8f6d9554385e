"""Adding a job kind is one module of `reminders/jobs/`: the registry finds it, no list names it.

This test module is itself a job kind (`hello`: a good-morning line in the leads channel at 08:00): found by the
registry's discovery as if it were a module of the package, and nothing else changed, its job is derived, listed,
scheduled, fired exactly once, run by id from the CLI and caught up after downtime like every other kind.
"""

from __future__ import annotations

import datetime as dt
import sys
import types
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import cli
from bot.scheduler import add_jobs, make_scheduler
from reminders import firing, jobs
from reminders.firing import FiringResult, catch_up, fire, job_specs
from reminders.jobs.base import JobSpec, project_row, same_local_day
from storage.models import Delivery, UatSession
from tests.conftest import channel_id

TOKYO = ZoneInfo("Asia/Tokyo")
GREETING = "おはようございます（hello）"

# --- the kind: what a new module under reminders/jobs/ would hold ------------------------------------------

KIND = "hello"
ORDER = 1000  # after every kind of the package


def specs(project_file, project, meetings, calendar) -> list[JobSpec]:
    trigger = CronTrigger(hour=8, minute=0, timezone=ZoneInfo(project_file.timezone))
    return [JobSpec(f"{KIND}:{project.slug}", KIND, project.slug, trigger)]


def run(services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    with services.session() as session:
        leads = project_row(session, spec.project).leads_channel_id
    outcome = services.gateway.post_message(key=f"{spec.id}@{scheduled.isoformat()}", channel=leads, text=GREETING)
    return FiringResult("delivered", scheduled, int(outcome.status != "failed"))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t, spec: JobSpec) -> str:
    return "朝のあいさつ（テスト用）"


# --- the tests -------------------------------------------------------------------------------------------------


def discovered_with(monkeypatch, *modules) -> dict:
    """The kinds the registry finds when the package also holds `modules` (undone after the test)."""
    package_modules = jobs.package_modules
    monkeypatch.setattr(jobs, "package_modules", lambda: [*package_modules(), *modules])
    return jobs.discover()


@pytest.fixture
def hello(monkeypatch):
    """This module among the package's: the registry finds the kind as it finds every other (at import)."""
    monkeypatch.setattr(jobs, "KINDS", discovered_with(monkeypatch, sys.modules[__name__]))
    return sys.modules[__name__]


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def greetings(fakeslack) -> list:
    leads = channel_id(fakeslack, "moving-leads")
    return [
        c
        for c in fakeslack.calls_to("chat.postMessage", ok_only=True)
        if c.params["channel"] == leads and c.params["text"] == GREETING
    ]


def claims(services, job_id: str) -> list[Delivery]:
    with services.session() as session:
        return list(session.exec(select(Delivery).where(Delivery.job_id == job_id)))


# The kinds this file knows, in their listing order; a new kind may stand anywhere among them (its ORDER).
KNOWN_KINDS = ["standup", "standup-remind", "meeting", "digest", "report", "aging"]


def test_every_registered_kind_is_a_module_of_the_package_with_the_whole_protocol():
    folder = Path(jobs.__file__).parent
    assert [kind for kind in jobs.KINDS if kind in KNOWN_KINDS] == KNOWN_KINDS
    assert [kind.ORDER for kind in jobs.KINDS.values()] == sorted({kind.ORDER for kind in jobs.KINDS.values()})
    for name, kind in jobs.KINDS.items():
        assert kind.KIND == name
        package, _, module = kind.__name__.rpartition(".")
        assert package == jobs.__name__ and (folder / f"{module}.py").is_file()
        assert module == name.replace("-", "_")  # standup_remind.py is kind standup-remind
        for attribute in ("specs", "run", "still_useful", "describe"):
            assert callable(getattr(kind, attribute)), (name, attribute)


def test_every_module_of_the_package_with_a_kind_is_registered():
    with_kind = {module.KIND for module in jobs.package_modules() if hasattr(module, "KIND")}
    assert with_kind == set(jobs.KINDS)


def test_a_kind_without_order_or_taking_a_kind_or_an_order_is_refused(monkeypatch):
    no_order = types.SimpleNamespace(__name__="reminders.jobs.x", KIND="x")
    with pytest.raises(TypeError, match="ORDER"):
        discovered_with(monkeypatch, no_order)
    monkeypatch.undo()
    same_kind = types.SimpleNamespace(__name__="reminders.jobs.y", KIND="aging", ORDER=1001)
    with pytest.raises(ValueError, match="kind 'aging'"):
        discovered_with(monkeypatch, same_kind)
    monkeypatch.undo()
    same_order = types.SimpleNamespace(__name__="reminders.jobs.z", KIND="z", ORDER=jobs.KINDS["aging"].ORDER)
    with pytest.raises(ValueError, match="ORDER"):
        discovered_with(monkeypatch, same_order)


def test_every_derived_job_belongs_to_a_registered_kind(synced):
    with synced.session() as session:  # the uat kind's jobs come from stored sessions (/uat add): one to come
        moving = project_row(session, "moving")
        starts = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)
        session.add(UatSession(project_id=moving.id, title="受入テスト", starts_at=starts, created_by="U10LEAD"))
        session.commit()
    assert {spec.kind for spec in job_specs(synced)} == set(jobs.KINDS)


def test_a_registered_kind_is_derived_described_and_scheduled(hello, synced):
    specs_now = job_specs(synced)
    assert [s.id for s in specs_now][-1] == "hello:moving"  # ORDER 1000: after the project's other jobs
    spec = next(s for s in specs_now if s.kind == KIND)
    assert firing.describe(synced, spec) == "朝のあいさつ（テスト用）"
    scheduler = make_scheduler("Asia/Tokyo")
    add_jobs(scheduler, synced)  # not started: only what would be scheduled
    assert scheduler.get_job("hello:moving") is not None


def test_a_registered_kind_fires_exactly_once(hello, synced, fakeslack):
    first = fire(synced, "hello:moving", at("2026-11-27", 8))
    assert (first.status, first.channels) == ("delivered", 1)
    assert fire(synced, "hello:moving", at("2026-11-27", 8)).status == "duplicate"
    assert len(greetings(fakeslack)) == 1
    assert len(claims(synced, "hello:moving")) == 1


def test_a_registered_kind_is_caught_up_by_its_own_rule(hello, synced, fakeslack):
    with time_machine.travel(at("2026-11-27", 11), tick=False):
        assert dict(catch_up(synced))["hello:moving"].status == "delivered"  # 08:00 missed, same day: sent
    with time_machine.travel(at("2026-11-29", 7, 30), tick=False):
        missed = dict(catch_up(synced))["hello:moving"]  # the 28th's 08:00, missed: no longer useful on the 29th
    assert (missed.status, missed.reason, missed.scheduled_at) == ("skipped", "missed", at("2026-11-28", 8))
    assert len(greetings(fakeslack)) == 1


def test_a_registered_kind_is_listed_and_run_by_id_from_the_cli(hello, synced, fakeslack, cli_environment):
    runner = CliRunner()
    listed = runner.invoke(cli, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    assert any(row.startswith("hello:moving") and "朝のあいさつ" in row for row in listed.output.splitlines())
    first = runner.invoke(cli, ["jobs", "run", "hello:moving", "--at", "2026-11-27T08:00"])
    assert first.exit_code == 0, first.output
    assert "hello:moving" in first.output and "1 チャンネル" in first.output
    second = runner.invoke(cli, ["jobs", "run", "hello:moving", "--at", "2026-11-27T08:00"])
    assert second.exit_code == 0 and "配信済み" in second.output
    assert len(greetings(fakeslack)) == 1
    assert len(claims(synced, "hello:moving")) == 1


def test_meetings_added_or_cancelled_elsewhere_are_picked_up_by_the_next_reconcile(synced):
    """bot.scheduler.reconcile_meetings (every minute): a meeting another instance stored gets its reminder jobs,
    a cancelled one loses them, and the jobs of the other kinds are left alone."""
    from bot.scheduler import reconcile_meetings
    from storage.meetings import add_meeting, cancel_meeting

    scheduler = make_scheduler("Asia/Tokyo")
    add_jobs(scheduler, synced)
    before = {job.id for job in scheduler.get_jobs()}
    # a business day about three weeks ahead, whatever the clock says: both reminders are ahead and on open days
    day = synced.calendar.next_business_day(dt.datetime.now(TOKYO).date() + dt.timedelta(days=20))
    with synced.session() as session:
        project = project_row(session, "moving")
        meeting = add_meeting(
            session,
            project_id=project.id,
            title="設計レビュー",
            cron=None,
            starts_at=dt.datetime.combine(day, dt.time(10, 0), TOKYO),
            remind_before=["1d", "15m"],
            created_by="U01SHIMIN",
        )
        number = meeting.id
    reconcile_meetings(scheduler, synced)
    added = {job.id for job in scheduler.get_jobs()} - before
    assert added == {f"meeting:moving:{number}:1d", f"meeting:moving:{number}:15m"}
    with synced.session() as session:
        cancel_meeting(session, session.get(type(meeting), number))
    reconcile_meetings(scheduler, synced)
    assert {job.id for job in scheduler.get_jobs()} == before
