"""Rules that mutants a reviewer found broke without any test noticing; each test here fails when its rule is broken.

1. The spreadsheet-injection guard (reports.tables.cell, FORMULA_STARTS): a text starting like a formula (`=`, `+`,
   `-`, `@`, a tab, a carriage return) is written as text that stays text (quotePrefix) on every sheet that holds
   people's words: 課題, 対応履歴, 成功事例, 会議, 朝会の詳細, ヒアリング, 要件, 受入テスト, 振り返り. openpyxl keeps
   any text but `=…` as text by itself; what only the guard gives is the quote prefix, so Excel does not run
   `+1+1` or `@SUM(…)` the moment someone edits the cell.
2. A4 orientation (reports.tables.print_setup): portrait up to 100 characters of column width, landscape beyond.
3. The My Number detector's digit runs (storage.privacy): twelve digits right after another digit are the end of a
   longer number, never a My Number; a run never starts inside a longer one.
4. /issue's own My Number check (commands.issue.refuse_residents_data) on the title, the body, the escalation note,
   IT's answer and the resolution note: refused and nothing stored, through the gate and with the gate bypassed.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import Workbook, load_workbook
from sqlmodel import SQLModel, select

from bot import interactions
from bot.i18n import Translator
from commands import issue
from commands.report import make_report
from commands.text import MY_NUMBER, gate
from reminders.calendar import BusinessCalendar
from reports.tables import DATE_STYLES, FORMULA_STARTS, PORTRAIT_CHARS, Column, Page, table_sheet
from storage import hearings, issues, requirements, retrospectives, standups, uat
from storage.guard import ResidentsDataRefused
from storage.meetings import add_meeting
from storage.models import Department, Issue, Project
from storage.privacy import _DIGIT_RUN, contains_my_number, my_number_check_digit
from storage.wins import create_win
from tests.test_input_gate import Recorder

T = Translator("ja")
TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday, a business day


def valid(first_eleven: str) -> str:
    """A My Number: eleven digits and the check digit of the official rule."""
    return first_eleven + str(my_number_check_digit(first_eleven))


# --- 1. the spreadsheet-injection guard, on every sheet of people's text ----------------------------------------------

STARTS = {"=": "equals", "+": "plus", "-": "minus", "@": "at", "\t": "tab", "\r": "carriage return"}
SHEETS = ["課題", "対応履歴", "成功事例", "会議", "朝会の詳細", "ヒアリング", "要件", "受入テスト", "振り返り"]


def typed(start: str) -> str:
    """What a person wrote: a formula's start, then what Excel would compute."""
    return f"{start}1+1 窓口"


