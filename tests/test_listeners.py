"""The Bolt listeners one by one (fake ack, respond and context), the one error path, and follow-ups after the ack."""

from __future__ import annotations

import json
import logging

import pytest
from slack_bolt import BoltContext
from sqlmodel import select

from bot import dispatch, interactions
from bot.app import create_app
from bot.gateway import JOB_ATTEMPTS
from bot.i18n import Translator
from bot.listeners import app_events, app_home, buttons_and_forms, slash_commands
from commands.base import CommandContext, Reply
from commands.buttons import Pressed
from commands.issue_blocks import FIELDS, IT_TAKE, TAKE
from commands.issue_blocks import MODAL_CALLBACK as ISSUE_FORM
from commands.later import job, later
from storage.models import Department, Issue, Project
from tests.conftest import (
    channel_id,
    click,
    new_trigger_id,
    post_interaction,
    post_slash,
    wait_for,
)

T = Translator("ja")
FAILED = T("command.failed")


class Fake:
    """Bolt's ack and respond, recording what they were given."""

    def __init__(self) -> None:
        self.acks: list[dict] = []
        self.responds: list[dict] = []

    def ack(self, *args, **kwargs) -> None:
        self.acks.append({"text": args[0], **kwargs} if args else kwargs)

    def respond(self, *args, **kwargs) -> None:
        self.responds.append({"text": args[0], **kwargs} if args else kwargs)

    def texts(self) -> list[str]:
        return [r.get("text") for r in self.responds]


def context(services) -> BoltContext:
    """What the global middleware leaves in Bolt's context for every listener."""
    return BoltContext({"services": services})


def command(name: str, text: str, *, user: str = "U01SHIMIN", channel: str | None = None) -> dict:
    return {
        "command": name,
        "text": text,
        "user_id": user,
        "channel_id": channel,
        "trigger_id": new_trigger_id(),
        "response_url": "https://hooks.slack.test/commands/1",
    }


def run_command(services, name: str, text: str, **kwargs) -> Fake:
    said = Fake()
    slash_commands.on_command(
        ack=said.ack, respond=said.respond, command=command(name, text, **kwargs), context=context(services)
    )
    return said


def run_button(
    services,
    action_id: str,
    value: str,
    *,
    user: str = "U01SHIMIN",
    channel: str | None = None,
    response_url: str | None = "https://hooks.slack.test/actions/1",
) -> Fake:
    said = Fake()
    body = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel} if channel else None,
        "trigger_id": new_trigger_id(),
        **({"response_url": response_url} if response_url else {}),
    }
    action = {"action_id": action_id, "value": value}
    buttons_and_forms.on_button(ack=said.ack, body=body, action=action, respond=said.respond, context=context(services))
    return said


def run_form(services, view: dict, *, user: str = "U01SHIMIN") -> Fake:
    said = Fake()
    buttons_and_forms.on_submit(
        ack=said.ack, body={"type": "view_submission", "user": {"id": user}, "view": view}, view=view, context=context(services)
    )
    return said


