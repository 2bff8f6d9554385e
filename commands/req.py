"""`/req`: placeholder of the family until it is built (issue 16); answers with its usage."""

from __future__ import annotations

from commands.base import CommandContext, Reply

WORDS = ("add", "list", "show", "agree", "hold", "drop")  # what people type after /req


def handle(ctx: CommandContext, text: str) -> Reply:
    return Reply(text=ctx.t("req.usage"))
