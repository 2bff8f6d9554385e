"""`/dept` (部署): list, who, join, leave, sync."""

from __future__ import annotations

from typing import Any

from commands.base import CommandContext, Reply, department_choices, escape, post_to_channels
from commands.blocks import actions, button, message, section
from commands.buttons import Button, Pressed
from commands.channels import format_report, sync_channels
from commands.later import job, later
from commands.people import name_everyone, names_in_slack, warm
from commands.suggest import echo, fold, unknown_department, unknown_sub
from commands.where import take_department
from storage.directory import (
    all_departments,
    get_department,
    is_it_department,
    it_department_slugs,
    project_overview,
    users_with_role,
)
from storage.enums import RequestStatus, Role
from storage.ids import id_of
from storage.models import Department, RoleRequest
from storage.roles import (
    Action,
    channel_where,
    decide_request,
    find_department,
    get_role_request,
    join_request_targets,
    leave_department,
    liaison_places,
    may,
    request_join,
)

APPROVE_BUTTON, DECLINE_BUTTON = "dept_join_approve", "dept_join_decline"

ALIASES = {
    "list": "list",
    "一覧": "list",
    "who": "who",
    "誰": "who",
    "join": "join",
    "参加": "join",
    "leave": "leave",
    "脱退": "leave",
    "sync": "sync",
    "同期": "sync",
}
WORDS = (*ALIASES, "dept")  # what people type after /dept (tests/test_wording.py allows its English words in ja.yml)


def _usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    return Reply(text="\n".join(filter(None, [problem, ctx.t("dept.usage")])))


def _department_or_reply(ctx: CommandContext, sub: str, name: str) -> Department | Reply:
    if not fold(name):
        return _usage(ctx, ctx.t("dept.needs_department", sub=sub))
    department = find_department(ctx.session, fold(name))
    if department is None:
        departments = all_departments(ctx.session)
        return Reply(
            text=unknown_department(
                ctx.t,
                ctx.t("dept.unknown_department", name=echo(name)),
                name,
                departments,
                f"/dept {sub} {{}}",
                ctx.t("suggest.known_departments", known=department_choices(departments)),
            )
        )
    return department


def list_departments(ctx: CommandContext) -> Reply:
    """Every department of the project in context (or of every project) with liaisons and channel."""
    here = channel_where(ctx.session, ctx.channel_id)
    mine = {w.project.slug for w in liaison_places(ctx.session, ctx.user_id)}
    projects = project_overview(ctx.session)
    if here is not None:
        projects = [p for p in projects if p.slug == here.project.slug]
    elif mine:
        projects = [p for p in projects if p.slug in mine]
    if not projects:
        return Reply(text=ctx.t("dept.no_projects"))
    nobody = ctx.t("renkei.nobody")
    name = names_in_slack(ctx)
    it_slugs = it_department_slugs(ctx.session)
    sections = []
    for project in projects:
        lines = [ctx.t("dept.list_title", project=escape(project.name))]
        for d in project.departments:
            channel = f"<#{d.channel_id}>" if d.channel_id else ctx.t("renkei.status_no_channel")
            lines.append(
                ctx.t(
                    "dept.list_line",
                    name=escape(d.name),
                    slug=d.slug,
                    liaisons=name.join(d.liaisons, nobody),
                    channel=channel,
                    it=ctx.t("dept.it_mark") if d.slug in it_slugs else "",
                )
            )
        sections.append("\n".join(lines))
    blocks = message(*(section(text) for text in sections), t=ctx.t)
    return Reply(text="\n\n".join(sections), blocks=blocks, followup=warm(name))


def who(ctx: CommandContext, department: Department) -> Reply:
    """A department's liaisons and its channel in each project."""
    liaisons = users_with_role(ctx.session, Role.LIAISON, department_id=department.id)
    name = names_in_slack(ctx)
    lines = [
        ctx.t("dept.who_title", name=escape(department.name), slug=department.slug),
        ctx.t("dept.who_liaisons", liaisons=name.join(liaisons, ctx.t("renkei.nobody"))),
    ]
    for project in project_overview(ctx.session):
        for d in project.departments:
            if d.slug == department.slug:
                channel = f"<#{d.channel_id}>" if d.channel_id else ctx.t("renkei.status_no_channel")
                lines.append(ctx.t("dept.who_channel", project=escape(project.name), channel=channel))
    return Reply(text="\n".join(lines), followup=warm(name))


def request_card(t, request: RoleRequest, department: Department) -> tuple[str, list[dict[str, Any]]]:
    """The card asking the department's liaisons to approve (承認) or decline (却下) a join request."""
    text = t("dept.request_card", user=request.user_id, name=escape(department.name))
    value = str(request.id)
    buttons = actions(
        button(t("dept.button_approve"), APPROVE_BUTTON, value=value, style="primary"),
        button(t("dept.button_decline"), DECLINE_BUTTON, value=value),
        block_id=f"role_request_{request.id}",
    )
    return text, message(section(text), buttons, t=t)


def join(ctx: CommandContext, department: Department) -> Reply:
    """Ask to become the department's liaison: a card to its channels; nothing is granted until approved."""
    name = escape(department.name)
    outcome, request = request_join(ctx.session, ctx.user_id, department)
    if outcome != "requested":
        return Reply(
            text=ctx.t(
                {"it": "dept.join_it", "member": "dept.already_member", "pending": "dept.join_pending"}[outcome], name=name
            )
        )
    assert request is not None, "'requested' comes with the new request"
    targets, _ = join_request_targets(ctx.session, id_of(department))
    if not targets:
        return Reply(text=ctx.t("dept.join_requested_nobody", name=name))
    text, blocks = request_card(ctx.t, request, department)
    # stored with the request, in its transaction: the cards are kept before the person is told they were asked for
    post_to_channels(ctx.slack, key=f"role_request:{request.id}:card", channels=targets, text=text, blocks=blocks)
    return Reply(text=ctx.t("dept.join_requested", name=name))


