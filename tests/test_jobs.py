"""Scheduled jobs: exactly once per firing, catch-up after a restart, closed days, reminders' content."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import time_machine
from apscheduler.triggers.date import DateTrigger
from sqlmodel import select

from bot.bootstrap import bootstrap
from bot.scheduler import fire_scheduled, make_scheduler
from reminders import jobs
from reminders.firing import catch_up, fire, job_specs
from storage.issues import NewIssue, create_issue
from storage.meetings import add_meeting
from storage.models import Delivery, Department, Project
from storage.standups import save_answer
from tests.conftest import SAMPLE, channel_id

TOKYO = ZoneInfo("Asia/Tokyo")
DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def posts(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


# The sample project's jobs of the kinds this file knows, in the order `renkei jobs list` shows them. A new kind's
# jobs may join them (the kinds are found by reminders/jobs/__init__.py): they are checked by the rules below.
DESIGNED_IDS = [
    "standup:moving",
    "standup-remind:moving",
    "meeting:moving:1:1d",
    "meeting:moving:1:15m",
    "digest:moving",
    "report:moving",
    "aging:moving",
]


def test_the_derived_jobs_have_the_designed_ids(synced):
    ids = [spec.id for spec in job_specs(synced)]
    assert [i for i in ids if i in DESIGNED_IDS] == DESIGNED_IDS


def test_every_derived_job_has_a_unique_id_of_its_kind_and_project_in_the_kinds_order(synced):
    specs = job_specs(synced)
    assert len({spec.id for spec in specs}) == len(specs)
    for spec in specs:
        assert spec.kind in jobs.KINDS, spec.id
        assert spec.id == f"{spec.kind}:{spec.project}" or spec.id.startswith(f"{spec.kind}:{spec.project}:"), spec.id
    order = list(jobs.KINDS)
    for project in {spec.project for spec in specs}:  # each project's jobs, kind after kind
        ranks = [order.index(spec.kind) for spec in specs if spec.project == project]
        assert ranks == sorted(ranks), project


def test_a_standup_firing_reaches_every_department_channel_once(synced, fakeslack):
    result = fire(synced, "standup:moving", at("2026-11-27", 9, 30))
    assert (result.status, result.channels) == ("delivered", 6)
    for name in DEPARTMENT_CHANNELS:
        [prompt] = posts(fakeslack, name)
        assert "朝会（11/27）" in prompt.params["text"]
        assert prompt.params["blocks"][1]["elements"][0]["action_id"] == "standup_answer"
    again = fire(synced, "standup:moving", at("2026-11-27", 9, 30))
    assert again.status == "duplicate"
    assert sum(len(posts(fakeslack, n)) for n in DEPARTMENT_CHANNELS) == 6


def test_429s_during_the_fan_out_still_reach_every_channel(synced, fakeslack):
    fakeslack.fail("chat.postMessage", status=429, retry_after=0, times=3)
    assert fire(synced, "standup:moving", at("2026-11-27", 9, 30)).channels == 6
    assert all(len(posts(fakeslack, n)) == 1 for n in DEPARTMENT_CHANNELS)


def test_no_prompt_on_a_holiday(synced, fakeslack):
    result = fire(synced, "standup:moving", at("2026-11-23", 9, 30))
    assert result.status == "skipped" and result.reason == "closed_day"
    assert not fakeslack.calls_to("chat.postMessage")


def test_two_processes_firing_together_deliver_once(synced, fakeslack, settings):
    other = bootstrap(settings, project_file=synced.project_file)  # a second instance on the same database
    results = []
    threads = [
        threading.Thread(target=lambda s=s: results.append(fire(s, "standup:moving", at("2026-11-27", 9, 30))))
        for s in (synced, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in results) == ["delivered", "duplicate"]
    assert sum(len(posts(fakeslack, n)) for n in DEPARTMENT_CHANNELS) == 6
    other.engine.dispose()


def test_two_running_schedulers_fire_the_same_job_once(synced, fakeslack, settings):
    other = bootstrap(settings, project_file=synced.project_file)
    schedulers = [make_scheduler("Asia/Tokyo") for _ in range(2)]
    with time_machine.travel(at("2026-11-27", 9, 31), tick=True):  # a business day; the firing is 09:30's
        run_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1.5)
        for scheduler, services in zip(schedulers, (synced, other)):
            scheduler.add_job(
                fire_scheduled,
                DateTrigger(run_date=run_at),
                args=[services, "standup:moving"],
                id="standup:moving",
                replace_existing=True,
            )
            scheduler.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(s.get_jobs() for s in schedulers):
            time.sleep(0.1)
        time.sleep(1)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    with synced.session() as session:
        rows = session.exec(select(Delivery).where(Delivery.job_id == "standup:moving")).all()
    assert len(rows) == 1
    assert sum(len(posts(fakeslack, n)) for n in DEPARTMENT_CHANNELS) == 6
    other.engine.dispose()


def test_a_restart_inside_the_window_delivers_the_missed_standup_once(synced, fakeslack):
    with time_machine.travel(at("2026-11-27", 11, 0), tick=False):
        done = dict(catch_up(synced))
    assert done["standup:moving"].status == "delivered"
    assert all(len(posts(fakeslack, n)) == 1 for n in DEPARTMENT_CHANNELS)
    with time_machine.travel(at("2026-11-27", 11, 5), tick=False):
        assert "standup:moving" not in dict(catch_up(synced))  # a second restart sends nothing again


def test_a_restart_outside_the_window_skips_and_logs(synced, fakeslack, caplog):
    with time_machine.travel(at("2026-11-28", 8, 0), tick=False), caplog.at_level("INFO"):
        done = dict(catch_up(synced))
    assert done["standup:moving"].status == "skipped"  # Friday's prompt is no use on Saturday
    assert not fakeslack.calls_to("chat.postMessage")
    assert "no longer useful" in caplog.text


def test_a_missed_meeting_reminder_is_sent_only_before_the_meeting(synced, fakeslack):
    with time_machine.travel(at("2026-12-01", 18, 0), tick=False):  # the 1d reminder (Tue 10:00) was missed
        assert dict(catch_up(synced))["meeting:moving:1:1d"].status == "delivered"
    with time_machine.travel(at("2026-12-02", 10, 30), tick=False):  # the 15m reminder: the meeting has begun
        assert dict(catch_up(synced))["meeting:moving:1:15m"].status == "skipped"
    reminders = [c for c in posts(fakeslack, "moving-zeimu") if "定例会議" in c.params["text"]]
    assert len(reminders) == 1 and "前日のお知らせ" in reminders[0].params["text"]


def test_the_standup_reminder_mentions_only_who_has_not_answered(synced, fakeslack):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        for slug, user in (("shimin", "U01SHIMIN"), ("zeimu", "U02ZEIMU")):
            department = session.exec(select(Department).where(Department.slug == slug)).one()
            save_answer(
                session,
                project_id=project.id,
                department_id=department.id,
                user_id=user,
                day=dt.date(2026, 11, 27),
                answers={"today": "作業"},
            )
    result = fire(synced, "standup-remind:moving", at("2026-11-27", 12, 30))
    assert result.channels == 5  # four department channels, and the roll-up in the leads channel
    assert not posts(fakeslack, "moving-shimin") and not posts(fakeslack, "moving-zeimu")
    [text] = [c.params["text"] for c in posts(fakeslack, "moving-kokuho")]
    assert "<@U03KOKUHO>" in text and "朝会" in text
    assert fire(synced, "standup-remind:moving", at("2026-11-27", 12, 30)).status == "duplicate"


def test_a_meeting_reminder_carries_the_agenda(synced, fakeslack):
    with time_machine.travel(at("2026-11-19", 10), tick=False), synced.session() as session:
        project = session.exec(select(Project)).one()
        shimin, zeimu = (session.exec(select(Department).where(Department.slug == s)).one() for s in ("shimin", "zeimu"))
        create_issue(
            session=session,
            issue_in=NewIssue(
                project_id=project.id,
                department_id=shimin.id,
                reporter_id="U01SHIMIN",
                title="転出データの様式",
                waiting_on_id=zeimu.id,
            ),
        )
    result = fire(synced, "meeting:moving:1:1d", at("2026-12-01", 10))
    assert result.channels == 6
    [reminder] = posts(fakeslack, "moving-kosodate")
    assert "定例会議" in reminder.params["text"] and "12/02(水) 10:00" in reminder.params["text"]
    assert "市民課 0件 ・ 税務課 1件" in reminder.params["text"]  # counted where the ball is: 税務課 is asked
    assert "#1 転出データの様式（市民課 → 税務課、7 営業日）" in reminder.params["text"]


def test_a_meeting_on_a_closed_day_warns_the_leads_instead(synced, fakeslack):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        meeting = add_meeting(
            session,
            project_id=project.id,
            title="年末の打ち合わせ",
            cron=None,
            starts_at=at("2026-12-29", 10).astimezone(dt.timezone.utc),
            remind_before=["1d"],
            created_by="U10LEAD",
        )
    result = fire(synced, f"meeting:moving:{meeting.id}:1d", at("2026-12-28", 10))
    assert result.reason == "closed_day_leads_warned"
    [warning] = posts(fakeslack, "moving-leads")
    assert "年末年始の閉庁期間" in warning.params["text"]
    assert not any(posts(fakeslack, n) for n in DEPARTMENT_CHANNELS)


def test_an_unknown_job_is_named_unknown(synced, fakeslack):
    assert fire(synced, "unknown:job").status == "unknown"
    assert not fakeslack.calls_to("chat.postMessage")


def test_sample_file_is_the_one_used(synced):
    assert synced.project_file.project("moving").standup.cron == "30 9 * * mon-fri"
    assert SAMPLE.exists()
