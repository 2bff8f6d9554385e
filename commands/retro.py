"""The monthly 振り返り after launch: the prompt each department channel gets, its 回答する button and form.

Not a family of its own (no slash command): its BUTTONS and FORMS are merged into commands/renkei.py's, so the ids
are `renkei_retro` and `renkei_modal` (tests/test_family_template.py). The job is reminders/jobs/retro.py.
Only the department's liaisons answer (Action.SPEAK_FOR_DEPARTMENT); an answer is editable within its month (the form
is prefilled), and is shared in the prompt's thread in the department channel and in the leads channel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, Callable
from zoneinfo import ZoneInfo

from commands.base import CommandContext, Reply, Translate, escape
from commands.blocks import MODAL_TITLE, actions, button, message, plain, section, view_blocks
from commands.buttons import Form, Pressed
from commands.people import names_in_slack
from commands.questions import question_inputs
from commands.standup import form_channel, form_errors, form_values
from storage.directory import department_channel, get_department, get_project
from storage.ids import id_of
from storage.models import Department, Project
from storage.outbox import by_key
from storage.projectfile import DEFAULT_RETROSPECTIVE_QUESTIONS, retro_metadata
from storage.retrospectives import RetroAnswer, answer_of, month_of, save_retro
from storage.roles import Action, may
from words.questions import retro_question as question_label

ANSWER_BUTTON, MODAL_CALLBACK = "renkei_retro", "renkei_modal"  # named after the family that declares them
_VALUE = re.compile(r"(\d{1,9}):(\d{1,9}):(\d{4})-(\d{2})")  # the button's value: <project>:<department>:<YYYY-MM>


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def prompt_key(project: Project, month: dt.date) -> str:
    """The outbox key of a month's prompt (`retro:<project>@<YYYY-MM>`, `:<channel>` added): sent once a month."""
    return f"retro:{project.slug}@{month_key(month)}"


def prompt(t: Translate, *, project: Project, department: Department, month: dt.date) -> tuple[str, list[dict[str, Any]]]:
    """The month's 振り返り prompt for one department channel, with its 回答する button."""
    text = t("retro.prompt", project=escape(project.name), department=escape(department.name), month=month.month)
    value = f"{id_of(project)}:{id_of(department)}:{month_key(month)}"
    return text, message(section(text), actions(button(t("retro.button"), ANSWER_BUTTON, value=value, style="primary")), t=t)


def this_month(ctx: CommandContext) -> dt.date:
    return month_of(dt.datetime.now(ZoneInfo(ctx.timezone)).date())


def questions_of(ctx: CommandContext, project: Project) -> list[str]:
    """The project's 振り返り questions from renkei.yml (`operation.questions`)."""
    spec = ctx.project_file.project(project.slug)
    return list(spec.operation.questions) if spec else list(DEFAULT_RETROSPECTIVE_QUESTIONS)


def modal(
    t: Translate,
    *,
    project: Project,
    department: Department,
    month: dt.date,
    questions: list[str],
    given: dict[str, str],
    channel_id: str | None,
) -> dict[str, Any]:
    """The 振り返り form: one multi-line field per question, prefilled with the answer given this month."""
    prefilled = {n: given[q] for n, q in enumerate(questions) if given.get(q)}
    blocks = question_inputs(t, question_label, questions, given=prefilled)
    head = section(t("retro.modal_intro", department=escape(department.name), month=month.month))
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(t("retro.modal_title"), MODAL_TITLE),
        "submit": plain(t("retro.modal_submit"), MODAL_TITLE),
        # Slack allows 3,000 characters: `renkei check` measures the form (storage/projectfile.py)
        "private_metadata": retro_metadata(project.id, department.id, month_key(month), questions, channel_id),
        "blocks": view_blocks(head, blocks, t=t),
    }


def _place(ctx: CommandContext, project_id: int, department_id: int, month_text: str) -> tuple[Project, Department] | Reply:
    """The project and department a button or form names, if they exist, the month is this one and the user is one
    of the department's liaisons; otherwise the reply saying why nothing opens."""
    project, department = get_project(ctx.session, project_id), get_department(ctx.session, department_id)
    if project is None or department is None or department_channel(ctx.session, project_id, department_id) is None:
        return Reply(text=ctx.t("retro.not_found"))
    if month_text != month_key(this_month(ctx)):
        return Reply(text=ctx.t("retro.month_over", month=int(month_text[-2:]) if month_text[-2:].isdigit() else "?"))
    if not may(ctx.session, ctx.user_id, Action.SPEAK_FOR_DEPARTMENT, project_id=project_id, department_id=department_id):
        return Reply(text=ctx.t("retro.not_liaison", department=escape(department.name)))
    return project, department


