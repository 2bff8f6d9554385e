"""Which command function answers which slash command: shared by Slack listeners and the console."""

from __future__ import annotations

from typing import Callable

from commands import dept, issue, meeting, renkei, report, standup, win
from commands.base import CommandContext, Reply
from commands.suggest import fold, unknown_command

Handler = Callable[[CommandContext, str], Reply]

# Every slash command of manifest.yml, each with the command function that answers it.
COMMANDS: dict[str, Handler] = {
    "/renkei": renkei.handle,
    "/issue": issue.handle,
    "/win": win.handle,
    "/standup": standup.handle,
    "/meeting": meeting.handle,
    "/report": report.handle,
    "/dept": dept.handle,
}


def run_command(ctx: CommandContext, command: str, text: str) -> Reply:
    """Answer one slash command typed by `ctx.user_id`; an unknown one names the command it most likely meant."""
    handler = COMMANDS.get(command) or COMMANDS.get(fold(command))
    if handler is None:
        return Reply(text=unknown_command(ctx.t, command, COMMANDS))
    return handler(ctx, text)
