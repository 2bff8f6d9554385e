"""`renkei demo`: the sample project with four weeks of activity, checked as data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.console import SAMPLE_PROJECT
from bot.demo import (
    ALL_STEPS,
    REQ_AGREED,
    REQ_REQUIRED_BY,
    REVIEW,
    STORY_DAYS,
    business_days,
    renkei_command,
    run_demo,
    story_days,
)
from reminders.calendar import calendar_for
from storage.db import make_engine
from storage.directory import project_departments
from storage.ids import id_of
from storage.models import (
    Delivery,
    Department,
    Hearing,
    HearingAnswer,
    Issue,
    IssueEvent,
    OutboxMessage,
    Project,
    Requirement,
    Retrospective,
    StandupAnswer,
    UatSession,
    Win,
    as_utc,
)
from storage.projectfile import load_project_file
from storage.requirements import AGREED, NOT_NEEDED, REQUIRED, ratings_disagree, ratings_of
from storage.uat import PROBLEM, owner_department, results_of, signups_of

JST = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 26, 18, 0, tzinfo=JST)  # Thursday evening
DEPARTMENTS = ["市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"]


def report_of(folder: Path) -> Path:
    """The demo's own report (`renkei export` in a test below writes another workbook into the folder)."""
    [path] = folder.glob("moving_*.xlsx")
    return path


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
    path = report_of(folder)
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
    path = report_of(folder)
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


# --- one true story: the phases, the requirements, the reviews and tests, the launch and the 振り返り agree -----------

PHASE_ORDER = ["prepare", "design", "build", "test", "operate"]
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def phase_changes(session: Session) -> list[tuple[dt.datetime, str]]:
    """The project's phases as announced (`phase:<project>:<phase>:<when>:<channel>`), in order; 準備 from the start."""
    changes = {(EPOCH, "prepare")}
    for key in session.exec(select(OutboxMessage.idempotency_key).where(col(OutboxMessage.idempotency_key).startswith("phase:"))):
        _, _, phase, rest = key.split(":", 3)
        changes.add((dt.datetime.fromisoformat(rest.rsplit(":", 1)[0]), phase))
    return sorted(changes)


def phase_at(changes: list[tuple[dt.datetime, str]], moment: dt.datetime) -> str:
    return [phase for when, phase in changes if when <= as_utc(moment)][-1]


def before(phase: str, other: str) -> bool:
    return PHASE_ORDER.index(phase) < PHASE_ORDER.index(other)


def contradictions(session: Session, now: dt.datetime = NOW) -> list[str]:
    """What a manager reading the report would find contradictory, in words; [] for a story that holds together."""
    found: list[str] = []
    project = session.exec(select(Project)).one()
    changes = phase_changes(session)
    if changes[-1][1] != project.phase:
        found.append(f"the project is in {project.phase}, the last announced phase is {changes[-1][1]}")
    departments = project_departments(session, id_of(project))
    names = {id_of(d): d.name for d in departments}
    agreed_at = []
    for requirement in session.exec(select(Requirement)):
        ratings = ratings_of(session, id_of(requirement))
        if requirement.status != AGREED or requirement.decided_at is None:
            continue
        decided = as_utc(requirement.decided_at)
        agreed_at.append(decided)
        unrated = [names[d] for d in names if d not in ratings or as_utc(ratings[d].updated_at) > decided]
        if unrated:
            found.append(f"要件 #{requirement.id} agreed while {unrated} had not rated it")
        if any(r.rating == NOT_NEEDED for r in ratings.values()):
            found.append(f"要件 #{requirement.id} agreed although a department rated it 不要")
        required = {names[d] for d, r in ratings.items() if r.rating == REQUIRED}
        said = {name for name in names.values() if name in (requirement.reason or "")}
        if said != required or "全部署" in (requirement.reason or "") and len(required) < len(names):
            found.append(f"要件 #{requirement.id}'s reason names {sorted(said)}, 必須 came from {sorted(required)}")
        if before(phase_at(changes, decided), "design"):
            found.append(f"要件 #{requirement.id} agreed in {phase_at(changes, decided)}")
    build = [when for when, phase in changes if not before(phase, "build")]
    if build and (not agreed_at or min(agreed_at) > build[0]):
        found.append("開発 began before any requirement was agreed")
    launch = next((when for when, phase in changes if phase == "operate"), None)
    for uat in session.exec(select(UatSession).where(UatSession.cancelled == False)):  # noqa: E712
        starts, signed, results = as_utc(uat.starts_at), signups_of(session, id_of(uat)), results_of(session, id_of(uat))
        name = f"{uat.kind} #{uat.id} {uat.title}"
        if starts > now:
            if results:
                found.append(f"{name} is still to come but has results")
            continue
        needed = "design" if uat.kind == "review" else "test"
        if before(phase_at(changes, starts), needed):
            found.append(f"{name} held in {phase_at(changes, starts)}")
        if not signed:
            found.append(f"{name} held with nobody signed up")
        for department in signed:
            if department not in results:
                found.append(f"{name} held, {names[department]} signed up and recorded no result")
        for department, rows in results.items():
            if department not in signed:
                found.append(f"{name}: a result from {names[department]}, which did not sign up")
            for row in rows:
                if as_utc(row.created_at) < starts:
                    found.append(f"{name}: {names[department]}'s result is from before it began")
                if row.outcome != PROBLEM:
                    continue
                issue = session.get(Issue, row.issue_id or 0)
                owner = owner_department(session, uat)
                if issue is None or issue.uat_session_id != uat.id:
                    found.append(f"{name}: {names[department]}'s 問題あり filed no issue")
                elif owner is not None and owner.id != department and issue.waiting_on_id != owner.id:
                    found.append(f"{name}: issue #{issue.id} does not wait on {owner.name}, who own the session")
                elif launch is not None and uat.kind == "test" and not (issue.resolved_at and as_utc(issue.resolved_at) < launch):
                    found.append(f"launched with issue #{issue.id} of {name} unresolved")
        if launch is not None and uat.kind == "test" and starts > launch:
            found.append(f"{name} held after launch")
    for retro in session.exec(select(Retrospective)):
        if launch is None or as_utc(retro.created_at) < launch:
            found.append(f"a 振り返り from {names.get(retro.department_id)} before launch")
    for answer in session.exec(select(StandupAnswer)):
        weekly = set(json.loads(answer.answers)) == {"last_week", "this_week", "blockers"}
        after = launch is not None and answer.day >= launch.astimezone(JST).date()
        if weekly != after:
            found.append(f"a {'weekly' if weekly else 'daily'} stand-up answer on {answer.day}, launch: {launch}")
    return found


