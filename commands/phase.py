"""`/renkei phase [<phase>]`: the project's phase (準備 / 設計 / 開発 / テスト / 運用), shown, or set by its leads.

The project is this channel's, else the user's only one (to set: the only one they lead). The change is announced
in the leads channel and every department channel, saying what changes: after launch (運用) the stand-ups follow
`operation.standup` and the monthly 振り返り starts (reminders/jobs/standup.py, retro.py); back before launch, the
usual rhythm returns.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from commands.base import CommandContext, Reply, escape
from commands.people import names_in_slack
from commands.suggest import echo, fold
from commands.where import project_view_refusal, resolve_project
from storage.directory import all_projects, project_channels
from storage.ids import id_of
from storage.models import Project
from storage.phases import OPERATE, PHASES, set_phase
from storage.projectfile import ProjectSpec
from storage.roles import Action, channel_where, grants, may, member_projects
from words.durations import schedule_text

WORDS = ("phase", "段階")  # what follows /renkei (tests/test_wording.py allows `phase` in ja.yml)
# What a lead may type for each phase: the catalog's Japanese word, or the code (either case, full-width folded).
NAMES = {"準備": "prepare", "設計": "design", "開発": "build", "テスト": "test", "運用": "operate"}


def phase_code(word: str) -> str | None:
    """The phase a typed word names (`運用`, `operate`, `ＯＰＥＲＡＴＥ`), None for anything else."""
    folded = fold(word)
    if folded in PHASES:
        return folded
    return next((code for name, code in NAMES.items() if fold(name) == folded), None)


def phase_name(ctx: CommandContext, code: str) -> str:
    return ctx.t(f"phase.{code}")


def choices(ctx: CommandContext) -> str:
    return ctx.t("phase.separator").join(phase_name(ctx, code) for code in PHASES)


def _project_to_lead(ctx: CommandContext) -> Project | Reply:
    """This channel's project, else the only project the user leads (every project for an admin, if just one)."""
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None:
        return here.project
    pool = all_projects(ctx.session) if grants(ctx.session, ctx.user_id).admin else member_projects(ctx.session, ctx.user_id)
    mine = [p for p in pool if may(ctx.session, ctx.user_id, Action.LEAD_PROJECT, project_id=p.id)]
    if len(mine) == 1:
        return mine[0]
    if mine:
        return Reply(text=ctx.t("where.ambiguous", choices=", ".join(escape(p.name) for p in mine)))
    return Reply(text=ctx.t("phase.not_lead_anywhere"))


def show(ctx: CommandContext) -> Reply:
    """The project's phase, since when, and how to change it."""
    project = resolve_project(ctx)
    if isinstance(project, Reply):
        return project
    refusal = project_view_refusal(ctx, project)
    if refusal:
        return refusal
    name = phase_name(ctx, project.phase)
    if project.phase_changed_at is None:
        text = ctx.t("phase.current_initial", project=escape(project.name), phase=name)
    else:
        since = project.phase_changed_at.astimezone(ZoneInfo(ctx.timezone))
        text = ctx.t("phase.current", project=escape(project.name), phase=name, since=since.strftime("%Y/%m/%d"))
    return Reply(text="\n".join([text, ctx.t("phase.how_to_change", choices=choices(ctx))]))


def changes(ctx: CommandContext, spec: ProjectSpec | None, phase: str, before: str) -> str:
    """What the change means for the rhythm: stand-ups and the 振り返り after launch, the usual ones before."""
    if spec is None or (phase == OPERATE) == (before == OPERATE):
        return ctx.t("phase.rhythm_same")
    retro = schedule_text(ctx.t, spec.operation.retrospective)
    if phase == OPERATE:
        if spec.standup is None:
            standup = ""
        elif spec.operation.standup is None:
            standup = ctx.t("phase.standup_ends")
        else:
            standup = ctx.t("phase.standup_after", schedule=schedule_text(ctx.t, spec.operation.standup))
        return ctx.t("phase.rhythm_operate", standup=standup, retro=retro)
    standup = ctx.t("phase.standup_back", schedule=schedule_text(ctx.t, spec.standup.cron)) if spec.standup else ""
    return ctx.t("phase.rhythm_back", standup=standup)


def change(ctx: CommandContext, word: str) -> Reply:
    """Set the phase (leads and admins), announce it in every channel of the project, and say what changes."""
    phase = phase_code(word)
    if phase is None:
        return Reply(text=ctx.t("phase.unknown", word=echo(word), choices=choices(ctx)))
    project = _project_to_lead(ctx)
    if isinstance(project, Reply):
        return project
    if not may(ctx.session, ctx.user_id, Action.LEAD_PROJECT, project_id=project.id):
        return Reply(text=ctx.t("phase.not_permitted", project=escape(project.name)))
    before = project.phase
    if not set_phase(ctx.session, project, phase):
        return Reply(text=ctx.t("phase.same", project=escape(project.name), phase=phase_name(ctx, phase)))
    spec = ctx.project_file.project(project.slug)
    what_changes = changes(ctx, spec, phase, before)
    stamp = project.phase_changed_at.isoformat() if project.phase_changed_at else ""
    channels = project_channels(ctx.session, project)
    words = {"project": escape(project.name), "phase": phase_name(ctx, phase), "before": phase_name(ctx, before)}
    announcement = "\n".join([ctx.t("phase.announce", user=names_in_slack(ctx)(ctx.user_id), **words), what_changes])
    for channel in channels:  # stored with the change, the lead by name in every channel
        ctx.slack.post_message(key=f"phase:{id_of(project)}:{phase}:{stamp}:{channel}", channel=channel, text=announcement)
    return Reply(
        text="\n".join(
            [
                ctx.t("phase.changed", project=escape(project.name), phase=phase_name(ctx, phase), count=len(channels)),
                what_changes,
            ]
        ),
    )


def handle(ctx: CommandContext, words: list[str]) -> Reply:
    """`/renkei phase` shows the phase; `/renkei phase <phase>` sets it; more words: the usage."""
    if not words:
        return show(ctx)
    if len(words) == 1:
        return change(ctx, words[0])
    return Reply(text="\n".join([ctx.t("phase.usage", choices=choices(ctx))]))
