"""Permissions and places (storage/roles.py), pinned down where mutation testing found them loose (scripts/mutation).

The world of tests/test_roles.py: 市民課 in both projects, 税務課 in 引越し, 福祉課 in オンライン申請, IT in both.
"""

from __future__ import annotations

import re
import textwrap

import pytest
from sqlmodel import func, select

from storage.db import make_engine, new_session
from storage.directory import apply_project_file
from storage.issues import NewIssue, create_issue
from storage.meetings import add_meeting
from storage.migrate import upgrade
from storage.models import Department, Project, ProjectDepartment, RoleAssignment, RoleRequest
from storage.projectfile import parse_project_file
from storage.roles import (
    Action,
    Ambiguous,
    Nowhere,
    Where,
    approvers,
    decide_request,
    find_department,
    get_role_request,
    grants,
    join_request_targets,
    leave_department,
    liaison_places,
    may,
    member_projects,
    pending_request,
    resolve_where,
)

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
        session.commit()
        yield session
    engine.dispose()


def project(session, slug: str) -> Project:
    return session.exec(select(Project).where(Project.slug == slug)).one()


def department(session, slug: str) -> Department:
    return find_department(session, slug)


def liaison(session, user: str, slug: str, source: str = "approved") -> None:
    session.add(RoleAssignment(user_id=user, role="liaison", department_id=department(session, slug).id, source=source))
    session.commit()


def places(result) -> list[tuple[str, str | None]]:
    wheres = result.choices if isinstance(result, Ambiguous) else [result] if isinstance(result, Where) else []
    return [(w.project.slug, w.department.slug if w.department else None) for w in wheres]


def test_a_lead_of_another_project_may_not_change_an_issue_that_waits_on_nobody(session):
    moving = project(session, "moving")
    issue = create_issue(
        session=session,
        issue_in=NewIssue(
            project_id=moving.id, department_id=department(session, "shimin").id, reporter_id="U01SHIMIN", title="窓口の混雑"
        ),
    )
    assert issue.waiting_on_id is None
    assert not may(session, "U11LEAD", Action.CHANGE_ISSUE, issue=issue)
    assert may(session, "U10LEAD", Action.CHANGE_ISSUE, issue=issue)


def test_a_liaison_from_renkei_yml_stays_one_whatever_else_was_approved(session):
    liaison(session, "U01SHIMIN", "shimin", "approved")  # renkei.yml's role, and an approved one after it
    liaison(session, "U56BOTH", "zeimu", "approved")  # an approved role, and renkei.yml's after it
    liaison(session, "U56BOTH", "zeimu", "config")
    shimin, zeimu = department(session, "shimin").id, department(session, "zeimu").id
    assert grants(session, "U01SHIMIN").liaison_of == {shimin: "config"}
    assert grants(session, "U56BOTH").liaison_of == {zeimu: "config"}
    assert may(session, "U01SHIMIN", Action.APPROVE_JOIN, department_id=shimin)
    assert may(session, "U56BOTH", Action.APPROVE_JOIN, department_id=zeimu)


@pytest.mark.parametrize(
    "action",
    [
        Action.APPROVE_JOIN,
        Action.VIEW_PROJECT,
        Action.FILE_ISSUE,
        Action.REPORT,
        Action.ANSWER_STANDUP,
        Action.CANCEL_MEETING,
        Action.CHANGE_ISSUE,
        Action.IT_TAKE,
        Action.LEAD_PROJECT,
        Action.PROPOSE,
        Action.SPEAK_FOR_DEPARTMENT,
    ],
)
def test_an_action_without_its_subject_is_a_programming_error_named_so(session, action):
    with pytest.raises(ValueError, match=re.escape(f"may({action.value!r}) needs its subject")):
        may(session, "U01SHIMIN", action)  # not an admin: an admin may approve without asking


