"""The 振り返り family's own rules (commands/retro.py), written against mutants that survived the suite: whose month it
is in the office's time zone, which questions are asked, what the form says, and what a button or form naming
something that is not there is told. Called directly, with a real database."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands import retro
from storage.models import Department, Project

T = Translator("ja")
TOKYO = ZoneInfo("Asia/Tokyo")
DECEMBER_FIRST = dt.datetime(2026, 12, 1, 8, 0, tzinfo=TOKYO)  # still November 30 in UTC


@pytest.fixture
def place(synced):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        return synced, project.id, shimin.id


def ctx(services, session, user="U01SHIMIN"):
    return services.context(session, user_id=user, channel_id=None)


def text_of(reply) -> str:
    return reply.reply.text if hasattr(reply, "reply") else reply.text


def test_rule_the_month_is_the_offices_not_utcs(place):
    """On a machine whose clock is UTC (time_machine keeps the machine's zone for a UTC moment; a ZoneInfo moment
    would move it to Tokyo too, and hide the rule), 08:00 on December 1st in Tokyo is December."""
    services, _, _ = place
    with time_machine.travel(DECEMBER_FIRST.astimezone(dt.timezone.utc), tick=False), services.session() as session:
        assert retro.this_month(ctx(services, session)) == dt.date(2026, 12, 1)


def test_rule_the_form_asks_the_projects_questions_and_names_the_department_and_month(place, monkeypatch):
    services, project_id, shimin_id = place
    spec = services.project_file.projects[0]
    operation = spec.operation.model_copy(update={"questions": ["窓口で変わったこと"]})
    monkeypatch.setattr(
        services,
        "project_file",
        services.project_file.model_copy(update={"projects": [spec.model_copy(update={"operation": operation})]}),
    )
    with time_machine.travel(DECEMBER_FIRST, tick=False), services.session() as session:
        pressed = retro.press_answer(ctx(services, session), f"{project_id}:{shimin_id}:2026-12")
    view = pressed.modal
    texts = json.dumps(view["blocks"], ensure_ascii=False)
    assert "窓口で変わったこと" in texts and "住民や職員にとって良くなったこと" not in texts
    assert "市民課" in texts and "12月" in texts
    assert json.loads(view["private_metadata"])["questions"] == ["窓口で変わったこと"]


def test_rule_a_project_not_in_renkei_yml_asks_the_default_questions(place):
    services, project_id, _ = place
    with services.session() as session:
        project = session.get(Project, project_id)
        project.slug = "gone"
        assert retro.questions_of(ctx(services, session), project) == ["better", "hurts"]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("999:{d}:2026-12", "retro.not_found"),  # no such project
        ("{p}:999:2026-12", "retro.not_found"),  # no such department
        ("{p}:{d}:2026-11", "retro.month_over"),  # last month's button
        ("{p}:{d}:2026-12:x", "retro.not_found"),  # not a value the prompt writes
    ],
)
def test_rule_a_button_naming_what_is_not_there_says_why_and_opens_nothing(place, value, why):
    services, project_id, shimin_id = place
    with time_machine.travel(DECEMBER_FIRST, tick=False), services.session() as session:
        pressed = retro.press_answer(ctx(services, session), value.format(p=project_id, d=shimin_id))
    assert pressed.modal is None
    expected = T(why, month=11) if why == "retro.month_over" else T(why)
    assert pressed.reply.text == expected
    if why == "retro.month_over":
        assert "11" in expected


def test_rule_a_department_outside_the_project_is_not_found(place):
    services, project_id, _ = place
    with services.session() as session:
        other = Department(slug="kouhou", name="広報課")
        session.add(other)
        session.commit()
        other_id = other.id
    with time_machine.travel(DECEMBER_FIRST, tick=False), services.session() as session:
        pressed = retro.press_answer(ctx(services, session), f"{project_id}:{other_id}:2026-12")
    assert pressed.reply.text == T("retro.not_found")


@pytest.mark.parametrize("missing", ["project_id", "department_id"])
def test_rule_a_form_without_its_project_or_department_is_not_found(place, missing):
    services, project_id, shimin_id = place
    metadata = {"project_id": project_id, "department_id": shimin_id, "month": "2026-12", "questions": ["better"]}
    del metadata[missing]
    values = {"q0": {"value": {"type": "plain_text_input", "value": "待ち時間が減った"}}}
    view = {"private_metadata": json.dumps(metadata), "state": {"values": values}}
    with time_machine.travel(DECEMBER_FIRST, tick=False), services.session() as session:
        reply = retro.submit(ctx(services, session), view)
    assert reply.text == T("retro.not_found")


def test_rule_answers_are_shared_one_question_a_line_with_its_label():
    assert retro.answer_text(T, {"better": "待ち時間が減った", "hurts": "", "窓口": "a<b"}) == (
        "*住民や職員にとって良くなったこと*: 待ち時間が減った\n*窓口*: a&lt;b"
    )


@pytest.mark.parametrize(("metadata", "expected"), [({"project_id": "x"}, T("retro.not_found")), ({"month": "今月"}, None)])
def test_rule_a_form_with_a_project_that_is_no_number_or_a_month_that_is_no_month_says_why(place, metadata, expected):
    services, project_id, shimin_id = place
    meta = {"project_id": project_id, "department_id": shimin_id, "month": "2026-12", "questions": ["better"]} | metadata
    values = {"q0": {"value": {"type": "plain_text_input", "value": "待ち時間が減った"}}}
    view = {"private_metadata": json.dumps(meta), "state": {"values": values}}
    with time_machine.travel(DECEMBER_FIRST, tick=False), services.session() as session:
        reply = retro.submit(ctx(services, session), view)
    assert reply.text == (expected or T("retro.month_over", month="?"))


def test_rule_the_prompt_is_its_text_and_the_answer_button_and_the_form_remembers_its_channel(place):
    services, project_id, shimin_id = place
    with services.session() as session:
        project, department = session.get(Project, project_id), session.get(Department, shimin_id)
        text, blocks = retro.prompt(T, project=project, department=department, month=dt.date(2026, 12, 1))
        assert (
            blocks[0]["text"]["text"] == text
            and T("retro.prompt", project="引越しワンストップ化", department="市民課", month=12) == text
        )
        [button] = blocks[1]["elements"]
        assert (button["action_id"], button["value"], button["style"]) == (
            retro.ANSWER_BUTTON,
            f"{project_id}:{shimin_id}:2026-12",
            "primary",
        )
    with time_machine.travel(DECEMBER_FIRST, tick=False), services.session() as session:
        c = services.context(session, user_id="U01SHIMIN", channel_id="C0SHIMIN")
        view = retro.press_answer(c, f"{project_id}:{shimin_id}:2026-12").modal
    assert json.loads(view["private_metadata"])["channel_id"] == "C0SHIMIN"


def test_rule_an_answer_goes_in_the_prompts_thread_when_the_prompt_was_sent_else_in_the_channel(place, fakeslack):
    from storage.directory import department_channel

    services, project_id, shimin_id = place
    with services.session() as session:
        project, department = session.get(Project, project_id), session.get(Department, shimin_id)
        channel = department_channel(session, project_id, shimin_id)
        c = ctx(services, session)
        retro.share(
            c,
            project=project,
            department=department,
            month=dt.date(2026, 11, 1),
            row_id=1,
            answers={"better": "a"},
            updated=False,
        )
        prompt = services.gateway.post_message(
            key=f"{retro.prompt_key(project, dt.date(2026, 12, 1))}:{channel}", channel=channel, text="prompt"
        )
        retro.share(
            c,
            project=project,
            department=department,
            month=dt.date(2026, 12, 1),
            row_id=2,
            answers={"better": "b"},
            updated=False,
        )
    posts = [call.params for call in fakeslack.calls_to("chat.postMessage", ok_only=True) if call.params["channel"] == channel]
    first, _prompt, second = posts
    assert "thread_ts" not in first and second["thread_ts"] == prompt.response["ts"]
