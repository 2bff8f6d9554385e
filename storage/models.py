"""SQLModel tables of Renkei. Times are aware UTC (SQLModel's UTCDateTime); shown in the project's timezone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Aware UTC now: the single storage convention for timestamps."""
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored timestamp as aware UTC: SQLite gives it back without its zone (it was stored in UTC)."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


class Department(SQLModel, table=True):
    """A department (課) of the municipality; `role='it'` marks the IT department."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(max_length=100)
    role: str | None = Field(default=None, max_length=20)


class Project(SQLModel, table=True):
    """A GovTech project that crosses departments."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(max_length=200)
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    leads_channel_name: str = Field(max_length=80)
    leads_channel_id: str | None = Field(default=None, max_length=32)
    phase: str = Field(default="prepare", max_length=20)  # prepare, design, build, test, operate (/renkei phase)
    phase_changed_at: dt.datetime | None = None
    canvas_id: str | None = Field(default=None, max_length=32)  # the leads channel's canvas of what was agreed


class ProjectDepartment(SQLModel, table=True):
    """A department's part in a project, with the id of its project channel."""

    __table_args__ = (UniqueConstraint("project_id", "department_id"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    channel_name: str = Field(max_length=80)
    channel_id: str | None = Field(default=None, max_length=32)
    role_text: str = Field(default="", max_length=200)


class RoleAssignment(SQLModel, table=True):
    """A role held by a user: admin (global), lead/manager (project), liaison (department)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=32)
    role: str = Field(max_length=20)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    source: str = Field(default="config", max_length=20)


class Issue(SQLModel, table=True):
    """A 課題: what blocks a department, possibly waiting on another one."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    waiting_on_id: int | None = Field(default=None, foreign_key="department.id")
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    severity: str = Field(default="normal", max_length=10)
    status: str = Field(default="open", max_length=20, index=True)
    escalated: bool = False
    it_answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reporter_id: str = Field(max_length=32)
    assignee_id: str | None = Field(default=None, max_length=32)
    due_date: dt.date | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    resolved_at: dt.datetime | None = None
    uat_session_id: int | None = Field(default=None, foreign_key="uatsession.id")  # raised at a review or test
    requirement_id: int | None = Field(default=None, foreign_key="requirement.id")  # the requirement it concerns


class IssueEvent(SQLModel, table=True):
    """One change in an issue's history: who, when, what, and a note."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    actor_id: str = Field(max_length=32)
    kind: str = Field(max_length=30)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Win(SQLModel, table=True):
    """A 小さな成功 shared with every department of the project."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")  # None: the project's leads
    reporter_id: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Absence(SQLModel, table=True):
    """A person's days off (休暇・不在), first to last day inclusive: no stand-up reminder, not counted as missing."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=32)
    first_day: dt.date = Field(index=True)
    last_day: dt.date = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class StandupAnswer(SQLModel, table=True):
    """A liaison's stand-up answer for one business day (answers as JSON text)."""

    __table_args__ = (UniqueConstraint("project_id", "user_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    user_id: str = Field(max_length=32)
    day: dt.date = Field(index=True)
    answers: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    """A meeting: recurring (cron, from config or /meeting) or one-off (`starts_at`), with its participants."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    title: str = Field(max_length=200)
    cron: str | None = Field(default=None, max_length=100)
    starts_at: dt.datetime | None = None
    remind_before: str = Field(default="1d,15m", max_length=100)
    source: str = Field(default="config", max_length=20)
    created_by: str | None = Field(default=None, max_length=32)
    cancelled: bool = False
    place: str | None = Field(default=None, max_length=300)  # a room or a URL, shown with the meeting
    skipped: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # local dates, `2026-12-30,…`
    # Who takes part (storage.meetings): a regular meeting (定例: `定例` typed, or renkei.yml's) is every department's
    # and carries the full agenda; otherwise `participants` lists department ids (`3,5`), None for every department.
    regular: bool = False
    participants: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # when it was stored: a person's meetings are held to storage/limits.py's rate; NULL for those stored before 0014
    created_at: dt.datetime | None = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """A scheduled firing claimed by one process: the exactly-once guard for jobs."""

    __table_args__ = (UniqueConstraint("job_id", "scheduled_at", name="uq_delivery_job_time"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=200)
    scheduled_at: dt.datetime
    claimed_by: str = Field(default="", max_length=100)
    status: str = Field(default="claimed", max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    claimed_at: dt.datetime | None = None  # the current claim (a new one when a failed or cut-short firing reruns)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # why the last run failed


class OutboxMessage(SQLModel, table=True):
    """A Slack Web API call stored before it is sent; the idempotency key stops repeats."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, index=True, max_length=300)
    method: str = Field(max_length=60)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=20, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_until: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None
    result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None


class HandledRequest(SQLModel, table=True):
    """A slash command or form submission already answered, keyed by Slack's trigger_id or view id + hash.

    A replay (the same signed request sent again) is answered with the stored reply and creates nothing.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True, max_length=200)
    user_id: str = Field(max_length=32)
    reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the first answer, as JSON
    created_at: dt.datetime = Field(default_factory=utcnow)


class RoleRequest(SQLModel, table=True):
    """`/dept join`: a request to become a department's liaison, granted only when a liaison or admin approves."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(index=True, max_length=32)
    department_id: int = Field(foreign_key="department.id")
    status: str = Field(default="pending", max_length=20)  # pending, approved, declined
    decided_by: str | None = Field(default=None, max_length=32)
    created_at: dt.datetime = Field(default_factory=utcnow)
    decided_at: dt.datetime | None = None


class Person(SQLModel, table=True):
    """A Slack user's name as users.info gave it, cached (refreshed when older than a day); a deleted user is marked."""

    user_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=200)
    deleted: bool = False
    fetched_at: dt.datetime = Field(default_factory=utcnow)


class HeldCommand(SQLModel, table=True):
    """A command waiting for its user to choose a department (the 部署 buttons): run once when one is pressed."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32)
    command: str = Field(max_length=32)  # `/win`
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # as typed, without a 部署: token
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


# --- the rollout's own steps (issue 16): hearings, requirements, reviews and acceptance tests, life after launch ---
# Codes are stored in English and worded by the catalogs: Project.phase (`phase.<code>`), Requirement.status
# (`req.status.<code>`), RequirementRating.rating (`req.rating.<code>`), UatSession.kind (`uat.kind.<code>`),
# UatResult.outcome (`uat.outcome.<code>`). Answers to a questionnaire are JSON text {question: answer}, as stand-ups.


class Hearing(SQLModel, table=True):
    """A ヒアリング: a questionnaire sent to every department of a project, open until a lead closes it."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    title: str = Field(max_length=200)
    questions: str = Field(sa_column=Column(Text, nullable=False))  # JSON list: the questions as asked at the start
    status: str = Field(default="open", max_length=20)  # open, closed
    started_by: str = Field(max_length=32)
    created_at: dt.datetime = Field(default_factory=utcnow)
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: dt.datetime | None = None
    deadline: dt.date | None = None  # answers asked for by this day (`締切:`); a lead still closes it


class HearingAnswer(SQLModel, table=True):
    """One person's answers for their department to a hearing; editable until the hearing closes."""

    __table_args__ = (UniqueConstraint("hearing_id", "department_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    hearing_id: int = Field(foreign_key="hearing.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    user_id: str = Field(max_length=32)
    answers: str = Field(sa_column=Column(Text, nullable=False))  # JSON {question index: text}; blanks allowed
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Requirement(SQLModel, table=True):
    """A 要件 in plain words with its effect on work; status proposed → agreed / on_hold / dropped (with a reason)."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")  # who proposed it (None: the leads)
    text: str = Field(sa_column=Column(Text, nullable=False))
    effect: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # who is affected, what if not
    status: str = Field(default="proposed", max_length=20, index=True)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # why it was decided so
    proposed_by: str = Field(max_length=32)
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class RequirementRating(SQLModel, table=True):
    """A department's rating of a requirement: required, nice, not_needed, no_effect (one per department)."""

    __table_args__ = (UniqueConstraint("requirement_id", "department_id"),)
    id: int | None = Field(default=None, primary_key=True)
    requirement_id: int = Field(foreign_key="requirement.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    rating: str = Field(max_length=20)
    user_id: str = Field(max_length=32)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class UatSession(SQLModel, table=True):
    """A 設計レビュー (kind `review`) or 受入テスト (kind `test`) on a business day; departments sign up for it."""

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    title: str = Field(max_length=200)
    kind: str = Field(default="test", max_length=20)
    starts_at: dt.datetime
    place: str | None = Field(default=None, max_length=300)
    created_by: str = Field(max_length=32)
    cancelled: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)


class UatSignup(SQLModel, table=True):
    """A department's sign-up for a session: who signed it up and who will attend."""

    __table_args__ = (UniqueConstraint("session_id", "department_id"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="uatsession.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    user_id: str = Field(max_length=32)
    attendees: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: dt.datetime = Field(default_factory=utcnow)


class UatResult(SQLModel, table=True):
    """A department's result of a session: `ok`, or `problem` with what (each problem also filed as an issue)."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="uatsession.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    user_id: str = Field(max_length=32)
    outcome: str = Field(max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    requirement_id: int | None = Field(default=None, foreign_key="requirement.id")
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    created_at: dt.datetime = Field(default_factory=utcnow)


class Retrospective(SQLModel, table=True):
    """A department's monthly 振り返り after launch: what is better now, what still hurts (JSON answers)."""

    __table_args__ = (UniqueConstraint("project_id", "department_id", "user_id", "month"),)
    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    user_id: str = Field(max_length=32)
    month: dt.date = Field(index=True)  # the first day of the month it is for
    answers: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class AppState(SQLModel, table=True):
    """What the app knows of its own standing in the workspace: `paused` (Slack said the app was uninstalled or its
    tokens revoked) with the reason; nothing is sent and no job fires until a start finds the token working again."""

    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(default="", max_length=200)
    updated_at: dt.datetime = Field(default_factory=utcnow)
