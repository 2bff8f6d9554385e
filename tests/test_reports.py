"""Digest and Excel report: the summary as data, the digest as blocks, the workbook read back with openpyxl.

The workbook is what a 課長 opens and prints: 概要 with a title block, the 課題管理表, its history, stand-up
participation by day or week, meetings in words, dates in 令和 and 西暦 as real dates, A4 print settings.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
import zipfile
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from sqlmodel import select

from bot.i18n import Translator
from commands.digest import MAX_BLOCKS, Blocker, build_digest
from commands.report import digest_for, make_report, project_summary
from reminders.calendar import BusinessCalendar
from reports.tables import DATE_STYLES, display_width, text_lines
from storage.enums import DeliveryStatus
from storage.issues import NewIssue, add_event, assign_issue, create_issue, escalate_to_it, record_it_answer, resolve_issue
from storage.meetings import add_meeting
from storage.models import Delivery, Department, Project
from storage.projectfile import EscalationSpec, parse_project_file
from storage.standups import save_answer
from storage.summary import WEEKLY_AFTER_DAYS, DepartmentSummary, Figures, ProjectSummary, WinItem, participation
from storage.wins import create_win
from tests.conftest import SAMPLE
from words.dates import date_text
from words.names import Names

TOKYO = ZoneInfo("Asia/Tokyo")
CALENDAR = BusinessCalendar()
T = Translator("ja")
ISSUE_COLUMNS = [
    "No.",
    "起票日",
    "起票部署",
    "起票者",
    "課題内容",
    "対応状況",
    "依頼先部署",
    "担当部署",
    "担当者",
    "期限",
    "優先度",
    "ステータス",
    "完了日",
    "経過営業日",
    "IT相談",
    "最新のメモ",
]


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


def first_prompt(services, day: str) -> None:
    """The project's first stand-up prompt went out on `day` at 09:30: answers are expected from then on."""
    with services.session() as session:
        moment = at(day).replace(hour=9, minute=30).astimezone(dt.timezone.utc)
        session.add(Delivery(job_id="standup:moving", scheduled_at=moment, status=DeliveryStatus.DONE))
        session.commit()


@pytest.fixture
def activity(services):
    """Three weeks of a project begun on Monday 11/2 (its first stand-up prompt), up to Friday 11/20 (the reports'
    day, whose prompt went out at 09:30): issues, a resolution, a wait, an escalation, wins, stand-up answers."""
    first_prompt(services, "2026-11-02")
    first_prompt(services, "2026-11-20")  # today's prompt: today counts as a day answers were asked for
    with services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d for d in session.exec(select(Department))}

        def issue(day, slug, title, reporter="U01SHIMIN", **kw):
            with time_machine.travel(at(day), tick=False):
                return create_issue(
                    session=session,
                    issue_in=NewIssue(
                        project_id=project.id, department_id=dept[slug].id, reporter_id=reporter, title=title, **kw
                    ),
                )

        issue("2026-11-12", "shimin", "前の週の課題")
        first = issue("2026-11-17", "shimin", '=HYPERLINK("http://evil.example","クリック")', waiting_on_id=dept["zeimu"].id)
        second = issue("2026-11-18", "zeimu", "+様式の差し替え", reporter="U02ZEIMU", due_date=dt.date(2026, 11, 19))
        third = issue(
            "2026-11-19", "kokuho", "@資格確認の遅延", reporter="U03KOKUHO", body="窓口で\n確認が止まる", severity="high"
        )
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
                answers={"today": "作業", "blockers": "税務課の様式が届かない" if day == "2026-11-18" else "なし"},
            )
        return project, second


def summary_for(services, project, start="2026-11-16", end="2026-11-20"):
    with time_machine.travel(at("2026-11-20", 17), tick=False), services.session() as session:
        return project_summary(
            session, project, dt.date.fromisoformat(start), dt.date.fromisoformat(end), calendar=CALENDAR, timezone="Asia/Tokyo"
        )


def report(
    services, project, tmp_path, start="2026-11-01", end="2026-11-20", *, now=at("2026-11-20", 17), project_file=None, **kw
):
    """The workbook of a period, made at `now`, read back."""
    with time_machine.travel(now, tick=False), services.session() as session:
        path = make_report(
            session,
            session.get(Project, project.id),
            start=dt.date.fromisoformat(start),
            end=dt.date.fromisoformat(end),
            out=tmp_path / "report.xlsx",
            calendar=CALENDAR,
            project_file=project_file or services.project_file,
            t=T,
            **kw,
        )
    return path, load_workbook(path)


