"""`renkei sync` and `/dept sync`: make Slack's channels match renkei.yml, and say what was done."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from commands.base import ApiResult, SlackPort, Translate, format_table, slack_error
from storage.directory import (
    all_projects,
    project_links,
    record_department_channel,
    record_leads_channel,
    users_with_role,
)
from storage.enums import Role
from storage.ids import id_of
from storage.models import Department, Project

if TYPE_CHECKING:
    from storage.db import Session

PURPOSE_LIMIT = 250  # Slack's limit for a channel purpose
HARMLESS_INVITE_ERRORS = {"already_in_channel", "cant_invite_self"}


@dataclass
class SyncRow:
    """What happened to one channel: created, kept, or failed; who was invited; what went wrong."""

    channel: str
    status: str = "kept"
    invited: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class SyncReport:
    """Every channel's row, in the order of renkei.yml."""

    rows: list[SyncRow]

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not any(row.failures for row in self.rows)

    @property
    def in_place(self) -> bool:
        """True when nothing had to change."""
        return self.ok and not any(row.status == "created" or row.invited for row in self.rows)


class _WebApi(Protocol):
    """The part of SlackPort that sync uses: Web API calls that are safe to repeat."""

    def api(self, method: str, **params: Any) -> ApiResult: ...


class _StopWhenUnreachable:
    """Once Slack cannot be reached at all, every further call fails at once instead of retrying again."""

    def __init__(self, slack: _WebApi):
        self.slack = slack
        self.down: ApiResult | None = None

    def api(self, method: str, **params: Any) -> ApiResult:
        if self.down is None:
            result = self.slack.api(method, **params)
            if result.error != "network":
                return result
            self.down = result
        return self.down


class _ChannelDirectory:
    """Looks existing channels up by name, listing them from Slack once, only when needed."""

    def __init__(self, slack: _WebApi):
        self.slack = slack
        self._by_name: dict[str, dict] | None = None
        self.error: ApiResult | None = None

    def find(self, name: str) -> dict | None:
        if self._by_name is None:
            self._by_name, cursor = {}, None
            while True:
                params = {"types": "public_channel", "exclude_archived": True, "limit": 200}
                result = self.slack.api("conversations.list", **params, **({"cursor": cursor} if cursor else {}))
                if not result.ok:
                    self.error = result
                    break
                self._by_name.update({c["name"]: c for c in result.data.get("channels", [])})
                cursor = (result.data.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        return self._by_name.get(name)


def channel_purpose(t: Translate, project: Project, department: Department | None, role_text: str) -> str:
    """The purpose line of a project channel: the project's aim and the department's part in it."""
    if department is None:
        text = t("sync.purpose_leads", project=project.name, purpose=project.purpose)
    elif role_text:
        text = t("sync.purpose_role", project=project.name, purpose=project.purpose, department=department.name, role=role_text)
    else:
        text = t("sync.purpose_department", project=project.name, purpose=project.purpose, department=department.name)
    return text[:PURPOSE_LIMIT]


def _ensure_channel(
    slack: _WebApi,
    t: Translate,
    directory: _ChannelDirectory,
    *,
    name: str,
    stored_id: str | None,
    purpose: str,
    members: list[str],
) -> tuple[SyncRow, str | None]:
    row = SyncRow(channel=f"#{name}")
    channel_id, current_purpose = None, None
    if stored_id:
        info = slack.api("conversations.info", channel=stored_id)
        if info.ok and not info.data["channel"].get("is_archived"):
            channel_id, current_purpose = stored_id, (info.data["channel"].get("purpose") or {}).get("value", "")
    if channel_id is None:
        created = slack.api("conversations.create", name=name, is_private=False)
        if created.ok:
            channel_id, current_purpose, row.status = created.data["channel"]["id"], "", "created"
        elif created.error == "name_taken":
            found = directory.find(name)
            if found is None:
                row.status = "failed"
                row.failures.append(slack_error(t, directory.error) if directory.error else t("sync.taken_not_visible"))
                return row, None
            joined = slack.api("conversations.join", channel=found["id"])
            if not joined.ok:
                row.status = "failed"
                row.failures.append(t("sync.join_failed", error=slack_error(t, joined)))
                return row, None
            channel_id, current_purpose = found["id"], (found.get("purpose") or {}).get("value")
        else:
            row.status = "failed"
            row.failures.append(t("sync.create_failed", error=slack_error(t, created)))
            return row, None
    if current_purpose != purpose:
        result = slack.api("conversations.setPurpose", channel=channel_id, purpose=purpose)
        if not result.ok:
            row.failures.append(t("sync.purpose_failed", error=slack_error(t, result)))
    for user in members:
        result = slack.api("conversations.invite", channel=channel_id, users=user)
        if result.ok:
            row.invited.append(user)
        elif result.error not in HARMLESS_INVITE_ERRORS:
            row.failures.append(t("sync.invite_failed", user=user, error=slack_error(t, result)))
    return row, channel_id


def sync_channels(session: Session, slack: SlackPort, t: Translate) -> SyncReport:
    """Make every project-department channel and leads channel exist, with its purpose and people.

    Idempotent: stored channel ids are checked, taken names are reused (the bot joins them),
    `already_in_channel` is fine. One channel's failure does not stop the others.
    """
    api = _StopWhenUnreachable(slack)
    directory = _ChannelDirectory(api)
    rows: list[SyncRow] = []
    for project in all_projects(session):
        for link, department in project_links(session, id_of(project)):
            row, channel_id = _ensure_channel(
                api,
                t,
                directory,
                name=link.channel_name,
                stored_id=link.channel_id,
                purpose=channel_purpose(t, project, department, link.role_text),
                members=users_with_role(session, Role.LIAISON, department_id=department.id),
            )
            rows.append(row)
            if channel_id:
                record_department_channel(session, link, channel_id)
        row, channel_id = _ensure_channel(
            api,
            t,
            directory,
            name=project.leads_channel_name,
            stored_id=project.leads_channel_id,
            purpose=channel_purpose(t, project, None, ""),
            members=users_with_role(session, Role.LEAD, project_id=project.id),
        )
        rows.append(row)
        if channel_id:
            record_leads_channel(session, project, channel_id)
    return SyncReport(rows)


def format_report(t: Translate, report: SyncReport) -> str:
    """The closing table (created / kept / invited / failed) and a one-line summary."""
    header = [t("sync.col_channel"), t("sync.col_status"), t("sync.col_invited"), t("sync.col_failed")]
    body = [
        [row.channel, t(f"sync.status_{row.status}"), ", ".join(row.invited) or "-", " / ".join(row.failures) or "-"]
        for row in report.rows
    ]
    counts = {name: sum(1 for r in report.rows if r.status == name) for name in ("created", "kept", "failed")}
    invited = sum(len(r.invited) for r in report.rows)
    problems = sum(1 for r in report.rows if r.failures)
    if report.in_place:
        summary = t("sync.all_in_place", channels=len(report.rows))
    else:
        summary = t("sync.summary", created=counts["created"], kept=counts["kept"], invited=invited, failed=problems)
    return f"{format_table(header, body)}\n{summary}"
