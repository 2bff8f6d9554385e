"""Who may do what: one table of role × action × outcome, each cell run through the real commands and buttons.

Every permission rule lives in `storage.roles.may`; the table proves the commands ask it (and the state checks
that go with it). Each row is a person placed in the world below; each column an action run as a user would
(slash command or button) and judged by what changed in the database, or by what the reply showed.

The world: project 引越し (moving) with 市民課 (the issue's department), 税務課 (the one it waits on), 福祉課
(unrelated) and the IT department; project オンライン申請 (online) with 子育て支援課. Issue #1 of 市民課 waits
on 税務課, was reported by U31REPORTER and assigned to U32ASSIGNEE (neither of them a liaison), resolved and
reopened, so it is open again with its assignee. Meeting 引越し定例 was added by U01SHIMIN.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from dataclasses import dataclass

import pytest
from sqlmodel import func, select

from bot.bootstrap import bootstrap
from bot.dispatch import run_command
from bot.interactions import press
from bot.settings import Settings
from commands.dept import APPROVE_BUTTON, DECLINE_BUTTON
from commands.issue_blocks import ESCALATE, IT_TAKE, RESOLVE, TAKE
from storage.db import make_engine, new_session
from storage.directory import apply_project_file
from storage.home import home_data
from storage.issues import NewIssue, create_issue, has_event
from storage.meetings import add_meeting
from storage.migrate import upgrade
from storage.models import (
    Department,
    Issue,
    IssueEvent,
    Meeting,
    Project,
    ProjectDepartment,
    RoleAssignment,
    RoleRequest,
    StandupAnswer,
    Win,
    utcnow,
)
from storage.projectfile import parse_project_file
from storage.roles import Action, may
from storage.wins import create_win
from tests.conftest import BOT_TOKEN, SAMPLE, SIGNING_SECRET

PROJECT_FILE = parse_project_file(
    textwrap.dedent("""\
    admins: [U99ADMIN]
    departments:
      - {slug: shimin, name: 市民課, liaisons: [U01SHIMIN]}
      - {slug: zeimu, name: 税務課, liaisons: [U02ZEIMU]}
      - {slug: fukushi, name: 福祉課, liaisons: [U04FUKUSHI]}
      - {slug: kosodate, name: 子育て支援課, liaisons: [U05KOSODATE]}
      - {slug: it, name: 情報政策課, liaisons: [U09IT], role: it}
    projects:
      - {slug: moving, name: 引越し, departments: [shimin, zeimu, fukushi, it], leads: [U10LEAD], managers: [U20BOSS]}
      - {slug: online, name: オンライン申請, departments: [kosodate], leads: [U11LEAD]}
    """)
)
SHIMIN_CHANNEL, LEADS_CHANNEL = "CMOVINGSHIMIN", "CMOVINGLEADS"  # channels of 引越し
ISSUE, MEETING, WIN = 1, 1, "窓口の待ち時間が減った"


def channel_of(project: str, department: str | None) -> str:
    return f"C{project.upper()}{(department or 'leads').upper()}"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The world, built once; every cell gets its own copy of the database."""
    path = tmp_path_factory.mktemp("permissions") / "world.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with new_session(engine) as session:
        apply_project_file(session, PROJECT_FILE)
        projects = {p.id: p for p in session.exec(select(Project))}
        departments = {d.slug: d for d in session.exec(select(Department))}
        for link in session.exec(select(ProjectDepartment)):
            link.channel_id = channel_of(projects[link.project_id].slug, session.get(Department, link.department_id).slug)
            session.add(link)
        for project in projects.values():
            project.leads_channel_id = channel_of(project.slug, None)
            session.add(project)
        moving = next(p for p in projects.values() if p.slug == "moving")
        online = next(p for p in projects.values() if p.slug == "online")
        session.commit()
        issue = create_issue(
            session=session,
            issue_in=NewIssue(
                project_id=moving.id,
                department_id=departments["shimin"].id,
                waiting_on_id=departments["zeimu"].id,
                reporter_id="U31REPORTER",
                title="転出データの連携仕様",
            ),
        )
        issue.assignee_id = "U32ASSIGNEE"  # assigned, resolved and reopened: open again, still with its assignee
        session.add(issue)
        add_meeting(
            session,
            project_id=moving.id,
            title="引越し定例",
            cron="0 10 * * wed",
            starts_at=None,
            remind_before=["1d"],
            created_by="U01SHIMIN",
        )
        add_meeting(
            session,
            project_id=online.id,
            title="オンライン定例",
            cron=None,  # always after 引越し定例
            starts_at=dt.datetime(2099, 1, 5, 1, 0, tzinfo=dt.timezone.utc),
            remind_before=["1d"],
            created_by="U11LEAD",
        )
        create_win(
            session=session, project_id=moving.id, department_id=departments["shimin"].id, reporter_id="U01SHIMIN", text=WIN
        )
        shimin = departments["shimin"].id
        session.add_all(
            [
                RoleRequest(user_id="U60NEWCOMER", department_id=shimin),  # the one the join column decides
                RoleRequest(user_id="U70PENDING", department_id=shimin),
                RoleRequest(
                    user_id="U71APPROVED", department_id=shimin, status="approved", decided_by="U01SHIMIN", decided_at=utcnow()
                ),
                RoleAssignment(user_id="U71APPROVED", role="liaison", department_id=shimin, source="approved"),
            ]
        )
        session.commit()
    engine.dispose()
    return path