def people_text_everywhere(services, tmp_path):
    """A report (with --detail) whose every sheet of people's words holds, for each formula start, a text beginning
    with it: an issue's title and resolution note, a win, a meeting's title, a stand-up answer, a hearing's question
    and answer, a requirement's text, effect and reason, an acceptance test's title, attendees and result, a 振り返り
    answer. Stored through storage's own functions; read back with openpyxl."""
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=TOKYO), tick=False), services.session() as session:
        project = session.exec(select(Project)).one()
        departments = list(session.exec(select(Department).order_by(Department.id)))
        shimin = next(d for d in departments if d.slug == "shimin")
        for n, start in enumerate(STARTS):
            text = typed(start)
            filed = issues.create_issue(
                session=session,
                issue_in=issues.NewIssue(project_id=project.id, department_id=shimin.id, reporter_id="U01SHIMIN", title=text),
            )
            assert issues.resolve_issue(session, filed, "U01SHIMIN", text)
            create_win(session=session, project_id=project.id, department_id=shimin.id, reporter_id="U01SHIMIN", text=text)
            add_meeting(
                session,
                project_id=project.id,
                title=text,
                cron=None,
                starts_at=dt.datetime(2026, 12, 2, 10, tzinfo=TOKYO),
                remind_before=[],
                created_by="U10LEAD",
            )
            standups.save_answer(
                session,
                project_id=project.id,
                department_id=shimin.id,
                user_id="U01SHIMIN",
                day=dt.date(2026, 11, 2 + n),
                answers={"yesterday": text},
            )
            hearing = hearings.create_hearing(
                session, project_id=project.id, title="現状", questions=[text], started_by="U10LEAD"
            )
            hearings.save_answer(session, hearing_id=hearing.id, department_id=shimin.id, user_id="U01SHIMIN", answers={0: text})
            requirement = requirements.create_requirement(
                session, project_id=project.id, department_id=shimin.id, proposed_by="U01SHIMIN", text=text, effect=text
            )
            assert requirements.decide(session, requirement, status=requirements.AGREED, reason=text, user_id="U10LEAD")
            test = uat.add_session(
                session,
                project_id=project.id,
                title=text,
                kind="test",
                starts_at=dt.datetime(2026, 11, 20, 14, tzinfo=TOKYO),
                place=None,
                created_by="U10LEAD",
            )
            uat.save_signup(session, session_id=test.id, department_id=shimin.id, user_id="U01SHIMIN", attendees=text)
            uat.add_result(
                session,
                session_id=test.id,
                department_id=shimin.id,
                user_id="U01SHIMIN",
                outcome=uat.PROBLEM,
                note=text,
                requirement_id=None,
                issue_id=None,
            )
            retrospectives.save_retro(  # one a department: six departments, six starts
                session,
                project_id=project.id,
                department_id=departments[n].id,
                user_id="U01SHIMIN",
                month=dt.date(2026, 11, 1),
                answers={"better": text},
            )
    with time_machine.travel(dt.datetime(2026, 11, 30, 17, tzinfo=TOKYO), tick=False), services.session() as session:
        path = make_report(
            session,
            session.exec(select(Project)).one(),
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            out=tmp_path / "report.xlsx",
            calendar=BusinessCalendar(),
            project_file=services.project_file,
            t=T,
            detail=True,
        )
    return load_workbook(path)


def test_the_injection_guard_keeps_text_starting_with_any_formula_start_as_text_on_every_sheet(services, tmp_path):
    """Rule: spreadsheet injection. A text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written as
    typed, as text (data type `s`) with Excel's quote prefix, on every sheet of people's words; a guard that knew
    only `=` (openpyxl's own rule) would leave `+1+1` to become a formula when the cell is edited."""
    wb = people_text_everywhere(services, tmp_path)
    assert set(SHEETS) <= set(wb.sheetnames)
    found, expected = {}, {}
    for sheet in SHEETS:
        cells = [c for row in wb[sheet].iter_rows() for c in row]
        for start, name in STARTS.items():
            # (ヒアリング strips an answer, so a leading tab or CR reaches only its question's cell there)
            holding = [c for c in cells if c.value == typed(start)]
            found[sheet, name] = sorted({(c.data_type, bool(c.quotePrefix)) for c in holding}) or "not written as typed"
            expected[sheet, name] = [("s", True)]
    assert found == expected
    assert set(FORMULA_STARTS) == set(STARTS)  # and the guard knows no start this table leaves out


# --- 2. A4 portrait or landscape ----------------------------------------------------------------------------------


def test_a4_is_portrait_up_to_100_characters_of_columns_and_landscape_beyond(tmp_path):
    """Rule: the A4 threshold. A sheet whose columns add up to at most 100 characters prints portrait; 101 or more,
    landscape (A4 portrait holds about 100 characters across). Moving the threshold by one either way fails here."""
    wb = Workbook(write_only=True)
    for total in (99, 100, 100.5, 101):
        columns = [Column("番号", 10, "center"), Column("内容", total - 10, "wrap")]
        table_sheet(wb, f"幅{total}", columns, Page("引越しワンストップ化", "作成日"), DATE_STYLES["both"]).finish()
    wb.save(tmp_path / "widths.xlsx")
    read = load_workbook(tmp_path / "widths.xlsx")
    orientation = {ws.title: ws.page_setup.orientation for ws in read.worksheets}
    assert orientation == {"幅99": "portrait", "幅100": "portrait", "幅100.5": "landscape", "幅101": "landscape"}
    assert all(ws.page_setup.paperSize == 9 for ws in read.worksheets)  # A4
    assert PORTRAIT_CHARS == 100  # the rule's number, as print_setup's comment gives it


