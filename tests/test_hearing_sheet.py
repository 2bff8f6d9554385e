"""The ヒアリング sheet of the Excel report, written as a real .xlsx and read back with openpyxl (SQLite, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from openpyxl import load_workbook
from sqlmodel import select

from bot.i18n import Translator
from commands.report import make_report
from reminders.calendar import BusinessCalendar
from reports.tables import DATE_STYLES
from storage.hearings import close_hearing, create_hearing, save_answer
from storage.models import Department, Project

TOKYO = ZoneInfo("Asia/Tokyo")
COLUMNS = ["ヒアリング（題名・番号）", "部署", "回答者", "質問", "回答", "回答日", "状態"]


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


def write(services, tmp_path, end: str = "2026-11-30"):
    with time_machine.travel(at("2026-11-30", 17), tick=False), services.session() as session:
        project = session.exec(select(Project)).one()
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date.fromisoformat(end),
            out=tmp_path / "report.xlsx",
            calendar=BusinessCalendar(),
            project_file=services.project_file,
            t=Translator("ja"),
        )
    return load_workbook(path)


def test_the_sheet_has_a_row_per_answer_and_question_and_names_departments_without_answers(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d.id for d in session.exec(select(Department))}
        with time_machine.travel(at("2026-11-16"), tick=False):
            first = create_hearing(
                session,
                project_id=project.id,
                title="引越し手続きの現状",
                questions=["problems", "独自の質問"],
                started_by="U10LEAD",
            )
        with time_machine.travel(at("2026-11-18"), tick=False):
            save_answer(
                session, hearing_id=first.id, department_id=dept["shimin"], user_id="U01SHIMIN", answers={0: "二度手間", 1: ""}
            )
            save_answer(
                session, hearing_id=first.id, department_id=dept["zeimu"], user_id="U02ZEIMU", answers={0: "", 1: "=SUM(A1)"}
            )
        with time_machine.travel(at("2026-11-20"), tick=False):
            close_hearing(session, first.id, "U10LEAD")
            second = create_hearing(
                session, project_id=project.id, title="窓口の流れ", questions=["worries"], started_by="U10LEAD"
            )
            save_answer(session, hearing_id=second.id, department_id=dept["it"], user_id="U09IT", answers={0: "移行期間"})
        with time_machine.travel(at("2026-12-03"), tick=False):  # after the period's end: not in its report
            create_hearing(session, project_id=project.id, title="来月の話", questions=["solve"], started_by="U10LEAD")

    wb = write(services, tmp_path)
    assert wb.sheetnames[-1] == "ヒアリング"
    ws = wb["ヒアリング"]
    assert [c.value for c in ws[1]] == COLUMNS
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2) if any(c.value is not None for c in row)]
    one, two = f"#{first.id} 引越し手続きの現状", f"#{second.id} 窓口の流れ"
    answered = dt.datetime(2026, 11, 18)
    assert rows == [
        [one, "市民課", "佐藤 花子", "現在の業務で困っていること", "二度手間", answered, "締切"],
        [one, "税務課", "鈴木 一郎", "独自の質問", "=SUM(A1)", answered, "締切"],  # blanks left out, a formula kept as text
        [one, "国民健康保険課", None, None, "未回答", None, "締切"],
        [one, "福祉課", None, None, "未回答", None, "締切"],
        [one, "子育て支援課", None, None, "未回答", None, "締切"],
        [one, "情報政策課", None, None, "未回答", None, "締切"],
        [two, "市民課", None, None, "未回答", None, "回答受付中"],
        [two, "税務課", None, None, "未回答", None, "回答受付中"],
        [two, "国民健康保険課", None, None, "未回答", None, "回答受付中"],
        [two, "福祉課", None, None, "未回答", None, "回答受付中"],
        [two, "子育て支援課", None, None, "未回答", None, "回答受付中"],
        [two, "情報政策課", "渡辺 誠", "心配なこと・不安なこと", "移行期間", dt.datetime(2026, 11, 20), "回答受付中"],
    ]
    assert ws["F2"].number_format == DATE_STYLES["both"].date and ws["E3"].data_type == "s"
    assert ws.auto_filter.ref == "A1:G13" and ws.freeze_panes == "A2"


def test_a_project_without_hearings_gets_no_empty_sheet(services, tmp_path):
    assert "ヒアリング" not in write(services, tmp_path).sheetnames