def test_a_meeting_is_cancelled_by_who_added_it_an_admin_or_its_projects_lead(session):
    meeting = add_meeting(
        session,
        project_id=project(session, "moving").id,
        title="定例",
        cron="0 10 * * wed",
        starts_at=None,
        remind_before=[],
        created_by="U02ZEIMU",
    )
    assert [
        may(session, user, Action.CANCEL_MEETING, meeting=meeting, project_id=project(session, "online").id)
        for user in ("U02ZEIMU", "U99ADMIN", "U10LEAD", "U11LEAD", "U01SHIMIN")
    ] == [True, True, True, False, False]


def test_liaison_places_are_in_project_then_channel_order_and_each_once(session):
    liaison(session, "U01SHIMIN", "shimin", "approved")  # a second row for the same department
    assert places_of(session, "U01SHIMIN") == [("moving", "shimin"), ("online", "shimin")]
    # 福祉課 joins 引越し now: its link is newer (a larger id) than its link to オンライン申請, the later project
    session.add(
        ProjectDepartment(
            project_id=project(session, "moving").id,
            department_id=department(session, "fukushi").id,
            channel_name="moving-fukushi",
        )
    )
    liaison(session, "U66TWO", "zeimu")  # roles granted in another order than the channels were made
    liaison(session, "U66TWO", "shimin")
    session.commit()
    assert places_of(session, "U04FUKUSHI") == [("moving", "fukushi"), ("online", "fukushi")]
    assert places_of(session, "U66TWO") == [("moving", "shimin"), ("moving", "zeimu"), ("online", "shimin")]


def places_of(session, user: str) -> list[tuple[str, str]]:
    return [(w.project.slug, w.department.slug) for w in liaison_places(session, user)]


def test_member_projects_are_the_users_own(session):
    assert [p.slug for p in member_projects(session, "U02ZEIMU")] == ["moving"]
    assert [p.slug for p in member_projects(session, "U11LEAD")] == ["online"]
    session.add(RoleAssignment(user_id="U55SELF", role="lead", project_id=project(session, "online").id, source="self"))
    session.commit()
    assert member_projects(session, "U55SELF") == []  # a role made by oneself grants nothing


def test_a_named_department_in_a_project_channel_is_looked_for_in_that_project(session):
    online_shimin, moving_shimin = "C3", "C0"  # the channels of 市民課 in each project (made in renkei.yml's order)
    shimin, fukushi = department(session, "shimin"), department(session, "fukushi")
    assert places(resolve_where(session, user_id="U99ADMIN", channel_id=online_shimin, department=shimin)) == [
        ("online", "shimin")
    ]
    assert places(resolve_where(session, user_id="U99ADMIN", channel_id=moving_shimin, department=shimin)) == [
        ("moving", "shimin")
    ]
    assert isinstance(resolve_where(session, user_id="U99ADMIN", channel_id=moving_shimin, department=fukushi), Nowhere)


def test_a_department_in_several_projects_lists_them_in_project_order(session):
    session.add(Department(slug="kikaku", name="企画課"))
    session.commit()
    kikaku = department(session, "kikaku")
    for slug in ("online", "moving"):  # linked to the later project first
        session.add(
            ProjectDepartment(project_id=project(session, slug).id, department_id=kikaku.id, channel_name=f"{slug}-kikaku")
        )
    session.commit()
    result = resolve_where(session, user_id="U77NOBODY", channel_id=None, department=kikaku)
    assert places(result) == [("moving", "kikaku"), ("online", "kikaku")]


def test_approvers_are_the_departments_own_liaisons_from_renkei_yml(session):
    liaison(session, "U71APPROVED", "shimin", "approved")
    assert approvers(session, department(session, "shimin").id) == ["U01SHIMIN"]


def test_a_pending_request_is_the_users_for_that_department(session):
    shimin, zeimu = department(session, "shimin").id, department(session, "zeimu").id
    session.add_all([RoleRequest(user_id="U60", department_id=shimin), RoleRequest(user_id="U61", department_id=zeimu)])
    session.commit()
    assert pending_request(session, "U60", shimin).user_id == "U60"
    assert pending_request(session, "U60", zeimu) is None and pending_request(session, "U61", shimin) is None


