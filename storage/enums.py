"""The fixed words stored in Renkei's string columns: statuses, roles, sources, event kinds, severities.

Each is a `StrEnum`: a member *is* its value (`IssueStatus.RESOLVED == "resolved"`, `f"{member}"` is the value), so
the columns stay plain strings (no migration), rows read back as `str` compare equal to the members, and catalog
keys such as `t(f"status.{issue.status}")` work either way. Compare with the members, never with bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class IssueStatus(StrEnum):
    """`Issue.status`: open until someone takes it, in progress, resolved (a resolved issue may be reopened)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """`Issue.severity` (`!高` / `!低` in `/issue`, the form's choice)."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class EventKind(StrEnum):
    """`IssueEvent.kind`: one change in an issue's history; each is worded by the catalog's `event.<kind>`."""

    CREATED = "created"
    WAITING = "waiting"  # filed waiting on another department (to:)
    TAKEN = "taken"
    ASSIGNED = "assigned"  # note: the assignee's user id
    RESOLVED = "resolved"
    REOPENED = "reopened"
    ESCALATED = "escalated"  # sent to the IT department
    IT_TAKEN = "it_taken"
    ANSWERED = "answered"  # the IT department's answer (note: the answer)
    NUDGED = "nudged"  # the waited-on department reminded (note: the waiting period)
    LEADS_ALERTED = "leads_alerted"  # the leads told of a long wait (note: the waiting period)


class Role(StrEnum):
    """`RoleAssignment.role`: admin (global), lead and manager (a project), liaison (a department).

    `IT` is `Department.role` of the IT department (renkei.yml `role: it`); it is never a RoleAssignment:
    every liaison of that department acts as IT.
    """

    ADMIN = "admin"
    LEAD = "lead"
    MANAGER = "manager"
    LIAISON = "liaison"
    IT = "it"


class RoleSource(StrEnum):
    """`RoleAssignment.source`: renkei.yml, or a `/dept join` request a liaison or an admin approved.

    `SELF` marks rows a user once made for themselves (before approvals existed): they grant nothing.
    """

    CONFIG = "config"
    APPROVED = "approved"
    SELF = "self"


class RequestStatus(StrEnum):
    """`RoleRequest.status`: a `/dept join` request, decided once."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class MeetingSource(StrEnum):
    """`Meeting.source`: mirrored from renkei.yml (replaced on every load) or added with `/meeting add`."""

    CONFIG = "config"
    COMMAND = "command"


class OutboxStatus(StrEnum):
    """`OutboxMessage.status` (and `commands.base.Outcome.status`): a Slack call stored before it is sent."""

    PENDING = "pending"  # waiting to be sent (again)
    SENDING = "sending"  # claimed by one process until its lease ends
    SENT = "sent"
    FAILED = "failed"  # refused by Slack for good


class DeliveryStatus(StrEnum):
    """`Delivery.status`: a scheduled firing claimed by one process, and how it ended."""

    CLAIMED = "claimed"  # being run (a claim older than FIRING_LEASE was cut short: run again)
    DONE = "done"  # its messages are in the outbox
    SKIPPED = "skipped"
    FAILED = "failed"  # the body raised; catch-up and `renkei jobs run` run it again
