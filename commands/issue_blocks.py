"""Block Kit for issues and wins: pure functions, tested as data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable
from zoneinfo import ZoneInfo

from commands.base import Translate, escape
from commands.blocks import INPUT_LABEL, MODAL_TITLE, actions, button, message, option, options, plain, section
from commands.text import BODY_LIMIT, TITLE_LIMIT
from storage.enums import EventKind, IssueStatus, Severity
from storage.models import Department, Issue, IssueEvent, Win
from storage.turns import Ball, Turn, whose_turn

TAKE, RESOLVE, ESCALATE, IT_TAKE = "issue_take", "issue_resolve", "issue_escalate", "issue_it_take"
MODAL_CALLBACK = "issue_modal"
# Notes shown otherwise: a waiting period (nudged, leads_alerted) says nothing to a reader; an assignee is a person
NOTE_NOT_SHOWN = (EventKind.NUDGED, EventKind.LEADS_ALERTED, EventKind.ASSIGNED)
FIELDS = {
    "title": "issue_title",
    "body": "issue_body",
    "department": "issue_department",
    "waiting_on": "issue_waiting_on",
    "severity": "issue_severity",
    "due": "issue_due",
}


def local_time(moment: dt.datetime, timezone: str) -> str:
    """A stored UTC time as the project's local `YYYY-MM-DD HH:MM`."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def it_state(t: Translate, issue: Issue) -> str:
    """Where the issue stands with the IT department: consulted (相談中), answered (IT回答済み), or empty."""
    if not issue.escalated:
        return ""
    if issue.it_answer:
        return t("issue.card_it_answered")
    return t("issue.card_it_consulted" if issue.status == IssueStatus.RESOLVED else "issue.card_escalated")


def status_words(t: Translate, issue: Issue) -> str:
    """The status as people read it: 対応中, with where it stands with IT (対応中・IT回答済み)."""
    return "・".join(filter(None, [t(f"status.{issue.status}"), it_state(t, issue)]))


Name = Callable[[str], str]  # a person as a reader sees them (commands.people.Names): 佐藤 花子, else a mention


def turn_words(t: Translate, ball: Ball, departments: dict[int, Department], name: Name) -> str:
    """Whose move it is, in words (storage.turns): 市民課（依頼先部署）, IT部門, 報告者 佐藤 花子（IT部門の回答を確認）."""
    department = departments.get(ball.department_id or 0)
    return t(f"turn.{ball.turn}", department=escape(department.name) if department else "", user=name(ball.user_id or ""))


def issue_summary(t: Translate, issue: Issue, departments: dict[int, Department], name: Name, ball: Ball | None = None) -> str:
    """One mrkdwn paragraph: number, title, department, waiting on, severity, status, people by name; with `ball`,
    a line saying whose move it is."""
    lines = [t("issue.card_title", number=issue.id, title=escape(issue.title))]
    facts = [t("issue.card_department", department=escape(departments[issue.department_id].name))]
    if issue.waiting_on_id:
        facts.append(t("issue.card_waiting", department=escape(departments[issue.waiting_on_id].name)))
    facts += [
        t("issue.card_severity", severity=t(f"severity.{issue.severity}")),
        t("issue.card_status", status=t(f"status.{issue.status}")),
        t("issue.card_reporter", user=name(issue.reporter_id)),
    ]
    if issue.assignee_id:
        facts.append(t("issue.card_assignee", user=name(issue.assignee_id)))
    if issue.escalated:
        facts.append(it_state(t, issue))
    if issue.due_date:
        facts.append(t("issue.card_due", due=issue.due_date.isoformat()))
    lines.append(" ・ ".join(facts))
    if ball is not None and ball.turn != Turn.NOBODY:
        lines.append(t("issue.card_turn", who=turn_words(t, ball, departments, name)))
    if issue.body:
        lines.append(escape(issue.body))
    return "\n".join(lines)


