"""Where a command applies, or the reply that asks the user to say it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from commands.base import CommandContext, Reply, department_choices, escape
from commands.blocks import actions, button, message, section
from commands.buttons import Button, Pressed, number_of
from commands.suggest import echo, fold, unknown_department
from commands.text import normal
from storage.directory import all_departments, all_projects, get_department, project_departments
from storage.held import hold_command, take_held_command
from storage.ids import id_of
from storage.models import Department, Project
from storage.roles import (
    Action,
    Ambiguous,
    Nowhere,
    Where,
    channel_where,
    find_department,
    grants,
    may,
    member_projects,
    resolve_where,
    viewable_projects,
)


@dataclass(frozen=True)
class DepartmentWhere:
    """A Where with its department: what `resolve_department` finds."""

    project: Project
    department: Department


def projects_in_view(ctx: CommandContext) -> set[int]:
    """Projects a listing covers: this channel's project, else the user's own ones (every one for an admin);
    only projects the user may read (`may(view_project)`): reading follows membership, so it may be empty."""
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        project_id = id_of(here.project)
        return {project_id} if may(ctx.session, ctx.user_id, Action.VIEW_PROJECT, project_id=project_id) else set()
    return {id_of(p) for p in viewable_projects(ctx.session, ctx.user_id)}


def view_refusal(ctx: CommandContext) -> Reply | None:
    """The polite refusal when the user may read no project here (see `projects_in_view`); None otherwise."""
    if projects_in_view(ctx):
        return None
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        return Reply(text=ctx.t("where.not_member_here", project=escape(here.project.name)))
    return Reply(text=ctx.t("where.not_member"))


def project_view_refusal(ctx: CommandContext, project: Project) -> Reply | None:
    """The polite refusal when the user may not read this project; None when they may."""
    if may(ctx.session, ctx.user_id, Action.VIEW_PROJECT, project_id=project.id):
        return None
    return Reply(text=ctx.t("where.not_member_here", project=escape(project.name)))


def resolve_project(ctx: CommandContext) -> Project | Reply:
    """The project a project-wide command (meetings, stand-up status) applies to: this channel's, else the
    user's only one; a Reply asking where when that is unclear."""
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        return here.project
    mine = member_projects(ctx.session, ctx.user_id)
    if not mine and grants(ctx.session, ctx.user_id).admin:  # admins act on every project
        mine = all_projects(ctx.session)
    if len(mine) == 1:
        return mine[0]
    if mine:
        return Reply(text=ctx.t("where.ambiguous", choices=", ".join(escape(p.name) for p in mine)))
    return Reply(text=ctx.t("where.nowhere"))


def resolve(ctx: CommandContext, department: Department | None = None) -> Where | Reply:
    """The project department of this channel (or the user's own); a Reply when that is unclear."""
    where = resolve_where(ctx.session, user_id=ctx.user_id, channel_id=ctx.channel_id, department=department)
    return where if isinstance(where, Where) else resolve_reply(ctx, where)


# --- naming the department: `部署:税務課`, `dept:zeimu`, `部署：税務課` -----------------------------------------------

DEPARTMENT_WORDS = ("部署", "dept")  # what comes before the colon (tests/test_wording.py allows `dept` in ja.yml)
_TOKEN = re.compile(r"(?<!\S)([^\s:：]+)[:：](\S*)[ \t\u3000]*")


@dataclass(frozen=True)
class Named:
    """A command's text without its `部署:X` token, and the department the token named (None without one)."""

    text: str
    department: Department | None


def department_token(department: Department) -> str:
    """The token naming `department` (`部署:zeimu`): what a 部署 button puts before the command it re-runs."""
    return f"部署:{department.slug}"


def take_department(ctx: CommandContext, text: str) -> Named | Reply:
    """Take one `部署:X` / `dept:X` token (full-width colon and letters too; X a department's name or slug) out of
    the text, before the family's grammar reads it; a Reply saying how to write it when X names no department."""
    tokens = [m for m in _TOKEN.finditer(text) if normal(m.group(1)) in DEPARTMENT_WORDS]
    if not tokens:
        return Named(text, None)
    typed = {normal(m.group(2)).lstrip("#") for m in tokens}
    if len(typed) > 1:
        return Reply(text="\n".join([ctx.t("where.two_departments"), ctx.t("where.how_to_name")]))
    name = tokens[0].group(2)
    department = find_department(ctx.session, fold(name)) if fold(name) else None
    if department is None:
        departments = all_departments(ctx.session)
        problem = ctx.t("where.unknown_department", name=echo(name)) if fold(name) else ctx.t("where.empty_department")
        known = "\n".join([ctx.t("suggest.known_departments", known=department_choices(departments)), ctx.t("where.how_to_name")])
        return Reply(text=unknown_department(ctx.t, problem, name, departments, "部署:{}", known))
    kept = text
    for match in reversed(tokens):
        kept = kept[: match.start()] + kept[match.end() :]
    return Named(kept.strip(), department)


Choice = Callable[[Department], bool]


