"""The `/issue` grammar: text in, a command or a usage error out. Never raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from commands.suggest import fold, nearest
from commands.text import BODY_LIMIT, TITLE_LIMIT, normal, plain_text, read_number, read_user
from storage.enums import Severity

SUBCOMMANDS = {
    "list": "list",
    "一覧": "list",
    "show": "show",
    "詳細": "show",
    "assign": "assign",
    "担当": "assign",
    "close": "close",
    "解決": "close",
    "reopen": "reopen",
    "再開": "reopen",
    "escalate": "escalate",
    "相談": "escalate",
    "answer": "answer",
    "回答": "answer",
}
SEVERITIES = {
    "!high": Severity.HIGH,
    "!高": Severity.HIGH,
    "!low": Severity.LOW,
    "!低": Severity.LOW,
    "!normal": Severity.NORMAL,
    "!中": Severity.NORMAL,
}
DUE_PREFIXES = ("期限:", "due:")  # `期限:来週金曜`, `期限：12/10` (the full-width colon is folded)
LIST_SCOPES = {"open": "open", "未解決": "open", "all": "all", "全部": "all", "すべて": "all", "mine": "mine", "自分": "mine"}


@dataclass(frozen=True)
class OpenModal:
    """`/issue` alone: open the form."""


@dataclass(frozen=True)
class AddIssue:
    """`/issue <text> [!high|!low] [to:<dept>] [期限:<date>]`."""

    title: str
    body: str = ""
    severity: str = Severity.NORMAL
    waiting_on: str | None = None
    due: str | None = None  # `期限:来週金曜` as typed; read against the local today by the command


@dataclass(frozen=True)
class ListIssues:
    """`/issue list [open|all|mine|<dept>]`."""

    scope: str = "open"
    department: str | None = None


@dataclass(frozen=True)
class ShowIssue:
    number: int


@dataclass(frozen=True)
class AssignIssue:
    number: int
    user_id: str


@dataclass(frozen=True)
class CloseIssue:
    number: int
    note: str = ""


@dataclass(frozen=True)
class ReopenIssue:
    number: int
    note: str = ""


@dataclass(frozen=True)
class EscalateIssue:
    number: int
    note: str = ""


@dataclass(frozen=True)
class AnswerIssue:
    """`/issue answer N <text>` (extension): the IT department's answer to an escalated issue."""

    number: int
    text: str


@dataclass(frozen=True)
class UsageError:
    """What was wrong (a catalog key under `issue.`) and its parameters; the reply adds the usage line."""

    problem: str
    params: dict[str, str | int] = field(default_factory=dict)


IssueCommand = (
    OpenModal
    | AddIssue
    | ListIssues
    | ShowIssue
    | AssignIssue
    | CloseIssue
    | ReopenIssue
    | EscalateIssue
    | AnswerIssue
    | UsageError
)


def parse_issue(text: str) -> IssueCommand:
    """Read `/issue` text; every input gives a command or a UsageError."""
    text = (text or "").strip()
    if not text:
        return OpenModal()
    first = text.split(maxsplit=1)[0]
    rest = text[len(first) :].strip()
    word = fold(first)
    sub = SUBCOMMANDS.get(word)
    if sub is not None:
        return _SUB_PARSERS[sub](rest)
    words = text.split()
    before_number = len(words) > 1 and read_number(words[1]) is not None
    # `frobnicate`, `shw 5`: an English word alone or before a number is no issue title. A Japanese word is one,
    # unless it is near a subcommand and a number follows (`解決済 5`).
    if (re.fullmatch(r"[a-z]+", word) and (len(words) == 1 or before_number)) or (
        before_number and nearest(first, SUBCOMMANDS) is not None
    ):
        return UsageError("unknown_sub", {"sub": first})
    return _parse_add(text)


