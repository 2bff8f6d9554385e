"""Block Kit, built in one place so every message and view stays inside Slack's limits.

Slack refuses a whole payload (`invalid_blocks`, `msg_blocks_too_long` …) when one part of it is too long, and the
person then sees an error instead of the answer; a test double accepts anything. So commands never write block
dicts by hand: they call these helpers, which keep to the limits below (docs/slack-limits.md lists them with where
each is used).

Text that can grow with the data (a list of departments or issues, a history) goes through `section()`, which
never cuts it: it splits the text into as many section blocks as needed, on line boundaries. `message()` (at most
50 blocks) and `view_blocks()` (at most 100) then put the blocks together; when even that does not hold everything,
the last block says how many lines are missing and, when the caller names one, which command shows them.
Labels (headers, buttons, options, form titles) are cut with `…`: they are names, not content.

    blocks = message(header(title), section(long_text), actions(button(label, "action", value="1")), t=t,
                     where="`/issue list mine`")
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Callable

Block = dict[str, Any]
Translate = Callable[..., str]

# Slack's Block Kit limits (characters unless said otherwise)
SECTION_TEXT = 3000  # the text of a section block
MESSAGE_BLOCKS = 50  # blocks in one message
VIEW_BLOCKS = 100  # blocks in a modal or the Home tab
HEADER_TEXT = 150  # a header block's plain text
BUTTON_TEXT = 75  # a button's label
BUTTON_VALUE = 2000  # a button's value
ACTION_ID = 255  # an element's action_id
BLOCK_ID = 255  # a block's block_id (and a view's callback_id)
ACTIONS_ELEMENTS = 25  # elements of one actions block (at least one)
CONTEXT_ELEMENTS = 10  # elements of one context block (at least one)
OPTIONS = 100  # options of one select menu
OPTION_TEXT = 75  # an option's label
OPTION_VALUE = 150  # an option's value
INPUT_LABEL = 2000  # an input block's label (and hint)
MODAL_TITLE = 24  # a modal's title, submit and close labels
# Not in Slack's reference: chat.postMessage also refuses blocks whose texts add up to too much
# (`msg_blocks_too_long`). People report the refusal from about 11,300 to 13,300 characters in total, depending
# on the blocks (slackapi/bolt-js issues 2509 and 2867), so a message keeps its blocks' texts under 10,000.
MESSAGE_TEXT = 10_000
# views.publish refuses a view over 250 kB (`view_too_large`), counted on the JSON Slack receives, where slack_sdk
# writes every Japanese character as a six-byte \uXXXX escape: a view keeps its blocks' JSON under 200,000.
VIEW_JSON = 200_000
NOTICE_ROOM = {"text": 300, "json": 2000}  # what the "… lines do not fit" notice may take of either budget

_SOFT_BREAKS = " \u3000、。，．,;"  # where a line longer than a section is split by preference (after the character)


def cut(text: str, limit: int) -> str:
    """A label of at most `limit` characters: cut with `…` when longer; never empty (Slack refuses empty text)."""
    text = text if text.strip() else "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, str]:
    """A plain_text object, cut to `limit` (INPUT_LABEL for labels, MODAL_TITLE for a modal's title and buttons)."""
    return {"type": "plain_text", "text": cut(text, limit)}


def split_text(text: str, limit: int = SECTION_TEXT) -> list[str]:
    """The text in pieces of at most `limit` characters, split between lines, never cut short.

    Lines are packed into a piece as long as they fit (the line break between two pieces is the boundary).
    Only a single line longer than `limit` is split inside: after a space or 、。 in its last quarter if there is
    one, never inside a Slack entity (`<@U123>`, `<#C1>`, a link) or an escape (`&amp;`). Only the line breaks
    where two pieces meet and pieces that would hold nothing but blank lines are left out: the pieces are
    substrings of the text, in order, and hold every other character of it.
    """
    if len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    lines: list[str] = []  # the piece being packed
    size = -1  # its length: the lines plus the breaks between them

    def flush() -> None:
        nonlocal lines, size
        piece = "\n".join(lines)
        if piece.strip():
            pieces.append(piece)
        lines, size = [], -1

    for line in text.split("\n"):
        parts = _split_line(line, limit)
        if len(parts) > 1:
            flush()
            pieces.extend(p for p in parts[:-1] if p.strip())
            line = parts[-1]
        if lines and size + 1 + len(line) > limit:
            flush()
        lines.append(line)
        size += 1 + len(line)
    flush()
    return pieces


def _split_line(line: str, limit: int) -> list[str]:
    parts = []
    while len(line) > limit:
        at = _cut_point(line, limit)
        parts.append(line[:at])
        line = line[at:]
    parts.append(line)
    return parts


def _cut_point(line: str, limit: int) -> int:
    window = line[:limit]
    at = limit
    opening = window.rfind("<")
    if opening > 0 and ">" not in window[opening:]:
        at = opening  # never inside <@U123>, <#C1> or <https://…|label>
    ampersand = window.rfind("&", 0, at)
    if ampersand > 0 and at - ampersand < 6 and ";" not in window[ampersand:at]:
        at = ampersand  # never inside &amp; &lt; &gt;
    soft = max(window.rfind(c, 0, at) for c in _SOFT_BREAKS)
    if soft >= at * 3 // 4:
        at = soft + 1  # after the space or 、 in the last quarter
    return at


def section(text: str) -> list[Block]:
    """mrkdwn section blocks holding all of `text`: one block when it fits in 3,000 characters, more when not."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in split_text(text)]


def header(text: str) -> Block:
    """A header block: plain text cut at 150 characters."""
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


def context(*texts: str) -> Block:
    """A context block of 1 to 10 mrkdwn texts (small grey print), each within a section's 3,000 characters."""
    if not 1 <= len(texts) <= CONTEXT_ELEMENTS:
        raise ValueError(f"a context block holds 1 to {CONTEXT_ELEMENTS} elements, not {len(texts)}")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, SECTION_TEXT)} for text in texts]}