def issue_card(
    t: Translate, issue: Issue, departments: dict[int, Department], name: Name, ball: Ball | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The card posted to department channels: the summary (whose move it is, with `ball`) and the buttons that still
    apply (担当する while nobody has it, 解決 until resolved, IT部門へ相談 until escalated, もう一度相談 once IT has
    answered); a resolved issue's has none."""
    summary = issue_summary(t, issue, departments, name, ball)
    value = str(issue.id)
    unresolved = issue.status != IssueStatus.RESOLVED
    buttons = [
        button(t("issue.button_take"), TAKE, value=value) if issue.status == IssueStatus.OPEN else None,
        button(t("issue.button_resolve"), RESOLVE, value=value, style="primary") if unresolved else None,
        button(t("issue.button_escalate"), ESCALATE, value=value) if unresolved and not issue.escalated else None,
        button(t("issue.button_ask_again"), ESCALATE, value=value) if unresolved and issue.it_answer else None,
    ]
    shown = [b for b in buttons if b is not None]
    row = [actions(*shown, block_id=f"issue_{issue.id}")] if shown else []
    blocks = message(section(summary), *row, t=t, where=f"`/issue show {issue.id}`")
    return t("issue.card_fallback", number=issue.id, title=escape(issue.title)), blocks


def check_blocks(t: Translate, number: int, text: str) -> list[dict[str, Any]]:
    """The reporter's DM after IT's answer: the answer, and the two moves that are theirs (解決済みにする, or ask IT
    again); a press shows the issue's card in its place, as the issue then is."""
    value = str(number)
    row = actions(
        button(t("issue.button_resolve"), RESOLVE, value=value, style="primary"),
        button(t("issue.button_ask_again"), ESCALATE, value=value),
        block_id=f"issue_check_{number}",
    )
    return message(section(text), row, t=t, where=f"`/issue show {number}`")


def history_lines(t: Translate, events: list[IssueEvent], timezone: str, name: Name) -> list[str]:
    """The history as lines: when, who (by name), what, note."""
    lines = []
    for event in events:
        note = escape(event.note) if event.note and event.kind not in NOTE_NOT_SHOWN else ""
        if event.kind == EventKind.ASSIGNED and event.note:
            note = name(event.note)
        actor = t("issue.bot") if event.actor_id == "renkei" else name(event.actor_id)
        lines.append(
            t(
                "issue.history_line",
                when=local_time(event.created_at, timezone),
                who=actor,
                what=t(f"event.{event.kind}"),
                note=f"：{note}" if note else "",
            )
        )
    return lines


def issue_detail(
    t: Translate, issue: Issue, departments: dict[int, Department], events: list[IssueEvent], timezone: str, name: Name
) -> tuple[str, list[dict[str, Any]]]:
    """`/issue show N`: the summary (whose move it is), the IT answer if any, and the whole history."""
    parts = [issue_summary(t, issue, departments, name, whose_turn(issue, events))]
    if issue.it_answer:
        parts.append(t("issue.it_answer", answer=escape(issue.it_answer)))
    history = "\n".join([t("issue.history_title"), *history_lines(t, events, timezone, name)])
    text = "\n\n".join([*parts, history])
    blocks = message(*(section(p) for p in parts), section(history), t=t)
    return text, blocks


def escalation_card(
    t: Translate,
    issue: Issue,
    departments: dict[int, Department],
    events: list[IssueEvent],
    timezone: str,
    note: str,
    name: Name,
) -> tuple[str, list[dict[str, Any]]]:
    """What the IT department's channel receives: the issue, the reason, the history, and a button to take it while
    the issue is unresolved and IT has not answered."""
    head = t("issue.escalation_head", number=issue.id, department=escape(departments[issue.department_id].name))
    parts = [head, issue_summary(t, issue, departments, name, whose_turn(issue, events))]
    if note:
        parts.append(t("issue.escalation_note", note=escape(note)))
    parts.append("\n".join([t("issue.history_title"), *history_lines(t, events, timezone, name)[-15:]]))
    take: list[dict[str, Any]] = []
    if issue.status != IssueStatus.RESOLVED and not issue.it_answer:
        it_take = button(t("issue.button_it_take"), IT_TAKE, value=str(issue.id), style="primary")
        take.append(actions(it_take, block_id=f"it_{issue.id}"))
    blocks = message(*(section(p) for p in parts), *take, t=t, where=f"`/issue show {issue.id}`")
    return t("issue.escalation_fallback", number=issue.id, title=escape(issue.title)), blocks


def win_card(
    t: Translate, win: Win, department: Department | None, project_name: str, name: Name
) -> tuple[str, list[dict[str, Any]]]:
    """A small win as shared with every department (one the leads share names them instead of a department)."""
    who = escape(department.name) if department else t("win.from_leads")
    text = t("win.card", department=who, user=name(win.reporter_id), text=escape(win.text), project=escape(project_name))
    return text, message(section(text), t=t)


def issue_modal(
    t: Translate,
    *,
    departments: list[Department],
    default_department_id: int | None,
    project_id: int,
    channel_id: str | None,
    title: str = "",
    body: str = "",
    waiting_on_id: int | None = None,
) -> dict[str, Any]:
    """The `/issue` form: 件名, 詳細, 部署, 依頼先部署, 重要度, 期限; `title`, `body` and `waiting_on_id` filled in
    beforehand (a stand-up blocker: the person checks and changes them before filing)."""
    choices = options(option(d.name, str(d.id)) for d in departments)

    def select(chosen: int | None) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": choices}
        initial = next((o for o in choices if o["value"] == str(chosen)), None)
        if initial:
            element["initial_option"] = initial
        return element

    def text_input(value: str, limit: int, **more: Any) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": limit, **more}
        if value:
            element["initial_value"] = value[:limit]
        return element

    severities = [option(t(f"severity.{s}"), s.value) for s in Severity]

    def block(key: str, label: str, element: dict[str, Any], optional: bool = False) -> dict[str, Any]:
        return {
            "type": "input",
            "block_id": FIELDS[key],
            "optional": optional,
            "element": element,
            "label": plain(t(label), INPUT_LABEL),
        }

    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "private_metadata": json.dumps({"project_id": project_id, "channel_id": channel_id}),
        "title": plain(t("issue.modal_title"), MODAL_TITLE),
        "submit": plain(t("issue.modal_submit"), MODAL_TITLE),
        "close": plain(t("issue.modal_close"), MODAL_TITLE),
        "blocks": [
            block("title", "issue.field_title", text_input(title, TITLE_LIMIT)),
            block("body", "issue.field_body", text_input(body, BODY_LIMIT, multiline=True), optional=True),
            block("department", "issue.field_department", select(default_department_id)),
            block("waiting_on", "issue.field_waiting_on", select(waiting_on_id), optional=True),
            block(
                "severity",
                "issue.field_severity",
                {"type": "static_select", "action_id": "value", "options": severities, "initial_option": severities[1]},
            ),
            block("due", "issue.field_due", {"type": "datepicker", "action_id": "value"}, optional=True),
        ],
    }


def modal_values(view: dict[str, Any]) -> dict[str, str | None]:
    """The submitted form as plain values keyed like FIELDS."""
    state = view.get("state", {}).get("values", {})
    values: dict[str, str | None] = {}
    for key, block_id in FIELDS.items():
        element = state.get(block_id, {}).get("value", {})
        selected = element.get("selected_option")
        values[key] = (
            (selected or {}).get("value")
            if "selected_option" in element
            else element.get("selected_date")
            if "selected_date" in element
            else element.get("value")
        )
    return values
