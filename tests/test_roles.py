"""Roles from renkei.yml and approved /dept join requests, asked of one function (`may`); where a command applies."""

from __future__ import annotations

import textwrap

import pytest
from sqlmodel import select

from bot.i18n import Translator
from commands.base import Reply
from commands.where import resolve
from storage.db import make_engine, new_session
from storage.directory import apply_project_file
from storage.migrate import upgrade
from storage.models import Project, ProjectDepartment, RoleAssignment
from storage.projectfile import parse_project_file
from storage.roles import (
    Action,
    Ambiguous,
    Nowhere,
    Where,
    decide_request,
    find_department,
    grants,
    may,
    request_join,
    resolve_where,
)
from tests.test_context import context

TWO_PROJECTS = textwrap.dedent("""\
    admins: [U99ADMIN]
    departments:
      - {slug: shimin, name: 市民課, liaisons: [U01SHIMIN]}
      - {slug: zeimu, name: 税務課, liaisons: [U02ZEIMU]}
      - {slug: fukushi, name: 福祉課, liaisons: [U04FUKUSHI]}
      - {slug: it, name: 情報政策課, liaisons: [U09IT], role: it}
    projects:
      - {slug: moving, name: 引越し, departments: [shimin, zeimu, it], leads: [U10LEAD], managers: [U20BOSS]}
      - {slug: online, name: オンライン申請, departments: [shimin, fukushi, it], leads: [U11LEAD]}
    """)


@pytest.fixture
def session(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with new_session(engine) as session:
        apply_project_file(session, parse_project_file(TWO_PROJECTS))
        for n, link in enumerate(session.exec(select(ProjectDepartment).order_by(ProjectDepartment.id))):
            link.channel_id = f"C{n}"
            session.add(link)
        for project in session.exec(select(Project)):
            project.leads_channel_id = f"CL{project.id}"
            session.add(project)
        session.commit()
        yield session
    engine.dispose()


def project_id(session, slug):
    return session.exec(select(Project.id).where(Project.slug == slug)).one()


def test_one_function_answers_every_role(session):
    moving, online = project_id(session, "moving"), project_id(session, "online")
    assert may(session, "U99ADMIN", Action.REPORT, project_id=online)  # admins may everything but answer stand-ups
    assert may(session, "U10LEAD", Action.REPORT, project_id=moving)
    assert not may(session, "U10LEAD", Action.REPORT, project_id=online)
    assert may(session, "U20BOSS", Action.REPORT, project_id=moving) and not may(session, "U20BOSS", Action.SYNC)
    assert may(session, "U02ZEIMU", Action.ADD_MEETING, project_id=moving)
    assert not may(session, "U02ZEIMU", Action.VIEW_PROJECT, project_id=online)
    assert may(session, "U09IT", Action.VIEW_PROJECT, project_id=online)  # the IT department is in both projects
    assert not may(session, "U55NOBODY", Action.VIEW_PROJECT, project_id=moving)
    with pytest.raises(ValueError):
        may(session, "U99ADMIN", Action.CHANGE_ISSUE)  # an issue action without its issue is a programming error


def test_a_join_request_grants_nothing_until_approved(session):
    fukushi, online = find_department(session, "福祉課"), project_id(session, "online")
    outcome, request = request_join(session, "U02ZEIMU", fukushi)
    assert outcome == "requested" and request.status == "pending"
    assert not may(session, "U02ZEIMU", Action.VIEW_PROJECT, project_id=online)
    assert request_join(session, "U02ZEIMU", fukushi) == ("pending", request)  # a second request is the same one
    assert decide_request(session, request.id, "U04FUKUSHI", approve=True)
    assert not decide_request(session, request.id, "U04FUKUSHI", approve=False)  # decided once
    assert may(session, "U02ZEIMU", Action.VIEW_PROJECT, project_id=online)
    assert grants(session, "U02ZEIMU").liaison_of[fukushi.id] == "approved"
    assert request_join(session, "U02ZEIMU", fukushi) == ("member", None)


def test_the_it_department_is_never_requested(session):
    assert request_join(session, "U55NOBODY", find_department(session, "it")) == ("it", None)


def test_a_role_a_user_made_for_themselves_counts_for_nothing(session):
    fukushi = find_department(session, "fukushi")
    session.add(RoleAssignment(user_id="U55NOBODY", role="liaison", department_id=fukushi.id, source="self"))
    session.add(RoleAssignment(user_id="U55NOBODY", role="lead", project_id=project_id(session, "online"), source="self"))
    session.commit()
    assert grants(session, "U55NOBODY") == grants(session, "U55NEVERSEEN")  # nothing at all
    assert not may(session, "U55NOBODY", Action.VIEW_PROJECT, project_id=project_id(session, "online"))
    assert isinstance(resolve_where(session, user_id="U55NOBODY", channel_id=None), Nowhere)


def test_departments_are_found_by_slug_or_japanese_name(session):
    assert find_department(session, "zeimu").name == "税務課"
    assert find_department(session, "税務課").slug == "zeimu"
    assert find_department(session, "ＺＥＩＭＵ").slug == "zeimu"  # full-width typed on a Japanese keyboard
    assert find_department(session, "#zeimu").slug == "zeimu"
    assert find_department(session, "税務") is None and find_department(session, "") is None


def test_a_project_channel_decides_project_and_department(session):
    where = resolve_where(session, user_id="U55NOBODY", channel_id="C1")
    assert isinstance(where, Where) and (where.project.slug, where.department.slug) == ("moving", "zeimu")
    leads = resolve_where(session, user_id="U10LEAD", channel_id=f"CL{project_id(session, 'online')}")
    assert leads.project.slug == "online" and leads.department is None


def test_elsewhere_the_users_own_department_applies(session):
    where = resolve_where(session, user_id="U02ZEIMU", channel_id="CRANDOM")
    assert (where.project.slug, where.department.slug) == ("moving", "zeimu")


def test_a_liaison_in_two_projects_is_asked_where(session):
    where = resolve_where(session, user_id="U01SHIMIN", channel_id="CRANDOM")
    assert isinstance(where, Ambiguous) and {w.project.slug for w in where.choices} == {"moving", "online"}
    ctx = context(session, user_id="U01SHIMIN", channel_id="CRANDOM", t=Translator("ja"))
    reply = resolve(ctx)
    assert isinstance(reply, Reply) and "チャンネルで実行するか、部署を指定" in reply.text
    assert "引越し/市民課" in reply.text and "オンライン申請/市民課" in reply.text
    assert resolve_where(session, user_id="U01SHIMIN", channel_id="C0").project.slug == "moving"


def test_naming_a_department_settles_it(session):
    fukushi = find_department(session, "fukushi")
    where = resolve_where(session, user_id="U01SHIMIN", channel_id=None, department=fukushi)
    assert (where.project.slug, where.department.slug) == ("online", "fukushi")
    it = find_department(session, "it")
    assert isinstance(resolve_where(session, user_id="U55NOBODY", channel_id=None, department=it), Ambiguous)
    assert resolve_where(session, user_id="U02ZEIMU", channel_id=None, department=it).project.slug == "moving"


def test_nobody_anywhere_is_told_how_to_join(session):
    assert isinstance(resolve_where(session, user_id="U55NOBODY", channel_id=None), Nowhere)
    ctx = context(session, user_id="U55NOBODY", t=Translator("ja"))
    assert "/dept join" in resolve(ctx).text
