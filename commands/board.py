"""The leads channel's board: in one place, what was agreed and what the departments said.

Every requirement with its status (and reason) and each department's rating, then the latest hearing's answers per
department. Where the workspace has channel canvases, the board is the leads channel's canvas, rewritten whole
(canvases.edit) after every change; a workspace whose plan has none (or an app without `canvases:write`) gets a
message in the leads channel instead, pinned once and updated in place (chat.update through the outbox). Either way
departments read the same words: requirements in their own words, ratings by department name, people by name.

`refresh(ctx, project_id)` is called in the follow-up of every command or button that changes a requirement or a
hearing; it reads the tables again. Two refreshes at once (two ratings in the same second) are ordered by when they
read: the pinned message's update carries that time as its version (the outbox never sends an older version after a
newer one), and a canvas write of an older read is dropped once a newer one is written.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from commands.base import CommandContext, Translate, escape
from commands.blocks import cut, header, message, section
from commands.people import Names, known_names
from storage import outbox
from storage.board import NO_CANVAS, record_canvas
from storage.directory import get_project
from storage.hearings import DepartmentAnswers, HearingSummary, is_open, latest_summary
from storage.models import Project, utcnow
from storage.requirements import RequirementRow, RequirementsTable, requirements_table
from words.dates import date_text
from words.questions import hearing_question

logger = logging.getLogger(__name__)
_CANVAS_LOCK = threading.Lock()
# project id -> when (time.monotonic_ns) the last canvas this process wrote was read: the order of reads in this
# process, which a wall-clock correction (or a test's travel in time) cannot turn around
_written: dict[int, int] = {}

# Slack's answers meaning "no channel canvas here" (plan, settings, scope): the pinned message instead.
CANVAS_REFUSALS = {
    "team_tier_cannot_create_channel_canvases",
    "canvas_disabled_user_team",
    "free_team_canvas_tab_already_exists",
    "restricted_action",
    "missing_scope",
    "not_allowed_token_type",
    "unknown_method",
}
CANVAS_GONE = {"canvas_not_found", "canvas_deleted", "file_not_found"}
ANSWER_CHARS = 300  # an answer's first characters on the pinned message (the canvas has them whole)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")  # what would format, link or break a table cell


def card_key(project_id: int) -> str:
    """The outbox key of the pinned board message of a project."""
    return f"board:{project_id}"


def _md(text: str) -> str:
    """User text for canvas markdown: one line, markdown's special characters shown as themselves."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _updated(ctx: CommandContext, style: str) -> str:
    now = utcnow().astimezone(ZoneInfo(ctx.timezone))
    return ctx.t("board.updated", date=date_text(ctx.t, style, now.date()), time=f"{now:%H:%M}")


def _status(t: Translate, row: RequirementRow) -> str:
    status = t(f"req.status.{row.status}")
    return t("board.status_reason", status=status, reason=row.reason) if row.reason else status


def _rating(t: Translate, row: RequirementRow, department: str) -> str:
    code = row.ratings.get(department)
    return t(f"req.rating.{code}") if code else t("board.unrated")


def _hearing_title(t: Translate, summary: HearingSummary) -> str:
    state = t("board.hearing_open") if is_open(summary.hearing) else t("board.hearing_closed")
    return t("board.hearing_title", number=summary.hearing.id, title=summary.hearing.title, state=state)


def _said(t: Translate, summary: HearingSummary, department: DepartmentAnswers) -> list[tuple[str, str, str]]:
    """What a department answered: (user id, question as asked, answer) for every answer that is not blank."""
    return [
        (answer.user_id, hearing_question(t, question), answer.answers.get(index, "").strip())
        for answer in department.answers
        for index, question in enumerate(summary.questions)
        if answer.answers.get(index, "").strip()
    ]


def markdown(
    t: Translate, project: Project, table: RequirementsTable, summary: HearingSummary | None, name: Names, updated: str
) -> str:
    """The canvas: a title, the requirements table (a column per department), the latest hearing by department."""
    out = [f"# {_md(t('board.title', project=project.name))}", f"_{_md(updated)}_", "", f"## {_md(t('board.requirements'))}"]
    head = [t("board.col_number"), t("board.col_requirement"), t("board.col_effect"), t("board.col_status"), *table.departments]
    rows = [[f"#{r.number}", r.text, r.effect, _status(t, r), *(_rating(t, r, d) for d in table.departments)] for r in table.rows]
    if rows:
        out += [f"| {' | '.join(_md(c) for c in row)} |" for row in [head, ["---"] * len(head), *rows]]
    else:
        out.append(_md(t("board.no_requirements")))
    if summary is None:
        return "\n".join([*out, "", f"## {_md(t('board.hearing_none_title'))}", _md(t("board.no_hearing"))]) + "\n"
    out += ["", f"## {_md(_hearing_title(t, summary))}"]
    for department in summary.departments:
        said = _said(t, summary, department)
        out.append(f"### {_md(department.department.name)}")
        out += [f"- {_md(question)}: {_md(text)}（{_md(name(user))}）" for user, question, text in said]
        out += [] if said else [_md(t("board.not_answered"))]
    return "\n".join(out) + "\n"