def _parse_add(text: str) -> AddIssue | UsageError:
    severity, waiting_on, due, lines = None, None, None, []
    for line in plain_text(text).split("\n"):
        kept = []
        for token in line.split():
            word = normal(token)
            if word in SEVERITIES:
                if severity is not None and severity != SEVERITIES[word]:
                    return UsageError("two_severities")
                severity = SEVERITIES[word]
            elif word.startswith(DUE_PREFIXES):
                if due is not None:
                    return UsageError("two_dues")
                due = word.split(":", 1)[1]
                if not due:
                    return UsageError("empty_due")
            elif word.startswith("to:"):
                if waiting_on is not None:
                    return UsageError("two_targets")
                waiting_on = word[3:]
                if not waiting_on:
                    return UsageError("empty_target")
            else:
                kept.append(token)
        lines.append(" ".join(kept))
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    if not fold(title):  # nothing, or only invisible characters (a zero-width space)
        return UsageError("empty_title")
    if len(title) > TITLE_LIMIT:
        return UsageError("title_too_long", {"limit": TITLE_LIMIT, "length": len(title)})
    if len(body) > BODY_LIMIT:
        return UsageError("body_too_long", {"limit": BODY_LIMIT, "length": len(body)})
    return AddIssue(title=title, body=body, severity=severity or Severity.NORMAL, waiting_on=waiting_on, due=due)


def _number_then(rest: str) -> tuple[int | None, str]:
    """The issue number that leads `rest`, and what follows it."""
    parts = rest.split(maxsplit=1)
    if not parts:
        return None, ""
    return read_number(parts[0]), parts[1].strip() if len(parts) > 1 else ""


def _parse_list(rest: str) -> ListIssues | UsageError:
    words = rest.split()
    if not words:
        return ListIssues()
    if len(words) > 1:
        return UsageError("list_one_filter")
    scope = LIST_SCOPES.get(fold(words[0]))
    return ListIssues(scope=scope) if scope else ListIssues(scope="department", department=plain_text(words[0]))


def _number_only(sub: str, command: type[ShowIssue]):
    """`show N`: exactly one issue number."""

    def parse(rest: str) -> ShowIssue | UsageError:
        number, remainder = _number_then(rest)
        if number is None or remainder:
            return UsageError("needs_number", {"sub": sub})
        return command(number)

    return parse


def _parse_assign(rest: str) -> AssignIssue | UsageError:
    number, remainder = _number_then(rest)
    if number is None:
        return UsageError("needs_number", {"sub": "assign"})
    user = read_user(remainder) if remainder and len(remainder.split()) == 1 else None
    if user is None:
        return UsageError("needs_user")
    return AssignIssue(number, user)


def _number_and_note(sub: str, command: type[CloseIssue] | type[EscalateIssue] | type[ReopenIssue]):
    """`close N [note]`, `reopen N [why]` and `escalate N [note]`: a number, then an optional note within the body
    limit."""

    def parse(rest: str) -> CloseIssue | EscalateIssue | ReopenIssue | UsageError:
        number, note = _number_then(rest)
        if number is None:
            return UsageError("needs_number", {"sub": sub})
        note = plain_text(note)
        if len(note) > BODY_LIMIT:
            return UsageError("note_too_long", {"limit": BODY_LIMIT, "length": len(note)})
        return command(number, note)

    return parse


def _parse_answer(rest: str) -> AnswerIssue | UsageError:
    number, text = _number_then(rest)
    if number is None:
        return UsageError("needs_number", {"sub": "answer"})
    text = plain_text(text)
    if not text:
        return UsageError("needs_answer")
    if len(text) > BODY_LIMIT:
        return UsageError("note_too_long", {"limit": BODY_LIMIT, "length": len(text)})
    return AnswerIssue(number, text)


_SUB_PARSERS = {
    "list": _parse_list,
    "show": _number_only("show", ShowIssue),
    "assign": _parse_assign,
    "close": _number_and_note("close", CloseIssue),
    "reopen": _number_and_note("reopen", ReopenIssue),
    "escalate": _number_and_note("escalate", EscalateIssue),
    "answer": _parse_answer,
}
