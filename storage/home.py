"""What a user's App Home shows: plain data gathered from storage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from storage.directory import department_names
from storage.enums import IssueStatus
from storage.ids import id_of
from storage.issues import history
from storage.models import Issue, Meeting, Project, ProjectDepartment, Win
from storage.projectfile import parse_cron
from storage.roles import liaison_places, viewable_projects
from storage.turns import Turn, whose_turn

LIMIT = 8


@dataclass(frozen=True)
class HomeDepartment:
    project: str
    department: str
    channel_id: str | None


@dataclass(frozen=True)
class HomeIssue:
    number: int
    title: str
    status: str
    waiting_on: str | None
    waiting_on_me: bool


@dataclass(frozen=True)
class HomeMeeting:
    starts_at: dt.datetime  # in the project's timezone
    title: str
    project: str


@dataclass(frozen=True)
class HomeWin:
    text: str
    department: str
    user_id: str


@dataclass(frozen=True)
class HomeData:
    """Everything the App Home of one user shows; `more_*` count what did not fit."""

    departments: list[HomeDepartment]
    issues: list[HomeIssue]
    more_issues: int
    meetings: list[HomeMeeting]
    wins: list[HomeWin]


def next_start(meeting: Meeting, now: dt.datetime, timezone: str) -> dt.datetime | None:
    """The next start of a meeting after `now`: its next cron firing, or its one-off time if still ahead."""
    if meeting.cron:  # the next slot that is not skipped (`/meeting skip`)
        skipped = {day for day in (meeting.skipped or "").split(",") if day}
        trigger, moment = parse_cron(meeting.cron, timezone), now.astimezone(ZoneInfo(timezone))
        for _ in range(60):
            start = trigger.get_next_fire_time(None, moment)
            if start is None or start.date().isoformat() not in skipped:
                return start
            moment = start + dt.timedelta(seconds=1)
        return None
    if meeting.starts_at and meeting.starts_at > now:
        return meeting.starts_at.astimezone(ZoneInfo(timezone))
    return None


def home_data(session: Session, user_id: str, *, now: dt.datetime, timezone: str) -> HomeData:
    """The user's departments, open issues they reported or that wait on their department,
    the next meetings and the latest wins of the projects they may read (none for a newcomer)."""
    places = liaison_places(session, user_id)
    my_departments = {id_of(w.department) for w in places if w.department}
    project_ids = {id_of(p) for p in viewable_projects(session, user_id)}
    names = department_names(session)
    projects = {id_of(p): p for p in session.exec(select(Project))}
    channels = {(link.project_id, link.department_id): link.channel_id for link in session.exec(select(ProjectDepartment))}
    departments = [
        HomeDepartment(w.project.name, w.department.name, channels.get((id_of(w.project), id_of(w.department))))
        for w in places
        if w.department
    ]

    mine = col(Issue.reporter_id) == user_id
    if my_departments:
        mine = or_(mine, col(Issue.waiting_on_id).in_(my_departments))
    open_issues = session.exec(
        select(Issue).where(mine, Issue.status != IssueStatus.RESOLVED).order_by(col(Issue.id).desc())
    ).all()
    issues = []
    for i in open_issues[:LIMIT]:  # "waits on you" only while the department asked holds the ball (storage.turns)
        asked = whose_turn(i, history(session, id_of(i))).turn == Turn.DEPARTMENT and i.waiting_on_id is not None
        waiting_on = names.get(i.waiting_on_id) if asked and i.waiting_on_id is not None else None
        issues.append(HomeIssue(id_of(i), i.title, i.status, waiting_on, asked and i.waiting_on_id in my_departments))

    upcoming = []
    for meeting in session.exec(select(Meeting).where(col(Meeting.project_id).in_(project_ids), Meeting.cancelled == False)):  # noqa: E712
        start = next_start(meeting, now, timezone)
        if start is not None:
            upcoming.append(HomeMeeting(start, meeting.title, projects[meeting.project_id].name))
    upcoming.sort(key=lambda m: m.starts_at)

    wins = session.exec(select(Win).where(col(Win.project_id).in_(project_ids)).order_by(col(Win.id).desc()).limit(5)).all()
    return HomeData(
        departments=departments,
        issues=issues,
        more_issues=max(0, len(open_issues) - LIMIT),
        meetings=upcoming[:5],
        wins=[HomeWin(w.text, names.get(w.department_id, "?") if w.department_id else "", w.reporter_id) for w in wins],
    )
