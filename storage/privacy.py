"""Residents' data and characters no store accepts: the rules the input gate (commands/text.py) and the
storage guard (storage/guard.py) share, kept in storage so that the lower layer needs nothing from above."""

from __future__ import annotations

import html
import re
import unicodedata


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
    """True when the text holds a My Number: twelve digits with a valid check digit, in any spelling.

    Digits may be full width, kanji (一二三…〇) or of any script; groups may be split by spaces, tabs, newlines,
    hyphens and dashes of every kind (ー included), dots, slashes or commas (`,` `，` `、`: how Excel shows a long
    number) — up to four such characters between two groups — with invisible characters anywhere (every format
    character, variation selectors, tags: read both as nothing and as a separator). A candidate is a row of whole
    groups holding twelve digits that no other digit touches, so a longer unbroken run (a 13-digit corporate
    number, a phone number written without separators) is never one. Its groups are all of three digits or more
    (12, 4-4-4, 6-6, 3-3-3-3, 4-8 …), or all of one length written one way (2×6, 1×12; not the dates `04/07 04/09
    11/26`). Not candidates either: groups the same punctuation carries on (`1-2345-6789-0123`, a corporate
    number) and IP addresses (`192.168.100.200`). The row may sit among other numbers (`/issue close 1 1234 5678
    9018`): refusing in doubt is the safe side.
    """
    if len(text) < 6:  # no spelling makes twelve digits of fewer characters (`⑫` is two)
        return False
    return any(_holds_my_number(form, any_shape) for form, any_shape in _digit_forms(text))


def masked(text: str) -> str:
    """`text` with a My Number hidden: what Slack says of a person (a profile name) is never refused as input, but
    residents' data in it is stored and shown as `＊`: every digit when the text holds one (kanji digits too, if the
    number was written with them)."""
    if not contains_my_number(text):
        return text
    text = _ANY_DIGIT.sub("＊", text)
    return text.translate(_KANJI_MASK) if contains_my_number(text) else text


def _digit_forms(text: str) -> set[tuple[str, bool]]:
    """The text as digits and separators can be read from it: NFKC, invisible characters gone, any digit as 0-9.

    Each form comes with whether any grouping counts: invisible characters, once taken out, may have joined
    groups into any shape (`12`, a zero-width space, `34-5678`, another, `9018` reads 4-8), and nobody hides them
    in an innocent date.
    """
    forms = set()
    for variant in {text, html.unescape(text)}:  # `&#49;` is what plain_text() would store as `1`
        hidden = _INVISIBLE.search(unicodedata.normalize("NFKC", variant)) is not None
        for invisible in ("", " "):  # a zero-width space inside a group, or between two groups
            folded = _INVISIBLE.sub(invisible, unicodedata.normalize("NFKC", _INVISIBLE.sub(invisible, variant)))
            folded = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), folded)
            any_shape = hidden and not invisible
            forms |= {(folded, any_shape), (folded.translate(_KANJI_DIGITS), any_shape)}
    return {(form, any_shape) for form, any_shape in forms if sum(form.count(d) for d in "0123456789") >= 12}


def _holds_my_number(folded: str, any_shape: bool = False) -> bool:
    for run in _DIGIT_RUN.finditer(folded):
        parts = _GROUP.findall(run.group())  # digits, separator, digits, separator … digits
        digits, kinds = parts[::2], [_kind(separator) for separator in parts[1::2]]
        for first in range(len(digits)):
            last, total = first, len(digits[first])
            while total < 12 and last + 1 < len(digits):
                last += 1
                total += len(digits[last])
            if total == 12 and _may_be_my_number(digits[first : last + 1], kinds, first, last, any_shape):
                number = "".join(digits[first : last + 1])
                if my_number_check_digit(number[:11]) == int(number[11]):
                    return True
    return False


def _kind(separator: str) -> str:
    """What a separator is, whatever its spelling: `-` (any hyphen or dash), `.`, `/`, `,` (any comma, 、), or ` `
    (only blanks)."""
    return "".join(sorted(set(separator.translate(_SEPARATOR_KINDS)))) or " "


