"""`renkei demo`: the sample project with four weeks of activity, checked as data."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.demo import renkei_command, run_demo
from reminders.calendar import calendar_for
from storage.db import make_engine
from storage.models import Delivery, Hearing, HearingAnswer, Issue, IssueEvent, OutboxMessage, StandupAnswer, Win
from storage.projectfile import load_project_file

JST = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=JST)  # Thursday evening
DEPARTMENTS = ["市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo, played once for the module (it is the slow part)."""
    folder = tmp_path_factory.mktemp("demo")
    printed: list[str] = []
    with time_machine.travel(NOW, tick=False):
        code = run_demo(folder, echo=printed.append)
    engine = make_engine(f"sqlite:///{folder / 'renkei.db'}")
    with Session(engine) as session:
        yield folder, code, "\n".join(printed), session
    engine.dispose()


def test_the_demo_prints_the_digest_naming_every_department_and_where_things_are(demo):
    folder, code, printed, _ = demo
    assert code == 0
    assert "週次" in printed and "引越しワンストップ化" in printed
    for name in DEPARTMENTS:
        assert name in printed
    assert str(folder / "renkei.yml") in printed and str(folder / "renkei.db") in printed
    assert f"cd {folder} && {renkei_command()} console" in printed  # a command that runs as printed
    assert "<@" not in printed and "*" not in printed  # read as a person reads it: names, no markup


def test_the_project_file_names_everyone(demo):
    folder, *_ = demo
    project_file = load_project_file(folder / "renkei.yml")
    assert [d.name for d in project_file.departments] == DEPARTMENTS
    everyone = {u for d in project_file.departments for u in d.liaisons} | set(project_file.admins)
    everyone |= {u for p in project_file.projects for u in (*p.leads, *p.managers)}
    assert everyone <= set(project_file.people)
    assert all(not name.isascii() for name in project_file.people.values())


def test_activity_happens_on_business_days_only(demo):
    folder, _, _, session = demo
    calendar = calendar_for(load_project_file(folder / "renkei.yml"))
    days = {a.day for a in session.exec(select(StandupAnswer))}
    assert len(days) >= 15 and all(calendar.is_business_day(day) for day in days)
    assert dt.date(2026, 11, 3) not in days and dt.date(2026, 11, 23) not in days  # 文化の日, 勤労感謝の日
    stamps = [e.created_at for e in session.exec(select(IssueEvent))] + [w.created_at for w in session.exec(select(Win))]
    local_days = {stamp.replace(tzinfo=dt.timezone.utc).astimezone(JST).date() for stamp in stamps}
    assert all(calendar.is_business_day(day) for day in local_days)


def test_some_stand_ups_are_missed_and_some_name_a_blocker(demo):
    _, _, _, session = demo
    answers = session.exec(select(StandupAnswer)).all()
    days = {a.day for a in answers}
    assert len(answers) < 6 * len(days)  # not everyone answers every day
    assert any("困っていること: なし" not in a.answers for a in answers)


def test_issues_wait_get_nudged_reach_the_leads_escalate_and_resolve(demo):
    _, _, _, session = demo
    issues = session.exec(select(Issue)).all()
    kinds = [e.kind for e in session.exec(select(IssueEvent))]
    assert len(issues) >= 8
    assert any(i.waiting_on_id for i in issues if i.status != "resolved")
    assert "nudged" in kinds and "leads_alerted" in kinds
    escalated = [i for i in issues if i.escalated]
    assert escalated and escalated[0].it_answer and escalated[0].status == "resolved"
    assert sum(i.status == "resolved" for i in issues) >= 4
    assert len(session.exec(select(Win)).all()) >= 4


def test_every_post_went_through_the_outbox_and_every_job_ran_once(demo):
    _, _, _, session = demo
    rows = session.exec(select(OutboxMessage)).all()
    assert rows and {r.status for r in rows} == {"sent"}
    firings = session.exec(select(Delivery)).all()
    kinds = {f.job_id.split(":")[0] for f in firings}
    assert {"standup", "standup-remind", "meeting", "digest", "aging"} <= kinds
    assert len({(f.job_id, f.scheduled_at) for f in firings}) == len(firings)


def test_the_workbook_is_written_and_reads_back(demo):
    folder, *_ = demo
    [path] = folder.glob("*.xlsx")
    workbook = load_workbook(path, read_only=True)
    assert "課題" in workbook.sheetnames
    rows = list(workbook["課題"].iter_rows(values_only=True))
    assert len(rows) > 8


def test_the_lead_runs_a_hearing_that_most_departments_answer_and_closes_it(demo):
    folder, _, _, session = demo
    [hearing] = session.exec(select(Hearing)).all()
    assert hearing.status == "closed" and hearing.closed_by == "U10LEAD"
    answers = session.exec(select(HearingAnswer)).all()
    assert len(answers) == len({a.department_id for a in answers}) == 5  # 福祉課 did not answer; 市民課's edit is one row
    keys = [r.idempotency_key for r in session.exec(select(OutboxMessage)) if r.idempotency_key.startswith("hearing")]
    assert any(":summary:" in k for k in keys) and any(k.startswith("hearing:moving@") for k in keys)  # summary, reminders
    [path] = folder.glob("*.xlsx")
    assert "ヒアリング" in load_workbook(path, read_only=True).sheetnames


def test_a_second_demo_in_the_same_folder_keeps_the_data_unless_forced(demo):
    folder, _, _, session = demo
    printed: list[str] = []
    before = len(session.exec(select(Issue)).all())
    assert run_demo(folder, echo=printed.append) == 1
    assert "--force" in printed[0] and "renkei console" in printed[0]
    assert len(session.exec(select(Issue)).all()) == before


def test_the_printed_command_is_one_that_exists():
    command = renkei_command()
    assert command == "renkei" and shutil.which("renkei") or Path(command).exists()


def test_a_fiscal_year_export_gives_the_demos_own_answer_rate_and_no_week_before_the_project(demo, monkeypatch):
    """`renkei export --from 4/1 --to 3/31` (this fiscal year, written as people write it) counts stand-ups from the
    project's first prompt: the same rate as the demo's four-week report, and no 0 % weeks from April."""
    from typer.testing import CliRunner

    from bot.cli import cli

    folder, *_ = demo
    for name, value in {
        "DATABASE_URL": f"sqlite:///{folder / 'renkei.db'}",
        "RENKEI_CONFIG": str(folder / "renkei.yml"),
        "RENKEI_LANG": "ja",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(folder)
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        result = CliRunner().invoke(cli, ["export", "--project", "moving", "--from", "4/1", "--to", "3/31", "--out", "fy.xlsx"])
    assert result.exit_code == 0, result.output
    assert "2026-04-01" in result.output and "2027-03-31" in result.output

    def total_rate(path: Path) -> float:
        sheet = load_workbook(path)["概要"]
        row = next(r for r in sheet.iter_rows() if r[0].value == "合計")
        return row[2].value

    [own] = [path for path in folder.glob("moving_*.xlsx")]
    assert 0.5 < total_rate(own) < 1.0
    assert total_rate(folder / "fy.xlsx") == pytest.approx(total_rate(own), abs=0.02)
    _, _, _, session = demo
    prompts = session.exec(select(Delivery.scheduled_at).where(Delivery.job_id == "standup:moving")).all()
    first = min(prompts).replace(tzinfo=dt.timezone.utc).astimezone(JST).date()
    header = [cell.value for cell in load_workbook(folder / "fy.xlsx")["朝会"][2]]
    assert header[3] == f"{first.month}/{first.day}〜"  # the first column is the week of the first prompt