def test_the_story_holds_together(demo):
    _, _, _, session = demo
    assert contradictions(session) == []


def test_the_phases_move_on_as_the_story_goes_and_the_report_says_運用(demo):
    folder, _, _, session = demo
    changes = phase_changes(session)
    assert [phase for _, phase in changes] == PHASE_ORDER  # one step at a time, none skipped, none back
    project = session.exec(select(Project)).one()
    launch = as_utc(project.phase_changed_at).astimezone(JST)
    assert project.phase == "operate" and launch == changes[-1][0]
    assert launch == dt.datetime(2026, 11, 20, 9, 0, tzinfo=JST)  # the 15th business day: 10/30 is the first
    [hearing] = session.exec(select(Hearing)).all()
    assert phase_at(changes, hearing.created_at) == "prepare" and as_utc(hearing.closed_at) <= changes[1][0]
    path = report_of(folder)
    overview = list(load_workbook(path, read_only=True)["概要"].iter_rows(values_only=True))
    assert ("段階", "運用") in [row[:2] for row in overview]


def test_requirement_2_is_agreed_once_every_department_rated_it_and_1_waits_for_the_meeting(demo):
    folder, _, _, session = demo
    two, one = session.get(Requirement, REQ_AGREED), session.get(Requirement, 1)
    assert two.status == AGREED and one.status == "proposed"
    names = {id_of(d): d.name for d in project_departments(session, two.project_id)}
    ratings = ratings_of(session, REQ_AGREED)
    assert set(ratings) == set(names)  # every department of the project
    assert {names[d] for d, r in ratings.items() if r.rating == REQUIRED} == set(REQ_REQUIRED_BY)
    assert "全部署" not in two.reason  # three of six rated it 必須: the reason does not say all
    assert ratings_disagree(r.rating for r in ratings_of(session, 1).values())  # 必須 and 不要: the meeting's agenda
    disputed = max(as_utc(r.updated_at) for r in ratings_of(session, 1).values())
    meeting = next(  # the first 定例会議 (Wednesdays 10:00, renkei.yml) after the departments disagreed
        moment
        for n in range(8)
        if (moment := dt.datetime.combine(disputed.astimezone(JST).date() + dt.timedelta(days=n), dt.time(10), JST)) > disputed
        and moment.weekday() == 2
    )
    assert meeting > NOW  # none was held since: it is still to discuss #1
    path = report_of(folder)
    rows = list(load_workbook(path, read_only=True)["要件"].iter_rows(values_only=True))
    header, agreed = rows[0], next(r for r in rows[1:] if r[0] == REQ_AGREED)
    assert agreed[header.index("状態")] == "合意"
    assert "未評価" not in [agreed[header.index(n)] for n in DEPARTMENTS]


