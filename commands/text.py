"""Reading what users type: the input gate, Slack markup undone, numbers read, residents' data spotted."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from storage.privacy import clean, contains_my_number, folded

TITLE_LIMIT = 150  # Block Kit plain_text headers and modal titles stop at 150 characters
BODY_LIMIT = 2500  # leaves room in a 3,000-character section for the rest of a card
# The gate's caps (characters, counted before and after cleaning). Slack documents no limit of its own for a slash
# command's text (a message may hold 40,000); the longest text any command accepts is an issue (150 + 2,500), so
# 4,000 leaves room for markup and options and refuses only a paste gone wrong. A form field is a plain_text_input,
# whose max_length Block Kit caps at 3,000.
SLASH_TEXT_LIMIT = 4000
FIELD_LIMIT = 3000

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_OTHER_SPECIAL = re.compile(r"<!(?:subteam\^([A-Z0-9]+)|[^>|]*)(?:\|([^>]*))?>")  # user groups, dates: their label
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_NUMBER = re.compile(r"^#?(\d{1,9})$")


def plain_text(text: str) -> str:
    """What the user meant to write: Slack's escaping and markup undone (`<@U1|sato>` -> `@sato`).

    Stored text is always this plain form; it is escaped again whenever it is shown.
    """
    text = _USER.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _OTHER_SPECIAL.sub(lambda m: m.group(2) or ("@" + m.group(1) if m.group(1) else ""), text)
    text = _LINK.sub(lambda m: m.group(1), text)
    return html.unescape(text).replace("\r\n", "\n").strip()


def normal(token: str) -> str:
    """A keyword as typed on a Japanese keyboard, made comparable (full-width folded, lower case)."""
    return unicodedata.normalize("NFKC", token).strip().lower()


def read_number(token: str) -> int | None:
    """`12`, `#12` or full-width `＃１２` as a number; None when it is not one."""
    match = _NUMBER.match(normal(token))
    return int(match.group(1)) if match else None


def read_user(token: str) -> str | None:
    """A Slack user id from `<@U1|name>`, `<@U1>`, `@U1` or `U1`."""
    match = _USER.fullmatch(token.strip())
    if match:
        return match.group(1)
    bare = normal(token).upper().lstrip("@")
    return bare if re.fullmatch(r"[UW][A-Z0-9]{2,}", bare) else None


def read_id(value: object) -> str:
    """A button's value as an id (`12`, `moving:3`); anything else (a forged value) is no id at all: `""`."""
    text = str(value or "")
    return text if _ID.fullmatch(text) else ""


MY_NUMBER, TOO_LONG = "my_number", "too_long"


@dataclass(frozen=True)
class Gated:
    """What the input gate made of one text: the cleaned text, or why it is refused (`problem`)."""

    text: str
    problem: str | None = None  # MY_NUMBER or TOO_LONG
    length: int = 0
    limit: int = 0


def gate(text: str, limit: int = SLASH_TEXT_LIMIT) -> Gated:
    """The one input gate every text a person gives passes (slash command text, every form field).

    The text is cleaned (`clean`: kept as typed, invalid characters removed); it is refused when it is longer than
    `limit` characters (as typed or folded: NFKC can make a text longer, and what is stored is folded again to be
    read) or holds a My Number (`contains_my_number`, as typed and folded).
    """
    text = str(text or "")
    if len(text) > limit:
        return Gated("", TOO_LONG, len(text), limit)
    cleaned, checked = clean(text), folded(text)
    if len(checked) > limit:
        return Gated("", TOO_LONG, len(checked), limit)
    if contains_my_number(text) or contains_my_number(checked):
        return Gated("", MY_NUMBER, len(cleaned), limit)
    return Gated(cleaned, None, len(cleaned), limit)


_ID = re.compile(r"[A-Za-z0-9_.:\-]{0,100}")
