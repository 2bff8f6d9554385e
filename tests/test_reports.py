"""Digest and Excel report: the summary as data, the digest as blocks, the workbook read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from sqlmodel import select

from bot.i18n import Translator
from commands.digest import MAX_BLOCKS, build_digest
from commands.report import make_report, project_summary
from reminders.calendar import BusinessCalendar
from storage.issues import NewIssue, create_issue, escalate_to_it, resolve_issue
from storage.models import Department, Project
from storage.projectfile import EscalationSpec
from storage.standups import save_answer
from storage.summary import DepartmentSummary, Figures, ProjectSummary
from storage.wins import create_win

TOKYO = ZoneInfo("Asia/Tokyo")
CALENDAR = BusinessCalendar()
T = Translator("ja")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


@pytest.fixture
def activity(services):
    """Two weeks of a project: issues, a resolution, a wait, an escalation, wins, stand-up answers."""
    with services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d for d in session.exec(select(Department))}

        def issue(day, slug, title, **kw):
            with time_machine.travel(at(day), tick=False):
                return create_issue(
                    session=session,
                    issue_in=NewIssue(
                        project_id=project.id, department_id=dept[slug].id, reporter_id="U01SHIMIN", title=title, **kw
                    ),
                )

        issue("2026-11-12", "shimin", "前の週の課題")
        first = issue("2026-11-17", "shimin", '=HYPERLINK("http://evil.example","クリック")', waiting_on_id=dept["zeimu"].id)
        second = issue("2026-11-18", "zeimu", "+様式の差し替え", due_date=dt.date(2026, 11, 19))
        third = issue("2026-11-19", "kokuho", "@資格確認の遅延")
        with time_machine.travel(at("2026-11-20"), tick=False):
            resolve_issue(session, third, "U03KOKUHO", "-解決メモ")
            escalate_to_it(session, first, "U01SHIMIN", "API 項目の追加")
            create_win(
                session=session,
                project_id=project.id,
                department_id=dept["fukushi"].id,
                reporter_id="U04FUKUSHI",
                text="窓口の待ち時間が半分に",
            )
        for day in ("2026-11-17", "2026-11-18", "2026-11-19"):
            save_answer(
                session,
                project_id=project.id,
                department_id=dept["shimin"].id,
                user_id="U01SHIMIN",
                day=dt.date.fromisoformat(day),
                answers={"today": "作業"},
            )
        return project, second


def summary_for(services, project, start="2026-11-16", end="2026-11-20"):
    with time_machine.travel(at("2026-11-20", 17), tick=False), services.session() as session:
        return project_summary(
            session, project, dt.date.fromisoformat(start), dt.date.fromisoformat(end), calendar=CALENDAR, timezone="Asia/Tokyo"
        )


def test_the_summary_counts_per_department_and_compares_with_the_previous_period(services, activity):
    project, _ = activity
    summary = summary_for(services, project)
    by = {d.slug: d.figures for d in summary.departments}
    assert (by["shimin"].opened, by["shimin"].open, by["shimin"].waiting, by["shimin"].escalations) == (1, 2, 1, 1)
    assert by["shimin"].longest_wait == 3  # Tue 17 -> Fri 20
    assert (by["shimin"].standup_answered, by["shimin"].standup_expected) == (3, 5)
    assert (by["zeimu"].opened, by["zeimu"].overdue) == (1, 1)
    assert (by["kokuho"].opened, by["kokuho"].resolved, by["kokuho"].open) == (1, 1, 0)
    assert by["fukushi"].wins == 1
    assert (summary.totals.opened, summary.totals.resolved, summary.totals.open) == (3, 1, 3)
    assert summary.previous.opened == 1  # the issue of the week before
    assert [w.text for w in summary.wins] == ["窓口の待ち時間が半分に"]
    assert summary.departments[0].waits[0].waiting_on == "税務課"


def test_the_digest_puts_departments_needing_attention_first_and_names_everyone(services, activity):
    project, _ = activity
    text, blocks = build_digest(T, summary_for(services, project), EscalationSpec())
    attention = text.split("*まず確認が必要な部署*")[1].split("*部署別の状況*")[0]
    assert attention.strip().startswith("• *市民課*: 回答待ち 1 件（最長 3 営業日）、IT部門へ相談 1 件\n")
    assert "#2 =HYPERLINK" in attention and "→ 税務課（3 営業日）" in attention
    assert "• *税務課*: 朝会の回答率 0%" in attention  # nobody in 税務課 answered
    for name in ("市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"):
        assert name in text.split("*部署別の状況*")[1]
    assert "新規 3（前週比 +2）" in text and "窓口の待ち時間が半分に" in text
    assert blocks[0]["type"] == "header" and len(blocks) <= MAX_BLOCKS


def test_a_digest_of_a_large_city_stays_within_50_blocks():
    departments = [
        DepartmentSummary(
            f"d{n}", f"部署{n}", 2, Figures(standup_expected=10, standup_answered=1, waiting=1, longest_wait=9, escalations=1)
        )
        for n in range(120)
    ]
    summary = ProjectSummary("big", "大都市", dt.date(2026, 11, 16), dt.date(2026, 11, 20), departments, Figures(), None, [])
    text, blocks = build_digest(T, summary, EscalationSpec())
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "部署119" in text


def read_back(path):
    return load_workbook(path)


def test_the_workbook_has_every_sheet_with_rows_charts_and_formats(services, activity, tmp_path):
    project, _ = activity
    with time_machine.travel(at("2026-11-20", 17), tick=False), services.session() as session:
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 20),
            out=tmp_path / "report.xlsx",
            calendar=CALENDAR,
            timezone="Asia/Tokyo",
            t=T,
        )
    wb = read_back(path)
    assert wb.sheetnames == ["概要", "課題", "成功事例", "朝会", "会議"]
    overview = wb["概要"]
    assert [c.value for c in overview[1]][:3] == ["部署", "連絡担当の人数", "朝会の回答率"]
    assert overview["A2"].value == "市民課" and overview["A8"].value == "合計"
    assert overview["C2"].number_format == "0%"
    kinds = {type(chart) for chart in overview._charts}
    assert kinds == {BarChart, LineChart}
    issues = wb["課題"]
    assert issues.max_row == 5  # header + 4 issues
    rows = {row[0].value: row for row in issues.iter_rows(min_row=2)}
    created = rows[2][8]
    assert isinstance(created.value, dt.datetime) and created.value == dt.datetime(2026, 11, 17, 10, 0)
    assert created.number_format == "yyyy-mm-dd hh:mm"
    assert rows[3][10].value == dt.datetime(2026, 11, 19, 0, 0) and rows[3][10].number_format == "yyyy-mm-dd"
    assert rows[2][2].value == "税務課" and rows[4][3].value == "解決済み" and rows[4][12].value == "-解決メモ"
    for sheet in wb:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet["A1"].font.b, sheet.title
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert issues.column_dimensions["L"].width >= 40  # titles in Japanese get room
    assert wb["成功事例"]["D2"].value == "窓口の待ち時間が半分に"
    standup = wb["朝会"]
    header = [c.value for c in standup[1]]
    assert header[:2] == ["部署", "合計"] and "11/03" not in header and "11/23" not in header  # holidays: no column
    assert standup["A2"].value == "市民課" and standup["B2"].value == 3
    assert wb["会議"]["B2"].value == "定例会議"


def test_user_text_never_becomes_a_formula(services, activity, tmp_path):
    project, _ = activity
    with services.session() as session:
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            out=tmp_path / "r.xlsx",
            calendar=CALENDAR,
            timezone="Asia/Tokyo",
            t=T,
        )
    issues = read_back(path)["課題"]
    titles = {row[0].value: row[11] for row in issues.iter_rows(min_row=2)}
    assert titles[2].value == '=HYPERLINK("http://evil.example","クリック")' and titles[2].data_type == "s"
    assert titles[3].value == "+様式の差し替え" and titles[3].data_type == "s"
    assert titles[4].value == "@資格確認の遅延" and titles[4].data_type == "s"
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the issues sheet


def test_the_report_is_written_in_write_only_mode(services, activity, tmp_path):
    project, _ = activity
    with services.session() as session:
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            out=tmp_path / "r.xlsx",
            calendar=CALENDAR,
            timezone="Asia/Tokyo",
            t=T,
            detail=True,
        )
    archive = zipfile.ZipFile(path)
    # openpyxl's write-only mode streams rows with inline strings; the normal mode collects shared strings.
    assert "xl/sharedStrings.xml" not in archive.namelist()
    assert 't="inlineStr"' in archive.read("xl/worksheets/sheet2.xml").decode()
    detail = load_workbook(path)["朝会の詳細"]
    assert detail.max_row == 4 and detail["D2"].value == "作業"