def _may_be_my_number(window: list[str], kinds: list[str], first: int, last: int, any_shape: bool) -> bool:
    """Whether twelve digits in these groups are written as a My Number is (not a date list, an address, …)."""
    inside = set(kinds[first:last])
    before = kinds[first - 1] if first > 0 else " "
    after = kinds[last] if last < len(kinds) else " "
    if {before, after} & inside - {" "}:
        return False  # `1-2345-6789-0123`: the same punctuation goes on, a longer number (a corporate number)
    lengths = {len(group) for group in window}
    if inside == {"."} and len(window) == 4 and all(_ip_octet(group) for group in window):
        return False  # 192.168.100.200: an IP address (as written: no zero-padded octet, so 000.003.001.245 is none)
    if any_shape or min(lengths) >= 3:
        return True  # 4-4-4, 6-6, 4-8 …
    return len(lengths) == 1 and len(inside) <= 1  # 2×6 or 1×12 written one way, not `04/07 04/09 11/26`


def _ip_octet(group: str) -> bool:
    """A group as an IPv4 address writes it: 0-255, without leading zeros."""
    return int(group) <= 255 and (group == "0" or not group.startswith("0"))


# What starts a formula in a spreadsheet cell: `=` (openpyxl's own rule), and `+`, `-`, `@`, a tab or a carriage
# return, which Excel and LibreOffice turn into one when the cell is edited. The workbook keeps such text as text
# (reports.excel.cell); renkei.yml refuses it in its texts (storage.projectfile).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    """Text fit to store and show, as the person typed it: one kind of line end, no characters XML or PostgreSQL
    refuse, none invisible. Nothing else changes: `（第3版）` stays full-width (`folded` is the form to check and match).

    Removed: NUL and the other C0 controls but tab and newline, DEL and the C1 controls, lone surrogates,
    noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF …), zero-width spaces and joiners (U+200B–U+200D, U+2060, U+FEFF).
    """
    return _REMOVED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def folded(text: str) -> str:
    """The cleaned text in NFKC, the form in which lengths are checked and words matched (full-width letters and
    digits as ASCII, a full-width space as a space); never what is stored."""
    return unicodedata.normalize("NFKC", clean(text))


def strip_xml_invalid(text: str) -> str:
    """The text without the characters XML 1.0 (an Excel file) or PostgreSQL refuse: NUL and the other C0
    controls but tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF. Nothing else changes."""
    return _XML_INVALID.sub("", text) if _XML_INVALID.search(text) else text


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_REMOVED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")
# Every format character (Unicode category Cf, as of Unicode 15.1; tests/test_residents_spellings.py checks the list against
# the running Python's unicodedata): soft hyphen, Arabic number signs, zero-width and bidirectional controls, the
# invisible operators, the interlinear annotation and Egyptian format controls, the tags (U+E0001, U+E0020–U+E007F).
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
# variation selectors and the keycap's enclosing mark: `1️⃣2️⃣` are digits in their emoji form
_VARIATION_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef\u180b-\u180d\u180f\u20e3"
# what hides between digits when a number is looked for: the above, every format character and variation selector
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _FORMAT + _VARIATION_SELECTORS + _NONCHARACTERS + "]"
)
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # Arabic-Indic, Devanagari … (NFKC has made full-width ones 0-9)
_KANJI_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_ANY_DIGIT = re.compile(r"\d")
_KANJI_MASK = str.maketrans(dict.fromkeys("〇零一二三四五六七八九", "＊"))
# between two groups: up to four of blanks, hyphens and dashes (ー too), dots, slashes, commas (`123,456,789,018` is
# how Excel shows a 12-digit number; 、 and the full-width ，, which NFKC makes `,`, as people type them)
_BLANKS = " \t\n\r\x0b\x0c\u00a0\u3000"
_HYPHENS = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u02d7\u30fc\uff70\ufe63\uff0d"
_DOTS, _SLASHES, _COMMAS = ".\u00b7\u30fb\uff65\uff0e", "/\uff0f\u2215\u2044", ",\u3001\uff0c\uff64\ufe50\ufe51\u060c"
_SEPARATOR = _BLANKS + _HYPHENS + _DOTS + _SLASHES + _COMMAS
_SEPARATOR_KINDS = str.maketrans(
    {
        **{c: "-" for c in _HYPHENS.replace("\\", "")},
        **{c: "." for c in _DOTS},
        **{c: "/" for c in _SLASHES},
        **{c: "," for c in _COMMAS},
        **{c: None for c in _BLANKS},
    }
)
_DIGIT_RUN = re.compile(f"(?<![0-9])[0-9]+(?:[{_SEPARATOR}]{{1,4}}[0-9]+)*(?![0-9])")
_GROUP = re.compile(f"[0-9]+|[{_SEPARATOR}]+")