def decide(ctx: CommandContext, value: str, *, approve: bool) -> tuple[Reply, tuple[str, list[dict[str, Any]]] | None]:
    """The 承認 / 却下 buttons: a liaison from renkei.yml or an admin decides a join request, once.

    Returns the reply for the presser and, once decided, the card's new text (no buttons) for everyone.
    The requester is told the outcome by DM either way, in the reply's follow-up (after the ack).
    """
    text = str(value or "")
    request = get_role_request(ctx.session, int(text)) if text.isdigit() and len(text) < 10 else None
    department = get_department(ctx.session, request.department_id) if request is not None else None
    if request is None or department is None:
        return Reply(text=ctx.t("dept.request_not_found")), None
    name = escape(department.name)
    if not may(ctx.session, ctx.user_id, Action.APPROVE_JOIN, department_id=department.id):
        return Reply(text=ctx.t("dept.decide_not_permitted", name=name)), None
    if approve and is_it_department(department):  # made `role: it` after the request: only renkei.yml names IT
        return Reply(text=ctx.t("dept.approve_it", name=name)), None
    request_id = id_of(request)
    decided = decide_request(ctx.session, request_id, ctx.user_id, approve=approve)
    request = get_role_request(ctx.session, request_id)  # as this decision, or the first one, left it
    if request is None:
        return Reply(text=ctx.t("dept.request_not_found")), None
    if not decided:
        return Reply(
            text=ctx.t(
                "dept.request_already_decided", user=request.decided_by or "", outcome=ctx.t(f"dept.outcome_{request.status}")
            )
        ), _decided_card(ctx, request, name)
    outcome = RequestStatus.APPROVED if request.status == RequestStatus.APPROVED else RequestStatus.DECLINED
    ctx.slack.post_message(  # the requester told, stored with the decision
        key=f"role_request:{request_id}:{outcome}",
        channel=request.user_id,
        text=ctx.t(f"dept.{outcome}_dm", name=name, slug=department.slug, decider=ctx.user_id),
    )
    return Reply(text=ctx.t(f"dept.{outcome}", user=request.user_id, name=name)), _decided_card(ctx, request, name)


def _decided_card(ctx: CommandContext, request: RoleRequest, name: str) -> tuple[str, list[dict[str, Any]]]:
    text = ctx.t(
        "dept.request_decided_card",
        user=request.user_id,
        name=name,
        outcome=ctx.t(f"dept.outcome_{request.status}"),
        decider=request.decided_by or "",
    )
    return text, message(section(text), t=ctx.t)


def approve(ctx: CommandContext, value: str) -> tuple[Reply, tuple[str, list[dict[str, Any]]] | None]:
    """The 承認 button."""
    return decide(ctx, value, approve=True)


def decline(ctx: CommandContext, value: str) -> tuple[Reply, tuple[str, list[dict[str, Any]]] | None]:
    """The 却下 button."""
    return decide(ctx, value, approve=False)


def leave(ctx: CommandContext, department: Department) -> Reply:
    """The user stops being a liaison they became by an approved /dept join."""
    outcome = leave_department(ctx.session, ctx.user_id, department)
    return Reply(
        text=ctx.t(
            f"dept.{ {'left': 'left', 'config': 'left_config', 'not_member': 'not_member'}[outcome] }",
            name=escape(department.name),
        )
    )


def sync(ctx: CommandContext) -> Reply:
    """Admins only: run the same channel sync as `renkei sync`, reporting the table when done."""
    if not may(ctx.session, ctx.user_id, Action.SYNC):
        return Reply(text=ctx.t("dept.admins_only"))

    return Reply(text=ctx.t("sync.started"), followup=later(sync_now))


@job
def sync_now(ctx: CommandContext) -> Reply:
    """The job of `/dept sync`: the channels made to match renkei.yml, and the table of what was done."""
    report = format_report(ctx.t, sync_channels(ctx.session, ctx.slack, ctx.t))
    name_everyone(ctx.session, ctx.slack, ctx.project_file.people)  # the people it made members, named by Slack
    return Reply(text=f"```\n{report}\n```")


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/dept <text>`."""
    words = text.split(maxsplit=1)
    if not words:
        return _usage(ctx)
    sub = ALIASES.get(fold(words[0]))
    rest = words[1].strip() if len(words) > 1 else ""
    if sub is None:
        return Reply(text=unknown_sub(ctx.t, "/dept", words[0], ALIASES, ctx.t("dept.usage")))
    if sub in ("list", "sync"):
        if rest:
            return _usage(ctx)
        return list_departments(ctx) if sub == "list" else sync(ctx)
    named = take_department(ctx, rest)  # `/dept who 部署:税務課` is `/dept who 税務課`
    if isinstance(named, Reply):
        return named
    if named.department is not None and named.text:
        return _usage(ctx, ctx.t("where.two_departments"))
    department = named.department or _department_or_reply(ctx, sub, rest)
    if isinstance(department, Reply):
        return department
    return {"who": who, "join": join, "leave": leave}[sub](ctx, department)


def press_approve(ctx: CommandContext, value: str) -> Pressed:
    """The 承認 button on a join request."""
    return Pressed(*approve(ctx, value))


def press_decline(ctx: CommandContext, value: str) -> Pressed:
    """The 却下 button on a join request."""
    return Pressed(*decline(ctx, value))


BUTTONS: dict[str, Button] = {APPROVE_BUTTON: press_approve, DECLINE_BUTTON: press_decline}