def button(text: str, action_id: str, *, value: str | None = None, style: str | None = None) -> Block:
    """A button: its label cut at 75 characters. A value or action_id over Slack's limit is a bug, so it raises."""
    _check(action_id, ACTION_ID, "action_id")
    out: Block = {"type": "button", "action_id": action_id}
    if value is not None:
        out["value"] = _check(value, BUTTON_VALUE, "button value")
    if style:
        out["style"] = style
    out["text"] = plain(text, BUTTON_TEXT)
    return out


def actions(*elements: Block, block_id: str | None = None) -> Block:
    """An actions block of 1 to 25 elements (buttons)."""
    if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
        raise ValueError(f"an actions block holds 1 to {ACTIONS_ELEMENTS} elements, not {len(elements)}")
    out: Block = {"type": "actions"}
    if block_id is not None:
        out["block_id"] = _check(block_id, BLOCK_ID, "block_id")
    out["elements"] = list(elements)
    return out


def option(text: str, value: str) -> dict[str, Any]:
    """A select option: its label cut at 75 characters; a value over 150 is a bug, so it raises."""
    return {"text": plain(text, OPTION_TEXT), "value": _check(value, OPTION_VALUE, "option value")}


def options(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first 100 options: a select menu holds no more."""
    return list(items)[:OPTIONS]


def message(*parts: Block | Iterable[Block] | None, t: Translate, where: str | None = None) -> list[Block]:
    """The blocks of one message: at most 50, their texts together at most MESSAGE_TEXT characters.

    `parts` are blocks or lists of blocks (what `section()` returns); None is skipped. What does not fit is left
    out from the end, and the last block then says how many lines are missing and, with `where` (a command in
    backticks, e.g. "`/issue list mine`"), where to see them.
    """
    return _fit(_flatten(parts), MESSAGE_BLOCKS, "text", MESSAGE_TEXT, t, where)


def view_blocks(*parts: Block | Iterable[Block] | None, t: Translate, where: str | None = None) -> list[Block]:
    """The blocks of a modal or the Home tab: at most 100, their JSON at most VIEW_JSON; the same notice as `message()`."""
    return _fit(_flatten(parts), VIEW_BLOCKS, "json", VIEW_JSON, t, where)


def text_size(blocks: Iterable[Block]) -> int:
    """Characters of every text in the blocks (labels and values of text objects included)."""
    return sum(len(s) for s in _texts(list(blocks)))


def json_size(blocks: Iterable[Block]) -> int:
    """Bytes of the blocks as slack_sdk sends them (JSON, non-ASCII escaped)."""
    return len(json.dumps(list(blocks)))


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _lines(block: Block) -> int:
    return sum(s.count("\n") + 1 for s in _texts(block) if s.strip()) if block.get("type") != "actions" else 0


def _flatten(parts: tuple[Block | Iterable[Block] | None, ...]) -> list[Block]:
    blocks: list[Block] = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, dict):
            blocks.append(part)
        else:
            blocks.extend(part)
    return blocks


def _fit(blocks: list[Block], max_blocks: int, measure: str, budget: int, t: Translate, where: str | None) -> list[Block]:
    size_of = text_size if measure == "text" else json_size
    if len(blocks) <= max_blocks and size_of(blocks) <= budget:
        return blocks
    kept: list[Block] = []
    size = 0
    for block in blocks:
        grown = size + size_of([block]) + (2 if measure == "json" else 0)  # ", " between blocks
        if len(kept) + 1 >= max_blocks or grown > budget - NOTICE_ROOM[measure]:
            break
        kept.append(block)
        size = grown
    missing = max(1, sum(_lines(b) for b in blocks[len(kept) :]))
    notice = t("command.more_where", count=missing, where=where) if where else t("command.more", count=missing)
    return [*kept, *section(notice)]


def _check(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters; Slack allows {limit}")
    return value
