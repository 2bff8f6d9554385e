"""Adding a command family touches its own files only: no registry lists families, commands, buttons, forms or kinds.

A whole family, `/handover` (引き継ぎ: the command opens a form, a weekly reminder in the leads channel carries a
button opening the same form), is made here of what its new files would hold: the family module (what
`commands/handover.py` would be), the job module (`reminders/jobs/handover.py`), a manifest with its
`slash_commands` entry, and its catalog keys. They are put where discovery looks — the manifest file that
commands.families reads, `sys.modules` under the modules' real names, the package listing pkgutil gives
reminders.jobs, the catalogs — and the registries are then derived exactly as each module derives them at import
(`test_the_registries_are_what_discovery_derives` holds that). No table of bot/, commands/ or reminders/ is edited:
the command is dispatched, listed in `/renkei help`, registered by the listeners, its button and form are routed
(through the input gate), and its job is derived, described, scheduled and fired exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import pkgutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from apscheduler.triggers.cron import CronTrigger

from bot import dispatch, interactions
from bot.i18n import Translator, catalog
from bot.listeners import buttons_and_forms, slash_commands
from bot.resources import manifest_path
from bot.scheduler import add_jobs, make_scheduler
from commands import families, renkei
from commands.base import CommandContext, Reply, escape
from commands.blocks import MODAL_TITLE, actions, button, message, plain, section, view_blocks
from commands.buttons import Form, Pressed
from commands.families import FamilyError, all_buttons, all_forms, family_names
from commands.suggest import fold
from reminders import firing, jobs
from reminders.firing import FiringResult, fire, job_specs
from reminders.jobs.base import JobSpec, project_row, same_local_day
from storage.privacy import my_number_check_digit
from tests.conftest import channel_id
from tests.manifest_rules import manifest_problems
from tests.test_context import context

TOKYO = ZoneInfo("Asia/Tokyo")


def module(name: str, **attributes: Any) -> ModuleType:
    """A module named `name` holding `attributes`: what the file of that name would define."""
    made = ModuleType(name)
    made.__dict__.update(attributes)
    return made


# --- commands/handover.py: the family module ----------------------------------------------------------------

OPEN_BUTTON, MODAL_CALLBACK, NOTE = "handover_open", "handover_modal", "handover_note"


def handover_form(t, *, channel_id: str | None) -> dict[str, Any]:
    field = {
        "type": "input",
        "block_id": NOTE,
        "label": plain(t("handover.label")),
        "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
    }
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(t("handover.title"), MODAL_TITLE),
        "submit": plain(t("handover.submit"), MODAL_TITLE),
        "private_metadata": json.dumps({"channel_id": channel_id}),
        "blocks": view_blocks([field], t=t),
    }


def handle(ctx: CommandContext, text: str) -> Reply:
    if not text.strip():
        return Reply(text=ctx.t("issue.modal_only_in_slack"), modal=handover_form(ctx.t, channel_id=ctx.channel_id))
    if fold(text.strip()) in ("list", "一覧"):
        return Reply(text=ctx.t("handover.none"))
    return Reply(text=ctx.t("handover.usage"))


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    note = (view["state"]["values"][NOTE]["value"].get("value") or "").strip()
    if not note:
        return {NOTE: ctx.t("handover.empty")}
    return Reply(text=ctx.t("handover.saved", note=escape(note)))


def form_channel(view: dict[str, Any]) -> str | None:
    return json.loads(view.get("private_metadata") or "{}").get("channel_id")


def press_open(ctx: CommandContext, value: str) -> Pressed:
    return Pressed(modal=handover_form(ctx.t, channel_id=ctx.channel_id))


def prompt(t, *, project_id: int) -> tuple[str, list[dict[str, Any]]]:
    text = t("handover.prompt")
    return text, message(section(text), actions(button(t("handover.button"), OPEN_BUTTON, value=str(project_id))), t=t)


FAMILY = module(
    "commands.handover",
    handle=handle,
    prompt=prompt,
    WORDS=("list", "一覧"),
    BUTTONS={OPEN_BUTTON: press_open},
    FORMS={MODAL_CALLBACK: Form(submit, channel=form_channel)},
)

# --- reminders/jobs/handover.py: the job module --------------------------------------------------------------


def specs(project_file, project, meetings, calendar) -> list[JobSpec]:
    trigger = CronTrigger(day_of_week="fri", hour=15, timezone=ZoneInfo(project_file.timezone))
    return [JobSpec(f"handover:{project.slug}", "handover", project.slug, trigger)]


def run(services, spec: JobSpec, scheduled: dt.datetime) -> FiringResult:
    with services.session() as session:
        project = project_row(session, spec.project)
        leads, project_id = project.leads_channel_id, project.id
    text, blocks = prompt(services.translator(), project_id=project_id)
    outcome = services.gateway.post_message(
        key=f"{spec.id}@{scheduled.isoformat()}:{leads}", channel=leads, text=text, blocks=blocks
    )
    return FiringResult("delivered", scheduled, int(outcome.status != "failed"))


def still_useful(spec: JobSpec, scheduled: dt.datetime, now: dt.datetime, timezone: str) -> bool:
    return same_local_day(scheduled, now, timezone)


def describe(t, spec: JobSpec) -> str:
    return t("jobs.what_handover")


JOB = module(
    "reminders.jobs.handover", KIND="handover", ORDER=55, specs=specs, run=run, still_useful=still_useful, describe=describe
)  # ORDER 55: after report (50), before aging (60)

# --- manifest.yml and bot/locales/*.yml: its entry and its keys -------------------------------------------------

MANIFEST_ENTRY = {"command": "/handover", "description": "担当の引き継ぎを記録する", "usage_hint": "[list]"}
KEYS = {
    "ja": {
        "help.handover": "`/handover` 引き継ぎの記録 · `/handover list` 記録の一覧",
        "handover.usage": "使い方: `/handover [list]`",
        "handover.none": "引き継ぎの記録はまだありません",
        "handover.title": "引き継ぎ",
        "handover.label": "引き継ぐこと",
        "handover.submit": "記録する",
        "handover.empty": "引き継ぐことを書いてください",
        "handover.saved": "引き継ぎを記録しました: {note}",
        "handover.prompt": "今週の引き継ぎを記録してください",
        "handover.button": "記録する",
        "jobs.what_handover": "引き継ぎの依頼（週次）",
    },
    "en": {
        "help.handover": "`/handover` record a handover · `/handover list` the handovers",
        "handover.usage": "Usage: `/handover [list]`",
        "handover.none": "No handover yet",
        "handover.title": "Handover",
        "handover.label": "What to hand over",
        "handover.submit": "Record",
        "handover.empty": "Write what to hand over",
        "handover.saved": "Handover recorded: {note}",
        "handover.prompt": "Please record this week's handover",
        "handover.button": "Record",
        "jobs.what_handover": "handover request (weekly)",
    },
}


@pytest.fixture
def handover(monkeypatch, tmp_path, request):
    """The family's files where discovery finds them, and the registries derived again as at import (all undone)."""
    request.addfinalizer(families.manifest_commands.cache_clear)  # before the manifest is read: even if setup fails
    data = yaml.safe_load(manifest_path().read_text(encoding="utf-8"))
    data["features"]["slash_commands"].append(MANIFEST_ENTRY)
    assert manifest_problems(data) == []  # Slack would accept the manifest with the new command
    manifest = tmp_path / "manifest.yml"
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(families, "manifest_file", lambda: manifest)
    families.manifest_commands.cache_clear()

    monkeypatch.setitem(sys.modules, FAMILY.__name__, FAMILY)
    monkeypatch.setitem(sys.modules, JOB.__name__, JOB)
    listing = pkgutil.iter_modules

    def iter_modules(path=None, prefix=""):  # reminders/jobs/ as if it held handover.py
        yield from listing(path, prefix)
        if path is not None and list(path) == list(jobs.__path__):
            yield pkgutil.ModuleInfo(None, f"{prefix}handover", False)

    monkeypatch.setattr(pkgutil, "iter_modules", iter_modules)
    for lang, keys in KEYS.items():
        for key, sentence in keys.items():
            monkeypatch.setitem(catalog(lang), key, sentence)

    monkeypatch.setattr(dispatch, "COMMANDS", dispatch.derive_commands())  # what bot.dispatch does at import
    monkeypatch.setattr(interactions, "BUTTONS", all_buttons())  # what bot.interactions does at import
    monkeypatch.setattr(interactions, "FORMS", all_forms())
    monkeypatch.setattr(jobs, "KINDS", jobs.discover())  # what reminders.jobs does at import


