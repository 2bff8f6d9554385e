"""`/dept` (部署): list, who, join, leave, sync."""

from __future__ import annotations

from sqlmodel import Session, select

from commands.base import CommandContext, Reply, department_choices, escape, mention_list
from commands.channels import format_report, sync_channels
from commands.suggest import echo, fold, unknown_department, unknown_sub
from storage.directory import ADMIN, LIAISON, project_overview, users_with_role
from storage.models import Department
from storage.roles import channel_where, find_department, has_role, join_department, leave_department, liaison_places

ALIASES = {"list": "list", "一覧": "list", "who": "who", "誰": "who", "join": "join", "参加": "join",
           "leave": "leave", "脱退": "leave", "sync": "sync", "同期": "sync"}


def _usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    return Reply(text="\n".join(filter(None, [problem, ctx.t("dept.usage")])))


def _department_or_reply(ctx: CommandContext, sub: str, name: str) -> Department | Reply:
    if not fold(name):
        return _usage(ctx, ctx.t("dept.needs_department", sub=sub))
    department = find_department(ctx.session, fold(name))
    if department is None:
        departments = list(ctx.session.exec(select(Department).order_by(Department.id)))
        return Reply(text=unknown_department(
            ctx.t, ctx.t("dept.unknown_department", name=echo(name)), name, departments, f"/dept {sub} {{}}",
            ctx.t("suggest.known_departments", known=department_choices(departments))))
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
    it_slugs = set(ctx.session.exec(select(Department.slug).where(Department.role == "it")))
    sections = []
    for project in projects:
        lines = [ctx.t("dept.list_title", project=escape(project.name))]
        for d in project.departments:
            channel = f"<#{d.channel_id}>" if d.channel_id else ctx.t("renkei.status_no_channel")
            lines.append(ctx.t("dept.list_line", name=escape(d.name), slug=d.slug, liaisons=mention_list(d.liaisons, nobody),
                               channel=channel, it=ctx.t("dept.it_mark") if d.slug in it_slugs else ""))
        sections.append("\n".join(lines))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": section[:3000]}} for section in sections][:50]
    return Reply(text="\n\n".join(sections), blocks=blocks)


def who(ctx: CommandContext, department: Department) -> Reply:
    """A department's liaisons and its channel in each project."""
    liaisons = users_with_role(ctx.session, LIAISON, department_id=department.id)
    lines = [ctx.t("dept.who_title", name=escape(department.name), slug=department.slug),
             ctx.t("dept.who_liaisons", liaisons=mention_list(liaisons, ctx.t("renkei.nobody")))]
    for project in project_overview(ctx.session):
        for d in project.departments:
            if d.slug == department.slug:
                channel = f"<#{d.channel_id}>" if d.channel_id else ctx.t("renkei.status_no_channel")
                lines.append(ctx.t("dept.who_channel", project=escape(project.name), channel=channel))
    return Reply(text="\n".join(lines))


def join(ctx: CommandContext, department: Department) -> Reply:
    """The user becomes a liaison of the department (stored; shown by list and who)."""
    if join_department(ctx.session, ctx.user_id, department):
        return Reply(text=ctx.t("dept.joined", name=escape(department.name), slug=department.slug))
    return Reply(text=ctx.t("dept.already_member", name=escape(department.name)))


def leave(ctx: CommandContext, department: Department) -> Reply:
    """The user stops being a liaison they became with /dept join."""
    outcome = leave_department(ctx.session, ctx.user_id, department)
    return Reply(text=ctx.t(f"dept.{ {'left': 'left', 'config': 'left_config', 'not_member': 'not_member'}[outcome] }",
                            name=escape(department.name)))


def sync(ctx: CommandContext) -> Reply:
    """Admins only: run the same channel sync as `renkei sync`, reporting the table when done."""
    if not has_role(ctx.session, ctx.user_id, ADMIN):
        return Reply(text=ctx.t("dept.admins_only"))
    slack, t = ctx.slack, ctx.t

    def run(session: Session) -> Reply:
        report = format_report(t, sync_channels(session, slack, t))
        return Reply(text=f"```\n{report}\n```")

    return Reply(text=ctx.t("sync.started"), followup=run)


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
    department = _department_or_reply(ctx, sub, rest)
    if isinstance(department, Reply):
        return department
    return {"who": who, "join": join, "leave": leave}[sub](ctx, department)