def table(ws, header_row: int = 1) -> list[dict]:
    """A table sheet's rows as dicts by column title (the cells, to read values and formats)."""
    titles = [c.value for c in ws[header_row]]
    return [dict(zip(titles, row)) for row in ws.iter_rows(min_row=header_row + 1) if any(c.value is not None for c in row)]


# --- the summary and the digest ---------------------------------------------------------------------------------


def test_the_summary_counts_per_department_and_compares_with_the_previous_period(services, activity):
    project, _ = activity
    summary = summary_for(services, project)
    by = {d.slug: d.figures for d in summary.departments}
    # #2 waited on 税務課, then 市民課 asked IT (storage.turns): IT's move now, no longer 税務課's — not counted as a wait
    assert (by["shimin"].opened, by["shimin"].open, by["shimin"].waiting, by["shimin"].escalations) == (1, 2, 0, 1)
    assert by["shimin"].longest_wait == 0
    assert (by["shimin"].standup_answered, by["shimin"].standup_expected) == (3, 5)
    assert (by["zeimu"].opened, by["zeimu"].overdue) == (1, 1)
    assert (by["kokuho"].opened, by["kokuho"].resolved, by["kokuho"].open) == (1, 1, 0)
    assert by["fukushi"].wins == 1
    assert (summary.totals.opened, summary.totals.resolved, summary.totals.open) == (3, 1, 3)
    assert summary.previous.opened == 1  # the issue of the week before
    assert [w.text for w in summary.wins] == ["窓口の待ち時間が半分に"]
    assert all(not d.waits for d in summary.departments)


def test_a_due_date_still_ahead_is_not_overdue_in_a_period_that_ends_later(services, activity):
    project, _ = activity  # #3 is due 11/19; on 11/18 it is not overdue yet, though the period runs to March
    with time_machine.travel(at("2026-11-18", 17), tick=False), services.session() as session:
        summary = project_summary(
            session, project, dt.date(2026, 4, 1), dt.date(2027, 3, 31), calendar=CALENDAR, timezone="Asia/Tokyo"
        )
    assert summary.totals.overdue == 0
    assert summary_for(services, project).totals.overdue == 1  # on 11/20 it is


def test_the_digest_puts_departments_needing_attention_first_and_names_everyone(services, activity):
    project, _ = activity
    text, blocks = build_digest(T, summary_for(services, project), EscalationSpec(), names=Names(T, services.project_file.people))
    attention = text.split("*まず確認が必要な部署*")[1].split("*部署別の状況*")[0]
    # 税務課 first: #3 is overdue and nobody in 税務課 answered; 市民課's #2, once waiting on 税務課, is IT's move since
    # 市民課 asked IT (storage.turns), so 税務課 is not blamed for it
    assert attention.strip().startswith("• *税務課*: 期限超過 1 件、朝会の回答率 0%\n")
    assert "→ 税務課" not in attention and "← 市民課" not in attention
    assert "• *市民課*: IT部門へ相談 1 件" in attention
    for name in ("市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"):
        assert name in text.split("*部署別の状況*")[1]
    assert "新規 3（前週比 +2）" in text and "窓口の待ち時間が半分に" in text
    assert blocks[0]["type"] == "header" and len(blocks) <= MAX_BLOCKS


def test_the_digest_names_people_and_lists_the_weeks_blockers(services, activity):
    project, _ = activity
    with time_machine.travel(at("2026-11-20", 17), tick=False), services.session() as session:
        text, blocks = digest_for(session, project, project_file=services.project_file, calendar=CALENDAR, t=T)
    assert "• 福祉課・田中 健太: 窓口の待ち時間が半分に" in text  # a name, never <@U04FUKUSHI>
    assert "U04FUKUSHI" not in text and "U01SHIMIN" not in text
    blockers = text.split("*今週の朝会で挙がった困りごと*")[1]
    assert blockers.strip().splitlines() == ["• 11/18 市民課・佐藤 花子: 税務課の様式が届かない"]  # 「なし」 is no blocker
    assert any("今週の朝会で挙がった困りごと" in b["text"]["text"] for b in blocks if b["type"] == "section")


