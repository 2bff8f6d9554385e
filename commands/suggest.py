"""「/isue というコマンドはありません。/issue のことですか？」: the one place every command finds what was meant."""

from __future__ import annotations

import difflib
from typing import Iterable

from commands.base import Translate, escape
from words.base import fold  # noqa: F401 (commands name it from here too)

CUTOFF = 0.6  # difflib's ratio: `lsit`/`list` 0.75, `isue`/`issue` 0.89, `dance`/`leave` 0.4
# Department names share their 課: one other character is another department (総務課/税務課 0.67), a slip is not
# (`zeimo`/`zeimu` 0.8, 国民建康保険課 0.86). What is typed in part (市民, 子育て) is found as a beginning.
DEPARTMENT_CUTOFF = 0.75
ECHO_LIMIT = 40  # how much of an unknown word is quoted back


def nearest(typed: str, choices: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The choice the user most likely meant, as written in `choices`; None when nothing is near.

    A choice that `typed` begins (two characters at least, one such choice only) wins; otherwise difflib's closest.
    Never the typed word itself: what the user typed is never offered back as the correction.
    """
    word = fold(typed)
    if not word:
        return None
    by_fold: dict[str, str] = {}
    for choice in choices:
        by_fold.setdefault(fold(choice), choice)
    by_fold.pop(word, None)
    starting = [choice for folded, choice in by_fold.items() if len(word) >= 2 and folded.startswith(word)]
    if len(starting) == 1:
        return starting[0]
    close = difflib.get_close_matches(word, list(by_fold), n=1, cutoff=cutoff)
    return by_fold[close[0]] if close else None


def echo(typed: str) -> str:
    """What the user typed, escaped and cut short, to quote back in 「」."""
    typed = typed.strip()
    return escape(typed if len(typed) <= ECHO_LIMIT else typed[:ECHO_LIMIT] + "…")


def did_you_mean(t: Translate, suggestion: str) -> str:
    """`/issue list` のことですか？ (`suggestion` is built from known words and escaped names, never raw input)."""
    return t("suggest.did_you_mean", suggestion=suggestion)


def unknown_command(t: Translate, typed: str, commands: Iterable[str]) -> str:
    """An unknown slash command: it does not exist, the nearest command, else every command."""
    commands = list(commands)
    lines = [t("suggest.unknown_command", command=echo(typed))]
    # compared without the `/` every command shares, which would make `/hearing` look like `/meeting`
    near = nearest(fold(typed).lstrip("/"), [c.lstrip("/") for c in commands])
    lines.append(did_you_mean(t, f"/{near}") if near else t("suggest.commands", commands=" ・ ".join(f"`{c}`" for c in commands)))
    return "\n".join(lines)


def unknown_sub(t: Translate, command: str, typed: str, words: Iterable[str], usage: str, hint: str | None = None) -> str:
    """An unknown word after `command`: it does not exist, the nearest word (or `hint` when none is near), the usage."""
    lines = [t("suggest.unknown_sub", command=command, sub=echo(typed))]
    near = nearest(typed, words)
    if near:
        lines.append(did_you_mean(t, f"{command} {near}"))
    elif hint:
        lines.append(hint)
    lines.append(usage)
    return "\n".join(lines)


def unknown_department(t: Translate, problem: str, typed: str, departments: Iterable, correct: str, known: str) -> str:
    """A department nobody has: `problem`, the nearest name or slug put into `correct` (`/dept who {}`), `known`."""
    departments = list(departments)
    near = nearest(typed, [d.name for d in departments] + [d.slug for d in departments], DEPARTMENT_CUTOFF)
    lines = [problem]
    if near:
        lines.append(did_you_mean(t, correct.format(escape(near))))
    lines.append(known)
    return "\n".join(lines)
