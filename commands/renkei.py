"""`/renkei help`, `/renkei status` and `/renkei phase` (the project's phase; the 振り返り's button and form)."""

from __future__ import annotations

from commands import phase, retro
from commands.base import CommandContext, Reply, escape
from commands.blocks import message, section
from commands.buttons import Button, Form
from commands.families import family_names
from commands.people import names_in_slack, warm
from commands.suggest import fold, unknown_sub
from storage.directory import project_overview

HELP_WORDS, STATUS_WORDS = ("help", "ヘルプ"), ("status", "状況")
WORDS = HELP_WORDS + STATUS_WORDS + phase.WORDS  # what people type after /renkei (tests/test_wording.py: English ones)


def build_help(ctx: CommandContext) -> Reply:
    """Every command with its usage: one section per command family (`help.<family>`), in manifest.yml's order."""
    lines = [ctx.t(f"help.{name}") for name in family_names()]
    blocks = message(section(ctx.t("help.title")), *(section(line) for line in lines), t=ctx.t)
    return Reply(text="\n".join([ctx.t("help.title"), *lines]), blocks=blocks)


def build_status(ctx: CommandContext) -> Reply:
    """The projects and departments the bot knows, with liaisons and channels."""
    projects = project_overview(ctx.session)
    if not projects:
        return Reply(text=ctx.t("renkei.status_empty"))
    nobody = ctx.t("renkei.nobody")
    name = names_in_slack(ctx)
    sections = []
    for project in projects:
        lines = [
            ctx.t(
                "renkei.status_project",
                name=escape(project.name),
                slug=project.slug,
                count=len(project.departments),
                leads=name.join(project.leads, nobody),
            )
        ]
        for department in project.departments:
            channel = f"<#{department.channel_id}>" if department.channel_id else ctx.t("renkei.status_no_channel")
            lines.append(
                ctx.t(
                    "renkei.status_department",
                    name=escape(department.name),
                    slug=department.slug,
                    liaisons=name.join(department.liaisons, nobody),
                    channel=channel,
                )
            )
        sections.append("\n".join(lines))
    blocks = message(
        section(ctx.t("renkei.status_title")), *(section(text) for text in sections), t=ctx.t, where="`/dept list`"
    )  # in a project's channel, /dept list shows that project alone
    return Reply(text="\n".join([ctx.t("renkei.status_title"), *sections]), blocks=blocks, followup=warm(name))


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/renkei <text>`: help (also with no text), status, phase, or the usage line."""
    words = [w for w in text.split() if fold(w)]  # a stray zero-width space is no word
    sub = fold(words[0]) if words else "help"
    if sub in HELP_WORDS and len(words) <= 1:
        return build_help(ctx)
    if sub in STATUS_WORDS and len(words) == 1:
        return build_status(ctx)
    if sub in phase.WORDS:
        return phase.handle(ctx, words[1:])
    if sub in HELP_WORDS + STATUS_WORDS:
        return Reply(text=ctx.t("renkei.usage"))
    return Reply(text=unknown_sub(ctx.t, "/renkei", words[0], WORDS, ctx.t("renkei.usage")))


# The monthly 振り返り's button and form (commands/retro.py): a family declares them, and /renkei is the family.
BUTTONS: dict[str, Button] = {**retro.BUTTONS}
FORMS: dict[str, Form] = {**retro.FORMS}