def test_the_acceptance_test_had_sign_ups_results_and_one_problem_fixed_before_launch(demo):
    folder, _, _, session = demo
    [test] = session.exec(select(UatSession).where(UatSession.kind == "test")).all()
    signed, results = signups_of(session, id_of(test)), results_of(session, id_of(test))
    assert len(signed) >= 4 and set(results) == set(signed)
    outcomes = [r.outcome for rows in results.values() for r in rows]
    assert outcomes.count(PROBLEM) == 1 and len(outcomes) >= 4
    [issue] = session.exec(select(Issue).where(Issue.uat_session_id == test.id)).all()
    it = owner_department(session, test)
    assert it is not None and it.name == "情報政策課" and issue.waiting_on_id == it.id  # a lead added it: IT owns it
    assert issue.requirement_id == REQ_AGREED and issue.status == "resolved"
    path = report_of(folder)
    rows = list(load_workbook(path, read_only=True)["受入テスト"].iter_rows(values_only=True))
    header = rows[0]
    held = [r for r in rows[1:] if r[header.index("No.")] == test.id]
    assert len(held) == len(DEPARTMENTS)
    for row in held:  # a department that signed up has its result; one that did not has none
        assert (row[header.index("参加者")] == "未登録") == (row[header.index("結果")] == "未記録")
    assert sum(row[header.index("結果")] == "問題あり" for row in held) == 1


def test_after_launch_departments_give_their_振り返り_and_answer_the_weekly_stand_up(demo):
    folder, _, _, session = demo
    retros = session.exec(select(Retrospective)).all()
    assert len({r.department_id for r in retros}) >= 2
    assert all(set(json.loads(r.answers)) == {"better", "hurts"} for r in retros)
    weekly = [a for a in session.exec(select(StandupAnswer)) if "last_week" in a.answers]
    asked = {
        as_utc(d.scheduled_at).astimezone(JST).date()
        for d in session.exec(select(Delivery).where(Delivery.job_id == "standup:moving:operate", Delivery.status == "done"))
    }
    assert weekly and {a.day for a in weekly} <= asked  # answered on the days the weekly prompt asked, only
    path = report_of(folder)
    rows = list(load_workbook(path, read_only=True)["振り返り"].iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) - 1 == len(retros)
    better, hurts = header.index("住民や職員にとって良くなったこと"), header.index("まだ困っていること")
    assert all(row[better] and row[hurts] for row in rows[1:])


def test_every_sheet_a_manager_opens_has_rows(demo):
    folder, *_ = demo
    path = report_of(folder)
    workbook = load_workbook(path, read_only=True)
    expected = ["概要", "課題", "対応履歴", "成功事例", "朝会", "会議", "ヒアリング", "要件", "受入テスト", "振り返り"]
    assert workbook.sheetnames == expected
    for name in expected:
        filled = [row for row in workbook[name].iter_rows(values_only=True) if any(v is not None for v in row)]
        assert len(filled) >= 3, name  # a header and rows under it


def test_the_checks_find_a_story_that_contradicts_itself(demo, tmp_path):
    """`contradictions` is what holds the demo to its story: a copy of its database, broken three ways, is caught."""
    folder, *_ = demo
    shutil.copyfile(folder / "renkei.db", tmp_path / "renkei.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'renkei.db'}")
    with Session(engine) as session:
        fukushi = session.exec(select(Department).where(Department.name == "福祉課")).one()
        session.delete(ratings_of(session, REQ_AGREED)[id_of(fukushi)])  # #2 agreed with 福祉課 not rating it
        for row in session.exec(select(OutboxMessage).where(col(OutboxMessage.idempotency_key).startswith("phase:"))):
            if ":design:" in row.idempotency_key or ":build:" in row.idempotency_key:
                session.delete(row)  # the review held while the project was in 準備
        test = session.exec(select(UatSession).where(UatSession.kind == "test")).one()
        for rows in results_of(session, id_of(test)).values():
            for row in rows:
                session.delete(row)  # the acceptance test held without results
        session.commit()
        found = "\n".join(contradictions(session))
    engine.dispose()
    assert "agreed while ['福祉課'] had not rated it" in found
    assert f"review #1 {REVIEW} held in prepare" in found
    assert "held, 市民課 signed up and recorded no result" in found


def test_a_month_with_year_end_holidays_still_holds_the_whole_story():
    """Four weeks over the year-end closure have fewer business days than the story: the demo goes further back, so
    the story is over before the last day (played only up to the moment the demo runs)."""
    calendar = calendar_for(load_project_file(SAMPLE_PROJECT))
    today = dt.date(2027, 1, 8)
    assert len(business_days(calendar, today, 4)) < STORY_DAYS
    days = story_days(calendar, today, 4)
    assert len(days) == STORY_DAYS and days[-1] == today and all(calendar.is_business_day(d) for d in days)
    assert max(step.day for step in ALL_STEPS) < len(days) - 1
    assert story_days(calendar, today, 1) == business_days(calendar, today, 1)  # a week asked for: a week played