def blocks(
    t: Translate, project: Project, table: RequirementsTable, summary: HearingSummary | None, name: Names, updated: str
) -> tuple[str, list[dict[str, Any]]]:
    """The pinned message: the same content within a message's limits (long answers cut; the rest by command)."""
    title = t("board.title", project=project.name)
    lines = [
        t(
            "board.requirement_line",
            number=r.number,
            text=escape(cut(r.text, 200)),
            status=escape(_status(t, r)),
            ratings=" / ".join(f"{escape(d)} {_rating(t, r, d)}" for d in table.departments),
        )
        for r in table.rows
    ]
    parts: list[Any] = [
        header(cut(title, 150)),
        section(f"*{t('board.requirements')}*\n" + ("\n".join(lines) or t("board.no_requirements"))),
    ]
    if summary is None:
        parts.append(section(f"*{t('board.hearing_none_title')}*\n{t('board.no_hearing')}"))
    else:
        parts.append(section(f"*{escape(_hearing_title(t, summary))}*"))
        for department in summary.departments:
            said = [
                f"• {escape(question)}: {escape(cut(text, ANSWER_CHARS))}（{name(user)}）"
                for user, question, text in _said(t, summary, department)
            ]
            parts.append(section(f"*{escape(department.department.name)}*\n" + ("\n".join(said) or t("board.not_answered"))))
    parts.append(section(f"_{updated}_"))
    return title, message(*parts, t=t, where="`/req list` `/hearing status`")


def refresh(ctx: CommandContext, project_id: int) -> None:
    """Rewrite the project's board in its leads channel: the canvas, else the pinned message. Slack's refusals are
    logged, never raised: a board that could not be written is written whole by the next change."""
    # Both taken before reading: a refresh that read later has greater ones, and wins. `read_at` (wall clock) orders the
    # pinned message's versions across processes (the outbox); `read_order` orders this process's canvas writes.
    read_at, read_order = time.time_ns(), time.monotonic_ns()
    project = get_project(ctx.session, project_id)
    if project is None or not project.leads_channel_id:
        return
    table, summary = requirements_table(ctx.session, project_id), latest_summary(ctx.session, project_id)
    spec = ctx.project_file.project(project.slug)
    updated = _updated(ctx, spec.report_dates if spec else "both")
    people = known_names(ctx.session, ctx.project_file.people, ctx.t)
    if project.canvas_id != NO_CANVAS:
        content = markdown(ctx.t, project, table, summary, Names(ctx.t, people), updated)
        with _CANVAS_LOCK:  # one write at a time in this process, and never an older read over a newer one
            if _written.get(project_id, 0) > read_order:
                return
            if _write_canvas(ctx, project, content):
                _written[project_id] = read_order
                return
    text, message_blocks = blocks(ctx.t, project, table, summary, Names(ctx.t, people, in_slack=True), updated)
    key = card_key(project_id)
    if outbox.by_key(ctx.session, key) is not None:  # posted before: show the new state on it (the latest wins)
        ctx.slack.update_message(key=f"{key}:v{read_at}", card_key=key, text=text, blocks=message_blocks)
        return
    ctx.slack.post_message(key=key, channel=project.leads_channel_id, text=text, blocks=message_blocks)
    ctx.slack.pin_message(key=f"{key}:pin", card_key=key)


def _write_canvas(ctx: CommandContext, project: Project, content: str) -> bool:
    """Write the canvas (made on first use; found again if Slack already has one). True when the canvas is the board,
    even if Slack failed this time (logged; the next change writes it whole); False when the workspace has none to
    offer (recorded: the pinned message is the board until the bot starts again: `renkei serve`, `renkei sync`)."""
    document = {"type": "markdown", "markdown": content}
    if project.canvas_id:
        edited = ctx.slack.api(
            "canvases.edit", canvas_id=project.canvas_id, changes=[{"operation": "replace", "document_content": document}]
        )
        if edited.ok:
            return True
        if edited.error not in CANVAS_GONE:
            logger.warning("Could not rewrite the board canvas of %s: %s", project.slug, edited.error)
            return True
        record_canvas(ctx.session, project, None)  # deleted by someone: make a new one
    title = ctx.t("board.title", project=project.name)
    made = ctx.slack.api(
        "conversations.canvases.create", channel_id=project.leads_channel_id, title=title, document_content=document
    )
    if made.ok:
        record_canvas(ctx.session, project, str(made.data.get("canvas_id")))
        return True
    if made.error == "channel_canvas_already_exists":  # made by someone, or by a refresh whose answer was lost
        info = ctx.slack.api("conversations.info", channel=project.leads_channel_id)
        found = ((info.data.get("channel") or {}).get("properties") or {}).get("canvas") or {} if info.ok else {}
        if found.get("file_id"):
            record_canvas(ctx.session, project, str(found["file_id"]))
            return _write_canvas(ctx, project, content)
    if made.error in CANVAS_REFUSALS:
        logger.info("No channel canvas for %s (%s): the board is a pinned message", project.slug, made.error)
        record_canvas(ctx.session, project, NO_CANVAS)
        return False
    logger.warning("Could not make the board canvas of %s: %s", project.slug, made.error)
    return True
