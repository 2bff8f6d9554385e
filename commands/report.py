"""`/report` and the report/digest services: the Excel progress report and the weekly digest."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from zoneinfo import ZoneInfo

from commands import retro as retro_commands
from commands import uat as uat_commands
from commands.base import CommandContext, Reply, SlackPort, Translate, escape
from commands.digest import Blocker, build_digest
from commands.later import job, later
from commands.people import Names, known_names, refresh_names
from commands.req import AGENDA_TEXT
from commands.standup import blocker_of
from commands.suggest import fold, unknown_sub
from commands.where import resolve_project
from reports.excel import ReportData, ReportOptions, write_report
from storage.directory import department_names, get_project
from storage.hearings import awaiting_answers
from storage.ids import id_of
from storage.models import Project
from storage.people import project_people
from storage.phases import first_standup_day, standup_days
from storage.projectfile import EscalationSpec, ProjectFile
from storage.requirements import awaiting_agreement
from storage.retrospectives import recent
from storage.roles import Action, may
from storage.standups import answers_between
from storage.summary import Away, ProjectSummary, away_in, participation, summarize, weekly_open_trend
from storage.uat import next_sessions
from words.dates import short_date, short_span

if TYPE_CHECKING:
    from reminders.calendar import BusinessCalendar
    from storage.db import Session

TREND_WEEKS = 12
WEEK = dt.timedelta(days=7)  # the digest's 振り返り: those given in the week before it is made
DIGEST_WORDS = ("digest", "週次まとめ", "まとめ", "ダイジェスト")
WORDS = DIGEST_WORDS  # what people type after /report (tests/test_wording.py allows its English words in ja.yml)


def month_to_date(today: dt.date) -> tuple[dt.date, dt.date]:
    """From the first of this month to today."""
    return today.replace(day=1), today


def report_period(today: dt.date, calendar: BusinessCalendar) -> tuple[dt.date, dt.date]:
    """The period a report asked for without dates covers: this month up to today, or, while no business day of this
    month has ended yet (1/4 after the year-end closure, the 1st of a month), the whole previous month."""
    first = today.replace(day=1)
    ended = any(calendar.is_business_day(first + dt.timedelta(days=n)) for n in range((today - first).days))
    return month_to_date(today) if ended else previous_month(today)


def previous_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The whole previous calendar month (the monthly report's period)."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def last_week(today: dt.date) -> tuple[dt.date, dt.date]:
    """The seven days ending today (the weekly digest's period)."""
    return today - dt.timedelta(days=6), today


def project_summary(
    session: Session,
    project: Project,
    start: dt.date,
    end: dt.date,
    *,
    calendar: BusinessCalendar,
    timezone: str,
    project_start: dt.date | None = None,
    asked: Callable[[dt.date], bool] | None = None,
) -> ProjectSummary:
    """The period's figures, with business days from the municipality's calendar; stand-ups expected only from the
    project's first (`project_start`: renkei.yml's `start:`, else the first prompt sent). `asked`: the days a stand-up
    was asked for, when the caller has them already (storage.phases.standup_days)."""
    today = dt.datetime.now(ZoneInfo(timezone)).date()
    if asked is None:
        asked = standup_days(session, project, calendar.is_business_day, timezone, start=project_start)
    return summarize(
        session,
        project,
        start,
        end,
        timezone=timezone,
        today=today,
        business_days=calendar.business_days_between,
        is_business_day=asked,
    )


def digest_for(
    session: Session,
    project: Project,
    *,
    project_file: ProjectFile,
    calendar: BusinessCalendar,
    t: Translate,
    today: dt.date | None = None,
    slack: SlackPort | None = None,
    at: dt.datetime | None = None,
    since: dt.date | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """This week's digest of one project: text and blocks, people by name, the blockers its stand-ups named.

    `at`: the moment it is made (the job's firing; now by default): the next review or test is one after it, the
    week's 振り返り those of the seven days before it. `since`: the first day it covers (the job's: the day after the
    previous digest, so a digest moved off a closed day misses nothing); the seven days ending today otherwise.
    With `slack` (a job, never a command's ack) names not cached for a day are first asked of Slack (users.info)."""
    if slack is not None:
        refresh_names(session, slack, project_people(session, id_of(project)))
    moment = at or dt.datetime.now(ZoneInfo(project_file.timezone))
    today = today or moment.astimezone(ZoneInfo(project_file.timezone)).date()
    start, end = last_week(today)
    start = since if since is not None and since <= today else start
    spec = project_file.project(project.slug)
    summary = project_summary(
        session,
        project,
        start,
        end,
        calendar=calendar,
        timezone=project_file.timezone,
        project_start=spec.start if spec else None,
    )
    departments = department_names(session)
    blockers = [
        Blocker(day, departments.get(department_id, "?"), user_id, text)
        for day, department_id, user_id, answers in answers_between(session, id_of(project), start, end)
        if (text := blocker_of(answers)) is not None
    ]
    names = Names(t, known_names(session, project_file.people, t), in_slack=True)
    return build_digest(
        t,
        summary,
        spec.escalation if spec else EscalationSpec(),
        names=names,
        blockers=blockers,
        steps=[
            *rollout_sections(
                t,
                session,
                id_of(project),
                since=moment - dt.timedelta(days=7),
                now=moment,
                timezone=project_file.timezone,
                name=names,
            ),
            *away_section(t, away_in(session, project, start, end + dt.timedelta(days=7)), names),
        ],
    )


def away_section(t: Translate, away: list[Away], names: Names) -> list[str]:
    """The digest's 休暇 section (this week's and next week's days off of the liaisons), when there are any."""
    lines = [
        t(
            "digest.away_line",
            user=names(a.user_id),
            department=escape(a.department),
            days=short_span(t, a.first, a.last),
        )
        for a in away
    ]
    return [_section(t, "digest.away_title", lines, "digest.away_title")] if lines else []


STEP_LINES = 10  # lines per rollout section of the digest; a count says how many more there are


def _section(t: Translate, title: str, lines: list[str], none: str) -> str:
    if len(lines) > STEP_LINES:
        lines = [*lines[:STEP_LINES], t("digest.blockers_more", count=len(lines) - STEP_LINES)]
    return "\n".join([t(title), *(lines or [t(none)])])


def rollout_sections(
    t: Translate, session: Session, project_id: int, *, since: dt.datetime, now: dt.datetime, timezone: str, name: Names
) -> list[str]:
    """The digest's sections for the rollout's steps: hearings awaiting answers (and from whom), open requirements
    awaiting agreement (the departments that disagree, those that have not rated), the next review and test (who
    signed up), then the week's 振り返り when there are some (after launch)."""
    today = now.astimezone(ZoneInfo(timezone)).date()

    def deadline(hearing) -> str:  # the leads see a deadline, and one that has passed asks them to decide
        if hearing.deadline is None:
            return ""
        key = "digest.hearing_deadline_passed" if hearing.deadline < today else "digest.hearing_deadline"
        return t(key, day=short_date(t, hearing.deadline), number=id_of(hearing))

    hearings = [
        t(
            "digest.hearing_line",
            number=id_of(hearing),
            title=escape(hearing.title),
            departments="、".join(escape(d.name) for d in missing),
            deadline=deadline(hearing),
        )
        for hearing, missing in awaiting_answers(session, project_id)
    ]
    requirements = []
    for requirement, disagreeing, unrated in awaiting_agreement(session, project_id):
        notes = [t("digest.requirement_split", departments="、".join(map(escape, disagreeing)))] if disagreeing else []
        notes += [t("digest.requirement_unrated", departments="、".join(map(escape, unrated)))] if unrated else []
        text = escape(requirement.text[:AGENDA_TEXT])
        requirements.append(t("digest.requirement_line", number=id_of(requirement), text=text, notes=" ・ ".join(notes)))
    sessions = uat_commands.digest_lines(t, next_sessions(session, project_id, now), timezone)
    return [
        _section(t, "digest.hearings_title", hearings, "digest.hearings_none"),
        _section(t, "digest.requirements_title", requirements, "digest.requirements_none"),
        _section(t, "digest.sessions_title", sessions, "digest.sessions_none"),
        *(["\n".join(retro)] if (retro := retro_commands.digest_lines(t, recent(session, project_id, since), name)) else []),
    ]


def make_report(
    session: Session,
    project: Project,
    *,
    start: dt.date,
    end: dt.date,
    out: str | Path,
    calendar: BusinessCalendar,
    project_file: ProjectFile,
    t: Translate,
    detail: bool = False,
    slack: SlackPort | None = None,
) -> Path:
    """Write the Excel progress report of one project and period.

    Counted up to today when the period is not over (a fiscal year asked for in November): the trend's last week
    ends today and stand-up participation stops there. Counted from the project's start: weeks before its first
    stand-up (or issue) have no column, no point in the trend and no share in the rates. People are named from
    `people:`, dates written in the style of the project's `report.dates`, else by the name Slack gives (users.info,
    asked first with `slack`, cached).
    """
    if slack is not None:
        refresh_names(session, slack, project_people(session, id_of(project)))
    timezone = project_file.timezone
    today = dt.datetime.now(ZoneInfo(timezone)).date()
    as_of = min(end, today)
    spec = project_file.project(project.slug)
    started = first_standup_day(session, project, timezone, spec.start if spec else None)
    asked = standup_days(session, project, calendar.is_business_day, timezone, start=started)  # once, for every figure
    data = ReportData(
        summary=project_summary(session, project, start, end, calendar=calendar, timezone=timezone, asked=asked),
        trend=weekly_open_trend(
            session,
            project,
            as_of,
            weeks=TREND_WEEKS,
            timezone=timezone,
            since=started,
        ),
        participation=participation(session, project, start, end, today=today, is_business_day=asked),
        started=started,
        as_of=as_of,
    )
    options = ReportOptions(start=start, end=end, timezone=timezone, detail=detail, dates=spec.report_dates if spec else "both")
    return write_report(
        out,
        session=session,
        project=project,
        data=data,
        options=options,
        t=t,
        people=known_names(session, project_file.people, t),
        calendar=calendar,
    )


def report_filename(project: Project, start: dt.date, end: dt.date) -> str:
    """`moving_2026-11-01_2026-11-26.xlsx`."""
    return f"{re.sub(r'[^a-z0-9_-]', '_', project.slug)}_{start}_{end}.xlsx"


def handle(ctx: CommandContext, text: str) -> Reply:
    """`/report` (the Excel report in your DM) or `/report digest` (this week's digest, only to you)."""
    words = [w for w in text.split() if fold(w)]  # a stray zero-width space is no word
    if len(words) == 1 and fold(words[0]) not in DIGEST_WORDS:
        return Reply(text=unknown_sub(ctx.t, "/report", words[0], DIGEST_WORDS, ctx.t("report.usage")))
    if len(words) > 1:
        return Reply(text=ctx.t("report.usage"))
    project = resolve_project(ctx)
    if isinstance(project, Reply):
        return project
    if not may(ctx.session, ctx.user_id, Action.REPORT, project_id=project.id):
        return Reply(text=ctx.t("report.not_permitted", project=escape(project.name)))
    if words:
        digest_text, blocks = digest_for(ctx.session, project, project_file=ctx.project_file, calendar=ctx.calendar, t=ctx.t)
        return Reply(text=digest_text, blocks=blocks)
    start, end = report_period(dt.datetime.now(ZoneInfo(ctx.timezone)).date(), ctx.calendar)
    building = ctx.t("report.building", project=escape(project.name), start=start, end=end)
    return Reply(text=building, followup=later(build_and_send, project_id=id_of(project), start=str(start), end=str(end)))


@job
def build_and_send(ctx: CommandContext, project_id: int, start: str, end: str) -> Reply:
    """The job of `/report`: the workbook of `start`〜`end` (ISO dates) built, and uploaded to the person's DM."""
    t, user, first, last = ctx.t, ctx.user_id, dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    fresh = get_project(ctx.session, project_id)
    if fresh is None:
        raise LookupError(f"project {project_id} is gone")  # projects are never deleted
    path = make_report(
        ctx.session,
        fresh,
        start=first,
        end=last,
        out=Path(ctx.reports_dir) / report_filename(fresh, first, last),
        calendar=ctx.calendar,
        project_file=ctx.project_file,
        t=t,
        slack=ctx.slack,
    )
    ctx.slack.upload_file(  # stored with this work and sent after it (bot.gateway): the DM arrives shortly
        key=f"report:{fresh.slug}:{first}:{last}:{user}:{path.stat().st_mtime_ns}",
        user=user,
        path=path,
        title=t("report.file_title", project=fresh.name, start=first, end=last),
        comment=t("report.dm_comment", project=escape(fresh.name), start=first, end=last),
    )
    return Reply(text=t("report.ready", file=path.name))
