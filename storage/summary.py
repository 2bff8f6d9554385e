"""What happened in a project over a period, per department: plain data for digests and reports."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field, fields
from typing import Callable
from zoneinfo import ZoneInfo

import sqlalchemy
from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from storage.absences import absences_between, away_between
from storage.directory import GRANTED_SOURCES, department_names, project_departments
from storage.enums import EventKind, IssueStatus, Role
from storage.ids import id_of
from storage.models import Issue, IssueEvent, Project, RoleAssignment, StandupAnswer, Win, as_utc
from storage.report_rows import answer_counts
from storage.turns import Turn, turn_of

BusinessDays = Callable[[dt.date, dt.date], int]  # business days after the first date up to the second
IsBusinessDay = Callable[[dt.date], bool]


@dataclass(frozen=True)
class Wait:
    """An open issue waiting on another department, and for how many business days."""

    number: int
    title: str
    waiting_on: str
    business_days: int


@dataclass
class Figures:
    """The counts the digest and report show, for one department or the whole project."""

    standup_expected: int = 0
    standup_answered: int = 0
    opened: int = 0
    resolved: int = 0
    open: int = 0
    overdue: int = 0
    waiting: int = 0
    longest_wait: int = 0
    escalations: int = 0
    wins: int = 0

    @property
    def answer_rate(self) -> float | None:
        """Share of expected stand-up answers given (None when none were expected)."""
        # at most 100%: an answer given on a day without a prompt (weekly stand-ups after launch) is no extra
        return min(self.standup_answered / self.standup_expected, 1.0) if self.standup_expected else None

    def add(self, other: Figures) -> None:
        """Add another department's figures (longest wait: the maximum)."""
        for f in fields(self):
            if f.name == "longest_wait":
                self.longest_wait = max(self.longest_wait, other.longest_wait)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class DepartmentSummary:
    slug: str
    name: str
    liaisons: int
    figures: Figures = field(default_factory=Figures)
    waits: list[Wait] = field(default_factory=list)
    checks: list[Wait] = field(default_factory=list)  # IT answered: the reporter's move (確認待ち), `waiting_on` empty


@dataclass(frozen=True)
class WinItem:
    day: dt.date
    department: str
    user_id: str
    text: str


@dataclass
class ProjectSummary:
    """A project over [start, end] (local dates, inclusive), with the previous period's totals to compare."""

    slug: str
    name: str
    start: dt.date
    end: dt.date
    departments: list[DepartmentSummary]
    totals: Figures
    previous: Figures | None
    wins: list[WinItem]