@pytest.fixture
def world(template, tmp_path, fakeslack):
    """A copy of the world, served by the real bootstrap (Slack is fakeslack)."""
    database = tmp_path / "renkei.db"
    shutil.copy(template, database)
    settings = Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fakeslack.url,
        database_url=f"sqlite:///{database}",
        renkei_config=str(SAMPLE),
        renkei_lang="ja",
    )
    services = bootstrap(settings, project_file=PROJECT_FILE, upgrade=False)
    yield services
    services.engine.dispose()


@dataclass(frozen=True)
class Person:
    user: str
    escalated: bool | None = None  # issue #1 escalated to IT? None: as the action needs (IT actions: yes)


PEOPLE = {
    "admin": Person("U99ADMIN"),
    "lead": Person("U10LEAD"),
    "lead_of_another_project": Person("U11LEAD"),
    "manager": Person("U20BOSS"),
    "liaison_of_the_issues_department": Person("U01SHIMIN"),  # also added 引越し定例
    "liaison_of_the_waited_on_department": Person("U02ZEIMU"),
    "liaison_of_an_unrelated_department": Person("U04FUKUSHI"),
    "it_liaison_escalated": Person("U09IT", escalated=True),
    "it_liaison_not_escalated": Person("U09IT", escalated=False),
    "reporter": Person("U31REPORTER"),
    "assignee": Person("U32ASSIGNEE"),
    "outsider_with_a_pending_request": Person("U70PENDING"),
    "outsider_with_an_approved_request": Person("U71APPROVED"),  # approved as a liaison of 市民課
}
IT_ACTIONS = {"it_take", "it_answer"}


def count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def slash(world, user: str, command: str, text: str, channel: str | None = None) -> str:
    with world.session() as session:
        return run_command(world.context(session, user_id=user, channel_id=channel), command, text).text


def click(world, user: str, action_id: str, value: str, channel: str | None = SHIMIN_CHANNEL) -> str:
    pressed = press(world, user_id=user, channel_id=channel, action_id=action_id, value=value)
    return pressed.reply.text if pressed.reply else ""


def issue_now(world) -> Issue:
    with world.session() as session:
        return session.get(Issue, ISSUE)


def join_request(world) -> RoleRequest:
    with world.session() as session:
        return session.exec(select(RoleRequest).where(RoleRequest.user_id == "U60NEWCOMER")).one()


# Each action: run it as `user`, then say whether it took effect (True) or was refused (False).
def view_issue(world, user):
    return "転出データの連携仕様" in slash(world, user, "/issue", f"show {ISSUE}")


def list_issues(world, user):
    return f"#{ISSUE}" in slash(world, user, "/issue", "list all")


def file_issue(world, user):
    slash(world, user, "/issue", "窓口端末の更新時期", channel=SHIMIN_CHANNEL)
    with world.session() as session:
        return count(session, Issue, Issue.title == "窓口端末の更新時期") == 1


def take(world, user):
    click(world, user, TAKE, str(ISSUE))
    issue = issue_now(world)
    return (issue.status, issue.assignee_id) == ("in_progress", user)