class Said:
    """Bolt's ack and respond, recording what they were given."""

    def __init__(self) -> None:
        self.acks: list[dict] = []
        self.responds: list[dict] = []

    def ack(self, **kwargs) -> None:
        self.acks.append(kwargs)

    def respond(self, **kwargs) -> None:
        self.responds.append(kwargs)


class Registered:
    """A Bolt app that only records what the listeners register."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.actions: list[str] = []
        self.views: list[str] = []

    def command(self, name):
        self.commands.append(name)
        return lambda listener: listener

    def action(self, action_id):
        self.actions.append(action_id)
        return lambda listener: listener

    def view(self, callback_id):
        self.views.append(callback_id)
        return lambda listener: listener


def opened_forms(fakeslack) -> list[str]:
    return [
        json.loads(c.params["view"])["callback_id"] if isinstance(c.params["view"], str) else c.params["view"]["callback_id"]
        for c in fakeslack.calls_to("views.open")
    ]


def submitted(note: str, *, channel: str | None = None) -> dict[str, Any]:
    return {
        "id": "V1",
        "hash": "h1",
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps({"channel_id": channel}),
        "state": {"values": {NOTE: {"value": {"type": "plain_text_input", "value": note}}}},
    }


# --- the tests ----------------------------------------------------------------------------------------------------


def test_the_registries_are_what_discovery_derives():
    assert dispatch.COMMANDS == dispatch.derive_commands()
    assert interactions.BUTTONS == all_buttons() and interactions.FORMS == all_forms()
    assert jobs.KINDS == jobs.discover()
    assert list(dispatch.COMMANDS) == list(families.manifest_commands())


def test_the_new_command_is_dispatched_listed_in_help_and_registered(handover, synced, fakeslack):
    assert "/handover" in dispatch.COMMANDS and family_names()[-1] == "handover"
    said = Said()
    interactions.slash(
        synced,
        user_id="U10LEAD",
        channel_id=None,
        command="/handover",
        text="list",
        trigger_id="t1",
        ack=said.ack,
        respond=said.respond,
    )
    assert said.acks == [{"response_type": "ephemeral", "text": "引き継ぎの記録はまだありません", "blocks": None}]
    interactions.slash(
        synced,
        user_id="U10LEAD",
        channel_id=None,
        command="/handover",
        text="",
        trigger_id="t2",
        ack=said.ack,
        respond=said.respond,
    )
    assert opened_forms(fakeslack) == [MODAL_CALLBACK]
    with synced.session() as session:  # a typo names the new command like any other
        assert "/handover" in dispatch.run_command(synced.context(session, user_id="U1", channel_id=None), "/handovr", "").text

    for lang in ("ja", "en"):
        reply = renkei.handle(context(None, user_id="U1", t=Translator(lang)), "help")
        assert reply.text.splitlines()[-1] == KEYS[lang]["help.handover"]  # the manifest's order: last
        assert len(reply.blocks) == 1 + len(families.manifest_commands())

    app = Registered()
    slash_commands.register(app)
    buttons_and_forms.register(app)
    assert "/handover" in app.commands and OPEN_BUTTON in app.actions and MODAL_CALLBACK in app.views


def test_the_new_button_and_form_are_routed_through_the_input_gate(handover, synced, fakeslack):
    pressed = interactions.press(synced, user_id="U10LEAD", channel_id="C1", action_id=OPEN_BUTTON, value="1")
    assert pressed.modal is not None and pressed.modal["callback_id"] == MODAL_CALLBACK
    interactions.button(
        synced, user_id="U10LEAD", channel_id="C1", action_id=OPEN_BUTTON, value="1", trigger_id="t3", respond=None
    )
    assert opened_forms(fakeslack) == [MODAL_CALLBACK]

    assert interactions.form_channel(submitted("x", channel="C7")) == "C7"
    assert interactions.submit(synced, user_id="U10LEAD", view=submitted(" ")) == {NOTE: "引き継ぐことを書いてください"}
    my_number = "12345678901" + str(my_number_check_digit("12345678901"))
    refused = interactions.submit(synced, user_id="U10LEAD", view=submitted(f"番号 {my_number}"))
    assert refused == {NOTE: Translator("ja")("privacy.my_number")}  # the gate, before the family's submit
    said = Said()
    interactions.form(synced, user_id="U10LEAD", view=submitted("窓口の鍵は<総務課>へ"), ack=said.ack)
    assert said.acks == [{}]
    dms = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == "U10LEAD"]
    assert dms == ["引き継ぎを記録しました: 窓口の鍵は&lt;総務課&gt;へ"]


def test_the_new_job_is_derived_described_scheduled_and_fired_once(handover, synced, fakeslack):
    ids = [spec.id for spec in job_specs(synced)]
    assert ids.index("report:moving") < ids.index("handover:moving") < ids.index("aging:moving")  # its ORDER
    spec = next(s for s in job_specs(synced) if s.id == "handover:moving")
    assert firing.describe(synced, spec) == "引き継ぎの依頼（週次）"
    scheduler = make_scheduler("Asia/Tokyo")
    add_jobs(scheduler, synced)  # not started: only what would be scheduled
    assert scheduler.get_job("handover:moving") is not None

    friday = dt.datetime(2026, 11, 27, 15, tzinfo=TOKYO)
    assert (fire(synced, "handover:moving", friday).status, fire(synced, "handover:moving", friday).status) == (
        "delivered",
        "duplicate",
    )
    leads = channel_id(fakeslack, "moving-leads")
    posted = [c.params for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == leads]
    assert [p["text"] for p in posted] == ["今週の引き継ぎを記録してください"]
    blocks = posted[0]["blocks"] if isinstance(posted[0]["blocks"], list) else json.loads(posted[0]["blocks"])
    the_button = next(e for b in blocks if b["type"] == "actions" for e in b["elements"])
    pressed = interactions.press(
        synced, user_id="U10LEAD", channel_id=leads, action_id=the_button["action_id"], value=the_button["value"]
    )
    assert pressed.modal is not None and pressed.modal["callback_id"] == MODAL_CALLBACK


# --- the convention's rules -------------------------------------------------------------------------------------


def test_every_family_names_its_buttons_and_forms_after_itself():
    for family in families.families():
        for action_id in family.buttons:
            assert action_id.startswith(f"{family.name}_"), action_id
        for callback_id in family.forms:
            assert callback_id == f"{family.name}_modal", callback_id
        assert all(callable(run) for run in family.buttons.values())
        assert all(isinstance(form, Form) for form in family.forms.values())


def test_a_family_that_breaks_the_convention_is_refused(monkeypatch):
    monkeypatch.setattr(families, "manifest_commands", lambda: ("/renkei", "/nosuchfamily"))
    with pytest.raises(FamilyError, match="commands/nosuchfamily.py"):
        families.families()
    monkeypatch.setitem(sys.modules, "commands.nohandle", module("commands.nohandle"))
    monkeypatch.setattr(families, "manifest_commands", lambda: ("/nohandle",))
    with pytest.raises(FamilyError, match="handle"):
        families.families()
    monkeypatch.setitem(sys.modules, "commands.twin", module("commands.twin", handle=handle, BUTTONS={"issue_take": press_open}))
    monkeypatch.setattr(families, "manifest_commands", lambda: ("/issue", "/twin"))
    with pytest.raises(FamilyError, match="issue_take"):
        all_buttons()


def test_a_hyphen_in_a_command_is_an_underscore_in_the_familys_name():
    assert families.family_name("/hand-over") == "hand_over" and families.family_name("/issue") == "issue"


def test_families_read_the_manifest_renkei_check_reads():
    assert families.manifest_file() == manifest_path()
    assert Path(families.REPOSITORY_MANIFEST).is_file()
