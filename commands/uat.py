"""`/uat`: placeholder of the family until it is built (issue 16); answers with its usage."""

from __future__ import annotations

from commands.base import CommandContext, Reply

WORDS = ("add", "list", "result", "review", "test")  # what people type after /uat


def handle(ctx: CommandContext, text: str) -> Reply:
    return Reply(text=ctx.t("uat.usage"))