@dataclass(frozen=True)
class Ask:
    """How a command asks which department when several could be meant: its family's 部署 button, the command and
    its text (without a token), which the press runs again with the chosen department."""

    button: str
    command: str
    text: str
    offer: Choice | None = None  # which departments to offer (all of the places found, by default)


def resolve_department(
    ctx: CommandContext, department: Department | None = None, *, ask: Ask | None = None
) -> DepartmentWhere | Reply:
    """Like `resolve`, but a department is required: the named one, this channel's, or the user's only one. When
    several could be meant (a liaison of two departments, the leads channel), a Reply with one button per department
    (with `ask`); a named department this channel's project lacks, a Reply listing the project's departments."""
    where = resolve_where(ctx.session, user_id=ctx.user_id, channel_id=ctx.channel_id, department=department)
    if isinstance(where, Where) and where.department is not None:
        return DepartmentWhere(where.project, where.department)
    here = channel_where(ctx.session, ctx.channel_id)
    if department is not None and isinstance(where, Nowhere) and here is not None:
        known = department_choices(project_departments(ctx.session, id_of(here.project)))
        return Reply(
            text="\n".join(
                [
                    ctx.t("where.department_not_here", name=escape(department.name), project=escape(here.project.name)),
                    ctx.t("issue.project_departments", known=known),
                ]
            )
        )
    places = _places_to_offer(ctx, where)
    if department is None and ask is not None:
        offered = [p for p in places if ask.offer is None or ask.offer(p.department)]
        if len({p.department.id for p in offered}) == len(offered) > 1:  # one button per department
            return _ask_department(ctx, ask, offered)
        if len(offered) == 1:
            return offered[0]
    if isinstance(where, Where):  # the leads channel: no department
        return Reply(text=ctx.t("issue.needs_department_channel"))
    return resolve_reply(ctx, where)


def _places_to_offer(ctx: CommandContext, where: Where | Ambiguous | Nowhere) -> list[DepartmentWhere]:
    """The departments a user who named none may have meant: the ambiguous places; in the leads channel, the
    project's departments; elsewhere, for a lead or manager who is nobody's liaison, their only project's."""
    if isinstance(where, Ambiguous):
        return [DepartmentWhere(w.project, w.department) for w in where.choices if w.department is not None]
    if isinstance(where, Where):
        project = where.project
    else:
        mine = member_projects(ctx.session, ctx.user_id)
        if len(mine) != 1:
            return []
        project = mine[0]
    return [DepartmentWhere(project, d) for d in project_departments(ctx.session, id_of(project))]


def _ask_department(ctx: CommandContext, ask: Ask, places: list[DepartmentWhere]) -> Reply:
    """The question with one button per department; the command waits (held) for the press."""
    held = hold_command(ctx.session, user_id=ctx.user_id, command=ask.command, text=ask.text)
    several_projects = len({p.project.id for p in places}) > 1
    text = ctx.t("where.choose", command=ask.command)
    buttons = [
        button(
            f"{escape(p.project.name)}/{escape(p.department.name)}" if several_projects else escape(p.department.name),
            ask.button,
            value=f"{held}:{p.department.id}",
        )
        for p in places
    ]
    return Reply(text=text, blocks=message(section(text), actions(*buttons), t=ctx.t))


def department_button(handle: Callable[[CommandContext, str], Reply]) -> Button:
    """A family's 部署 button: the held command run again (`handle`), as if its user had typed the chosen department's
    token; once (a second press, or a press after a day, says so and runs nothing)."""

    def press(ctx: CommandContext, value: str) -> Pressed:
        held_id, _, department_id = value.partition(":")
        department = get_department(ctx.session, number_of(department_id))
        held = take_held_command(ctx.session, number_of(held_id), ctx.user_id) if department is not None else None
        if held is None or department is None:
            return Pressed(reply=Reply(text=ctx.t("where.choice_gone")))
        reply = handle(ctx, f"{department_token(department)} {held.text}")
        done = ctx.t("where.chosen", department=escape(department.name))
        if reply.modal is not None:
            return Pressed(modal=reply.modal, replace=(done, message(section(done), t=ctx.t)))
        return Pressed(reply=reply, replace=(done, message(section(done), t=ctx.t)))

    return press


def resolve_reply(ctx: CommandContext, where: Ambiguous | Nowhere) -> Reply:
    """The reply when it is unclear where a command applies."""
    if isinstance(where, Ambiguous):
        choices = ", ".join(
            f"{escape(w.project.name)}/{escape(w.department.name)}" for w in where.choices if w.department is not None
        )
        return Reply(text=ctx.t("where.ambiguous", choices=choices))
    return Reply(text=ctx.t("where.nowhere"))


def elsewhere(ctx: CommandContext, project_id: int, what: str) -> Reply | None:
    """A refusal when this channel is another project's than `project_id`, whose `what` (`ヒアリング #2`) was named by
    number: acted on from its own project's channels or a DM only, so a number typed in the wrong channel never
    reaches another project's hearing, requirement or session by surprise. None when the channel is fine."""
    here = channel_where(ctx.session, ctx.channel_id)
    if here is None or here.project.id == project_id:
        return None
    return Reply(text=ctx.t("where.other_project", what=what, project=escape(here.project.name)))