def period_bounds(start: dt.date, end: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants [start 00:00 local, day after end 00:00 local)."""
    zone = ZoneInfo(timezone)
    first = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.timezone.utc)
    last = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.timezone.utc)
    return first, last


def _pairs(session: Session, statement) -> dict:
    """A two-column query as a dict (a Result has keys(), so dict() cannot take it directly)."""
    return {key: value for key, value in session.exec(statement)}


def liaison_counts(session: Session) -> dict[int, int]:
    """How many liaisons each department has (roles granted by renkei.yml or an approval: the ones who answer)."""
    return _pairs(
        session,
        select(RoleAssignment.department_id, func.count(func.distinct(RoleAssignment.user_id)))
        .where(RoleAssignment.role == Role.LIAISON, col(RoleAssignment.source).in_(GRANTED_SOURCES))
        .group_by(col(RoleAssignment.department_id)),
    )


def _figures(
    session: Session,
    project: Project,
    start: dt.date,
    end: dt.date,
    *,
    timezone: str,
    today: dt.date,
    business_days: BusinessDays,
    is_business_day: IsBusinessDay,
) -> tuple[dict[int, Figures], dict[int, list[Wait]], dict[int, list[Wait]]]:
    """Per department: its figures, the issues it waits on others for, and those its reporters are to check."""
    begin, finish = period_bounds(start, end, timezone)
    zone = ZoneInfo(timezone)
    departments = project_departments(session, id_of(project))
    names = department_names(session)
    figures = {id_of(d): Figures() for d in departments}
    waits: dict[int, list[Wait]] = {id_of(d): [] for d in departments}
    checks: dict[int, list[Wait]] = {id_of(d): [] for d in departments}

    counted_until = min(end, today)
    days = [start + dt.timedelta(n) for n in range((counted_until - start).days + 1)] if counted_until >= start else []
    open_days = sum(1 for day in days if is_business_day(day))
    liaisons = liaison_counts(session)
    answers = _pairs(
        session,
        select(StandupAnswer.department_id, func.count())
        .where(StandupAnswer.project_id == project.id, StandupAnswer.day >= start, StandupAnswer.day <= end)
        .group_by(col(StandupAnswer.department_id)),
    )
    for department_id, figure in figures.items():
        figure.standup_expected = liaisons.get(department_id, 0) * open_days
        figure.standup_answered = answers.get(department_id, 0)

    # Whose move each issue asked of someone else is at the end of the period (storage.turns, the one rule): only an
    # issue whose ball is with the department asked waits on it — not one IT took over, nor one whose reporter checks.
    histories: dict[int, list[tuple[str, dt.datetime]]] = {}
    for issue_id, kind, moment in session.execute(
        sqlalchemy.select(col(IssueEvent.issue_id), col(IssueEvent.kind), col(IssueEvent.created_at))
        .join(Issue, col(Issue.id) == IssueEvent.issue_id)
        .where(
            col(Issue.project_id) == project.id,
            sqlalchemy.or_(col(Issue.waiting_on_id).is_not(None), col(Issue.escalated)),
            col(IssueEvent.created_at) < finish,
        )
        .order_by(col(IssueEvent.issue_id), col(IssueEvent.created_at), col(IssueEvent.id))
    ):
        histories.setdefault(issue_id, []).append((kind, moment))
    # Plain columns, streamed: 100,000 ORM objects would sit in the session's identity map.
    columns = (
        col(Issue.id),
        col(Issue.department_id),
        col(Issue.waiting_on_id),
        col(Issue.status),
        col(Issue.created_at),
        col(Issue.resolved_at),
        col(Issue.due_date),
        col(Issue.title),
    )
    statement = sqlalchemy.select(*columns).where(col(Issue.project_id) == project.id, col(Issue.created_at) < finish)
    for issue in session.execute(statement.execution_options(yield_per=5000)):
        if issue.department_id not in figures:
            continue
        figure = figures[issue.department_id]
        if issue.created_at >= begin:
            figure.opened += 1
        if issue.resolved_at is not None and begin <= issue.resolved_at < finish:
            figure.resolved += 1
        open_at_end = issue.status != IssueStatus.RESOLVED or (issue.resolved_at is not None and issue.resolved_at >= finish)
        if not open_at_end:
            continue
        figure.open += 1
        if issue.due_date is not None and issue.due_date < counted_until:  # a due date still ahead is not overdue
            figure.overdue += 1
        turn, began = turn_of(histories.get(issue.id, []), waiting=bool(issue.waiting_on_id), created_at=issue.created_at)
        if issue.waiting_on_id and turn == Turn.DEPARTMENT:
            since = as_utc(began).astimezone(zone).date()
            age = business_days(since, min(end, today))
            figure.waiting += 1
            figure.longest_wait = max(figure.longest_wait, age)
            waits[issue.department_id].append(Wait(issue.id, issue.title, names.get(issue.waiting_on_id, "?"), age))
        elif turn == Turn.REPORTER:  # the reporter checks IT's answer: their department's move, not the one asked
            age = business_days(as_utc(began).astimezone(zone).date(), min(end, today))
            checks[issue.department_id].append(Wait(issue.id, issue.title, "", age))
    escalations = session.exec(  # issues sent to IT in the period, each once (asked again after an answer: still one)
        select(Issue.department_id, func.count(func.distinct(Issue.id)))
        .join(IssueEvent, col(IssueEvent.issue_id) == Issue.id)
        .where(
            Issue.project_id == project.id,
            IssueEvent.kind == EventKind.ESCALATED,
            IssueEvent.created_at >= begin,
            IssueEvent.created_at < finish,
        )
        .group_by(col(Issue.department_id))
    ).all()
    for department_id, count in escalations:
        if department_id in figures:
            figures[department_id].escalations = count
    wins = session.exec(
        select(Win.department_id, func.count())
        .where(Win.project_id == project.id, Win.created_at >= begin, Win.created_at < finish)
        .group_by(col(Win.department_id))
    )
    for win_department, count in wins:  # the leads' wins (no department) are in no department's row
        if win_department is not None and win_department in figures:
            figures[win_department].wins = count
    for items in [*waits.values(), *checks.values()]:
        items.sort(key=lambda w: (-w.business_days, w.number))
    return figures, waits, checks


def summarize(
    session: Session,
    project: Project,
    start: dt.date,
    end: dt.date,
    *,
    timezone: str,
    today: dt.date,
    business_days: BusinessDays,
    is_business_day: IsBusinessDay,
) -> ProjectSummary:
    """Per-department figures for [start, end], project totals, the previous period of the same length, the wins."""
    figures_for = functools.partial(
        _figures, session, project, timezone=timezone, today=today, business_days=business_days, is_business_day=is_business_day
    )
    figures, waits, checks = figures_for(start, end)
    length = (end - start).days + 1
    previous_figures, _, _ = figures_for(start - dt.timedelta(days=length), start - dt.timedelta(days=1))
    departments = []
    liaisons = liaison_counts(session)
    for department in project_departments(session, id_of(project)):
        department_id = id_of(department)
        departments.append(
            DepartmentSummary(
                department.slug,
                department.name,
                liaisons.get(department_id, 0),
                figures[department_id],
                waits[department_id],
                checks[department_id],
            )
        )
    totals, previous = Figures(), Figures()
    for figure in figures.values():
        totals.add(figure)
    for figure in previous_figures.values():
        previous.add(figure)
    begin, finish = period_bounds(start, end, timezone)
    names = department_names(session)
    zone = ZoneInfo(timezone)
    wins = [
        WinItem(w.created_at.astimezone(zone).date(), _department_name(names, w.department_id), w.reporter_id, w.text)
        for w in session.exec(
            select(Win)
            .where(Win.project_id == project.id, Win.created_at >= begin, Win.created_at < finish)
            .order_by(col(Win.created_at))
        )
    ]
    return ProjectSummary(project.slug, project.name, start, end, departments, totals, previous, wins)


def weekly_open_trend(
    session: Session, project: Project, end: dt.date, *, weeks: int, timezone: str, since: dt.date | None = None
) -> list[tuple[dt.date, int]]:
    """Open issues at the end of each of the last `weeks` weeks ending on `end` (for the report's line chart).

    Each point is the last day of a seven-day week; callers pass a day no later than today (a future point would
    only repeat today's count). Weeks that ended before the project began (`since`, its first stand-up, or its first
    issue if earlier) are left out: the chart does not start with zeros from before the project existed.
    """
    ends = [end - dt.timedelta(days=7 * n) for n in reversed(range(weeks))]
    # Open at an instant: filed before it, less resolved before it (a resolution never precedes its filing). Sorted
    # once, each week is two binary searches instead of a pass over 100,000 issues.
    filed, resolved = [], []
    for created_at, resolved_at, status in session.execute(
        select(Issue.created_at, Issue.resolved_at, Issue.status).where(Issue.project_id == project.id)
    ):
        filed.append(created_at)
        if status == IssueStatus.RESOLVED:
            resolved.append(resolved_at or created_at)  # resolved, whenever it was: never open after its filing
    filed.sort()
    resolved.sort()
    zone = ZoneInfo(timezone)
    begun = [day for day in (since, as_utc(filed[0]).astimezone(zone).date() if filed else None) if day is not None]
    if begun:
        ends = [week_end for week_end in ends if week_end >= min(begun)] or ends[-1:]
    trend = []
    for week_end in ends:
        _, finish = period_bounds(week_end, week_end, timezone)
        trend.append((week_end, bisect.bisect_left(filed, finish) - bisect.bisect_left(resolved, finish)))
    return trend


WEEKLY_AFTER_DAYS = 42  # a period longer than six weeks shows stand-up participation per week, not per day


@dataclass(frozen=True)
class ParticipationRow:
    """One department's stand-up answers per column (a business day, or a week's business days)."""

    department: str
    liaisons: int
    answered: list[int]
    expected: list[int]

    @property
    def rates(self) -> list[float | None]:
        """Share of the expected answers given, per column (None when none was expected)."""
        return [a / e if e else None for a, e in zip(self.answered, self.expected)]

    @property
    def rate(self) -> float | None:
        """Share over the whole period."""
        expected = sum(self.expected)
        return sum(self.answered) / expected if expected else None


@dataclass(frozen=True)
class Participation:
    """Stand-up participation of a project's departments, by business day or, over a long period, by week.

    `columns` holds each column's first and last business day; days after `counted_until` (today, or the end of a
    period already over) have no column: nobody could have answered yet.
    """

    by_week: bool
    columns: list[tuple[dt.date, dt.date]]
    rows: list[ParticipationRow]
    counted_until: dt.date
    away: list[Away] = field(default_factory=list)  # the liaisons' days off in the period (not asked those days)


@dataclass(frozen=True)
class Away:
    """A liaison's days off (休暇) within a period: their department, who, first and last day."""

    department: str
    user_id: str
    first: dt.date
    last: dt.date


