"""`/win` (小さな成功): record a small win and share it with every department of the project."""

from __future__ import annotations

from commands.base import CommandContext, Reply, escape, post_to_channels
from commands.blocks import message, section
from commands.issue import refuse_residents_data
from commands.issue_blocks import local_time, win_card
from commands.limits import rate_limit
from commands.people import names_in_slack, warm
from commands.suggest import fold, nearest, unknown_sub
from commands.text import BODY_LIMIT, plain_text
from commands.where import Ask, department_button, projects_in_view, resolve_department, take_department, view_refusal
from storage.directory import project_channels
from storage.ids import id_of
from storage.issues import names
from storage.limits import Family
from storage.models import Department
from storage.roles import Action, Where, channel_where, may
from storage.wins import create_win, recent_wins

LIST_WORDS = ("list", "一覧")
DEPARTMENT_BUTTON = "win_department"  # one per department, when several could be meant: the win is shared for it
WORDS = (*LIST_WORDS, "dept")  # what people type after /win (tests/test_wording.py allows its English words in ja.yml)


def add(ctx: CommandContext, raw: str, department: Department | None = None) -> Reply:
    """Store the win for the named department, else this channel's or the user's (the project's, from the leads
    channel, for those who run it); share it in every channel of the project after the ack. A user who could mean
    several departments is asked with buttons."""
    limited = rate_limit(ctx, Family.WINS)
    if limited:
        return limited
    text = plain_text(raw)
    if len(text) > BODY_LIMIT:
        return Reply(text="\n".join([ctx.t("win.problem_too_long", limit=BODY_LIMIT, length=len(text)), ctx.t("win.usage")]))
    refusal = refuse_residents_data(ctx, text)
    if refusal:
        return refusal
    here = channel_where(ctx.session, ctx.channel_id)
    if (
        department is None
        and here is not None
        and here.department is None
        and may(ctx.session, ctx.user_id, Action.SHARE_PROJECT_WIN, project_id=here.project.id)
    ):
        where = here  # the leads channel: a win of the whole project
    else:
        chosen = resolve_department(ctx, department, ask=Ask(DEPARTMENT_BUTTON, "/win", raw))
        if isinstance(chosen, Reply):
            return chosen
        where = Where(chosen.project, chosen.department)
    if not may(ctx.session, ctx.user_id, Action.SHARE_WIN, project_id=where.project.id):
        return Reply(text=ctx.t("win.not_permitted", project=escape(where.project.name)))
    win = create_win(
        session=ctx.session,
        project_id=id_of(where.project),
        department_id=where.department.id if where.department else None,
        reporter_id=ctx.user_id,
        text=text,
    )
    channels = project_channels(ctx.session, where.project)  # every department's, then the leads'
    if not channels:
        return Reply(text=ctx.t("win.created_no_channels"))
    message, blocks = win_card(ctx.t, win, where.department, where.project.name, names_in_slack(ctx))
    # stored with the win, in its transaction: what the person is told is shared is kept before the answer
    post_to_channels(ctx.slack, key=f"win:{win.id}", channels=channels, text=message, blocks=blocks)
    return Reply(text=ctx.t("win.created", count=len(channels)))


def list_(ctx: CommandContext) -> Reply:
    """The latest wins of the projects in context."""
    refused = view_refusal(ctx)
    if refused:
        return refused
    project_ids = projects_in_view(ctx)
    wins = recent_wins(ctx.session, project_ids)
    if not wins:
        return Reply(text=ctx.t("win.list_empty"))
    departments, _ = names(ctx.session)
    name = names_in_slack(ctx)
    lines = [
        ctx.t(
            "win.list_line",
            when=local_time(w.created_at, ctx.timezone)[:10],
            department=escape(departments[w.department_id].name) if w.department_id else ctx.t("win.from_leads"),
            user=name(w.reporter_id),
            text=escape(w.text),
        )
        for w in wins
    ]
    text = "\n".join([ctx.t("win.list_title"), *lines])
    return Reply(text=text, blocks=message(section(text), t=ctx.t), followup=warm(name))


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/win [部署:<dept>] <text>` or `/win list`."""
    named = take_department(ctx, text)
    if isinstance(named, Reply):
        return named
    words = [w for w in named.text.split() if fold(w)]  # a stray zero-width space is no word
    if not words:
        return Reply(text="\n".join([ctx.t("win.problem_empty"), ctx.t("win.usage")]))
    if fold(words[0]) in LIST_WORDS:
        return list_(ctx) if len(words) == 1 and named.department is None else Reply(text=ctx.t("win.usage"))
    if len(words) == 1 and nearest(words[0], LIST_WORDS):  # `/win lsit` is a typo, not a win
        return Reply(text=unknown_sub(ctx.t, "/win", words[0], LIST_WORDS, ctx.t("win.usage")))
    return add(ctx, named.text, named.department)


BUTTONS = {DEPARTMENT_BUTTON: department_button(handle)}
