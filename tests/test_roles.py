"""Roles from renkei.yml and /dept join, checked by one function; where a command applies."""

from __future__ import annotations

import textwrap

import pytest
from sqlmodel import select

from bot.i18n import Translator
from commands.base import CommandContext, Reply
from commands.where import resolve
from storage.db import make_engine, new_session
from storage.directory import apply_project_file
from storage.migrate import upgrade
from storage.models import Project, ProjectDepartment
from storage.projectfile import parse_project_file
from storage.roles import Ambiguous, Nowhere, Where, find_department, has_role, join_department, resolve_where

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
    assert has_role(session, "U99ADMIN", "lead", project_id=online)  # admins hold every role
    assert has_role(session, "U10LEAD", "lead", project_id=moving)
    assert not has_role(session, "U10LEAD", "lead", project_id=online)
    assert has_role(session, "U20BOSS", "lead", "manager", project_id=moving)
    assert not has_role(session, "U20BOSS", "admin")
    assert has_role(session, "U02ZEIMU", "liaison", project_id=moving)
    assert not has_role(session, "U02ZEIMU", "liaison", project_id=online)
    assert has_role(session, "U09IT", "it") and not has_role(session, "U01SHIMIN", "it")
    assert not has_role(session, "U55NOBODY", "liaison")


def test_join_makes_a_liaison_that_the_role_check_sees(session):
    fukushi = find_department(session, "福祉課")
    assert not has_role(session, "U02ZEIMU", "liaison", project_id=project_id(session, "online"))
    assert join_department(session, "U02ZEIMU", fukushi) and not join_department(session, "U02ZEIMU", fukushi)
    assert has_role(session, "U02ZEIMU", "liaison", project_id=project_id(session, "online"))


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
    ctx = CommandContext(session=session, user_id="U01SHIMIN", channel_id="CRANDOM", t=Translator("ja"))
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
    ctx = CommandContext(session=session, user_id="U55NOBODY", channel_id=None, t=Translator("ja"))
    assert "/dept join" in resolve(ctx).text
