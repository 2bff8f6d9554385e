"""Block Kit as readable text, for a terminal: the one renderer of the console and the demo.

Mentions become names (`<@U01SHIMIN>` → 佐藤 花子), channel links become `#moving-zeimu`, Slack's
escapes are undone, and buttons are returned apart so the caller can number them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Callable

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
EMOJI = {
    "calendar": "📅",
    "hourglass_flowing_sand": "⏳",
    "sos": "🆘",
    "sunrise": "🌅",
    "tada": "🎉",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "memo": "📝",
    "bulb": "💡",
    "clipboard": "📋",
    "double_vertical_bar": "⏸️",
    "x": "❌",
    "no_entry_sign": "🚫",
}
EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
# *太字* (Slack bold), shown plain; the space Slack needs before a Japanese particle goes with it
BOLD = re.compile(r"\*([^*\s][^*\n]*?)\*(?: (?=[のがをにへでとはもや]))?")
CODE = re.compile(r"`([^`\n]+)`")  # `/issue show 8` (Slack code), shown plain


@dataclass(frozen=True)
class Button:
    """A button as shown under a message: its label, and what pressing it runs."""

    label: str
    action_id: str
    value: str


def plain(text: str, *, person: Callable[[str], str], channel: Callable[[str], str]) -> str:
    """Slack mrkdwn as plain text: names for mentions, `#name` for channels, escapes undone."""
    text = MENTION.sub(lambda m: person(m.group(1)), text)
    text = CHANNEL.sub(lambda m: "#" + (m.group(2) or channel(m.group(1))), text)
    text = SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    text = CODE.sub(r"\1", BOLD.sub(r"\1", text.replace("```", "")))
    text = EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return html.unescape(text)


def _text_of(element: dict[str, Any] | None) -> str:
    return str((element or {}).get("text", ""))


def message_lines(
    text: str, blocks: list[dict[str, Any]] | None, *, person: Callable[[str], str], channel: Callable[[str], str]
) -> tuple[list[str], list[Button]]:
    """The lines a reader sees and the buttons under them; `text` when there are no blocks."""
    lines: list[str] = []
    buttons: list[Button] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind in ("section", "header"):
            if block.get("text"):
                lines.append(_text_of(block["text"]))
            lines += [_text_of(f) for f in block.get("fields") or []]
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":
                buttons.append(
                    Button(_text_of(accessory.get("text")), accessory.get("action_id", ""), str(accessory.get("value", "")))
                )
        elif kind == "context":
            lines += [_text_of(e) for e in block.get("elements") or [] if "text" in e]
        elif kind == "divider":
            lines.append("─" * 20)
        elif kind == "actions":
            buttons += [
                Button(_text_of(e.get("text")), e.get("action_id", ""), str(e.get("value", "")))
                for e in block.get("elements") or []
                if e.get("type") == "button"
            ]
    if not lines:
        lines = [text]
    rendered = "\n".join(plain(line, person=person, channel=channel) for line in lines)
    return [line for line in rendered.splitlines() if line.strip()] or [""], buttons
