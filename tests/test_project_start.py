"""Periods start with the project (storage.phases.first_standup_day): stand-up answers are expected from renkei.yml's
`start:` when given, else from the first stand-up prompt sent, or the first answer if that came earlier; before any,
nothing is expected (a rate of "-", not 0 %). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from commands.report import project_summary
from reminders.calendar import BusinessCalendar
from storage.enums import DeliveryStatus
from storage.models import Delivery, Department, Project
from storage.phases import first_standup_day, standup_days
from storage.standups import save_answer

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 20, 17, 0, tzinfo=TOKYO)  # the tests' own clock: a Friday evening


@pytest.fixture(autouse=True)
def friday_evening():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def project(services):
    with services.session() as session:
        return session.exec(select(Project)).one()


def prompt(services, day: str, status: str = DeliveryStatus.DONE, job: str = "standup:moving") -> None:
    moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9, 30), TOKYO).astimezone(dt.timezone.utc)
    with services.session() as session:
        session.add(Delivery(job_id=job, scheduled_at=moment, status=status))
        session.commit()


def answer(services, project, day: str) -> None:
    with services.session() as session:
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        save_answer(
            session,
            project_id=project.id,
            department_id=shimin.id,
            user_id="U01SHIMIN",
            day=dt.date.fromisoformat(day),
            answers={"today": "作業"},
        )


def first(services, project, configured: str | None = None) -> dt.date | None:
    with services.session() as session:
        return first_standup_day(session, project, "Asia/Tokyo", dt.date.fromisoformat(configured) if configured else None)


def test_nothing_asked_yet_means_no_first_day_and_no_day_due(services, project):
    assert first(services, project) is None
    with services.session() as session:
        due = standup_days(session, project, BusinessCalendar().is_business_day, "Asia/Tokyo")
    assert not any(due(dt.date(2026, 11, day)) for day in range(1, 21))


def test_the_first_prompt_sent_starts_the_project_a_skipped_one_or_another_job_does_not(services, project):
    prompt(services, "2026-11-04", status=DeliveryStatus.SKIPPED)  # not sent
    prompt(services, "2026-11-02", job="digest:moving")  # another job
    assert first(services, project) is None
    prompt(services, "2026-11-10")
    prompt(services, "2026-11-12")
    assert first(services, project) == dt.date(2026, 11, 10)
    prompt(services, "2026-11-09", job="standup:moving:operate")  # the after-launch rhythm counts too
    assert first(services, project) == dt.date(2026, 11, 9)


def test_an_answer_before_any_prompt_starts_it_earlier_and_start_in_renkei_yml_wins(services, project):
    prompt(services, "2026-11-10")
    answer(services, project, "2026-11-06")  # typed with /standup before the prompts began
    assert first(services, project) == dt.date(2026, 11, 6)
    assert first(services, project, configured="2026-11-16") == dt.date(2026, 11, 16)


def test_rates_count_only_the_business_days_from_the_start(services, project):
    """11/2〜11/20 holds 14 business days (文化の日 11/3 is a holiday); from a start on 11/16 only 5 are due."""
    prompt(services, "2026-11-16")
    prompt(services, "2026-11-20")  # today's, at 09:30 (the clock says 17:00)
    for day in ("2026-11-16", "2026-11-17", "2026-11-18"):
        answer(services, project, day)

    def shimin(start: str | None) -> tuple[int, int]:
        with services.session() as session:
            summary = project_summary(
                session,
                session.get(Project, project.id),
                dt.date(2026, 11, 2),
                dt.date(2026, 11, 20),
                calendar=BusinessCalendar(),
                timezone="Asia/Tokyo",
                project_start=dt.date.fromisoformat(start) if start else None,
            )
        figures = next(d.figures for d in summary.departments if d.slug == "shimin")
        return figures.standup_answered, figures.standup_expected

    assert shimin(None) == (3, 5)  # from the first prompt, 11/16
    assert shimin("2026-11-02") == (3, 14)  # start: 2026-11-02 in renkei.yml: the weeks before count


def test_today_counts_only_once_its_prompt_went_out_or_someone_answered(services, project):
    """A report made at 08:00 does not count today as a day nobody answered: its prompt comes at 09:30."""
    prompt(services, "2026-11-16")

    def due_today() -> bool:
        with services.session() as session:
            return standup_days(session, project, BusinessCalendar().is_business_day, "Asia/Tokyo")(dt.date(2026, 11, 20))

    assert not due_today()  # 17:00 on Friday 11/20, but no prompt was sent today and nobody answered
    answer(services, project, "2026-11-20")
    assert due_today()  # someone answered today: it was asked
    with services.session() as session:  # the yesterday of a day without a prompt record still counts
        assert standup_days(session, project, BusinessCalendar().is_business_day, "Asia/Tokyo")(dt.date(2026, 11, 19))


def test_a_week_of_prompts_nobody_answered_is_zero_percent_not_a_dash(services, project):
    """Once stand-ups are asked, silence is a figure the leads must see: 0 %, and each department flagged for it."""
    from bot.i18n import Translator
    from commands.report import digest_for
    from storage.projectfile import load_project_file
    from tests.conftest import SAMPLE

    for day in ("2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"):
        prompt(services, day)
    with services.session() as session:
        text, _ = digest_for(
            session,
            session.get(Project, project.id),
            project_file=load_project_file(SAMPLE),
            calendar=BusinessCalendar(),
            t=Translator("ja"),
        )
    assert "朝会の回答率 0%" in text  # the totals
    assert "• *市民課*: 朝会の回答率 0%" in text  # and each department needs the leads' attention for it


@pytest.mark.parametrize(
    ("job", "when", "status", "asked"),
    [
        ("standup:moving", "2026-11-20T08:30", DeliveryStatus.DONE, True),  # 23:30 UTC the day before: Tokyo's day
        ("standup:moving:operate", "2026-11-20T09:30", DeliveryStatus.DONE, True),  # the after-launch rhythm's prompt
        ("standup:moving", "2026-11-20T00:00", DeliveryStatus.DONE, True),  # the day's first instant
        ("standup:moving", "2026-11-19T23:59", DeliveryStatus.DONE, False),  # yesterday's
        ("standup:moving", "2026-11-21T00:00", DeliveryStatus.DONE, False),  # tomorrow's first instant
        ("standup:moving", "2026-11-21T09:30", DeliveryStatus.DONE, False),  # tomorrow's
        ("standup:moving", "2026-11-20T09:30", DeliveryStatus.SKIPPED, False),  # not sent
        ("digest:moving", "2026-11-20T09:30", DeliveryStatus.DONE, False),  # another job
    ],
)
def test_today_is_asked_by_a_prompt_sent_on_tokyos_today_only(services, project, job, when, status, asked):
    prompt(services, "2026-11-16")  # the project began
    moment = dt.datetime.fromisoformat(when).replace(tzinfo=TOKYO).astimezone(dt.timezone.utc)
    with services.session() as session:
        session.add(Delivery(job_id=job, scheduled_at=moment, status=status))
        session.commit()
        due = standup_days(session, project, BusinessCalendar().is_business_day, "Asia/Tokyo")
    assert due(dt.date(2026, 11, 20)) is asked


def test_an_answer_asks_today_only_for_its_own_project_and_day(services, project):
    """Another project's answer today, or this project's answer yesterday, does not make today a day asked."""
    prompt(services, "2026-11-16")
    with services.session() as session:
        other = Project(slug="other", name="別の事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        session.refresh(other)
    answer(services, other, "2026-11-20")
    answer(services, project, "2026-11-19")

    def due_today() -> bool:
        with services.session() as session:
            return standup_days(session, project, BusinessCalendar().is_business_day, "Asia/Tokyo")(dt.date(2026, 11, 20))

    assert not due_today()
    answer(services, project, "2026-11-20")
    assert due_today()