def test_a_role_request_is_read_again_and_only_for_ids_a_database_can_hold(session, database_url):
    shimin = department(session, "shimin").id
    ids = [0, 100, 2**31 - 1] + ([2**31] if database_url.startswith("sqlite") else [])  # PostgreSQL's are int4
    session.add_all([RoleRequest(id=n, user_id=f"U{n}", department_id=shimin) for n in ids])
    session.commit()
    assert get_role_request(session, 0) is None and get_role_request(session, -1) is None
    assert get_role_request(session, 100).user_id == "U100"
    assert get_role_request(session, 2**31 - 1).user_id == f"U{2**31 - 1}"
    assert get_role_request(session, 2**31) is None
    other = make_engine(database_url)  # another process decides the request meanwhile
    with new_session(other) as elsewhere:
        assert decide_request(elsewhere, 100, "U01SHIMIN", approve=False)
    other.dispose()
    assert get_role_request(session, 100).status == "declined"  # not the copy this session holds


def test_a_join_request_goes_to_channels_else_liaisons_else_admins(session):
    shimin = department(session, "shimin").id
    assert join_request_targets(session, shimin) == (["C0", "C3"], True)
    for link in session.exec(select(ProjectDepartment)):
        link.channel_id = None
        session.add(link)
    session.add(Department(slug="kikaku", name="企画課"))
    session.commit()
    assert join_request_targets(session, shimin) == (["U01SHIMIN"], False)
    assert join_request_targets(session, department(session, "kikaku").id) == (["U99ADMIN"], False)


def test_approving_someone_who_became_a_liaison_meanwhile_adds_no_second_role(session):
    fukushi = department(session, "fukushi")
    session.add(RoleRequest(user_id="U02ZEIMU", department_id=fukushi.id))
    session.commit()
    request = pending_request(session, "U02ZEIMU", fukushi.id)
    liaison(session, "U02ZEIMU", "fukushi", "config")  # renkei.yml made them one before anybody approved
    assert decide_request(session, request.id, "U04FUKUSHI", approve=True)
    count = (
        select(func.count())
        .select_from(RoleAssignment)
        .where(RoleAssignment.user_id == "U02ZEIMU", RoleAssignment.department_id == fukushi.id)
    )
    assert session.exec(count).one() == 1


def test_leaving_one_department_keeps_the_others(session):
    liaison(session, "U71APPROVED", "shimin")
    liaison(session, "U71APPROVED", "zeimu")
    assert leave_department(session, "U71APPROVED", department(session, "shimin")) == "left"
    assert grants(session, "U71APPROVED").liaison_of == {department(session, "zeimu").id: "approved"}
    assert leave_department(session, "U01SHIMIN", department(session, "shimin")) == "config"
    assert leave_department(session, "U71APPROVED", department(session, "shimin")) == "not_member"


@pytest.mark.parametrize(
    "user,lead,propose,speak_for_zeimu",
    [
        ("U99ADMIN", True, True, False),  # admins run everything but speak for no department
        ("U10LEAD", True, True, False),  # the project's lead
        ("U11LEAD", False, False, False),  # the other project's lead
        ("U20BOSS", False, True, False),  # a manager proposes, but does not lead the rollout's steps
        ("U02ZEIMU", False, True, True),  # 税務課's liaison speaks for 税務課
        ("U01SHIMIN", False, True, False),  # 市民課's liaison does not
        ("U55NOBODY", False, False, False),
    ],
)
def test_the_rollouts_steps_are_led_by_leads_proposed_by_members_answered_by_the_departments_liaisons(
    session, user, lead, propose, speak_for_zeimu
):
    moving, zeimu = project(session, "moving").id, department(session, "zeimu").id
    assert may(session, user, Action.LEAD_PROJECT, project_id=moving) is lead
    assert may(session, user, Action.PROPOSE, project_id=moving) is propose
    assert may(session, user, Action.SPEAK_FOR_DEPARTMENT, project_id=moving, department_id=zeimu) is speak_for_zeimu
