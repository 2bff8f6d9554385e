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
    """A meeting: recurring (cron, from config or /meeting) or one-off (`starts_at`)."""

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
