"""Which command function answers which slash command: shared by Slack listeners and the console."""

from __future__ import annotations

from commands.base import CommandContext, Reply
from commands.families import Handler, families
from commands.suggest import fold, unknown_command


def derive_commands() -> dict[str, Handler]:
    """Every slash command of manifest.yml with its family's `handle` (`/issue` → commands.issue.handle).

    The convention is commands/families.py's; a manifest command without its module fails here, at start-up.
    """
    return {family.command: family.handle for family in families()}


COMMANDS: dict[str, Handler] = derive_commands()


def run_command(ctx: CommandContext, command: str, text: str) -> Reply:
    """Answer one slash command typed by `ctx.user_id`; an unknown one names the command it most likely meant."""
    handler = COMMANDS.get(command) or COMMANDS.get(fold(command))
    if handler is None:
        return Reply(text=unknown_command(ctx.t, command, COMMANDS))
    return handler(ctx, text)