def issue_form(services, title: str = "窓口端末の更新時期", *, view_id: str = "V100") -> dict:
    with services.session() as session:
        project = session.exec(select(Project)).first()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
    values = {
        FIELDS["title"]: {"value": {"type": "plain_text_input", "value": title}},
        FIELDS["body"]: {"value": {"type": "plain_text_input", "value": ""}},
        FIELDS["department"]: {"value": {"type": "static_select", "selected_option": {"value": str(shimin.id)}}},
        FIELDS["waiting_on"]: {"value": {"type": "static_select", "selected_option": None}},
        FIELDS["severity"]: {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
        FIELDS["due"]: {"value": {"type": "datepicker", "selected_date": None}},
    }
    return {
        "id": view_id,
        "type": "modal",
        "hash": "h1",
        "callback_id": ISSUE_FORM,
        "state": {"values": values},
        "private_metadata": json.dumps({"project_id": project.id, "channel_id": None}),
    }


def posts(fakeslack, channel: str) -> list[dict]:
    return [c.params for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params.get("channel") == channel]


def dms(fakeslack, user: str) -> list[str]:
    return [p["text"] for p in posts(fakeslack, user)]


def boom(*args, **kwargs):
    raise RuntimeError("boom: the command function broke")


def has_traceback(caplog, what: str) -> bool:
    return (
        f"Failed to answer {what}" in caplog.text
        and "Traceback (most recent call last)" in caplog.text
        and "RuntimeError: boom" in caplog.text
    )


@pytest.fixture
def world(synced):
    """The sample project with its channels made in fakeslack."""
    return synced


def file_issue(services, fakeslack, title: str = "転出データの連携仕様が決まらない") -> Fake:
    return run_command(services, "/issue", title, channel=channel_id(fakeslack, "moving-shimin"))


# --- listeners alone: module-level functions, services from Bolt's context --------------------------------------


def test_every_listener_is_a_module_level_function(services):
    app = create_app(services)
    functions = {listener.ack_function for listener in app._listeners}
    assert functions == {
        slash_commands.on_command,
        buttons_and_forms.on_button,
        buttons_and_forms.on_submit,
        app_home.publish_home,
        app_events.on_access_lost,
    }
    assert all("<locals>" not in f.__qualname__ for f in functions)


def test_a_command_listener_acks_then_its_follow_up_posts_with_a_fresh_context(world, fakeslack):
    shimin = channel_id(fakeslack, "moving-shimin")
    said = file_issue(world, fakeslack)
    [ack] = said.acks
    assert "*#1*" in ack["text"] and ack["response_type"] == "ephemeral"
    [card] = posts(fakeslack, shimin)  # the follow-up, after the ack
    assert "転出データの連携仕様が決まらない" in card["text"] and said.responds == []


def test_a_button_listener_answers_the_presser_and_replaces_the_card(world, fakeslack):
    file_issue(world, fakeslack)
    said = run_button(world, TAKE, "1", channel=channel_id(fakeslack, "moving-shimin"))
    assert said.acks == [{}]
    reply, card = said.responds
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False and "#1" in reply["text"]
    assert card["replace_original"] is True and "対応中" in str(card["blocks"])


def test_a_button_without_a_response_url_answers_by_dm(world, fakeslack):
    file_issue(world, fakeslack)
    said = run_button(world, TAKE, "1", response_url=None)
    assert said.acks == [{}] and said.responds == []
    [text] = dms(fakeslack, "U01SHIMIN")
    assert "#1" in text


def test_a_form_listener_acks_and_answers_by_dm(world, fakeslack):
    said = run_form(world, issue_form(world))
    assert said.acks == [{}]
    [text] = dms(fakeslack, "U01SHIMIN")
    assert "窓口端末の更新時期" in text
    with world.session() as session:
        assert session.get(Issue, 1).title == "窓口端末の更新時期"


def test_the_home_listener_publishes_the_users_view(world, fakeslack):
    app_home.publish_home(event={"type": "app_home_opened", "user": "U01SHIMIN", "tab": "home"}, context=context(world))
    [published] = fakeslack.calls_to("views.publish")
    assert published.params["user_id"] == "U01SHIMIN"


SEEN: list[CommandContext] = []


@job
def remember_context(ctx: CommandContext, project: int) -> Reply:
    SEEN.append(ctx)
    return Reply(text=str(ctx.session.get(Project, project).name))


@job
def boom_later(ctx: CommandContext) -> None:
    raise RuntimeError("boom")


def test_a_follow_up_gets_a_context_built_by_the_services(world):
    SEEN.clear()
    reply = Reply(text="now", followup=later(remember_context, project=1))
    said = world.follow_up(reply, user_id="U02ZEIMU", channel_id="C0ZEIMU")
    [ctx] = SEEN
    assert (ctx.user_id, ctx.channel_id) == ("U02ZEIMU", "C0ZEIMU")
    assert ctx.timezone == world.project_file.timezone and ctx.project_file is world.project_file
    assert ctx.slack is world.gateway and ctx.calendar is world.calendar
    assert ctx.reports_dir == world.settings.renkei_reports_dir and said.text


# --- nothing talks to Slack before the ack ------------------------------------------------------------------------


def escalated(services, fakeslack) -> None:
    file_issue(services, fakeslack)
    run_command(services, "/issue", "escalate 1")
    with services.session() as session:
        assert session.get(Issue, 1).escalated


def test_an_it_answer_is_sent_to_the_reporter_only_after_the_ack(world, fakeslack):
    escalated(world, fakeslack)
    calls_at_ack: list[int] = []
    before = len(fakeslack.calls)
    said = Fake()

    def ack(**kwargs) -> None:
        calls_at_ack.append(len(fakeslack.calls))
        said.ack(**kwargs)

    slash_commands.on_command(
        ack=ack,
        respond=said.respond,
        command=command("/issue", "answer 1 連携項目を追加しました", user="U09IT"),
        context=context(world),
    )
    assert "#1" in said.acks[0]["text"] and calls_at_ack == [before]  # the command itself sent nothing
    assert any("連携項目を追加しました" in text for text in dms(fakeslack, "U01SHIMIN"))


def test_it_take_tells_the_reporter_in_the_follow_up(world, fakeslack):
    escalated(world, fakeslack)
    before = len(fakeslack.calls)
    pressed = interactions.press(world, user_id="U09IT", channel_id=None, action_id=IT_TAKE, value="1")
    assert len(fakeslack.calls) == before and pressed.reply.followup is not None
    world.follow_up(pressed.reply, user_id="U09IT", channel_id=None)
    assert any("<@U09IT>" in text for text in dms(fakeslack, "U01SHIMIN"))


# --- the one error path: a failure reaches the person, the traceback the log --------------------------------------


def test_a_command_whose_function_raises_answers_the_failure_sentence(world, monkeypatch, caplog):
    monkeypatch.setitem(dispatch.COMMANDS, "/win", boom)
    with caplog.at_level(logging.ERROR):
        said = run_command(world, "/win", "窓口の待ち時間が半分になった")
    assert said.acks == [{"response_type": "ephemeral", "text": FAILED}]
    assert has_traceback(caplog, "/win")


def test_a_button_whose_function_raises_answers_the_failure_sentence(world, fakeslack, monkeypatch, caplog):
    monkeypatch.setitem(interactions.BUTTONS, TAKE, boom)
    with caplog.at_level(logging.ERROR):
        said = run_button(world, TAKE, "1")
    assert said.acks == [{}] and said.texts() == [FAILED] and said.responds[0]["response_type"] == "ephemeral"
    assert has_traceback(caplog, TAKE)
    with caplog.at_level(logging.ERROR):  # without a response_url: a DM
        said = run_button(world, TAKE, "1", response_url=None)
    assert said.responds == [] and dms(fakeslack, "U01SHIMIN") == [FAILED]


def test_a_buttons_follow_up_that_raises_still_reaches_the_presser(world, fakeslack, monkeypatch, caplog):
    """A follow-up that keeps failing is tried JOB_ATTEMPTS times, then given up on, and the presser told by DM."""
    failing = Reply(text="受け付けました", followup=later(boom_later))
    monkeypatch.setitem(interactions.BUTTONS, TAKE, lambda ctx, value: Pressed(reply=failing))
    with caplog.at_level(logging.ERROR):
        said = run_button(world, TAKE, "1")
    assert said.texts() == ["受け付けました"] and dms(fakeslack, "U01SHIMIN") == [FAILED]
    assert "The follow-up later:button:" in caplog.text and caplog.text.count("RuntimeError: boom") == JOB_ATTEMPTS


def test_a_form_whose_function_raises_closes_and_sends_the_failure_sentence(world, fakeslack, monkeypatch, caplog):
    monkeypatch.setitem(interactions.FORMS, ISSUE_FORM, interactions.Form(boom))
    with caplog.at_level(logging.ERROR):
        said = run_form(world, issue_form(world))
    assert said.acks == [{}]
    assert dms(fakeslack, "U01SHIMIN") == [FAILED]
    assert has_traceback(caplog, ISSUE_FORM)


def test_a_forms_follow_up_that_raises_still_reaches_the_user(world, fakeslack, monkeypatch, caplog):
    monkeypatch.setitem(
        interactions.FORMS,
        ISSUE_FORM,
        interactions.Form(lambda ctx, view: Reply(text="登録しました", followup=later(boom_later))),
    )
    with caplog.at_level(logging.ERROR):
        said = run_form(world, issue_form(world))
    assert said.acks == [{}]
    assert dms(fakeslack, "U01SHIMIN") == ["登録しました", FAILED]
    assert "The follow-up later:form:" in caplog.text and caplog.text.count("RuntimeError: boom") == JOB_ATTEMPTS


def test_the_console_shows_the_failure_sentence_too(world, monkeypatch, caplog):
    monkeypatch.setitem(dispatch.COMMANDS, "/win", boom)
    said = Fake()
    with caplog.at_level(logging.ERROR):
        interactions.slash(
            world,
            user_id="U01SHIMIN",
            channel_id=None,
            command="/win",
            text="x",
            trigger_id="console",
            ack=said.ack,
            respond=said.respond,
        )
    assert said.acks == [{"response_type": "ephemeral", "text": FAILED}]


# --- the app's error handler: what no listener answered, through the real app ---------------------------------


@pytest.fixture
def app(synced, http_app):
    return http_app


def test_a_command_failing_outside_the_wrapper_is_answered_in_the_ack(app, fakeslack, monkeypatch, caplog):
    monkeypatch.setattr(slash_commands, "request_key", boom)
    with caplog.at_level(logging.ERROR):
        response = post_slash(app, "/win", "窓口の待ち時間が半分になった", response_url=fakeslack.response_url)
    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": FAILED}
    assert has_traceback(caplog, "/win")


def test_a_button_failing_outside_the_wrapper_is_answered_through_its_response_url(app, fakeslack, monkeypatch, caplog):
    monkeypatch.setattr(interactions, "button", boom)
    with caplog.at_level(logging.ERROR):
        response = click(
            app, TAKE, "1", user="U01SHIMIN", channel=channel_id(fakeslack, "moving-shimin"), response_url=fakeslack.response_url
        )
        assert response.status_code == 200
        wait_for(lambda: fakeslack.calls_to("response_url"))
    [told] = fakeslack.calls_to("response_url")
    assert told.params["text"] == FAILED and told.params["response_type"] == "ephemeral"
    assert has_traceback(caplog, TAKE)


def test_a_form_failing_outside_the_wrapper_closes_and_sends_a_dm(app, synced, fakeslack, monkeypatch, caplog):
    monkeypatch.setattr(buttons_and_forms, "request_key", boom)
    view = issue_form(synced, view_id="V200")
    with caplog.at_level(logging.ERROR):
        response = post_interaction(
            app,
            {
                "type": "view_submission",
                "team": {"id": "T000TEST"},
                "api_app_id": "A000TEST",
                "user": {"id": "U01SHIMIN"},
                "view": view,
            },
        )
        assert response.status_code == 200 and response.text == ""
        wait_for(lambda: dms(fakeslack, "U01SHIMIN"))
    assert dms(fakeslack, "U01SHIMIN") == [FAILED]
    assert has_traceback(caplog, ISSUE_FORM)
