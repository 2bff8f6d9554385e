"""Block Kit's shapes, as Slack checks them before it accepts a message or a view.

Slack refuses a payload whose block, element or composition object has an unknown type or a field its type does not
have ("An unknown field makes Slack reject the entire message": measured against a live workspace, CopilotKit
pull request #6454), or lacks a required one; the reason reads `failed to match all allowed schemas
[json-pointer:/blocks/0/text]` (slack-netstandard issue #60 quotes it). The tables below hold the block, element and
object types Renkei sends, with the fields Slack's Block Kit reference lists for each; a type outside them is refused
here (a new kind of block means adding its row, from the reference). Lengths are checked in the emulator itself.
"""

from __future__ import annotations

from typing import Any

TEXT_FIELDS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}
BLOCKS = {  # block type: (its fields, the required ones)
    "section": ({"type", "text", "block_id", "fields", "accessory", "expand"}, {"type"}),
    "header": ({"type", "text", "block_id"}, {"type", "text"}),
    "divider": ({"type", "block_id"}, {"type"}),
    "context": ({"type", "elements", "block_id"}, {"type", "elements"}),
    "actions": ({"type", "elements", "block_id"}, {"type", "elements"}),
    "input": ({"type", "label", "element", "dispatch_action", "block_id", "hint", "optional"}, {"type", "label", "element"}),
    "markdown": ({"type", "text", "block_id"}, {"type", "text"}),
    "image": ({"type", "image_url", "slack_file", "alt_text", "title", "block_id"}, {"type", "alt_text"}),
}
ELEMENTS = {  # element type: (its fields, the required ones)
    "button": ({"type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"}, {"type", "text"}),
    "plain_text_input": (
        {
            "type",
            "action_id",
            "initial_value",
            "multiline",
            "min_length",
            "max_length",
            "dispatch_action_config",
            "focus_on_load",
            "placeholder",
        },
        {"type"},
    ),
    "static_select": (
        {"type", "action_id", "options", "option_groups", "initial_option", "confirm", "focus_on_load", "placeholder"},
        {"type"},
    ),
    "radio_buttons": ({"type", "action_id", "options", "initial_option", "confirm", "focus_on_load"}, {"type", "options"}),
    "datepicker": ({"type", "action_id", "initial_date", "confirm", "focus_on_load", "placeholder"}, {"type"}),
    "image": ({"type", "image_url", "slack_file", "alt_text"}, {"type", "alt_text"}),
}
WHERE_ELEMENTS = {  # which elements each place takes
    "input": {"plain_text_input", "static_select", "radio_buttons", "datepicker"},
    "actions": {"button", "static_select", "radio_buttons", "datepicker"},
    "accessory": {"button", "static_select", "radio_buttons", "datepicker", "image"},
}
VIEWS = {
    "modal": (
        {
            "type",
            "title",
            "blocks",
            "close",
            "submit",
            "private_metadata",
            "callback_id",
            "clear_on_close",
            "notify_on_close",
            "external_id",
            "submit_disabled",
        },
        {"type", "title", "blocks"},
    ),
    "home": ({"type", "blocks", "private_metadata", "callback_id", "external_id"}, {"type", "blocks"}),
}
OPTION_FIELDS = {"text", "value", "description", "url"}


def _schema(at: str) -> str:
    return f"failed to match all allowed schemas [json-pointer:{at}]"


def _fields(value: Any, allowed: set[str], required: set[str], at: str) -> list[str]:
    if not isinstance(value, dict):
        return [_schema(at)]
    problems = [f"unsupported field {key!r} [json-pointer:{at}/{key}]" for key in sorted(set(value) - allowed)]
    problems += [f"missing required field: {key} [json-pointer:{at}]" for key in sorted(required - set(value))]
    return problems


def text_problems(value: Any, at: str, *, plain: bool = False) -> list[str]:
    """A text object: plain_text (or, where Slack allows it, mrkdwn) with its own fields and a non-empty text."""
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in TEXT_FIELDS or (plain and kind != "plain_text"):
        return [_schema(at)]
    problems = _fields(value, TEXT_FIELDS[kind], {"type", "text"}, at)
    if not problems and not str(value["text"]):
        problems.append(f"must be more than 0 characters [json-pointer:{at}/text]")
    return problems