def test_in_the_digest_someone_renkei_yml_does_not_name_is_a_mention_slack_shows_by_name():
    names = Names(T, {"U01SHIMIN": "佐藤 <花子>"}, in_slack=True)
    summary = ProjectSummary(
        "p", "事業", dt.date(2026, 11, 16), dt.date(2026, 11, 20), [], Figures(), None,
        [WinItem(dt.date(2026, 11, 18), "市民課", "U77NEW", "早くなった")],
    )  # fmt: skip
    blockers = [Blocker(dt.date(2026, 11, 19), "市民課", "U01SHIMIN", "様式")] * 12
    text, _ = build_digest(T, summary, EscalationSpec(), names=names, blockers=blockers)
    assert "• 市民課・<@U77NEW>: 早くなった" in text
    assert "• 11/19 市民課・佐藤 &lt;花子&gt;: 様式" in text  # a name is text: escaped like any
    assert text.count("佐藤 &lt;花子&gt;") == 10 and "ほか 2 件あります。" in text


def test_people_are_named_by_renkei_yml_with_a_polite_fallback_in_files():
    names = Names(T, {"U01SHIMIN": "佐藤 花子"})
    assert names("U01SHIMIN") == "佐藤 花子"
    assert names("U77NEW") == "名前未登録（U77NEW）"
    assert names("renkei") == "Renkei（自動）"  # what Renkei's own jobs record
    assert names(None) == "" and names("") == ""


def test_a_digest_of_a_large_city_stays_within_50_blocks():
    departments = [
        DepartmentSummary(
            f"d{n}", f"部署{n}", 2, Figures(standup_expected=10, standup_answered=1, waiting=1, longest_wait=9, escalations=1)
        )
        for n in range(120)
    ]
    summary = ProjectSummary("big", "大都市", dt.date(2026, 11, 16), dt.date(2026, 11, 20), departments, Figures(), None, [])
    text, blocks = build_digest(T, summary, EscalationSpec(), names=Names(T, {}))
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "部署119" in text


# --- the workbook ---------------------------------------------------------------------------------------------


def test_the_workbook_has_every_sheet_and_the_detail_only_when_asked(services, activity, tmp_path):
    project, _ = activity
    _, wb = report(services, project, tmp_path)
    assert wb.sheetnames == ["概要", "課題", "対応履歴", "成功事例", "朝会", "会議"]  # no rollout step taken yet
    _, detailed = report(services, project, tmp_path, detail=True)
    assert detailed.sheetnames[-1] == "朝会の詳細"
    rows = table(detailed["朝会の詳細"])
    assert [(r["日付"].value, r["回答者"].value, r["回答"].value) for r in rows][0] == (
        dt.datetime(2026, 11, 17),
        "佐藤 花子",
        "作業 / なし",
    )


def test_the_overview_opens_with_a_title_block_then_the_figures_then_the_charts(services, activity, tmp_path):
    project, _ = activity
    _, wb = report(services, project, tmp_path)
    ws = wb["概要"]
    assert ws["A1"].value == "引越しワンストップ化 進捗レポート" and ws["A1"].font.b and ws["A1"].font.sz == 16
    labels = [ws.cell(row, 1).value for row in range(2, 7)]
    assert labels == ["目的", "対象期間", "集計日", "作成日時", "報告先"]
    assert ws["B2"].value == "引越しに伴う手続きを一度で済ませ、住民の来庁回数と待ち時間を減らす"
    assert (ws["B3"].value, ws["D3"].value, ws["E3"].value) == (dt.datetime(2026, 11, 1), "〜", dt.datetime(2026, 11, 20))
    assert ws["B4"].value == dt.datetime(2026, 11, 20) and not ws["D4"].value  # a period already over: counted to its end
    assert ws["B5"].value == dt.datetime(2026, 11, 20, 17, 0)
    assert ws["B6"].value == "管理職: 中村 浩 ／ リーダー: 山本 直子"
    assert ws["A9"].value == "部署" and ws["C9"].value == "朝会の回答率"
    assert ws["A10"].value == "市民課" and ws["A16"].value == "合計" and ws["A16"].font.b
    assert ws["C10"].number_format == "0%"
    assert {type(chart) for chart in ws._charts} == {BarChart, LineChart}
    for chart in ws._charts:  # below the table, within its eleven columns
        assert chart.anchor._from.row >= 16 and chart.anchor.to.col <= 11
    assert ws.print_area == "'概要'!$A$1:$K$34"  # the trend's figures, beside the table, are on the chart


