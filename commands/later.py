"""Work an action leaves for after its acknowledgement, stored with the action: a named job and its arguments.

A command, a button or a form answers within Slack's three seconds; what it sends beyond its answer (cards to six
channels, a workbook, a channel sync, the names Slack has to be asked for) is slower. It is kept as a `Later`: the
names of module-level functions marked `@job`, with arguments that are JSON (ids, channel ids, dates as ISO text).
The action stores it in the outbox in its own transaction (bot.bootstrap.Services.work), so what the person is told
has happened is kept before the answer goes out; the courier (or, without one, the thread that acked) runs it right
after, and a restart runs it again if the process died first. A job reads the database afresh and writes only keyed
rows (every card, notice and update has an idempotency key), so a second run adds nothing.

A closure would not survive a restart: that is why a follow-up is a name and JSON, never a function object.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from commands.base import CommandContext, Reply

Job = Callable[..., "Reply | None"]
_JOBS: dict[str, Job] = {}
_PACKAGE = "commands."  # jobs live in the families' modules; a stored name outside them is never imported


def job(function: Job) -> Job:
    """Mark `function(ctx, **args)` as a job an action may leave for later (registered by its dotted name)."""
    _JOBS[_name(function)] = function
    return function


def _name(function: Job) -> str:
    return f"{function.__module__}:{function.__qualname__}"


@dataclass(frozen=True)
class Later:
    """One or more jobs to run, in order, after the acknowledgement; the first reply one of them returns is kept."""

    steps: tuple[tuple[str, dict[str, Any]], ...] = field(default_factory=tuple)

    def __add__(self, other: Later | None) -> Later:
        return self if other is None else Later(self.steps + other.steps)

    def __radd__(self, other: Later | None) -> Later:
        return self if other is None else Later(other.steps + self.steps)

    def as_json(self) -> list[dict[str, Any]]:
        return [{"job": name, "args": args} for name, args in self.steps]


def later(function: Job, **args: Any) -> Later:
    """`function` (a `@job`) with `args`, to run after the acknowledgement. The arguments must be JSON as they are:
    a value JSON would change (a date, a tuple, a set) is refused here, where the mistake is made, not after a
    restart."""
    name = _name(function)
    if _JOBS.get(name) is not function:
        raise ValueError(f"{name} is not marked @job")
    try:
        plain = json.loads(json.dumps(args, ensure_ascii=False)) == args
    except (TypeError, ValueError):  # a date, a set, an object: no JSON at all
        plain = False
    if not plain:
        raise ValueError(f"the arguments of {name} are not plain JSON: {args!r}")
    return Later(((name, args),))


def find(name: str) -> Job:
    """The job stored as `name` (its module imported on first use, e.g. by a process started after a crash)."""
    found = _JOBS.get(name)
    if found is None and name.startswith(_PACKAGE) and ":" in name:
        importlib.import_module(name.split(":", 1)[0])
        found = _JOBS.get(name)
    if found is None:
        raise LookupError(f"no job named {name}")
    return found


def run(ctx: CommandContext, steps: list[dict[str, Any]]) -> Reply | None:
    """Run stored steps (Later.as_json) in `ctx`; the first reply one returns."""
    said = None
    for step in steps:
        reply = find(str(step["job"]))(ctx, **dict(step.get("args") or {}))
        said = said or reply
    return said
