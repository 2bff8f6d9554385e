"""Block Kit as readable text, for a terminal: the one renderer of the console and the demo.

Mentions become names (`<@U01SHIMIN>` → 佐藤 花子), channel links become `#moving-zeimu`, Slack's
escapes are undone, bold and italic markers go as Slack shows them (`*太字*`, `_斜体_`), and buttons are
returned apart so the caller can number them. A channel canvas (markdown) is laid out as Slack shows it:
headings, bullets and table rows without their markup (`canvas_lines`).
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
# _斜体_ (Slack italic), shown plain; not inside a word of letters or digits (`department_roles` stays as it is)
ITALIC = re.compile(r"(?<![A-Za-z0-9_])_([^_\s][^_\n]*?)_(?![A-Za-z0-9_])")


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
    text = CODE.sub(r"\1", ITALIC.sub(r"\1", BOLD.sub(r"\1", text.replace("```", ""))))
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


# --- a channel canvas: markdown -----------------------------------------------------------------------------------

MD_ESCAPED = re.compile(r"\\([\\`*_\[\]<>|~#+\-.!{}()])")  # `\_` shows `_`: the canvas writer escapes user text so
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
MD_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
MD_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])([*_])(?=\S)([^*_\n]+?)(?<=\S)\1(?![A-Za-z0-9])")
MD_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
MD_CODE = re.compile(r"`([^`\n]+)`")
HEADING_MARKS = {1: "【{}】", 2: "■ {}", 3: "□ {}"}  # what tells a heading apart in a terminal; deeper ones as level 3


def canvas_lines(markdown: str) -> list[str]:
    """A canvas as its reader sees it in Slack, line by line: headings set apart (`【見出し】`, `■ 見出し`), bullets as
    `•`, each table row as `見出し: 値 ・ …` under its header, emphasis and escapes gone (`_最終更新 …_` is the text)."""
    lines: list[str] = []
    header: list[str] | None = None
    for raw in markdown.splitlines():
        line, escaped = _protect(raw.rstrip())
        if line.lstrip().startswith("|"):
            cells = [_inline(cell, escaped) for cell in line.strip().strip("|").split("|")]
            if MD_TABLE_RULE.match(line):
                continue
            if header is None:
                header = cells
                continue
            lines.append("• " + " ・ ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells)))
            continue
        header = None
        if not line.strip():
            continue
        if MD_RULE.match(line):
            lines.append("─" * 20)
        elif heading := MD_HEADING.match(line):
            mark = HEADING_MARKS[min(len(heading.group(1)), 3)]
            lines.append(mark.format(_inline(heading.group(2), escaped)))
        elif bullet := MD_BULLET.match(line):
            depth = len(bullet.group(1).expandtabs(4)) // 2
            lines.append("  " * depth + ("◦ " if depth else "• ") + _inline(bullet.group(2), escaped))
        else:
            lines.append(_inline(line, escaped))
    return lines or [""]


def _protect(line: str) -> tuple[str, list[str]]:
    """The line with each escaped character (`\\|`, `\\_`) set aside as a numbered stand-in, so that no markup rule
    reads it, and the characters set aside."""
    escaped: list[str] = []

    def aside(match: re.Match[str]) -> str:
        escaped.append(match.group(1))
        return f"\x00{len(escaped) - 1}\x00"

    return MD_ESCAPED.sub(aside, line), escaped


def _inline(text: str, escaped: list[str]) -> str:
    """One line's markdown as read: links as `text (url)`, no emphasis or code markers, escaped characters restored."""
    text = MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) else m.group(2), text.strip())
    text = MD_CODE.sub(r"\1", text)
    for pattern in (MD_STRONG, MD_EMPHASIS):
        text = pattern.sub(r"\2", text)
    text = MD_STRIKE.sub(r"\1", text)
    return re.sub("\x00(\\d+)\x00", lambda m: escaped[int(m.group(1))], text)
