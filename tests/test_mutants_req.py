"""The requirements family's own rules (commands/req.py), written against mutants that survived the suite: `/req
list` and `/req show` — what a wrong request is told, the titles, the disagreement marker — the form's project and
department checks, and a rating press answering and redrawing the card. Called directly, with a real database."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.i18n import Translator
from commands import req
from storage.directory import department_channel
from storage.models import Department, Project, Requirement
from storage.requirements import AGREED, create_requirement, decide, rate

T = Translator("ja")
USAGE = T("req.usage")


@pytest.fixture
def world(synced):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        departments = {d.slug: d for d in session.exec(select(Department))}
        zeimu_channel = department_channel(session, project.id, departments["zeimu"].id)
        return synced, project.id, {slug: d.id for slug, d in departments.items()}, zeimu_channel


def run(services, text: str, user: str = "U02ZEIMU", channel: str | None = None):
    with services.session() as session:
        return req.handle(services.context(session, user_id=user, channel_id=channel), text)


def proposed(services, project_id: int, department_id: int, text: str) -> Requirement:
    with services.session() as session:
        return create_requirement(
            session, project_id=project_id, department_id=department_id, proposed_by="U02ZEIMU", text=text, effect="手入力"
        )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("list 合意 保留", T("req.problem_list")),
        ("show", T("req.problem_number")),
        ("show 1 2", T("req.problem_number")),
        ("show x", T("req.problem_number")),
    ],
)
def test_rule_a_list_or_show_written_wrong_says_what_and_how(world, text, problem):
    services, *_ = world
    assert run(services, text).text == f"{problem}\n{USAGE}"


def test_rule_an_empty_list_says_so_under_its_title(world):
    services, *_ = world
    assert run(services, "list").text == f"{T('req.list_title', status='提案')}\n{T('req.list_empty')}"
    assert run(services, "list all").text == f"{T('req.list_title', status=T('req.status_all'))}\n{T('req.list_empty')}"


def test_rule_only_a_proposed_requirement_with_disagreeing_ratings_is_marked(world):
    services, project_id, ids, _ = world
    first = proposed(services, project_id, ids["zeimu"], "転出届の内容を共有する")
    second = proposed(services, project_id, ids["zeimu"], "住所変更を自動で反映する")
    with services.session() as session:
        for requirement in (first, second):
            requirement = session.get(Requirement, requirement.id)
            rate(session, requirement, department_id=ids["zeimu"], user_id="U02ZEIMU", rating="required")
            rate(session, requirement, department_id=ids["fukushi"], user_id="U04FUKUSHI", rating="not_needed")
        assert decide(session, session.get(Requirement, second.id), status=AGREED, reason="全体で合意", user_id="U10LEAD")
    listed = run(services, "list all")
    lines = listed.text.split("\n")
    assert lines[0] == T("req.list_title", status=T("req.status_all"))
    [one] = [line for line in lines if "転出届" in line]
    [two] = [line for line in lines if "住所変更" in line]
    assert one.endswith(T("req.list_disagree")) and not two.endswith(T("req.list_disagree"))
    assert "税務課" in one and listed.blocks


def test_rule_show_titles_the_requirement_and_names_who_proposed_it(world):
    services, project_id, ids, _ = world
    requirement = proposed(services, project_id, ids["zeimu"], "転出届の内容を共有する")
    lines = run(services, f"show {requirement.id}").text.split("\n")
    assert lines[0] == T("req.show_title", number=requirement.id, status="提案")
    assert lines[3].startswith("提案: 税務課・鈴木 一郎（")
    assert run(services, f"show {requirement.id}", user="U77OUT").text == T("req.not_visible", number=requirement.id)


def form(project_id, department_id=None) -> dict:
    meta = {"project_id": project_id} | ({"department_id": department_id} if department_id else {})
    values = {
        req.TEXT_FIELD: {"value": {"type": "plain_text_input", "value": "転出届の内容を共有する"}},
        req.EFFECT_FIELD: {"value": {"type": "plain_text_input", "value": "手入力が続く"}},
    }
    return {"private_metadata": json.dumps(meta), "state": {"values": values}}


def submitted(services, view, user="U02ZEIMU"):
    with services.session() as session:
        return req.submit(services.context(session, user_id=user, channel_id=None), view)


def test_rule_a_form_for_no_project_or_a_department_outside_it_stores_nothing(world):
    services, project_id, ids, _ = world
    with services.session() as session:
        outside = Department(slug="kouhou", name="広報課")
        session.add(outside)
        session.commit()
        outside_id = outside.id
    assert submitted(services, form(999, ids["zeimu"])).text == T("req.form_gone")
    assert submitted(services, form(project_id, outside_id)).text == T("req.form_gone")
    with services.session() as session:
        assert session.exec(select(Requirement)).all() == []


def test_rule_a_form_names_its_department_and_the_requirement_is_that_departments(world):
    services, project_id, ids, _ = world
    reply = submitted(services, form(project_id, ids["zeimu"]))
    assert "要件 #1" in reply.text
    with services.session() as session:
        [stored] = session.exec(select(Requirement)).all()
        assert stored.department_id == ids["zeimu"]
    refused = submitted(services, form(project_id, ids["fukushi"]))  # 税務課's liaison cannot propose for 福祉課
    assert refused.text == T("req.propose_not_for", department="福祉課")


def test_rule_a_rating_press_answers_the_presser_and_redraws_the_card(world):
    services, project_id, ids, zeimu_channel = world
    requirement = proposed(services, project_id, ids["zeimu"], "転出届の内容を共有する")
    with services.session() as session:
        pressed = req.rate_pressed(
            "required", services.context(session, user_id="U02ZEIMU", channel_id=zeimu_channel), str(requirement.id)
        )
    assert pressed.reply is not None and "必須" in pressed.reply.text
    text, _blocks = pressed.replace
    assert "税務課" in text and "必須" in text


def test_rule_a_rating_that_loses_the_race_to_a_decision_is_told_so_and_stores_nothing(world):
    """The press read the requirement as proposed; a lead agreed before the rating was written (issue 22, point 4):
    the rating is one conditional write, so it is not stored, and the presser is told it was decided."""
    from storage.models import RequirementRating
    from storage.requirements import NotOpen

    services, project_id, ids, zeimu_channel = world
    requirement = proposed(services, project_id, ids["zeimu"], "転出届の内容を共有する")
    with services.session() as pressing, services.session() as lead:
        seen = pressing.get(Requirement, requirement.id)  # read as proposed by the press
        assert decide(lead, lead.get(Requirement, requirement.id), status=AGREED, reason="全体で合意", user_id="U10LEAD")
        with pytest.raises(NotOpen):
            rate(pressing, seen, department_id=ids["zeimu"], user_id="U02ZEIMU", rating="required")
        assert pressing.exec(select(RequirementRating)).all() == []
        assert seen.status == AGREED  # the press's copy now shows the decision
    with services.session() as session:
        ctx = services.context(session, user_id="U02ZEIMU", channel_id=zeimu_channel)
        told = req.rate_here(ctx, requirement.id, "required").text
    assert told.startswith(T("req.already_decided", number=requirement.id))