def participation(
    session: Session, project: Project, start: dt.date, end: dt.date, *, today: dt.date, is_business_day: IsBusinessDay
) -> Participation:
    """Answers given against answers expected (liaisons x business days), per department and day or week."""
    counted_until = min(end, today)
    days = [start + dt.timedelta(n) for n in range((counted_until - start).days + 1)] if counted_until >= start else []
    days = [day for day in days if is_business_day(day)]
    by_week = (end - start).days + 1 > WEEKLY_AFTER_DAYS
    groups: list[list[dt.date]] = []
    for day in days:
        if groups and by_week and day.isocalendar()[:2] == groups[-1][0].isocalendar()[:2]:
            groups[-1].append(day)  # the same Monday-to-Sunday week
        else:
            groups.append([day])
    counts = answer_counts(session, id_of(project), start, counted_until)
    liaisons = liaison_counts(session)
    away = _away_liaisons(session, start, counted_until)
    rows = []
    for department in project_departments(session, id_of(project)):
        department_id = id_of(department)
        people = liaisons.get(department_id, 0)

        def expected(day: dt.date, department_id: int = department_id, people: int = people) -> int:
            """Liaisons asked that day: those on 休暇 are not (one who answered all the same counts)."""
            answered = counts.get((department_id, day), 0)
            return max(people - away.get((department_id, day), 0), answered)

        rows.append(
            ParticipationRow(
                department.name,
                people,
                [sum(counts.get((department_id, day), 0) for day in group) for group in groups],
                [sum(expected(day) for day in group) for group in groups],
            )
        )
    return Participation(
        by_week, [(group[0], group[-1]) for group in groups], rows, counted_until, away_in(session, project, start, end)
    )