def test_the_trend_never_goes_past_today_and_says_what_a_point_is(services, activity, tmp_path):
    project, _ = activity  # a fiscal year asked for on 11/20: weeks ending today, none in the future, none before
    _, wb = report(services, project, tmp_path, "2026-04-01", "2027-03-31")  # the project began (11/2)
    ws = wb["概要"]
    assert (ws["M9"].value, ws["N9"].value) == ("集計週の最終日", "未解決課題数（その日の終わり）")
    weeks = [(ws.cell(row, 13).value, ws.cell(row, 14).value) for row in range(10, 22) if ws.cell(row, 13).value]
    assert [day for day, _ in weeks] == [dt.datetime(2026, 11, day) for day in (6, 13, 20)]
    assert weeks[-1][1] == 3 and weeks[-2][1] == 1  # open at the end of 11/20 and of 11/13
    assert ws["B4"].value == dt.datetime(2026, 11, 20)
    assert ws["D4"].value == "期間の終わりがまだ先のため、この日までの実績を集計しています。"


def test_the_issue_sheet_is_a_kadai_kanrihyo_with_names_words_and_dates(services, activity, tmp_path):
    project, second = activity
    with time_machine.travel(at("2026-11-20", 11), tick=False), services.session() as session:
        issue = session.get(type(second), second.id)
        assign_issue(session, issue, "U10LEAD", "U02ZEIMU")
        record_it_answer(session, session.get(type(second), 2), "U09IT", "API に項目を追加しました")
    _, wb = report(services, project, tmp_path)
    ws = wb["課題"]
    assert [c.value for c in ws[1]] == ISSUE_COLUMNS
    rows = {r["No."].value: r for r in table(ws)}
    assert sorted(rows) == [1, 2, 3, 4]
    waiting, assigned, resolved = rows[2], rows[3], rows[4]
    assert waiting["起票日"].value == dt.datetime(2026, 11, 17) and waiting["起票日"].is_date
    assert (waiting["起票部署"].value, waiting["起票者"].value, waiting["依頼先部署"].value) == ("市民課", "佐藤 花子", "税務課")
    assert (waiting["担当部署"].value, waiting["担当者"].value) == ("税務課", None)  # nobody took it: the ball is there
    assert (waiting["ステータス"].value, waiting["優先度"].value, waiting["完了日"].value) == ("未対応", "中", None)
    assert waiting["IT相談"].value == "回答あり" and waiting["最新のメモ"].value == "API に項目を追加しました"
    assert waiting["対応状況"].value == "11/20 IT部門の回答（渡辺 誠）"
    assert waiting["経過営業日"].value == 3  # Tue 17 -> Fri 20
    assert (assigned["担当者"].value, assigned["担当部署"].value, assigned["ステータス"].value) == (
        "鈴木 一郎",
        "税務課",
        "対応中",
    )
    assert assigned["期限"].value == dt.datetime(2026, 11, 19)
    assert resolved["完了日"].value == dt.datetime(2026, 11, 20) and resolved["ステータス"].value == "解決済み"
    assert (resolved["優先度"].value, resolved["起票者"].value) == ("高", "高橋 美咲")
    assert resolved["課題内容"].value == "@資格確認の遅延\n窓口で\n確認が止まる"
    assert resolved["対応状況"].value == "11/20 解決済みに変更（高橋 美咲）"
    assert resolved["経過営業日"].value == 1 and resolved["IT相談"].value is None
    for row in rows.values():  # every row as tall as its wrapped text and its dates in two lines
        assert ws.row_dimensions[row["No."].row].height >= 30
    assert ws.row_dimensions[rows[4]["No."].row].height >= 3 * 15  # three lines of 課題内容
    assert not any(re.fullmatch(r"[UW][A-Z0-9]{2,}", str(c.value)) for row in ws.iter_rows() for c in row)  # no Slack id


def evaluate(formula: str, cells: dict[str, object]) -> bool:
    """The overdue rule worked out as a spreadsheet does, on one row's cells (named as in the rule's first row).

    Knows the terms the rule is made of and fails on any other, so a rule written differently is looked at again.
    """

    def arguments(text: str) -> list[str]:
        parts, depth, current = [], 0, ""
        for char in text:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if char == "," and depth == 0:
                parts.append(current)
                current = ""
            else:
                current += char
        return [*parts, current]

    def value(term: str) -> bool:
        if match := re.fullmatch(r"AND\((.*)\)", term):
            return all(value(part) for part in arguments(match[1]))  # stops at the first false, as AND's result does
        if match := re.fullmatch(r"ISNUMBER\(([A-Z]+2)\)", term):
            return isinstance(cells[match[1]], (int, float, dt.datetime))
        if match := re.fullmatch(r'([A-Z]+2)=""', term):
            return cells[match[1]] is None
        if match := re.fullmatch(r"([A-Z]+2)<DATE\((\d+),(\d+),(\d+)\)", term):
            return cells[match[1]] < dt.datetime(int(match[2]), int(match[3]), int(match[4]))
        raise AssertionError(f"a term the test does not know: {term}")

    return value(formula)