def resolve(world, user):
    slash(world, user, "/issue", f"close {ISSUE}")
    return issue_now(world).status == "resolved"


def reopen(world, user):
    slash(world, user, "/issue", f"reopen {ISSUE}")
    return issue_now(world).status == "open"


def escalate(world, user):
    reply = slash(world, user, "/issue", f"escalate {ISSUE}")
    if "すでに IT部門に相談済み" in reply:
        return "already"
    return issue_now(world).escalated


def assign(world, user):
    slash(world, user, "/issue", f"assign {ISSUE} <@U88HELPER>")
    return issue_now(world).assignee_id == "U88HELPER"


def it_take(world, user):
    click(world, user, IT_TAKE, str(ISSUE), channel=channel_of("moving", "it"))
    with world.session() as session:
        return has_event(session, ISSUE, "it_taken")


def it_answer(world, user):
    slash(world, user, "/issue", f"answer {ISSUE} 連携項目を追加しました")
    return issue_now(world).it_answer == "連携項目を追加しました"


def approve_join(world, user):
    click(world, user, APPROVE_BUTTON, str(join_request(world).id))
    return join_request(world).status == "approved"


def decline_join(world, user):
    click(world, user, DECLINE_BUTTON, str(join_request(world).id))
    return join_request(world).status == "declined"


def add_meeting_(world, user):
    slash(world, user, "/meeting", "add 様式の確認会 木 15:00", channel=LEADS_CHANNEL)
    with world.session() as session:
        return count(session, Meeting, Meeting.title == "様式の確認会") == 1


def cancel_meeting(world, user):
    slash(world, user, "/meeting", f"cancel {MEETING}", channel=LEADS_CHANNEL)
    with world.session() as session:
        return session.get(Meeting, MEETING).cancelled


def list_meetings(world, user):
    return "引越し定例" in slash(world, user, "/meeting", "list")


def next_meeting(world, user):
    return "引越し定例" in slash(world, user, "/meeting", "next")


def standup_status(world, user):
    return "引越しの朝会の回答状況" in slash(world, user, "/standup", "status", channel=SHIMIN_CHANNEL)


def report(world, user):
    return "レポートを受け取れるのは" not in slash(world, user, "/report", "digest", channel=LEADS_CHANNEL)


def sync(world, user):
    return "同期を始めました" in slash(world, user, "/dept", "sync")


def answer_standup(world, user):
    slash(world, user, "/standup", "今日: 様式の確認", channel=SHIMIN_CHANNEL)
    with world.session() as session:
        return count(session, StandupAnswer, StandupAnswer.user_id == user) == 1


def share_win(world, user):
    slash(world, user, "/win", "転出届の入力が半分になった", channel=SHIMIN_CHANNEL)
    with world.session() as session:
        return count(session, Win) == 2


def share_project_win(world, user):
    """A win for the whole project, from the leads channel (no department)."""
    slash(world, user, "/win", "定例会議の時間が半分になった", channel=LEADS_CHANNEL)
    with world.session() as session:
        return count(session, Win, Win.department_id == None) == 1  # noqa: E711


def list_wins(world, user):
    return WIN in slash(world, user, "/win", "list")


ACTIONS = {
    "view_issue": view_issue,
    "list_issues": list_issues,
    "file_issue": file_issue,
    "take": take,
    "resolve": resolve,
    "reopen": reopen,
    "escalate": escalate,
    "assign": assign,
    "it_take": it_take,
    "it_answer": it_answer,
    "approve_join": approve_join,
    "decline_join": decline_join,
    "add_meeting": add_meeting_,
    "cancel_meeting": cancel_meeting,
    "list_meetings": list_meetings,
    "next_meeting": next_meeting,
    "standup_status": standup_status,
    "report": report,
    "sync": sync,
    "answer_standup": answer_standup,
    "share_win": share_win,
    "share_project_win": share_project_win,
    "list_wins": list_wins,
}

