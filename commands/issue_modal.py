"""The `/issue` form's submission: errors shown inline in the form, or a new issue."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from commands.base import CommandContext
from commands.issue_blocks import FIELDS, modal_values
from commands.limits import rate_limit
from commands.text import BODY_LIMIT, TITLE_LIMIT, contains_my_number
from storage import issues as store
from storage.directory import get_project, project_departments
from storage.enums import Severity
from storage.ids import id_of
from storage.limits import Family
from storage.models import Department, Issue


@dataclass(frozen=True)
class Filed:
    """The issue a form filed, with its department and the one it waits on (commands.issue announces it)."""

    issue: Issue
    department: Department
    waiting_on: Department | None


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Filed:
    """Validate the submitted form: a dict of {block_id: message} to show in the form, or the new issue (commands.issue
    announces it: this module sits below commands.issue, which registers the form)."""
    values = modal_values(view)
    meta = json.loads(view.get("private_metadata") or "{}")
    project = get_project(ctx.session, int(meta.get("project_id") or 0))
    allowed = {id_of(d): d for d in project_departments(ctx.session, id_of(project))} if project else {}
    errors: dict[str, str] = {}
    title = (values["title"] or "").strip()
    body = (values["body"] or "").strip()
    if not title:
        errors[FIELDS["title"]] = ctx.t("issue.error_title_required")
    elif len(title) > TITLE_LIMIT:
        errors[FIELDS["title"]] = ctx.t("issue.problem_title_too_long", limit=TITLE_LIMIT, length=len(title))
    elif contains_my_number(title):
        errors[FIELDS["title"]] = ctx.t("issue.error_my_number")
    if len(body) > BODY_LIMIT:
        errors[FIELDS["body"]] = ctx.t("issue.problem_body_too_long", limit=BODY_LIMIT, length=len(body))
    elif contains_my_number(body):
        errors[FIELDS["body"]] = ctx.t("issue.error_my_number")
    department = _choice(values["department"], allowed)
    if department is None:
        errors[FIELDS["department"]] = ctx.t("issue.error_department_required")
    waiting_on = _choice(values["waiting_on"], allowed)
    if values["waiting_on"] and waiting_on is None:
        errors[FIELDS["waiting_on"]] = ctx.t("issue.error_bad_choice")
    elif waiting_on is not None and department is not None and waiting_on.id == department.id:
        errors[FIELDS["waiting_on"]] = ctx.t("issue.waiting_on_self")
    severity = values["severity"] or Severity.NORMAL
    if severity not in set(Severity):
        errors[FIELDS["severity"]] = ctx.t("issue.error_bad_choice")
    due = _date(values["due"])
    today = dt.datetime.now(ZoneInfo(ctx.timezone)).date()
    if values["due"] and (due is None or due < today):
        errors[FIELDS["due"]] = ctx.t("issue.error_due_past")
    if errors:
        return errors
    assert project is not None and department is not None, "a department is chosen only among the project's"
    limited = rate_limit(ctx, Family.ISSUES)
    if limited:
        return {FIELDS["title"]: limited.text}
    issue = store.create_issue(
        session=ctx.session,
        issue_in=store.NewIssue(
            project_id=id_of(project),
            department_id=id_of(department),
            reporter_id=ctx.user_id,
            title=title,
            body=body,
            severity=severity,
            waiting_on_id=waiting_on.id if waiting_on else None,
            due_date=due,
        ),
    )
    return Filed(issue, department, waiting_on)


def _choice(value: str | None, allowed: dict[int, Department]) -> Department | None:
    return allowed.get(int(value)) if value and value.isdigit() else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