def test_an_overdue_due_date_is_highlighted_until_the_issue_is_done(services, activity, tmp_path):
    project, second = activity
    with time_machine.travel(at("2026-11-18", 12), tick=False), services.session() as session:
        done = create_issue(
            session=session,
            issue_in=NewIssue(project.id, second.department_id, "U02ZEIMU", "期限内に解決", due_date=dt.date(2026, 11, 18)),
        )
        resolve_issue(session, done, "U02ZEIMU")
        create_issue(
            session=session,
            issue_in=NewIssue(project.id, second.department_id, "U02ZEIMU", "まだ先の期限", due_date=dt.date(2026, 12, 1)),
        )
    _, wb = report(services, project, tmp_path)
    ws = wb["課題"]
    [formatting] = ws.conditional_formatting
    [rule] = formatting.rules
    assert str(formatting.sqref) == f"J2:J{ws.max_row}" and [c.value for c in ws[1]][9] == "期限"
    assert [c.value for c in ws[1]][12] == "完了日" and rule.dxf.fill.bgColor.rgb.endswith("F8CBAD")
    highlighted = {}
    for row in ws.iter_rows(min_row=2):
        cells = {f"{c.column_letter}2": c.value for c in row}
        highlighted[row[4].value.split("\n")[0]] = evaluate(rule.formula[0], cells)
    assert highlighted == {
        "前の週の課題": False,  # no due date
        '=HYPERLINK("http://evil.example","クリック")': False,
        "+様式の差し替え": True,  # due 11/19, open on 11/20
        "@資格確認の遅延": False,
        "期限内に解決": False,  # due 11/18, but done
        "まだ先の期限": False,  # due 12/1
    }


def test_the_history_sheet_lists_every_step_in_words_and_names(services, activity, tmp_path):
    project, second = activity
    with time_machine.travel(at("2026-11-19", 9), tick=False), services.session() as session:
        assign_issue(session, session.get(type(second), second.id), "U10LEAD", "U02ZEIMU")
        add_event(session, 2, "renkei", "nudged", "2026-11-17T01:00:00+00:00")
        session.commit()
    _, wb = report(services, project, tmp_path)
    ws = wb["対応履歴"]
    assert [c.value for c in ws[1]] == ["No.", "日時", "操作した人", "内容", "メモ"]
    steps = [(r["No."].value, r["日時"].value, r["操作した人"].value, r["内容"].value, r["メモ"].value) for r in table(ws)]
    assert (3, dt.datetime(2026, 11, 19, 9, 0), "山本 直子", "担当者を設定", "担当者: 鈴木 一郎") in steps
    assert (2, dt.datetime(2026, 11, 19, 9, 0), "Renkei（自動）", "次の対応をする相手へリマインド", None) in steps
    assert (4, dt.datetime(2026, 11, 20, 10, 0), "高橋 美咲", "解決済みに変更", "-解決メモ") in steps
    assert [s[0] for s in steps] == sorted(s[0] for s in steps)  # by issue, in order
    assert table(ws)[0]["日時"].number_format == DATE_STYLES["both"].datetime


@pytest.mark.parametrize("style", ["wareki", "seireki", "both"])
def test_dates_are_real_dates_in_the_style_of_report_dates(services, activity, tmp_path, style):
    project, _ = activity
    text = SAMPLE.read_text(encoding="utf-8").replace("dates: both}", f"dates: {style}}}")
    assert text.count(f'report: {{cron: "0 8 1 * *", dates: {style}}}') == 1
    _, wb = report(services, project, tmp_path, project_file=parse_project_file(text))
    formats = DATE_STYLES[style]
    issues = table(wb["課題"])
    for column in ("起票日", "期限", "完了日"):
        dated = [r[column] for r in issues if r[column].value is not None]
        assert dated and all(isinstance(c.value, dt.datetime) and c.number_format == formats.date for c in dated), column
    assert table(wb["成功事例"])[0]["日付"].number_format == formats.date
    assert wb["概要"]["B3"].number_format == formats.line and wb["概要"]["B5"].number_format == formats.line_datetime
    assert table(wb["会議"])[0]["次回"].number_format == formats.datetime
    expected = {"wareki": "令和8年11月1日", "seireki": "2026年11月1日", "both": "令和8年11月1日 (2026/11/1)"}[style]
    assert (
        wb["概要"].oddHeader.center.text
        == f"引越しワンストップ化 進捗レポート {expected}〜{expected.replace('11月1日', '11月20日').replace('11/1', '11/20')}"
    )


