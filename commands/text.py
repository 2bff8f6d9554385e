"""Reading what users type: Slack markup undone, numbers read, residents' data spotted."""

from __future__ import annotations

import html
import re
import unicodedata

TITLE_LIMIT = 150  # Block Kit plain_text headers and modal titles stop at 150 characters
BODY_LIMIT = 2500  # leaves room in a 3,000-character section for the rest of a card

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_NUMBER = re.compile(r"^#?(\d{1,9})$")
_MY_NUMBER_CANDIDATE = re.compile(r"(?<![0-9])(\d{4})[ \-]?(\d{4})[ \-]?(\d{4})(?![0-9])")


def plain_text(text: str) -> str:
    """What the user meant to write: Slack's escaping and markup undone (`<@U1|sato>` -> `@sato`).

    Stored text is always this plain form; it is escaped again whenever it is shown.
    """
    text = _USER.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
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


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit of a My Number (個人番号) by the official rule (総務省令第85号 第5条).

    P(n) is the n-th of the eleven digits counted from the right; Q(n) = n + 1 for n <= 6, n - 5 for n >= 7.
    The check digit is 11 - (sum of P(n) * Q(n) mod 11), or 0 when that remainder is 0 or 1.
    """
    digits = [int(c) for c in reversed(first_eleven)]
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def contains_my_number(text: str) -> bool:
    """True when the text holds twelve digits (spaces or hyphens allowed in 4-4-4) with a valid check digit."""
    folded = unicodedata.normalize("NFKC", text)
    for match in _MY_NUMBER_CANDIDATE.finditer(folded):
        digits = "".join(match.groups())
        if my_number_check_digit(digits[:11]) == int(digits[11]):
            return True
    return False
