"""The review and acceptance-test family's own rules (commands/uat.py), written against mutants that survived the
suite: the sign-up form's limit and answers, `/uat result` without a number and in the console, what `/issue show`
says of the session an issue came from, and the reminder's lines. Called directly, with a real database."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands import uat as family
from commands.uat_words import found_at
from storage.directory import department_channel
from storage.models import Department, Issue, Project, RoleAssignment
from storage.uat import add_session, save_signup

T = Translator("ja")
TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a Thursday
START = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TOKYO)  # the session began an hour ago


@pytest.fixture
def world(synced):
    """The sample project with a test that has begun, and 市民課's channel."""
    with time_machine.travel(NOW, tick=False), synced.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        test = add_session(
            session,
            project_id=project.id,
            title="転入画面",
            kind="test",
            starts_at=START,
            place="第3会議室",
            created_by="U10LEAD",
        )
        yield synced, project, shimin, test, department_channel(session, project.id, shimin.id)


def ctx(services, session, channel=None, user="U01SHIMIN"):
    return services.context(session, user_id=user, channel_id=channel)


def signup(services, channel, test_id, shimin_id, attendees: str):
    view = {
        "private_metadata": json.dumps({"form": "signup", "session": test_id, "department": shimin_id, "channel": channel}),
        "state": {"values": {family.ATTENDEES: {"value": {"type": "plain_text_input", "value": attendees}}}},
    }
    with time_machine.travel(NOW, tick=False), services.session() as session:
        return family.submit(ctx(services, session, channel), view)


def test_rule_attendees_are_at_most_500_characters_and_a_second_sign_up_changes_the_first(world):
    services, _, shimin, test, channel = world
    long = "佐藤" * 250 + "一"
    assert signup(services, channel, test.id, shimin.id, long) == {
        family.ATTENDEES: T("uat.problem_attendees_long", limit=500, length=501)
    }
    first = signup(services, channel, test.id, shimin.id, "佐藤" * 250)
    assert first.text == T("uat.signed_up", department="市民課", kind="受入テスト", number=test.id, title="転入画面")
    again = signup(services, channel, test.id, shimin.id, "佐藤、鈴木")
    assert again.text == T("uat.signup_changed", department="市民課", kind="受入テスト", number=test.id, title="転入画面")


@pytest.mark.parametrize("rest", ["result", "result 二", "result 1 2", "result x"])
def test_rule_uat_result_without_one_number_says_how_to_write_it(world, rest):
    services, _, _, _, channel = world
    with time_machine.travel(NOW, tick=False), services.session() as session:
        reply = family.handle(ctx(services, session, channel), rest)
    assert T("uat.problem_number", example="/uat result 1") in reply.text and reply.modal is None


def test_rule_uat_result_opens_the_form_and_says_so_where_forms_cannot_open(world):
    services, _, _, test, channel = world
    with time_machine.travel(NOW, tick=False), services.session() as session:
        reply = family.handle(ctx(services, session, channel), f"result {test.id}")
    assert reply.text == T("issue.modal_only_in_slack")
    assert reply.modal is not None and reply.modal["type"] == "modal"
    assert json.loads(reply.modal["private_metadata"])["session"] == test.id


def test_rule_an_issue_from_a_session_names_it_and_its_requirement(world):
    services, _, _, test, _ = world
    with services.session() as session:
        c = ctx(services, session)
        assert found_at(c, Issue(uat_session_id=test.id, requirement_id=3)) == T(
            "uat.issue_from", kind="受入テスト", number=test.id, title="転入画面", requirement="（要件 #3）"
        )
        assert found_at(c, Issue(uat_session_id=test.id)) == T(
            "uat.issue_from", kind="受入テスト", number=test.id, title="転入画面", requirement=""
        )
        assert found_at(c, Issue(uat_session_id=None)) == ""


def test_rule_the_reminder_says_when_where_who_and_which_departments_have_not_signed_up(world):
    services, project, shimin, test, _ = world
    with services.session() as session:
        save_signup(session, session_id=test.id, department_id=shimin.id, user_id="U01SHIMIN", attendees="佐藤")
        text = family.reminder(T, session, test, "Asia/Tokyo", "1d")
        lines = text.split("\n")
        assert lines[0].startswith(":clipboard: *受入テスト #") and "11/26(木) 09:00" in lines[0] and "前日" in lines[0]
        assert "第3会議室" in lines[0]
        assert lines[1] == "• 市民課: 佐藤"
        assert lines[2].startswith("まだ参加を登録していない部署: 税務課、国民健康保険課、")
        departments = session.exec(select(Department)).all()
        for department in departments:
            save_signup(session, session_id=test.id, department_id=department.id, user_id="U01SHIMIN", attendees="誰か")
        test.place = None
        assert family.reminder(T, session, test, "Asia/Tokyo", "15m").split("\n")[-1] == T("uat.reminder_all_signed")
        assert "第3会議室" not in family.reminder(T, session, test, "Asia/Tokyo", "15m")


def test_rule_the_sign_up_form_names_the_session_and_department_and_remembers_its_channel(world):
    services, _, shimin, test, channel = world
    with time_machine.travel(NOW, tick=False), services.session() as session:
        pressed = family.press_signup(ctx(services, session, channel), str(test.id))
    view = pressed.modal
    assert T("uat.form_intro", kind="受入テスト", title="転入画面", department="市民課") in json.dumps(
        view["blocks"], ensure_ascii=False
    )
    assert json.loads(view["private_metadata"]) == {
        "form": "signup",
        "session": test.id,
        "department": shimin.id,
        "channel": channel,
    }


def test_rule_a_result_before_the_start_says_when_it_starts_and_a_named_department_is_the_one_recorded(world):
    services, project, _, test, channel = world
    with services.session() as session:
        later = add_session(
            session,
            project_id=project.id,
            title="住民票画面",
            kind="review",
            starts_at=NOW + dt.timedelta(days=1),
            place=None,
            created_by="U10LEAD",
        )
    with services.session() as session:  # U66TWO speaks for two departments: which one is named, not guessed
        for slug in ("shimin", "zeimu"):
            department = session.exec(select(Department).where(Department.slug == slug)).one()
            session.add(RoleAssignment(user_id="U66TWO", role="liaison", department_id=department.id, source="approved"))
        session.commit()
    with time_machine.travel(NOW, tick=False), services.session() as session:
        early = family.handle(ctx(services, session, channel), f"result {later.id}")
        named = family.open_result(
            ctx(services, session, None, user="U66TWO"),
            test.id,
            session.exec(select(Department).where(Department.slug == "zeimu")).one(),
        )
    assert early.text == T("uat.not_started", when=family.when_text(T, family.local_start(later, "Asia/Tokyo")))
    assert isinstance(named, dict), named.text  # a lead speaks for the department named
    zeimu_id = json.loads(named["private_metadata"])["department"]
    with services.session() as session:
        assert session.get(Department, zeimu_id).slug == "zeimu"
