"""manifest.yml keeps Slack's app manifest v1 rules and covers every command and scope the bot uses."""

from __future__ import annotations

import copy
import importlib
import inspect
import re

import pytest
import yaml

from bot.dispatch import COMMANDS
from bot.i18n import catalog
from commands.families import family_name
from tests.conftest import ROOT
from tests.manifest_rules import manifest_problems

# where a scope appended to the manifest's bot scopes stands (its index in the error path)
BOT_SCOPES = len(yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"])


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


MANIFEST_COMMANDS = [c["command"] for c in manifest()["features"]["slash_commands"]]
DESIGN_COMMANDS = MANIFEST_COMMANDS  # the name tests/test_i18n.py imports: help must cover every manifest command


def test_manifest_keeps_slacks_v1_rules():
    assert manifest_problems(manifest()) == []
    assert manifest()["_metadata"]["major_version"] == 1


def _command(index: int, **changes):
    def mutate(data: dict) -> None:
        data["features"]["slash_commands"][index].update(changes)

    return mutate


def _drop(*path):
    def mutate(data: dict) -> None:
        node = data
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return mutate


def _set(*path, value):
    def mutate(data: dict) -> None:
        node = data
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return mutate


def _append(*path, value):
    def mutate(data: dict) -> None:
        node = data
        for step in path:
            node = node[step]
        node.append(value)

    return mutate


def _duplicate_first_command(data: dict) -> None:
    data["features"]["slash_commands"].insert(1, dict(data["features"]["slash_commands"][0]))


# (what breaks, how, where the problem must be reported)
BROKEN = [
    ("command without a slash", _command(0, command="renkei"), "features.slash_commands[0].command"),
    ("command of a slash alone", _command(0, command="/"), "features.slash_commands[0].command"),
    ("command over 32 characters", _command(0, command="/" + "r" * 32), "features.slash_commands[0].command"),
    ("command in upper case", _command(0, command="/Renkei"), "features.slash_commands[0].command"),
    ("command with a space", _command(0, command="/renkei help"), "features.slash_commands[0].command"),
    ("the same command twice", _duplicate_first_command, "features.slash_commands[1].command"),
    ("command without description", _drop("features", "slash_commands", 0, "description"), "features.slash_commands[0]"),
    ("empty description", _command(1, description=""), "features.slash_commands[1].description"),
    ("description over 2,000 characters", _command(1, description="課" * 2001), "features.slash_commands[1].description"),
    ("empty usage hint", _command(1, usage_hint=""), "features.slash_commands[1].usage_hint"),
    ("usage hint over 1,000 characters", _command(1, usage_hint="x" * 1001), "features.slash_commands[1].usage_hint"),
    ("should_escape as a string", _command(1, should_escape="true"), "features.slash_commands[1].should_escape"),
    ("a command URL that is not http(s)", _command(1, url="slack/events"), "features.slash_commands[1].url"),
    ("an unknown key in a command", _command(1, hint="x"), "features.slash_commands[1]"),
    ("no commands at all", _set("features", "slash_commands", value=[]), "features.slash_commands"),
    ("no display information", _drop("display_information"), "(top)"),
    ("an unknown top-level key", _set("setting", value={}), "(top)"),
    ("major version 2 under v1 rules", _set("_metadata", "major_version", value=2), "_metadata.major_version"),
    ("app without a name", _drop("display_information", "name"), "display_information"),
    ("app name over 35 characters", _set("display_information", "name", value="R" * 36), "display_information.name"),
    (
        "app description over 140 characters",
        _set("display_information", "description", value="連" * 141),
        "display_information.description",
    ),
    (
        "background colour that is not #rgb/#rrggbb",
        _set("display_information", "background_color", value="#1d4e8g"),
        "display_information.background_color",
    ),
    (
        "long description under 175 characters",
        _set("display_information", "long_description", value="短い"),
        "display_information.long_description",
    ),
    ("bot user without display name", _drop("features", "bot_user", "display_name"), "features.bot_user"),
    (
        "bot display name over 80 characters",
        _set("features", "bot_user", "display_name", value="r" * 81),
        "features.bot_user.display_name",
    ),
    ("always_online as a string", _set("features", "bot_user", "always_online", value="yes"), "features.bot_user.always_online"),
    (
        "home tab switch as a string",
        _set("features", "app_home", "home_tab_enabled", value="true"),
        "features.app_home.home_tab_enabled",
    ),
    ("unknown bot scope", _append("oauth_config", "scopes", "bot", value="chat:wirte"), f"oauth_config.scopes.bot[{BOT_SCOPES}]"),
    (
        "scope over 50 characters",
        _append("oauth_config", "scopes", "bot", value="s" * 51),
        f"oauth_config.scopes.bot[{BOT_SCOPES}]",
    ),
    (
        "the same scope twice",
        _append("oauth_config", "scopes", "bot", value="commands"),
        f"oauth_config.scopes.bot[{BOT_SCOPES}]",
    ),
    (
        "scopes of an unknown token kind",
        _set("oauth_config", "scopes", "app", value=["connections:write"]),
        "oauth_config.scopes",
    ),
    (
        "unknown bot event",
        _append("settings", "event_subscriptions", "bot_events", value="app_home_open"),
        "settings.event_subscriptions.bot_events[1]",
    ),
    (
        "the same event twice",
        _append("settings", "event_subscriptions", "bot_events", value="app_home_opened"),
        "settings.event_subscriptions.bot_events",
    ),
    ("interactivity without is_enabled", _drop("settings", "interactivity", "is_enabled"), "settings.interactivity"),
    (
        "interactivity request URL that is not http(s)",
        _set("settings", "interactivity", "request_url", value="ftp://x"),
        "settings.interactivity.request_url",
    ),
    ("socket mode switch as a string", _set("settings", "socket_mode_enabled", value="yes"), "settings.socket_mode_enabled"),
    ("org deploy switch as a number", _set("settings", "org_deploy_enabled", value=0), "settings.org_deploy_enabled"),
    (
        "token rotation switch as a string",
        _set("settings", "token_rotation_enabled", value="no"),
        "settings.token_rotation_enabled",
    ),
]


@pytest.mark.parametrize("mutate, where", [pytest.param(m, w, id=name) for name, m, w in BROKEN])
def test_the_rules_catch_a_broken_manifest(mutate, where):
    broken = copy.deepcopy(manifest())
    mutate(broken)
    problems = manifest_problems(broken)
    assert any(p.startswith(f"{where}: ") for p in problems), problems


def test_every_command_has_description_usage_hint_a_family_module_and_help():
    assert len(MANIFEST_COMMANDS) == len(set(MANIFEST_COMMANDS))
    assert list(COMMANDS) == MANIFEST_COMMANDS  # derived from the manifest (commands/families.py), in its order
    for command in manifest()["features"]["slash_commands"]:
        name = command["command"]
        assert command["description"] and command["usage_hint"], name
        module = importlib.import_module(f"commands.{family_name(name)}")
        assert COMMANDS[name] is module.handle, f"{name} is answered by commands/{family_name(name)}.py's handle"
        assert list(inspect.signature(module.handle).parameters) == ["ctx", "text"], name
        for lang in ("ja", "en"):
            assert f"help.{family_name(name)}" in catalog(lang), f"{name} has no help.{family_name(name)} in {lang}.yml"


def test_scopes_events_interactivity_home_and_socket_mode():
    data = manifest()
    bot_scopes = data["oauth_config"]["scopes"]["bot"]
    for scope in (
        "commands",
        "chat:write",
        "channels:manage",
        "channels:read",
        "channels:join",
        "users:read",
        "im:write",
        "files:write",
    ):
        assert scope in bot_scopes
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    issue = next(c for c in data["features"]["slash_commands"] if c["command"] == "/issue")
    assert issue["should_escape"] is True  # `/issue assign N @user` needs the user's id


def test_each_scope_says_why_in_a_comment():
    text = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    for scope in manifest()["oauth_config"]["scopes"]["bot"]:
        assert re.search(rf"^\s+- {re.escape(scope)}\s+# \S", text, re.M), f"{scope} has no reason"