def test_the_date_formats_say_reiwa_and_the_western_year():
    assert DATE_STYLES["wareki"].date == '[$-411]ggge"年"m"月"d"日"'
    assert DATE_STYLES["seireki"].date == 'yyyy"年"m"月"d"日"'
    assert DATE_STYLES["both"].line == '[$-411]ggge"年"m"月"d"日" (yyyy/m/d)'
    assert DATE_STYLES["both"].date == '[$-411]ggge"年"m"月"d"日"\n(yyyy/m/d)'  # two lines in a narrow column
    assert date_text(T, "both", dt.date(2026, 11, 26)) == "令和8年11月26日 (2026/11/26)"
    assert date_text(T, "wareki", dt.date(2019, 5, 1)) == "令和1年5月1日"
    assert date_text(T, "wareki", dt.date(2019, 4, 30)) == "平成31年4月30日"
    assert date_text(T, "seireki", dt.date(2026, 4, 1)) == "2026年4月1日"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_the_dates_in_reiwa_with_the_western_year(services, activity, tmp_path):
    project, _ = activity
    path, _ = report(services, project, tmp_path)
    filter_options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2"  # sheet 2, as shown
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            filter_options,
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shown = next(tmp_path.glob("report*.csv")).read_text(encoding="utf-8")
    assert "令和8年11月17日\n(2026/11/17)" in shown and "佐藤 花子" in shown


def test_stand_up_participation_is_per_week_over_a_long_period(services, activity, tmp_path):
    project, _ = activity
    _, wb = report(services, project, tmp_path, "2026-04-01", "2027-03-31")
    ws = wb["朝会"]
    assert ws["A1"].value.startswith("朝会の回答率（週ごと）") and "令和8年11月20日" in ws["A1"].value
    header = [c.value for c in ws[2]]
    assert header[:3] == ["部署", "連絡担当の人数", "期間の回答率"]
    assert header[3] == "11/2〜" and header[-1] == "11/16〜"  # from the project's first prompt up to today's week
    rows = {r["部署"].value: r for r in table(ws, header_row=2)}
    shimin = rows["市民課"]
    assert shimin["11/16〜"].value == pytest.approx(0.6) and shimin["11/16〜"].number_format == "0%"  # 3 of 5 days
    assert shimin["11/9〜"].value == 0 and rows["税務課"]["11/16〜"].value == 0
    [low] = ws.conditional_formatting
    assert low.rules[0].operator == "lessThan" and low.rules[0].formula == ["0.5"]


def test_stand_up_participation_is_per_business_day_over_a_short_period(services, activity, tmp_path):
    project, _ = activity
    _, wb = report(services, project, tmp_path)
    ws = wb["朝会"]
    header = [c.value for c in ws[2]]
    assert header[3] == "11/2\n(月)" and "11/3\n(火)" not in header  # 文化の日: no column
    assert header[-1] == "11/20\n(金)"
    shimin = {r["部署"].value: r for r in table(ws, header_row=2)}["市民課"]
    assert [shimin[f"11/{d}\n({w})"].value for d, w in ((16, "月"), (17, "火"), (18, "水"), (19, "木"), (20, "金"))] == [
        0,
        1,
        1,
        1,
        0,
    ]


def test_participation_turns_weekly_after_six_weeks(services, activity):
    project, _ = activity
    with services.session() as session:

        def columns(days):
            start = dt.date(2026, 11, 20) - dt.timedelta(days=days - 1)
            part = participation(
                session,
                project,
                start,
                dt.date(2026, 11, 20),
                today=dt.date(2026, 11, 20),
                is_business_day=CALENDAR.is_business_day,
            )
            return part.by_week, part.columns

        by_week, days = columns(WEEKLY_AFTER_DAYS)
        assert not by_week and all(first == last for first, last in days)
        by_week, weeks = columns(WEEKLY_AFTER_DAYS + 1)
        assert by_week and weeks[-1] == (dt.date(2026, 11, 16), dt.date(2026, 11, 20))
        assert all(first.isocalendar()[:2] == last.isocalendar()[:2] for first, last in weeks)