# --- 3. the My Number detector: no digit before --------------------------------------------------------------------


def test_twelve_digits_right_after_another_digit_are_no_my_number():
    """Rule: no digit before. Twelve digits with a valid check digit, right after another digit, are the end of a
    longer number (a 13-digit corporate number), not a My Number; the same twelve digits alone, or after a space,
    are one. A digit run (storage.privacy._DIGIT_RUN) never starts inside a longer run: reading `finditer` from the
    start only ever meets whole runs, so only a run looked for from inside a number shows the guard at work."""
    twelve = valid("12345678901")
    assert contains_my_number(f"番号 {twelve} です") and contains_my_number(f"番号 7 {twelve} です")  # the controls
    for digit in "0123456789":
        longer = f"{digit}{twelve}"
        assert not contains_my_number(f"法人番号 {longer} の事業者"), longer
        assert not contains_my_number(f"{digit}１２３４５６７８９０１８"), longer  # full width: NFKC gives 13 digits
        assert gate(f"法人番号 {longer} の事業者").problem is None, longer
        assert _DIGIT_RUN.match(longer, 1) is None, longer  # from its second digit: no run starts there
        assert _DIGIT_RUN.search(f"法人番号 {longer}", len("法人番号 ") + 1) is None, longer
    assert gate(f"番号 {twelve} です").problem == MY_NUMBER


# --- 4. /issue's own My Number check, behind the gate ----------------------------------------------------------------

MY_NUMBER_TEXT = "1234 5678 9018"  # a valid My Number (check digit 8)
ROADS = {  # road: (who, the /issue text around the words)
    "title": ("U01SHIMIN", "住民票の件 {}"),
    "body": ("U01SHIMIN", "転出届の連携データの件\n{}"),
    "escalation note": ("U01SHIMIN", "escalate 2 {}"),
    "IT's answer": ("U09IT", "answer 1 {}"),
    "resolution note": ("U01SHIMIN", "close 1 {}"),
}


def slash(services, text: str, user: str = "U01SHIMIN") -> Recorder:
    """/issue through the real entry point, the input gate first."""
    said = Recorder()
    interactions.slash(
        services, user_id=user, channel_id=None, command="/issue", text=text, trigger_id="t", ack=said.ack, respond=said.respond
    )
    return said


def direct(services, text: str, user: str) -> str:
    """/issue run by its command function itself, no gate in front: its answer, or, when it went on to store the text
    and the storage guard had to stop it, that it did not refuse."""
    with services.session() as session:
        try:
            return issue.handle(services.context(session, user_id=user, channel_id=None), text).text
        except ResidentsDataRefused as refused:
            session.rollback()
            return f"no refusal from /issue: the storage guard stopped the write of {refused.where}"


def everything(services) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key."""
    with services.session() as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))]
            for table in SQLModel.metadata.sorted_tables
        }


def stored_texts(services) -> list[str]:
    return [value for rows in everything(services).values() for row in rows for value in row if isinstance(value, str)]


def holds_the_number(services) -> bool:
    return any("123456789018" in re.sub(r"\s", "", text) for text in stored_texts(services))


@pytest.fixture
def filed(synced):
    """On a business day: #1 reported by 市民課 and sent to IT, #2 reported and not sent."""
    with time_machine.travel(TODAY, tick=False):
        assert "#1" in slash(synced, "窓口予約システムの更新時期").acks[0]["text"]
        slash(synced, "escalate 1")
        assert "#2" in slash(synced, "転出届の様式の件").acks[0]["text"]
        with synced.session() as session:
            assert session.get(Issue, 1).escalated and not session.get(Issue, 2).escalated
        yield synced


@pytest.mark.parametrize("road", ROADS)
def test_each_issue_road_stores_its_words_when_they_hold_no_my_number(filed, road):
    """The control of the rule below: without a My Number each road, called directly, stores the words (so a refusal
    there is the My Number check's, not the road's)."""
    user, around = ROADS[road]
    answer = direct(filed, around.format("住民票の写しの件 919"), user)
    assert answer != T("privacy.my_number") and not answer.startswith("no refusal")
    assert any("住民票の写しの件 919" in text for text in stored_texts(filed)), road


