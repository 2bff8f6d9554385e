"""Limits that keep one person from flooding everyone (storage/limits.py), and a project's name in the print header.

Each refusal is a polite sentence and stores nothing: reminders per meeting (and no two at one time), meetings
per project, and one rate for everything a person files — issues, wins, requirements, reviews and tests, meetings:
BURST at once, then one every REFILL (a token bucket per person and family). Meetings stored before the limits no
longer flood the scheduler. The Excel header prints a project's name as text, never as `&` codes.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import func, select

from bot.dispatch import run_command
from commands import issue_modal, standup
from commands.issue_blocks import FIELDS, MODAL_CALLBACK
from commands.report import make_report
from reminders.calendar import BusinessCalendar
from reminders.firing import describe, job_specs
from reminders.jobs.meeting import KIND as MEETING
from reminders.jobs.meeting import meeting_jobs
from reports.tables import HEADER_FOOTER_LIMIT, header_text
from storage.limits import BURST, MAX_MEETINGS_PER_PROJECT, MAX_REMINDERS_PER_MEETING, REFILL
from storage.meetings import add_meeting, cancel_meeting
from storage.models import Department, Issue, Meeting, Project, Requirement, UatSession, Win
from storage.standups import save_answer

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)  # a Wednesday
LIAISON, OTHER, LEAD = "U01SHIMIN", "U02ZEIMU", "U10LEAD"


def count(services, model) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def say(services, user: str, command: str, text: str) -> str:
    with services.session() as session:
        return run_command(services.context(session, user_id=user, channel_id=None), command, text).text


def project_id(services) -> int:
    with services.session() as session:
        return session.exec(select(Project)).one().id


# --- reminders per meeting ------------------------------------------------------------------------------------


def test_at_most_three_reminders_per_meeting_and_nothing_stored_beyond(services):
    assert MAX_REMINDERS_PER_MEETING == 3
    with time_machine.travel(NOW, tick=False):
        refused = say(services, LEAD, "/meeting", "add 様式の確認会 毎週木曜 15:00 リマインド 2日前,前日,3時間前,15分前")
        assert refused == "リマインドは1つの会議に 3 つまでです（4 つ書かれています）。例: `リマインド 前日,15分前`"
        assert count(services, Meeting) == 1  # the sample's 定例会議 only
        added = say(services, LEAD, "/meeting", "add 様式の確認会 毎週木曜 15:00 リマインド 前日,3時間前,15分前")
    assert "リマインド: 前日、3時間前、15分前" in added and count(services, Meeting) == 2


@pytest.mark.parametrize("offsets,first,second", [("前日,24時間前", "前日", "24時間前"), ("60分前,15m,1h", "60分前", "1時間前")])
def test_two_reminders_at_one_time_are_refused(services, offsets, first, second):
    with time_machine.travel(NOW, tick=False):
        reply = say(services, LEAD, "/meeting", f"add 様式の確認会 毎週木曜 15:00 リマインド {offsets}")
    assert reply == f"リマインドの「{first}」と「{second}」は同じ時刻です。どちらか一方だけを書いてください。"
    assert count(services, Meeting) == 1


def test_the_flood_of_the_incident_schedules_nothing(services):
    """21 `/meeting add` of 699 offsets each made 21 x 699 + 2 = 14,681 jobs: now each is refused."""
    offsets = ",".join(f"{n}m" for n in range(1, 700))
    with time_machine.travel(NOW, tick=False):
        replies = {say(services, LEAD, "/meeting", f"add 定例{n} 毎週水曜 10:00 リマインド {offsets}") for n in range(21)}
    assert replies == {"リマインドは1つの会議に 3 つまでです（699 つ書かれています）。例: `リマインド 前日,15分前`"}
    assert sum(spec.kind == MEETING for spec in job_specs(services)) == 2


def test_a_meeting_stored_before_the_limit_schedules_only_its_first_reminders(services):
    with services.session() as session:
        flood = add_meeting(
            session,
            project_id=project_id(services),
            title="定例",
            cron="0 10 * * wed",
            starts_at=None,
            remind_before=[f"{n}m" for n in range(1, 25)],
            created_by=LIAISON,
        )  # fits varchar(100)
        config = Meeting(project_id=flood.project_id, title="設定の会議", cron="0 10 * * thu", remind_before="2d,1d,3h,15m")
        same = Meeting(
            project_id=flood.project_id, title="同じ時刻", cron="0 10 * * fri", remind_before="1d,24h,1440m", source="command"
        )
        for meeting in (config, same):
            session.add(meeting)
        session.commit()
        jobs = {
            m.title: [s.offset_text for s in meeting_jobs(m, "moving", "Asia/Tokyo", BusinessCalendar())]
            for m in (flood, config, same)
        }
    assert jobs == {"定例": ["1m", "2m", "3m"], "設定の会議": ["2d", "1d", "3h", "15m"], "同じ時刻": ["1d"]}
    assert sum(spec.kind == MEETING for spec in job_specs(services)) == 2 + 3 + 4 + 1


def test_a_meeting_job_is_described_with_its_title_without_a_query(services):
    spec = next(s for s in job_specs(services) if s.kind == MEETING)
    statements: list[str] = []
    event.listen(services.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert describe(services, spec) == services.translator()("jobs.what_meeting", offset="前日", title="定例会議")
    assert statements == []  # `renkei jobs list` asks the database once, not once per meeting job


# --- meetings per project -------------------------------------------------------------------------------------


def test_at_most_thirty_scheduled_meetings_per_project(services):
    assert MAX_MEETINGS_PER_PROJECT == 30
    pid = project_id(services)
    with time_machine.travel(NOW, tick=False), services.session() as session:
        for n in range(MAX_MEETINGS_PER_PROJECT - 2):  # with the sample's 定例会議: 29 scheduled
            add_meeting(
                session,
                project_id=pid,
                title=f"会議{n}",
                cron=f"{n} 9 * * mon",
                starts_at=None,
                remind_before=["1d"],
                created_by=f"U{n:02d}OLD",  # stored by many people: no one's rate is reached (test below)
            )
        # neither a past one-off meeting nor a cancelled one counts
        add_meeting(
            session,
            project_id=pid,
            title="終わった会議",
            cron=None,
            starts_at=NOW - dt.timedelta(days=1),
            remind_before=["1d"],
            created_by=LEAD,
        )
        cancel_meeting(
            session,
            add_meeting(
                session,
                project_id=pid,
                title="中止した会議",
                cron="0 9 * * tue",
                starts_at=None,
                remind_before=["1d"],
                created_by=LEAD,
            ),
        )
    with time_machine.travel(NOW, tick=False):
        thirtieth = say(services, LEAD, "/meeting", "add 三十番目 2026-12-03 14:00")
        assert "会議 #" in thirtieth and "を登録しました" in thirtieth
        before = count(services, Meeting)
        refused = say(services, LEAD, "/meeting", "add 三十一番目 2026-12-04 14:00")
    assert refused == (
        "1つのプロジェクトに予定できる会議は 30 件までで、このプロジェクトにはすでに 30 件あります。"
        "不要になった会議を `/meeting cancel <番号>` で中止してから、もう一度登録してください"
        "（番号は `/meeting list` で確認できます）。"
    )
    assert count(services, Meeting) == before


# --- one rate for everything a person files: BURST at once, then one every REFILL -----------------------------------


def too_fast(what: str, wait: int) -> str:
    return (
        f"{what}は、1人につき続けて {BURST} 件まで、その後は {int(REFILL.total_seconds())} 秒に1件までです。"
        f"{wait} 秒ほどおいてから、もう一度お試しください。"
    )


def test_a_burst_of_twenty_issues_then_one_every_six_seconds(services):
    """A liaison typing up a meeting's notes files twenty issues at once; the twenty-first waits six seconds, and
    after two minutes of nothing the whole burst is back. Someone else is never held back."""
    assert (BURST, REFILL) == (20, dt.timedelta(seconds=6))
    with time_machine.travel(NOW, tick=False):
        for n in range(BURST):
            assert "を登録しました" in say(services, LIAISON, "/issue", f"様式の確認 その{n}")
        refused = say(services, LIAISON, "/issue", "様式の確認 その21")
        assert refused == too_fast("課題の登録", 6)
        assert count(services, Issue) == BURST
        assert "を登録しました" in say(services, OTHER, "/issue", "税務課の様式")  # someone else is not held back
    with time_machine.travel(NOW + dt.timedelta(seconds=4), tick=False):  # the refused one cost nothing
        assert say(services, LIAISON, "/issue", "様式の確認 その21") == too_fast("課題の登録", 2)
    with time_machine.travel(NOW + REFILL, tick=False):
        assert "を登録しました" in say(services, LIAISON, "/issue", "様式の確認 その21")
        assert say(services, LIAISON, "/issue", "様式の確認 その22") == too_fast("課題の登録", 6)
    with time_machine.travel(NOW + REFILL + BURST * REFILL, tick=False):  # two minutes of nothing: a whole burst
        for n in range(BURST):
            assert "を登録しました" in say(services, LIAISON, "/issue", f"午後の会議 その{n}")
        assert say(services, LIAISON, "/issue", "午後の会議 その21") == too_fast("課題の登録", 6)
    assert count(services, Issue) == 1 + BURST + 1 + BURST


def form(department_id: int, pid: int, title: str) -> dict:
    values = {
        FIELDS["title"]: {"value": {"type": "plain_text_input", "value": title}},
        FIELDS["department"]: {"value": {"type": "static_select", "selected_option": {"value": str(department_id)}}},
        FIELDS["severity"]: {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
    }
    return {"private_metadata": json.dumps({"project_id": pid, "channel_id": None}), "state": {"values": values}}


def test_the_form_and_the_standup_button_count_and_refuse_too(services):
    pid = project_id(services)
    with time_machine.travel(NOW, tick=False), services.session() as session:
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        ctx = services.context(session, user_id=LIAISON, channel_id=None)
        answer = save_answer(
            session,
            project_id=pid,
            department_id=shimin.id,
            user_id=LIAISON,
            day=NOW.date(),
            answers={"answer": "困っていること: 税務課の回答が来ない"},
        )
        for n in range(BURST):
            assert not isinstance(issue_modal.submit(ctx, form(shimin.id, pid, f"入力画面から {n}")), dict)
        refused = issue_modal.submit(ctx, form(shimin.id, pid, "二十一件目"))
        assert refused == {FIELDS["title"]: too_fast("課題の登録", 6)}
        # the stand-up button opens that same form (filled in), so its twenty-first is refused there, in the form
        blocker_form = standup.file_blocker(ctx, answer.id).modal
        assert blocker_form is not None and blocker_form["callback_id"] == MODAL_CALLBACK
    assert count(services, Issue) == BURST


FAMILIES = {  # what a person files: the command, its family's words, what a stored one answers
    "win": ("/win", "部署:市民課 入力項目を{n}つ減らせた", "小さな成功の共有", "小さな成功を", Win),
    "requirement": (
        "/req",
        "add 部署:市民課 転入届の様式を統一する{n} 影響: 窓口の入力が一度で済む",
        "要件の登録",
        "要件 #",
        Requirement,
    ),
    "review-or-test": (
        "/uat",
        "add 転入画面の受入テスト{n} 2026-12-07 14:00",
        "設計レビュー・受入テストの登録",
        "受入テスト #",
        UatSession,
    ),
    "meeting": ("/meeting", "add 様式の確認会{n} 2026-12-0{day} {hour}:00", "会議の登録", "を登録しました", Meeting),
}


def _typed(text: str, n: int) -> str:
    """The n-th one of a family: its own title and, for a meeting, its own hour of 1–4 December (Tue–Fri)."""
    return text.format(n=n, day=1 + n % 4, hour=9 + (n // 4) % 6)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_the_same_burst_and_rate(services, family):
    """/win, /req add, /uat add and /meeting add are held like /issue: BURST at once, then one every REFILL (30 of
    each in 4 s once made 367 posts); each family has its own bucket, so twenty issues leave room for a win."""
    command, text, what, done, model = FAMILIES[family]
    before = count(services, model)
    with time_machine.travel(NOW, tick=False):
        for n in range(BURST):
            assert "を登録しました" in say(services, LEAD, "/issue", f"部署:市民課 会議のメモ {n}")  # another family's
        for n in range(BURST):
            said = say(services, LEAD, command, _typed(text, n))
            assert done in said, said
        assert say(services, LEAD, command, _typed(text, BURST)) == too_fast(what, 6)
        assert count(services, model) == before + BURST
        assert done in say(services, LIAISON if family != "meeting" else OTHER, command, _typed(text, 99))
    with time_machine.travel(NOW + REFILL, tick=False):
        assert done in say(services, LEAD, command, _typed(text, BURST))
        assert say(services, LEAD, command, _typed(text, BURST + 1)) == too_fast(what, 6)


# --- the project's name in the print header -------------------------------------------------------------------


def test_a_project_name_with_ampersands_prints_as_text_in_the_header(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        project.name = "転入&転出 &P"
        session.add(project)
        session.commit()
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            out=tmp_path / "r.xlsx",
            calendar=BusinessCalendar(),
            project_file=services.project_file,
            t=services.translator(),
        )
    period = "令和8年11月1日 (2026/11/1)〜令和8年11月30日 (2026/11/30)"
    for sheet in load_workbook(path):
        assert sheet.oddHeader.center.text == f"転入&&転出 &&P 進捗レポート {period}", sheet.title
        assert sheet.oddFooter.center.text == "&P / &N"  # the page numbers stay codes
    sheet_xml = ElementTree.fromstring(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml"))
    [header] = sheet_xml.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}oddHeader")
    assert f"&C&9 転入&&転出 &&P 進捗レポート {period}&R" in header.text  # what Excel reads: `&&` prints `&`


def test_a_long_header_stays_within_excels_limit_and_keeps_its_pairs():
    assert header_text("A&B") == "A&&B" and header_text("第2期&10課") == "第2期&&10課"
    for name in ("&" * 200, "課" * 300, "a" + "&" * 200):
        text = header_text(name)
        assert len("&C" + text) <= HEADER_FOOTER_LIMIT and text.endswith("…")
        assert "&" not in text.rstrip("…").replace("&&", "")  # never a lone `&` (a code) left by the cut