Y, N = True, False
# columns, in the order of ACTIONS:
#  view list file | take resolve reopen escalate assign | it_take it_answer | approve decline |
#  add_mtg cancel_mtg list_mtg next_mtg | standup_status report sync answer_standup | share_win project_win list_wins
TABLE = {
    "admin": [Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, N, Y, Y, Y],
    "lead": [Y, Y, Y, Y, Y, Y, Y, Y, N, N, N, N, Y, Y, Y, Y, Y, Y, N, N, Y, Y, Y],
    "lead_of_another_project": [N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
    "manager": [Y, Y, Y, Y, Y, Y, Y, Y, N, N, N, N, Y, N, Y, Y, Y, Y, N, N, Y, Y, Y],
    "liaison_of_the_issues_department": [Y, Y, Y, Y, Y, Y, Y, Y, N, N, Y, Y, Y, Y, Y, Y, Y, N, N, Y, Y, N, Y],
    "liaison_of_the_waited_on_department": [Y, Y, Y, Y, Y, Y, Y, Y, N, N, N, N, Y, N, Y, Y, Y, N, N, N, Y, N, Y],
    "liaison_of_an_unrelated_department": [Y, Y, Y, N, N, N, N, N, N, N, N, N, Y, N, Y, Y, Y, N, N, N, Y, N, Y],
    "it_liaison_escalated": [Y, Y, Y, Y, Y, Y, "already", Y, Y, Y, N, N, Y, N, Y, Y, Y, N, N, N, Y, N, Y],
    "it_liaison_not_escalated": [Y, Y, Y, N, N, N, N, N, N, N, N, N, Y, N, Y, Y, Y, N, N, N, Y, N, Y],
    "reporter": [Y, N, N, Y, Y, Y, Y, Y, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
    "assignee": [Y, N, N, Y, Y, Y, Y, Y, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
    "outsider_with_a_pending_request": [N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, N],
    "outsider_with_an_approved_request": [Y, Y, Y, Y, Y, Y, Y, Y, N, N, N, N, Y, N, Y, Y, Y, N, N, Y, Y, N, Y],
}
CELLS = [(who, action, outcome) for who, row in TABLE.items() for action, outcome in zip(ACTIONS, row, strict=True)]


def test_the_table_covers_every_person_and_every_action():
    assert set(TABLE) == set(PEOPLE) and all(len(row) == len(ACTIONS) for row in TABLE.values())
    assert {
        Action(a)
        for a in (
            "view_issue",
            "change_issue",
            "it_take",
            "it_answer",
            "approve_join",
            "add_meeting",
            "cancel_meeting",
            "report",
            "sync",
            "answer_standup",
            "share_project_win",
        )
    } <= set(Action)
    for column, action in enumerate(ACTIONS):  # every column has someone allowed and someone refused
        outcomes = {row[column] for row in TABLE.values()}
        assert True in outcomes and False in outcomes, action


@pytest.mark.parametrize("who,action,outcome", CELLS, ids=[f"{w}-{a}" for w, a, _ in CELLS])
def test_who_may_do_what(world, who, action, outcome):
    person = PEOPLE[who]
    with world.session() as session:
        issue = session.get(Issue, ISSUE)
        issue.escalated = person.escalated if person.escalated is not None else action in IT_ACTIONS
        if action == "reopen":
            issue.status = "resolved"
        session.add(issue)
        session.commit()
    assert ACTIONS[action](world, person.user) == outcome


# --- the polite refusals, and what a refusal leaves alone ------------------------------------------------------


def test_outsiders_are_refused_politely_outside_any_project_channel(world):
    for command, text in [
        ("/issue", "list"),
        ("/issue", "list all"),
        ("/issue", "list 税務課"),
        ("/meeting", "list"),
        ("/meeting", "next"),
        ("/win", "list"),
    ]:
        reply = slash(world, "U70PENDING", command, text)
        assert "まだどのプロジェクトにも参加していない" in reply and "転出データ" not in reply, (command, text)
    shown = slash(world, "U70PENDING", "/issue", f"show {ISSUE}")
    assert "課題 #1 を表示できるのは" in shown and "転出データ" not in shown


def test_in_a_project_channel_an_outsider_reads_nothing_of_that_project(world):
    for command, text in [("/issue", "list all"), ("/meeting", "list"), ("/win", "list"), ("/standup", "status")]:
        reply = slash(world, "U11LEAD", command, text, channel=SHIMIN_CHANNEL)
        assert "引越しに参加していないため、表示できません" in reply, (command, text)


def test_a_lead_of_another_project_sees_only_their_own(world):
    assert "オンライン定例" in slash(world, "U11LEAD", "/meeting", "list")
    assert "引越し定例" not in slash(world, "U11LEAD", "/meeting", "list")


def test_a_non_member_standup_answer_in_a_public_project_channel_is_refused(world):
    reply = slash(world, "U02ZEIMU", "/standup", "今日: 様式の確認", channel=SHIMIN_CHANNEL)
    assert "市民課の朝会に回答できるのは、市民課の連絡担当だけです" in reply
    assert "受け付けました（税務課）" in slash(world, "U02ZEIMU", "/standup", "今日: 様式の確認")  # in a DM: their own
    with world.session() as session:
        [answer] = session.exec(select(StandupAnswer)).all()
        assert session.get(Department, answer.department_id).slug == "zeimu"


def test_a_newcomers_home_shows_no_project(world):
    with world.session() as session:
        data = home_data(session, "U70PENDING", now=utcnow(), timezone="Asia/Tokyo")
        member = home_data(session, "U04FUKUSHI", now=utcnow(), timezone="Asia/Tokyo")
    assert (data.meetings, data.wins) == ([], [])
    assert [m.title for m in member.meetings] == ["引越し定例"] and [w.text for w in member.wins] == [WIN]


def test_roles_a_user_made_for_themselves_grant_nothing(world):
    with world.session() as session:
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        session.add(RoleAssignment(user_id="U70PENDING", role="liaison", department_id=shimin.id, source="self"))
        session.add(RoleAssignment(user_id="U70PENDING", role="admin", source="self"))
        session.commit()
        assert not may(session, "U70PENDING", Action.CHANGE_ISSUE, issue=session.get(Issue, ISSUE))
    assert not resolve(world, "U70PENDING") and not sync(world, "U70PENDING")


# --- every button checks the issue as it is now -----------------------------------------------------------------


def set_issue(world, **values) -> None:
    with world.session() as session:
        issue = session.get(Issue, ISSUE)
        for key, value in values.items():
            setattr(issue, key, value)
        session.add(issue)
        session.commit()


def events(world, kind: str) -> int:
    with world.session() as session:
        return count(session, IssueEvent, IssueEvent.issue_id == ISSUE, IssueEvent.kind == kind)


@pytest.mark.parametrize(
    "button,state,says,kind",
    [
        (TAKE, {"status": "resolved"}, "すでに解決済みです", "taken"),
        (TAKE, {"status": "in_progress"}, "すでに <@U32ASSIGNEE> さんが担当しています", "taken"),
        (RESOLVE, {"status": "resolved"}, "すでに解決済みです", "resolved"),
        (ESCALATE, {"status": "resolved"}, "すでに解決済みです", "escalated"),
        (ESCALATE, {"escalated": True}, "すでに IT部門に相談済み", "escalated"),
        (IT_TAKE, {"escalated": False}, "IT部門に相談されていません", "it_taken"),
        (IT_TAKE, {"escalated": True, "status": "resolved"}, "すでに解決済みです", "it_taken"),
    ],
)
def test_a_button_on_an_issue_checks_its_current_state(world, button, state, says, kind):
    set_issue(world, **state)
    user = "U09IT" if button == IT_TAKE else "U01SHIMIN"
    before = issue_now(world)
    assert says in click(world, user, button, str(ISSUE))
    after = issue_now(world)
    assert (after.status, after.assignee_id, after.escalated) == (before.status, before.assignee_id, before.escalated)
    assert events(world, kind) == 0


def test_the_it_button_twice_takes_once(world):
    set_issue(world, escalated=True)
    assert "IT部門として対応します" in click(world, "U09IT", IT_TAKE, str(ISSUE))
    assert "すでにあなたが対応しています" in click(world, "U09IT", IT_TAKE, str(ISSUE))
    assert events(world, "it_taken") == 1


def test_a_join_button_on_a_decided_request_changes_nothing(world):
    request = join_request(world)
    assert "連絡担当にしました" in click(world, "U01SHIMIN", APPROVE_BUTTON, str(request.id))
    assert "すでに処理されています" in click(world, "U99ADMIN", DECLINE_BUTTON, str(request.id))
    with world.session() as session:
        assert count(session, RoleAssignment, RoleAssignment.user_id == "U60NEWCOMER") == 1
    assert join_request(world).status == "approved"
    assert "見つかりません" in click(world, "U01SHIMIN", APPROVE_BUTTON, "99999")