@pytest.mark.parametrize("road", ROADS)
def test_a_my_number_on_each_issue_road_is_refused_through_the_gate_and_nothing_is_stored(filed, fakeslack, road):
    """Rule: no My Number on /issue (title, body, escalation note, IT's answer, resolution note), through the real
    entry point: the input gate refuses, nothing is stored, nothing reaches Slack."""
    user, around = ROADS[road]
    before, calls = everything(filed), len(fakeslack.calls)
    said = slash(filed, around.format(f"住民 {MY_NUMBER_TEXT} の件"), user)
    assert said.acks == [{"response_type": "ephemeral", "text": T("privacy.my_number")}] and said.responds == []
    assert everything(filed) == before and not holds_the_number(filed)
    assert len(fakeslack.calls) == calls


@pytest.mark.parametrize("road", ROADS)
def test_issue_refuses_a_my_number_itself_on_each_road_when_the_gate_is_bypassed(filed, fakeslack, road):
    """Rule: /issue's own My Number check (commands.issue.refuse_residents_data), the second line behind the gate:
    called directly with a My Number in the title, the body, the escalation note, IT's answer or the resolution
    note, the command answers with the refusal and stores nothing (without its check it goes on to write, and only
    the storage guard, one layer down, stops it)."""
    user, around = ROADS[road]
    before, calls = everything(filed), len(fakeslack.calls)
    assert direct(filed, around.format(f"住民 {MY_NUMBER_TEXT} の件"), user) == T("privacy.my_number")
    assert everything(filed) == before and not holds_the_number(filed)
    with filed.session() as session:  # #1 still open and unanswered, #2 not sent to IT
        one, two = session.get(Issue, 1), session.get(Issue, 2)
        assert (one.status, one.it_answer, two.escalated) == ("open", None, False)
    assert len(fakeslack.calls) == calls


def test_text_from_renkei_yml_starting_like_a_formula_stays_text_on_every_sheet(services, tmp_path, monkeypatch):
    """Rule: the guard covers what renkei.yml says as well as what people type — department names (the 要件 sheet's
    header, every sheet's 部署 column), the project's name, hearing and 振り返り questions (headers of their sheets),
    people's names. Such a file is refused by `renkei check` (tests/test_config.py); a database that holds them from
    before still makes a workbook with no live formula in any cell of any sheet."""
    starts = list(STARTS)
    with services.session() as session:
        project = session.exec(select(Project)).one()
        project.name = '=HYPERLINK("http://example.invalid","計画")'
        for n, department in enumerate(session.exec(select(Department).order_by(Department.id))):
            department.name = f"{starts[n % len(starts)]}cmd|' /C calc'!A{n}"
            session.add(department)
        session.add(project)
        session.commit()
        project_id, department_id = project.id, department.id
    spec = services.project_file.projects[0]
    question = "@SUM(1+1) 窓口"
    operation = spec.operation.model_copy(update={"questions": [*spec.operation.questions, question]})
    yml = services.project_file.model_copy(
        update={
            "projects": [spec.model_copy(update={"operation": operation})],
            "people": {**services.project_file.people, "U01SHIMIN": "+81 市民 太郎"},
        }
    )
    monkeypatch.setattr(services, "project_file", yml)
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=TOKYO), tick=False), services.session() as session:
        retrospectives.save_retro(
            session,
            project_id=project_id,
            department_id=department_id,
            user_id="U02ZEIMU",
            month=dt.date(2026, 11, 1),
            answers={question: "窓口の待ち時間"},
        )
    wb = people_text_everywhere(services, tmp_path)
    formulas = [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    header = [c.value for c in next(wb["要件"].iter_rows(max_row=1))]
    assert any(str(v).startswith("=cmd|") for v in header), header  # the department's name, as written
    retro_header = [(c.value, c.quotePrefix) for c in next(wb["振り返り"].iter_rows(max_row=1))]
    assert (question, True) in retro_header