def away_in(session: Session, project: Project, start: dt.date, end: dt.date) -> list[Away]:
    """The days off of the project's liaisons overlapping [start, end] (each as recorded), earliest first."""
    departments = {id_of(d): d.name for d in project_departments(session, id_of(project))}
    liaisons = _liaisons(session, col(RoleAssignment.department_id).in_(list(departments)))
    of = {user_id: departments[department_id] for user_id, department_id in liaisons}
    return [Away(of[a.user_id], a.user_id, a.first_day, a.last_day) for a in absences_between(session, start, end, of)]


def _away_liaisons(session: Session, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], int]:
    """How many of each department's liaisons are on 休暇 each day of [start, end]."""
    days = away_between(session, start, end)
    if not days:
        return {}
    away: dict[tuple[int, dt.date], int] = {}
    for user_id, department_id in _liaisons(session, col(RoleAssignment.user_id).in_(list(days))):
        for day in days[user_id]:
            away[(department_id, day)] = away.get((department_id, day), 0) + 1
    return away


def _liaisons(session: Session, where: ColumnElement[bool]) -> list[tuple[str, int]]:
    """(user id, department id) of the granted liaison roles that match `where`, each pair once."""
    rows = session.exec(
        select(RoleAssignment.user_id, RoleAssignment.department_id)
        .where(RoleAssignment.role == Role.LIAISON, col(RoleAssignment.source).in_(GRANTED_SOURCES), where)
        .distinct()
    )
    return [(user_id, department_id) for user_id, department_id in rows if department_id is not None]


def _department_name(names: dict[int, str], department_id: int | None) -> str:
    """A win's department by name; empty for a win the project's leads shared (the digest words it)."""
    return names.get(department_id, "?") if department_id is not None else ""
