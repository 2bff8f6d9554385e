"""The rules Renkei's `manifest.yml` must keep for Slack to accept it, checked without any network.

The numbers below are Slack's app manifest v1 rules (the JSON Schema Slack publishes for manifests with
`_metadata.major_version: 1`, and Slack's reference pages for slash commands and scopes), copied here as
the subset that matters to a classic Bolt app: display information, App Home, bot user, slash commands,
OAuth scopes, event subscriptions, interactivity and the settings switches. Keys Slack allows but Renkei
does not use (app directory, shortcuts, workflow steps, functions, …) are left out on purpose: the
check refuses them, so a new feature has to bring its rules here first.

A few rules are the project's own, stricter than Slack's, and say so where they stand ("house rule").
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft7Validator

URL = "^https?://"  # Slack's request URLs: http(s) only
BOOLEAN = {"type": "boolean"}

# --- Slack's app manifest v1 rules -------------------------------------------------------------------

DISPLAY_INFORMATION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 35},
        "description": {"type": "string", "minLength": 1, "maxLength": 140},
        # Slack writes the colour rule under a key jsonschema ignores ("regex"); here it is enforced.
        "background_color": {"type": "string", "minLength": 4, "maxLength": 7, "pattern": "^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$"},
        "long_description": {"type": "string", "minLength": 175, "maxLength": 4000},
    },
}

SLASH_COMMAND = {
    "type": "object",
    "additionalProperties": False,
    "required": ["command", "description"],
    "properties": {
        "command": {"type": "string", "minLength": 2, "maxLength": 32, "pattern": "^/"},
        "url": {"type": "string", "maxLength": 3000, "pattern": URL},  # HTTP mode only
        "description": {"type": "string", "minLength": 1, "maxLength": 2000},
        "usage_hint": {"type": "string", "minLength": 1, "maxLength": 1000},
        "should_escape": BOOLEAN,
    },
}

SCOPE_LIST = {"type": "array", "maxItems": 255, "items": {"type": "string", "maxLength": 50}}
EVENT_LIST = {"type": "array", "maxItems": 100, "uniqueItems": True, "items": {"type": "string", "maxLength": 50}}

SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["display_information"],
    "properties": {
        "_metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "major_version": {"const": 1},  # house rule: these are the v1 rules, so the manifest must say v1
                "minor_version": {"type": "integer"},
            },
        },
        "display_information": DISPLAY_INFORMATION,
        "features": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "app_home": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "home_tab_enabled": BOOLEAN,
                        "messages_tab_enabled": BOOLEAN,
                        "messages_tab_read_only_enabled": BOOLEAN,
                    },
                },
                "bot_user": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["display_name"],
                    "properties": {"display_name": {"type": "string", "minLength": 1, "maxLength": 80}, "always_online": BOOLEAN},
                },
                "slash_commands": {"type": "array", "minItems": 1, "maxItems": 50, "items": SLASH_COMMAND},
            },
        },
        "oauth_config": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "redirect_urls": {
                    "type": "array",
                    "maxItems": 1000,
                    "uniqueItems": True,
                    "items": {"type": "string", "maxLength": 2500},
                },
                "scopes": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "bot": SCOPE_LIST,
                        "user": SCOPE_LIST,
                        "bot_optional": SCOPE_LIST,
                        "user_optional": SCOPE_LIST,
                    },
                },
                "token_management_enabled": BOOLEAN,
                "pkce_enabled": BOOLEAN,
            },
        },
        "settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "event_subscriptions": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "request_url": {"type": "string", "maxLength": 3500, "pattern": URL},
                        "bot_events": EVENT_LIST,
                        "user_events": EVENT_LIST,
                    },
                },
                "interactivity": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["is_enabled"],
                    "properties": {
                        "is_enabled": BOOLEAN,
                        "request_url": {"type": "string", "maxLength": 3500, "pattern": URL},
                        "message_menu_options_url": {"type": "string", "maxLength": 3500, "pattern": URL},
                    },
                },
                "incoming_webhooks": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"incoming_webhooks_enabled": BOOLEAN},
                },
                "org_deploy_enabled": BOOLEAN,
                "socket_mode_enabled": BOOLEAN,
                "token_rotation_enabled": BOOLEAN,
                "is_hosted": BOOLEAN,
            },
        },
    },
}

# --- House rules: stricter than Slack's schema ---------------------------------------------------------

# Slack's schema checks only the leading slash and the length; Slack's command settings want lower case
# and no spaces, and so do we (the Bolt listener is registered under exactly this string).
COMMAND_NAME = re.compile(r"^/[a-z0-9][a-z0-9_-]*$")

# Slack's schema accepts any string of up to 50 characters as a scope or an event, so a typo
# (`chat:wirte`) would only surface when the app is installed. These are bot-token scopes and bot
# events from Slack's reference; to ask for another one, check its name there and add it here.
KNOWN_BOT_SCOPES = frozenset(
    {
        "app_mentions:read",
        "assistant:write",
        "bookmarks:read",
        "bookmarks:write",
        "calls:read",
        "calls:write",
        "canvases:read",
        "canvases:write",
        "channels:history",
        "channels:join",
        "channels:manage",
        "channels:read",
        "channels:write.invites",
        "channels:write.topic",
        "chat:write",
        "chat:write.customize",
        "chat:write.public",
        "commands",
        "dnd:read",
        "emoji:read",
        "files:read",
        "files:write",
        "groups:history",
        "groups:read",
        "groups:write",
        "groups:write.invites",
        "groups:write.topic",
        "im:history",
        "im:read",
        "im:write",
        "incoming-webhook",
        "links:read",
        "links:write",
        "metadata.message:read",
        "mpim:history",
        "mpim:read",
        "mpim:write",
        "pins:read",
        "pins:write",
        "reactions:read",
        "reactions:write",
        "remote_files:read",
        "remote_files:share",
        "remote_files:write",
        "team:read",
        "usergroups:read",
        "usergroups:write",
        "users.profile:read",
        "users:read",
        "users:read.email",
        "users:write",
    }
)
KNOWN_BOT_EVENTS = frozenset(
    {
        "app_home_opened",
        "app_mention",
        "app_uninstalled",
        "channel_archive",
        "channel_created",
        "channel_deleted",
        "channel_left",
        "channel_rename",
        "channel_unarchive",
        "emoji_changed",
        "file_shared",
        "group_archive",
        "group_left",
        "group_rename",
        "group_unarchive",
        "im_created",
        "link_shared",
        "member_joined_channel",
        "member_left_channel",
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "pin_added",
        "pin_removed",
        "reaction_added",
        "reaction_removed",
        "team_join",
        "tokens_revoked",
        "user_change",
    }
)

_VALIDATOR = Draft7Validator(SCHEMA)


def _where(path) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top)"


def _house_problems(manifest: dict[str, Any]) -> list[str]:
    problems = []
    features = manifest.get("features") if isinstance(manifest.get("features"), dict) else {}
    commands = features.get("slash_commands") if isinstance(features.get("slash_commands"), list) else []
    seen: set[str] = set()
    for i, command in enumerate(commands):
        name = command.get("command") if isinstance(command, dict) else None
        if not isinstance(name, str):
            continue
        if not COMMAND_NAME.match(name):
            problems.append(f"features.slash_commands[{i}].command: {name!r} is not lower case without spaces")
        if name in seen:
            problems.append(f"features.slash_commands[{i}].command: {name!r} appears twice")
        seen.add(name)
    scopes = ((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    for i, scope in enumerate(scopes if isinstance(scopes, list) else []):
        if scope not in KNOWN_BOT_SCOPES:
            problems.append(f"oauth_config.scopes.bot[{i}]: {scope!r} is not a known bot scope")
        elif scopes.index(scope) != i:
            problems.append(f"oauth_config.scopes.bot[{i}]: {scope!r} appears twice")
    events = ((manifest.get("settings") or {}).get("event_subscriptions") or {}).get("bot_events") or []
    for i, event in enumerate(events if isinstance(events, list) else []):
        if event not in KNOWN_BOT_EVENTS:
            problems.append(f"settings.event_subscriptions.bot_events[{i}]: {event!r} is not a known bot event")
    return problems


def manifest_problems(manifest: Any) -> list[str]:
    """Every broken rule, as `<where>: <what>`; an empty list when Slack would accept the manifest."""
    problems = [
        f"{_where(e.absolute_path)}: {e.message}"
        for e in sorted(_VALIDATOR.iter_errors(manifest), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if isinstance(manifest, dict):
        problems += _house_problems(manifest)
    return problems
