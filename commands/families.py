"""The command families: one per slash command of the Slack app manifest, found by convention, listed nowhere else.

A family is a slash command of manifest.yml's `features.slash_commands`, in the manifest's order. `/handover` is the
family `handover` (a hyphen in the command is an underscore in the name), and everything else follows from the name:

- `commands/handover.py` answers the command with `handle(ctx, text) -> Reply` (bot.dispatch.COMMANDS);
- that module may declare, next to its code, `BUTTONS` ({action_id: (ctx, value) -> Pressed}) and `FORMS`
  ({callback_id: Form}), of commands.buttons; bot.interactions collects them and routes every click and submission
  (from the Bolt listeners, which register every entry, and from the console);
- `help.handover` in both catalogs is its section of `/renkei help`, in the manifest's order;
- `WORDS`, when the module declares it, are what people type after the command (tests/test_wording.py allows
  their English ones in ja.yml).

The family's reminder, if any, is a job kind of reminders/jobs/ (found there the same way). So adding a family is
its module, its job module, its manifest entry and its catalog keys (CONTRIBUTING.md lists them).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import import_module, resources
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

import yaml

from commands.base import CommandContext, Reply
from commands.buttons import Button, Form

Handler = Callable[[CommandContext, str], Reply]

MANIFEST = "manifest.yml"
# The manifest ships in the `bot` package (bot/manifest.yml, a symlink to the repository root's in a checkout). It
# is read here as a data file, the same way as bot.resources.manifest_path finds it for `renkei check`: commands/
# imports nothing from bot/ (docs/style.md, Layers), and tests/test_family_template.py holds that both find the same file.
REPOSITORY_MANIFEST = Path(__file__).resolve().parent.parent / MANIFEST


class FamilyError(LookupError):
    """A manifest command that breaks the convention (no module, no handle) or a button or form id taken twice."""


def manifest_file() -> Path:
    """The app manifest: the copy installed with the `bot` package, else the repository root's (no symlinks)."""
    packaged = resources.files("bot").joinpath(MANIFEST)
    if packaged.is_file() and packaged.read_text(encoding="utf-8").strip() != f"../{MANIFEST}":
        return Path(str(packaged))
    return REPOSITORY_MANIFEST


@functools.cache
def manifest_commands() -> tuple[str, ...]:
    """The slash commands of the manifest (`/renkei`, `/issue` …), in its order: the one list of families."""
    data = yaml.safe_load(manifest_file().read_text(encoding="utf-8")) or {}
    return tuple(str(entry["command"]) for entry in (data.get("features") or {}).get("slash_commands") or [])


def family_name(command: str) -> str:
    """`/standup` → `standup`, `/hand-over` → `hand_over`: the module's name under commands/ and the help key's."""
    return command.removeprefix("/").replace("-", "_")


def family_names() -> list[str]:
    """Every family's name, in the manifest's order (the sections of `/renkei help`, `help.<name>`)."""
    return [family_name(command) for command in manifest_commands()]


@dataclass(frozen=True)
class Family:
    """One slash command and the module of commands/ that answers it."""

    command: str
    name: str
    module: ModuleType

    @property
    def handle(self) -> Handler:
        """The command function: the module's `handle(ctx, text) -> Reply`."""
        handle: Handler = self.module.handle
        return handle

    @property
    def buttons(self) -> dict[str, Button]:
        """The module's `BUTTONS` (none when it declares none)."""
        return dict(getattr(self.module, "BUTTONS", {}))

    @property
    def forms(self) -> dict[str, Form]:
        """The module's `FORMS` (none when it declares none)."""
        return dict(getattr(self.module, "FORMS", {}))

    @property
    def words(self) -> tuple[str, ...]:
        """The module's `WORDS` (none when it declares none)."""
        return tuple(getattr(self.module, "WORDS", ()))


def load(command: str) -> Family:
    """The family of one manifest command: `commands.<name>` imported, its `handle` checked."""
    name = family_name(command)
    try:
        module = import_module(f"{__package__}.{name}")
    except ModuleNotFoundError as missing:
        if missing.name != f"{__package__}.{name}":
            raise  # the module exists and imports something missing: that error, not ours
        raise FamilyError(f"{command} (manifest.yml) needs commands/{name}.py with handle(ctx, text)") from None
    if not callable(getattr(module, "handle", None)):
        raise FamilyError(f"commands/{name}.py answers {command}: it needs handle(ctx, text) -> Reply")
    return Family(command, name, module)


def families() -> list[Family]:
    """Every family of the manifest, in its order."""
    return [load(command) for command in manifest_commands()]


def _merged(tables: Iterable[tuple[Family, dict[str, Any]]], what: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for family, table in tables:
        for key, value in table.items():
            if key in merged:
                raise FamilyError(f"{what} {key!r} is declared by commands/{owner[key]}.py and commands/{family.name}.py")
            merged[key], owner[key] = value, family.name
    return merged


def all_buttons() -> dict[str, Button]:
    """Every family's BUTTONS in one table by action_id, in the manifest's order (an id declared twice is an error)."""
    return _merged(((family, family.buttons) for family in families()), "action_id")


def all_forms() -> dict[str, Form]:
    """Every family's FORMS in one table by callback_id, in the manifest's order (an id declared twice is an error)."""
    return _merged(((family, family.forms) for family in families()), "callback_id")