def test_meetings_are_listed_in_words_with_the_next_date_and_closed_day_clashes(services, activity, tmp_path):
    project, _ = activity
    with services.session() as session:
        add_meeting(
            session,
            project_id=project.id,
            title="年末の確認会",
            cron=None,
            starts_at=at("2026-12-29", 14),
            remind_before=["1d"],
            created_by="U10LEAD",
        )
    _, wb = report(services, project, tmp_path)
    rows = {r["件名"].value: r for r in table(wb["会議"])}
    regular, once = rows["定例会議"], rows["年末の確認会"]
    assert [c.value for c in wb["会議"][1]] == [
        "番号",
        "件名",
        "予定",
        "次回",
        "リマインド",
        "登録",
        "状態",
        "閉庁日と重なる日（期間中と今後3か月）",
    ]
    assert (regular["予定"].value, regular["リマインド"].value, regular["登録"].value) == (
        "毎週水曜 10:00",
        "前日、15分前",
        "設定ファイル（renkei.yml）",
    )
    assert regular["次回"].value == dt.datetime(2026, 11, 25, 10, 0) and regular["状態"].value == "予定どおり"
    assert regular["閉庁日と重なる日（期間中と今後3か月）"].value == (
        "令和8年12月30日 (2026/12/30)（年末年始の閉庁期間）"  # Wednesdays from 11/1 to 2/18: only the closure
    )
    assert (once["予定"].value, once["登録"].value, once["次回"].value) == (
        "1回のみ",
        "山本 直子",
        dt.datetime(2026, 12, 29, 14, 0),
    )
    assert once["閉庁日と重なる日（期間中と今後3か月）"].value == "令和8年12月29日 (2026/12/29)（年末年始の閉庁期間）"


def test_every_sheet_prints_on_a4_with_title_rows_page_numbers_and_the_project(services, activity, tmp_path):
    project, _ = activity
    first_prompt(services, "2026-04-01")  # stand-ups since April: the 朝会 sheet's weeks make it wide too
    _, wb = report(services, project, tmp_path, "2026-04-01", "2027-03-31", detail=True)
    for ws in wb:
        setup = ws.page_setup
        assert setup.paperSize == 9 and setup.orientation == "landscape", ws.title  # A4; every sheet here is wide
        assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows, ws.title
        assert ws.oddHeader.center.text.startswith("引越しワンストップ化 進捗レポート 令和8年4月1日"), ws.title
        assert ws.oddHeader.left.text == ws.title and ws.oddHeader.right.text == "作成: 令和8年11月20日 (2026/11/20)"
        assert ws.oddFooter.center.text == "&P / &N", ws.title
        assert ws.page_margins.left == 0.4 and ws.print_options.horizontalCentered, ws.title
    for name in ("課題", "対応履歴", "成功事例", "会議", "朝会の詳細"):
        ws = wb[name]
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2" and ws.page_setup.fitToWidth == 1, name
        assert ws.auto_filter.ref.startswith("A1:") and ws["A1"].font.b, name
    standup = wb["朝会"]  # 34 weeks of 7.5 columns: three pages across at a readable size, the departments on each
    assert standup.print_title_rows == "$1:$2"  # the explanation and the header
    assert standup.print_title_cols == "$A:$C" and standup.page_setup.fitToWidth == 3 and standup.freeze_panes == "D3"
    assert wb["概要"].print_title_rows == "$1:$1" and wb["概要"].page_setup.fitToWidth == 1
    assert wb["課題"].column_dimensions["E"].width >= 30  # 課題内容 gets room


def test_user_text_never_becomes_a_formula(services, activity, tmp_path):
    project, _ = activity
    path, wb = report(services, project, tmp_path, end="2026-11-30")
    contents = {r["No."].value: r["課題内容"] for r in table(wb["課題"])}
    assert contents[2].value == '=HYPERLINK("http://evil.example","クリック")' and contents[2].data_type == "s"
    assert contents[3].value == "+様式の差し替え" and contents[3].data_type == "s"
    assert contents[4].value.startswith("@資格確認の遅延") and contents[4].data_type == "s"
    assert contents[2].alignment.wrap_text  # a guarded cell keeps its column's style
    notes = {r["No."].value: r["最新のメモ"] for r in table(wb["課題"])}
    assert notes[4].value == "-解決メモ" and notes[4].data_type == "s"
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the issues sheet


def test_the_report_is_written_in_write_only_mode(services, activity, tmp_path):
    project, _ = activity
    path, _ = report(services, project, tmp_path, end="2026-11-30", detail=True)
    archive = zipfile.ZipFile(path)
    # openpyxl's write-only mode streams rows with inline strings; the normal mode collects shared strings.
    assert "xl/sharedStrings.xml" not in archive.namelist()
    assert 't="inlineStr"' in archive.read("xl/worksheets/sheet2.xml").decode()


