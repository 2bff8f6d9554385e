"""The weekly digest: each department's waits under that department, the neediest department first, and nothing
alarming about a department (or a project) that simply has no data yet."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands.report import digest_for
from reminders.calendar import BusinessCalendar
from storage.issues import NewIssue, create_issue
from storage.models import Department, Project
from storage.standups import save_answer

TOKYO = ZoneInfo("Asia/Tokyo")
T = Translator("ja")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


def digest(services, *, answers: bool) -> str:
    """The digest of the week 11/16-11/20, made Friday 17:00, after a week of waits filed by three departments."""
    with services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d for d in session.exec(select(Department))}

        def wait(day: str, slug: str, title: str, on: str, **kw) -> None:
            with time_machine.travel(at(day), tick=False):
                create_issue(
                    session=session,
                    issue_in=NewIssue(
                        project_id=project.id,
                        department_id=dept[slug].id,
                        reporter_id="U99ADMIN",
                        title=title,
                        waiting_on_id=dept[on].id,
                        **kw,
                    ),
                )

        wait("2026-11-16", "shimin", "市民課の待ち", "zeimu")  # 4 business days
        wait("2026-11-13", "kosodate", "子育て支援課の待ち", "fukushi")  # 5 business days: the neediest
        wait("2026-11-19", "zeimu", "税務課の待ち", "shimin", due_date=dt.date(2026, 11, 18))  # 1 day, overdue
        if answers:
            for slug in ("shimin", "zeimu", "kokuho", "kosodate", "it"):  # 福祉課 never answers
                for day in ("2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"):
                    user = {"shimin": "U01SHIMIN", "zeimu": "U02ZEIMU", "kokuho": "U03KOKUHO"}.get(slug, f"U{slug}")
                    save_answer(
                        session,
                        project_id=project.id,
                        department_id=dept[slug].id,
                        user_id=user,
                        day=dt.date.fromisoformat(day),
                        answers={"today": "作業"},
                    )
        with time_machine.travel(at("2026-11-20", 17), tick=False):
            text, _ = digest_for(session, project, project_file=services.project_file, calendar=BusinessCalendar(), t=T)
    return text


def attention_lines(text: str) -> list[str]:
    return text.split("*まず確認が必要な部署*")[1].split("\n\n")[0].strip().splitlines()  # to the next section


def test_each_departments_waits_are_listed_under_it_neediest_first(services):
    lines = attention_lines(digest(services, answers=True))
    assert lines == [  # the department others wait on comes first, with what it is asked for and by whom
        "• *福祉課*: 回答を待たれている課題 1 件（最長 5 営業日）、朝会の回答率 0%",
        "    ◦ #2 子育て支援課の待ち ← 子育て支援課（5 営業日）",
        "• *子育て支援課*: 回答待ち 1 件（最長 5 営業日）",
        "    ◦ #2 子育て支援課の待ち → 福祉課（5 営業日）",
        "• *税務課*: 回答を待たれている課題 1 件（最長 4 営業日）、期限超過 1 件",
        "    ◦ #1 市民課の待ち ← 市民課（4 営業日）",
        "    ◦ #3 税務課の待ち → 市民課（1 営業日）",
        "• *市民課*: 回答待ち 1 件（最長 4 営業日）",
        "    ◦ #1 市民課の待ち → 税務課（4 営業日）",
    ]


def test_the_department_table_is_in_order_of_need_too(services):
    table = digest(services, answers=True).split("*部署別の状況*")[1]
    names = ["福祉課", "子育て支援課", "税務課", "市民課"]
    assert [table.index(n) for n in names] == sorted(table.index(n) for n in names)


def test_before_anyone_has_answered_a_stand_up_no_department_is_flagged_for_its_answer_rate(services):
    text = digest(services, answers=False)
    assert "朝会の回答率 0%" not in text
    [line] = [line for line in attention_lines(text) if line.startswith("• *福祉課*")]
    assert line == "• *福祉課*: 回答を待たれている課題 1 件（最長 5 営業日）"  # asked for an answer; no rate judged


def test_a_department_asked_three_times_shows_two_and_says_how_many_more(services):
    """The count above the lines and the lines add up: 3 issues waiting on 福祉課, two listed, 「ほか 1 件」."""
    with services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d for d in session.exec(select(Department))}
        for day, slug in (("2026-11-12", "kosodate"), ("2026-11-13", "shimin"), ("2026-11-13", "zeimu")):
            with time_machine.travel(at(day), tick=False):
                create_issue(
                    session=session,
                    issue_in=NewIssue(
                        project_id=project.id,
                        department_id=dept[slug].id,
                        reporter_id="U99ADMIN",
                        title=f"{dept[slug].name}の待ち",
                        waiting_on_id=dept["fukushi"].id,
                    ),
                )
        with time_machine.travel(at("2026-11-20", 17), tick=False):
            text, _ = digest_for(session, project, project_file=services.project_file, calendar=BusinessCalendar(), t=T)
    lines = attention_lines(text)
    assert lines[:4] == [
        "• *福祉課*: 回答を待たれている課題 3 件（最長 6 営業日）",
        "    ◦ #1 子育て支援課の待ち ← 子育て支援課（6 営業日）",
        "    ◦ #2 市民課の待ち ← 市民課（5 営業日）",
        "    ◦ ほか 1 件あります。",
    ]