def _option_problems(options: Any, at: str) -> list[str]:
    if not isinstance(options, list) or not options:
        return [_schema(at)]
    problems = []
    for i, option in enumerate(options):
        problems += _fields(option, OPTION_FIELDS, {"text", "value"}, f"{at}/{i}")
        if isinstance(option, dict) and "text" in option:
            problems += text_problems(option["text"], f"{at}/{i}/text")
    return problems


def element_problems(element: Any, at: str, place: str) -> list[str]:
    kind = element.get("type") if isinstance(element, dict) else None
    if kind not in WHERE_ELEMENTS[place]:
        return [_schema(at)]
    allowed, required = ELEMENTS[kind]
    problems = _fields(element, allowed, required, at)
    for key in ("text", "placeholder"):
        if key in element:
            problems += text_problems(element[key], f"{at}/{key}", plain=True)
    if "style" in element and element["style"] not in ("primary", "danger"):
        problems.append(_schema(f"{at}/style"))
    if "options" in element:
        problems += _option_problems(element["options"], f"{at}/options")
    if "initial_option" in element and element["initial_option"] not in (element.get("options") or []):
        problems.append(f"initial_option must match one of the options [json-pointer:{at}/initial_option]")
    return problems


def block_problems(block: Any, at: str) -> list[str]:
    """One block's shape: its type, its fields, its text objects and elements."""
    kind = block.get("type") if isinstance(block, dict) else None
    if kind not in BLOCKS:
        return [_schema(at)]
    allowed, required = BLOCKS[kind]
    problems = _fields(block, allowed, required, at)
    if kind == "section" and "text" not in block and "fields" not in block:
        problems.append(f"must provide either text or fields [json-pointer:{at}]")
    if kind in ("section", "header") and "text" in block:
        problems += text_problems(block["text"], f"{at}/text", plain=kind == "header")
    for j, item in enumerate(block.get("fields") or [] if kind == "section" else []):
        problems += text_problems(item, f"{at}/fields/{j}")
    if "accessory" in block:
        problems += element_problems(block["accessory"], f"{at}/accessory", "accessory")
    if kind == "actions":
        for j, element in enumerate(block.get("elements") or []):
            problems += element_problems(element, f"{at}/elements/{j}", "actions")
    if kind == "context":
        for j, element in enumerate(block.get("elements") or []):
            image = isinstance(element, dict) and element.get("type") == "image"
            problems += (
                element_problems(element, f"{at}/elements/{j}", "accessory")
                if image
                else text_problems(element, f"{at}/elements/{j}")
            )
    if kind == "input":
        problems += text_problems(block.get("label"), f"{at}/label", plain=True)
        if "hint" in block:
            problems += text_problems(block["hint"], f"{at}/hint", plain=True)
        problems += element_problems(block.get("element"), f"{at}/element", "input")
    if kind == "markdown" and not isinstance(block.get("text"), str):
        problems.append(_schema(f"{at}/text"))
    return problems


def blocks_problems(blocks: Any, at: str) -> list[str]:
    """Every block's shape, and block ids unique among them."""
    if not isinstance(blocks, list):
        return [_schema(at)]
    problems = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        problems += block_problems(block, f"{at}/{i}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen:
                problems.append(f"duplicate block_id {block_id!r} [json-pointer:{at}/{i}/block_id]")
            seen.add(block_id)
    return problems


def view_problems(view: Any, method: str) -> list[str]:
    """A view's shape: modal (views.open, views.update) or home (views.publish), its fields and title texts."""
    kind = view.get("type") if isinstance(view, dict) else None
    if kind not in VIEWS or (method == "views.publish") != (kind == "home"):
        return [_schema("/view/type")]
    allowed, required = VIEWS[kind]
    problems = _fields(view, allowed, required, "/view")
    for part in ("title", "submit", "close"):
        if part in view:
            problems += text_problems(view[part], f"/view/{part}", plain=True)
    return problems + blocks_problems(view.get("blocks"), "/view/blocks")
