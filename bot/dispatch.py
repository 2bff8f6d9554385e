"""Which command function answers which slash command: shared by Slack listeners and the console."""

from __future__ import annotations

from typing import Callable

from commands import dept, issue, meeting, renkei, report, standup, win
from commands.base import CommandContext, Reply

Handler = Callable[[CommandContext, str], Reply]

# Every slash command of manifest.yml; a family not built yet answers that it is not ready.
COMMANDS: dict[str, Handler | None] = {
    "/renkei": renkei.handle,
    "/issue": issue.handle,
    "/win": win.handle,
    "/standup": standup.handle,
    "/meeting": meeting.handle,
    "/report": report.handle,
    "/dept": dept.handle,
    "/hearing": None,
    "/req": None,
    "/uat": None,
}


def run_command(ctx: CommandContext, command: str, text: str) -> Reply:
    """Answer one slash command typed by `ctx.user_id`."""
    handler = COMMANDS.get(command)
    if handler is None:
        return Reply(text=ctx.t("command.not_available", command=command))
    return handler(ctx, text)
