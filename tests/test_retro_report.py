"""The report's 振り返り sheet (月, 部署, 回答者 by name, one column per question, 回答日 as a real date in the report's
style) and the project's phase in the 概要 title block: written to a real .xlsx and read back."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlmodel import select

from reports.tables import DATE_STYLES
from storage.models import Department, Project
from storage.phases import set_phase
from storage.retrospectives import save_retro
from tests.test_reports import TOKYO, report, table


def answer(session, project: Project, slug: str, user: str, day: dt.date, answers: dict[str, str]) -> None:
    department = session.exec(select(Department).where(Department.slug == slug)).one()
    with time_machine.travel(dt.datetime.combine(day, dt.time(11), tzinfo=TOKYO), tick=False):
        save_retro(session, project_id=project.id, department_id=department.id, user_id=user, month=day, answers=answers)


def test_the_retro_sheet_lists_each_departments_answers_of_the_period_by_name(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        set_phase(session, project, "operate")
        answer(session, project, "zeimu", "U02ZEIMU", dt.date(2026, 10, 2), {"better": "先月分（期間外）"})
        answer(session, project, "shimin", "U01SHIMIN", dt.date(2026, 11, 2), {"better": "待ち時間が半分に", "hurts": "紙の案内"})
        answer(session, project, "zeimu", "U02ZEIMU", dt.date(2026, 11, 4), {"hurts": "=SUM(A1)", "当日の混雑": "月曜が混む"})
    _, wb = report(services, project, tmp_path, "2026-11-01", "2026-11-30", now=dt.datetime(2026, 12, 1, 8, tzinfo=TOKYO))
    assert wb.sheetnames[-1] == "振り返り"
    ws = wb["振り返り"]
    assert [c.value for c in ws[1]] == [
        "回答月",
        "部署",
        "回答者",
        "住民や職員にとって良くなったこと",
        "まだ困っていること",
        "当日の混雑",
        "回答日",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2) if any(c.value is not None for c in row)]
    assert rows == [
        ["2026年11月", "市民課", "佐藤 花子", "待ち時間が半分に", "紙の案内", None, dt.datetime(2026, 11, 2)],
        ["2026年11月", "税務課", "鈴木 一郎", None, "=SUM(A1)", "月曜が混む", dt.datetime(2026, 11, 4)],
    ]
    [first, second] = table(ws)
    assert first["回答日"].number_format == DATE_STYLES["both"].date
    assert second["まだ困っていること"].data_type == "s"  # user text never becomes a formula
    overview = wb["概要"]
    assert (overview["A7"].value, overview["B7"].value) == ("段階", "運用")


def test_before_launch_without_answers_there_is_no_sheet_and_the_phase_is_the_first_one(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
    _, wb = report(services, project, tmp_path, "2026-11-01", "2026-11-30", now=dt.datetime(2026, 12, 1, 8, tzinfo=TOKYO))
    assert "振り返り" not in wb.sheetnames
    assert wb["概要"]["B7"].value == "準備"


def test_in_operation_without_answers_the_sheet_has_its_header(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        set_phase(session, project, "operate")
    _, wb = report(services, project, tmp_path, "2026-11-01", "2026-11-30", now=dt.datetime(2026, 12, 1, 8, tzinfo=TOKYO))
    assert [c.value for c in wb["振り返り"][1]][:3] == ["回答月", "部署", "回答者"]
    assert not table(wb["振り返り"])


def test_only_the_questions_answered_get_a_column(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        answer(session, project, "shimin", "U01SHIMIN", dt.date(2026, 11, 2), {"窓口の混雑": "午前に集中"})
    _, wb = report(services, project, tmp_path, "2026-11-01", "2026-11-30", now=dt.datetime(2026, 12, 1, 8, tzinfo=TOKYO))
    assert [c.value for c in wb["振り返り"][1]] == ["回答月", "部署", "回答者", "窓口の混雑", "回答日"]