def press_answer(ctx: CommandContext, value: str) -> Pressed:
    """The prompt's 回答する button: the form, prefilled with this month's answer, for the department's liaisons."""
    match = _VALUE.fullmatch(value)
    if not match:
        return Pressed(reply=Reply(text=ctx.t("retro.not_found")))
    place = _place(ctx, int(match[1]), int(match[2]), f"{match[3]}-{match[4]}")
    if isinstance(place, Reply):
        return Pressed(reply=place)
    project, department = place
    month = this_month(ctx)
    row = answer_of(ctx.session, project_id=id_of(project), department_id=id_of(department), user_id=ctx.user_id, month=month)
    given = json.loads(row.answers) if row else {}
    questions = questions_of(ctx, project)
    return Pressed(
        modal=modal(
            ctx.t,
            project=project,
            department=department,
            month=month,
            questions=questions,
            given=given,
            channel_id=ctx.channel_id,
        )
    )


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    """The form's submission: errors by field (My Number, too long), or the answer stored, thanked and shared."""
    meta, answers = form_values(view)
    errors = form_errors(ctx.t, list(answers), answers)
    if errors:
        return errors
    try:
        project_id, department_id = int(meta.get("project_id") or 0), int(meta.get("department_id") or 0)
    except (TypeError, ValueError):
        return Reply(text=ctx.t("retro.not_found"))
    place = _place(ctx, project_id, department_id, str(meta.get("month") or ""))
    if isinstance(place, Reply):
        return place
    project, department = place
    if not any(answers.values()):
        return Reply(text=ctx.t("retro.empty"))
    month = this_month(ctx)
    row, updated = save_retro(
        ctx.session,
        project_id=project_id,
        department_id=department_id,
        user_id=ctx.user_id,
        month=month,
        answers=answers,
    )
    # with the answer, in its transaction: the department's thread and the leads channel
    share(ctx, project=project, department=department, month=month, row_id=id_of(row), answers=answers, updated=updated)
    thanks = "retro.updated" if updated else "retro.thanks"
    return Reply(text=ctx.t(thanks, department=escape(department.name), month=month.month))


def answer_text(t: Translate, answers: dict[str, str]) -> str:
    return "\n".join(f"*{escape(question_label(t, q))}*: {escape(a)}" for q, a in answers.items() if a)


def share(
    ctx: CommandContext,
    *,
    project: Project,
    department: Department,
    month: dt.date,
    row_id: int,
    answers: dict[str, str],
    updated: bool,
) -> None:
    """Close the loop: the answer as a reply in the month's prompt thread of the department channel (in the channel
    when no prompt was sent), and in the leads channel. The key names the content: the same text twice is one post."""
    head = ctx.t(
        "retro.shared_update" if updated else "retro.shared",
        user=names_in_slack(ctx)(ctx.user_id),
        department=escape(department.name),
        month=month.month,
    )
    text = f"{head}\n{answer_text(ctx.t, answers)}"
    digest = hashlib.sha256(json.dumps(answers, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    channel = department_channel(ctx.session, id_of(project), id_of(department))
    if channel:
        sent = by_key(ctx.session, f"{prompt_key(project, month)}:{channel}")
        ts = json.loads(sent.result or "{}").get("ts") if sent is not None and sent.result else None
        extra: dict[str, Any] = {"thread_ts": str(ts)} if ts else {}
        ctx.slack.post_message(key=f"retro-answer:{row_id}:{digest}:{channel}", channel=channel, text=text, **extra)
    if project.leads_channel_id:
        leads = project.leads_channel_id
        ctx.slack.post_message(key=f"retro-answer:{row_id}:{digest}:{leads}", channel=leads, text=text)


def digest_lines(t: Translate, answers: list[RetroAnswer], name: Callable[[str], str]) -> list[str]:
    """The weekly digest's 振り返り section (storage.retrospectives.recent gives the answers): a title, then each
    answer by department and person, its questions under it; nothing when there is none."""
    if not answers:
        return []
    lines = [t("retro.digest_title")]
    for answer in answers:
        lines.append(
            t("retro.digest_line", department=escape(answer.department), user=name(answer.user_id), month=answer.month.month)
        )
        lines += [
            t("retro.digest_answer", question=escape(question_label(t, q)), text=escape(text[:200]))
            for q, text in answer.answers.items()
            if text
        ]
    return lines


BUTTONS = {ANSWER_BUTTON: press_answer}
FORMS = {MODAL_CALLBACK: Form(submit, channel=form_channel)}
