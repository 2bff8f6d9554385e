"""manifest.yml validates against Slack's v1 schema and covers every command and scope the bot uses."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml

from bot.dispatch import COMMANDS
from tests.conftest import ROOT

SCHEMA = ROOT.parent / "shared" / "reference" / "slack-manifest.schema.1.0.0.json"
DESIGN_COMMANDS = ["/renkei", "/issue", "/win", "/standup", "/meeting", "/report", "/dept", "/hearing", "/req", "/uat"]


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_validates_against_the_v1_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(manifest(), schema)
    assert manifest()["_metadata"]["major_version"] == 1


def test_the_schema_check_would_catch_a_mistake():
    broken = manifest()
    broken["features"]["slash_commands"][0]["command"] = "renkei"  # must start with a slash
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError as exc:
        assert "^\\/" in exc.message or "does not match" in exc.message
    else:
        raise AssertionError("an invalid manifest passed")


def test_every_design_command_has_description_and_usage_hint_and_a_handler():
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert list(commands) == DESIGN_COMMANDS
    assert set(COMMANDS) == set(DESIGN_COMMANDS)
    for command in commands.values():
        assert command["description"] and command["usage_hint"]


def test_scopes_events_interactivity_home_and_socket_mode():
    data = manifest()
    bot_scopes = data["oauth_config"]["scopes"]["bot"]
    for scope in ("commands", "chat:write", "channels:manage", "channels:read", "channels:join", "users:read",
                  "im:write", "files:write"):
        assert scope in bot_scopes
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert data["settings"]["interactivity"]["is_enabled"] is True
    assert data["settings"]["socket_mode_enabled"] is True
    assert data["features"]["app_home"]["home_tab_enabled"] is True


def test_each_scope_says_why_in_a_comment():
    text = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    for scope in manifest()["oauth_config"]["scopes"]["bot"]:
        assert re.search(rf"^\s+- {re.escape(scope)}\s+# \S", text, re.M), f"{scope} has no reason"