@pytest.mark.parametrize(
    "text",
    [
        "国民健康保険課",
        "令和8年11月26日 (2026/11/26)",
        "窓口の待ち時間が半分に（約30分）",
        "ｶﾅ半角とＡＢＣ全角・〜",
        "abc 123",
        "한국어",
        "𠮷野家",
    ],
)
def test_a_texts_width_counts_japanese_characters_as_two(text):
    assert display_width(text) == sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_a_wrapped_text_is_given_the_lines_it_needs():
    assert text_lines("短い", 10) == 1
    assert text_lines("国民健康保険課", 10) == 2  # 14 columns of Japanese in 10
    assert text_lines("一行目\n二行目\n三行目", 30) == 3
    assert text_lines("a" * 58, 30) == 2


def test_a_very_long_project_name_keeps_every_page_header_within_excels_limit(services, activity, tmp_path):
    project, _ = activity
    with services.session() as session:
        row = session.get(Project, project.id)
        row.name = "全庁&" * 60
        session.add(row)
        session.commit()
    path, wb = report(services, project, tmp_path)
    for index, ws in enumerate(wb.worksheets, start=1):
        sheet = ElementTree.fromstring(zipfile.ZipFile(path).read(f"xl/worksheets/sheet{index}.xml"))
        [header] = sheet.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}oddHeader")
        text = header.text
        assert len(text) <= 255 and text.startswith(f"&L&9 {ws.title}&C&9 全庁&&全庁&&"), ws.title
        assert "作成: 令和8年11月20日 (2026/11/20)" in text and "…&R" in text, ws.title


def test_people_renkei_yml_does_not_name_are_named_as_slack_names_them(services, activity, tmp_path, fakeslack):
    """Issue 14, point 3: without `people:`, the workbook and the digest ask Slack (users.info, cached for a day)."""
    project, _ = activity
    fakeslack.users.update({"U02ZEIMU": ("佐藤 花子", False), "U04FUKUSHI": ("田中 健太", False), "U01SHIMIN": ("", True)})
    nameless = services.project_file.model_copy(update={"people": {}})
    _, workbook = report(services, project, tmp_path, project_file=nameless, slack=services.gateway)
    cells = [str(c) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert any("佐藤 花子" in c for c in cells) and not any(c == "U02ZEIMU" or "（U02ZEIMU）" in c for c in cells)
    with services.session() as session:
        from storage.models import Person

        assert session.get(Person, "U01SHIMIN").deleted and not session.get(Person, "U02ZEIMU").deleted  # marked
    asked = len(fakeslack.calls_to("users.info"))
    with time_machine.travel(at("2026-11-20", 17), tick=False), services.session() as session:
        text, _ = digest_for(session, project, project_file=nameless, calendar=CALENDAR, t=T, slack=services.gateway)
    assert "• 福祉課・田中 健太: 窓口の待ち時間が半分に" in text and "U04FUKUSHI" not in text
    assert len(fakeslack.calls_to("users.info")) == asked  # cached for a day: nobody asked again


def test_the_summary_and_the_stand_up_sheet_hold_the_same_answer_rate_unrounded(services, activity, tmp_path):
    """One rate, one figure: the 概要 cell holds the rate itself (3 of 14 asked days), as the 朝会 sheet does, and their
    0% formats round it alike; a rate rounded before it was written showed 90 % on one page and 89 % on the other."""
    project, _ = activity
    _, wb = report(services, project, tmp_path)  # 11/1〜11/20: 14 business days from the first prompt (11/3 is a holiday)
    summary = next(row for row in wb["概要"].iter_rows(min_row=10) if row[0].value == "市民課")
    sheet = {r["部署"].value: r for r in table(wb["朝会"], header_row=2)}["市民課"]
    assert summary[2].value == sheet["期間の回答率"].value == pytest.approx(3 / 14, rel=1e-12)


def test_a_fiscal_years_meeting_sheet_names_no_closed_day_before_the_project_began(services, activity, tmp_path):
    """The 定例会議 (Wednesdays) met 昭和の日 (4/29), a 振替休日 (5/6) and 秋分の日 (9/23) in 2026, months before the
    project began (11/2): a fiscal year's export does not list them, only the closure still to come."""
    project, _ = activity
    _, wb = report(services, project, tmp_path, "2026-04-01", "2027-03-31")
    regular = {r["件名"].value: r for r in table(wb["会議"])}["定例会議"]
    clashes = regular["閉庁日と重なる日（期間中と今後3か月）"].value
    assert "(2026/12/30)" in clashes
    assert not any(f"(2026/{month}/" in clashes for month in range(4, 11)), clashes
