"""`/hearing` (ヒアリング): a lead sends every department a questionnaire; liaisons answer in a form, edit until it
closes; the status per department; the close posts a summary per department to the leads channel.

Each department channel gets a card (key `hearing:<n>:card:<channel>`) with the 回答する button; the card is updated
in place (chat.update through the outbox) to name who answered, and to say 締め切りました when the hearing closes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

from commands import board
from commands.base import CommandContext, Reply, Translate, escape
from commands.blocks import (
    MESSAGE_BLOCKS,
    MESSAGE_TEXT,
    MODAL_TITLE,
    Block,
    actions,
    button,
    message,
    plain,
    section,
    text_size,
    view_blocks,
)
from commands.buttons import Button, Form, Pressed, number_of
from commands.dates import long_date, read_date
from commands.issue import refuse_residents_data
from commands.issue_blocks import local_time
from commands.later import job, later
from commands.people import Names, names_in_slack, warm_names
from commands.questions import hearing_question as question_label
from commands.questions import question_inputs, typed_answers
from commands.suggest import fold, unknown_sub
from commands.text import BODY_LIMIT, TITLE_LIMIT, normal, plain_text, read_number
from commands.where import elsewhere, resolve_project
from storage import hearings as store
from storage.directory import department_channel, department_channels, get_department, get_project, project_departments
from storage.enums import OutboxStatus
from storage.ids import id_of
from storage.models import Department, Hearing, Project
from storage.outbox import posted_keys
from storage.projectfile import DEFAULT_HEARING_QUESTIONS
from storage.roles import Action, channel_where, may

ANSWER_BUTTON, MODAL_CALLBACK = "hearing_answer", "hearing_modal"
DEADLINE_PREFIXES = ("締切:", "締め切り:", "deadline:")  # `締切:来週金曜` (the full-width colon is folded)
SUBCOMMANDS = {"start": "start", "開始": "start", "status": "status", "状況": "status", "close": "close", "締切": "close"}
WORDS = ("start", "status", "close")  # what people type after /hearing (tests/test_wording.py allows them in ja.yml)
SUMMARY_TEXT = MESSAGE_TEXT - 1000  # what one summary message's blocks may hold: room for the heading


def card_key(hearing_id: int, channel: str) -> str:
    """The outbox key of the hearing's card in one department channel."""
    return f"hearing:{hearing_id}:card:{channel}"


def heading(t: Translate, hearing: Hearing) -> str:
    return t("hearing.heading", number=hearing.id, title=escape(hearing.title))


def card(t: Translate, hearing: Hearing, *, answered: list[str], name: Names) -> tuple[str, list[Block]]:
    """A department's card: the title, who started it, the questions, who of the department answered, and the
    回答する button while the hearing is open (締め切りました, no button, once it is closed)."""
    questions = store.questions_of(hearing)
    deadline = [t("hearing.deadline", day=long_date(t, hearing.deadline))] if hearing.deadline else []
    until = t("hearing.until_deadline", day=long_date(t, hearing.deadline)) if hearing.deadline else t("hearing.until_closed")
    lines = [
        f"*{heading(t, hearing)}*",
        *deadline,
        t("hearing.card_intro", user=name(hearing.started_by), until=until),
        *(f"{n}. {escape(question_label(t, q))}" for n, q in enumerate(questions, start=1)),
        t("hearing.card_answered", names=name.join(answered, t("hearing.nobody_yet"))),
    ]
    if not store.is_open(hearing):
        lines.append(t("hearing.card_closed"))
        text = "\n".join(lines)
        return text, message(section(text), t=t)
    lines.append(t("hearing.card_how"))
    text = "\n".join(lines)
    answer = button(t("hearing.button"), ANSWER_BUTTON, value=str(hearing.id), style="primary")
    return text, message(section(text), actions(answer), t=t)


def reminder(t: Translate, hearing: Hearing, department: Department) -> tuple[str, list[Block]]:
    """The business-day reminder to a department that has not answered, with the 回答する button; it names the
    deadline when there is one (after it, departments are no longer reminded: the leads are told, `deadline_passed`)."""
    deadline = t("hearing.remind_deadline", day=long_date(t, hearing.deadline)) if hearing.deadline else ""
    text = t("hearing.remind", heading=heading(t, hearing), department=escape(department.name), deadline=deadline)
    answer = button(t("hearing.button"), ANSWER_BUTTON, value=str(hearing.id), style="primary")
    return text, message(section(text), actions(answer), t=t)


def deadline_passed(t: Translate, hearing: Hearing, missing: list[Department]) -> str:
    """The leads' notice, once, that a hearing's deadline has passed with departments still to answer."""
    return t(
        "hearing.deadline_passed_leads",
        heading=heading(t, hearing),
        day=long_date(t, hearing.deadline) if hearing.deadline else "",
        departments="、".join(escape(d.name) for d in missing),
        number=hearing.id,
    )


def department_card(ctx: CommandContext, hearing: Hearing, department_id: int) -> tuple[str, list[Block]]:
    """The card of one department as the hearing now stands."""
    answered = [a.user_id for a in store.hearing_answers(ctx.session, id_of(hearing)) if a.department_id == department_id]
    again = later(renamed, hearing_id=id_of(hearing), department_id=department_id)  # its key names its content
    warm_names(ctx, [hearing.started_by, *answered], again)
    return card(ctx.t, hearing, answered=answered, name=names_in_slack(ctx))


def refresh_card(ctx: CommandContext, hearing_id: int, department_id: int) -> None:
    """The department's card updated in place (chat.update, once per content) to the hearing as it now is."""
    hearing = store.get_hearing(ctx.session, hearing_id)
    if hearing is None:
        return
    channel = department_channel(ctx.session, hearing.project_id, department_id)
    if channel is None or card_key(hearing_id, channel) not in posted_keys(
        ctx.session, f"hearing:{hearing_id}:card:", "chat.postMessage"
    ):
        return
    text, blocks = department_card(ctx, hearing, department_id)
    digest = hashlib.sha256(json.dumps([text, blocks], ensure_ascii=False).encode()).hexdigest()[:16]
    key = card_key(hearing_id, channel)
    ctx.slack.update_message(key=f"{key}:v{digest}", card_key=key, text=text, blocks=blocks)


# --- /hearing start ------------------------------------------------------------------------------------------------


def usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    return Reply(text="\n".join(filter(None, [problem, ctx.t("hearing.usage")])))


def questions_for(ctx: CommandContext, project: Project) -> list[str]:
    """The project's hearing questions from renkei.yml (the five defaults otherwise)."""
    spec = ctx.project_file.project(project.slug)
    return list(spec.hearing.questions) if spec else list(DEFAULT_HEARING_QUESTIONS)


def take_deadline(ctx: CommandContext, words: list[str]) -> tuple[dt.date | None, list[str]] | Reply:
    """`締切:来週金曜` among the words: the day (a business day, not past) and the other words; a Reply saying what is
    wrong. A day read two ways raises AmbiguousDate (asked back by bot.interactions)."""
    typed = [word for word in words if normal(word).startswith(DEADLINE_PREFIXES)]
    rest = [word for word in words if word not in typed]
    if not typed:
        return None, rest
    if len(typed) > 1:
        return usage(ctx, ctx.t("hearing.problem_two_deadlines"))
    text = normal(typed[0]).split(":", 1)[1]
    today = dt.datetime.now(ZoneInfo(ctx.timezone)).date()
    day = read_date(text, today) if text else None
    if day is None:
        return usage(ctx, ctx.t("hearing.problem_deadline", deadline=escape(text)))
    if day < today:
        return usage(ctx, ctx.t("hearing.problem_deadline_past"))
    reason = ctx.calendar.closed_reason(day)
    if reason is not None:
        return usage(ctx, ctx.t("hearing.problem_deadline_closed", day=long_date(ctx.t, day), reason=ctx.t(f"calendar.{reason}")))
    return day, rest


def start(ctx: CommandContext, rest: str) -> Reply:
    """`/hearing start <題名> [締切:<日付>]`: a new hearing, its card posted to every department channel after the
    ack."""
    taken = take_deadline(ctx, plain_text(rest).split())
    if isinstance(taken, Reply):
        return taken
    deadline, words = taken
    title = " ".join(words)
    if not title:
        return usage(ctx, ctx.t("hearing.problem_no_title"))
    if len(title) > TITLE_LIMIT:
        return usage(ctx, ctx.t("hearing.problem_title_too_long", limit=TITLE_LIMIT, length=len(title)))
    refusal = refuse_residents_data(ctx, title)
    if refusal:
        return refusal
    project = resolve_project(ctx)
    if isinstance(project, Reply):
        return project
    if not may(ctx.session, ctx.user_id, Action.LEAD_PROJECT, project_id=project.id):
        return Reply(text=ctx.t("hearing.not_lead", project=escape(project.name)))
    hearing = store.create_hearing(
        ctx.session,
        project_id=id_of(project),
        title=title,
        questions=questions_for(ctx, project),
        started_by=ctx.user_id,
        deadline=deadline,
    )
    hearing_id = id_of(hearing)
    channels = department_channels(ctx.session, id_of(project))
    started = ctx.t("hearing.started", number=hearing_id, title=escape(title), project=escape(project.name))
    if not channels:
        return Reply(text="\n".join([started, ctx.t("hearing.no_channels")]))

    cards = later(send_cards, hearing_id=hearing_id, channels=[[department, channel] for department, channel in channels.items()])
    return Reply(text="\n".join([started, ctx.t("hearing.sent", count=len(channels))]), followup=cards)


@job
def send_cards(ctx: CommandContext, hearing_id: int, channels: list[list[Any]]) -> Reply | None:
    """A new hearing's card to each department's channel (`[department id, channel]`), once; the board after."""
    fresh = store.get_hearing(ctx.session, hearing_id)
    if fresh is None:
        return None
    failed = []
    for department_id, channel in channels:
        text, blocks = department_card(ctx, fresh, int(department_id))
        outcome = ctx.slack.post_message(key=card_key(hearing_id, channel), channel=channel, text=text, blocks=blocks)
        if outcome.status == OutboxStatus.FAILED:
            failed.append(channel)
    board.refresh(ctx, fresh.project_id)  # the leads channel's board names the new hearing
    if failed:
        return Reply(text=ctx.t("hearing.send_failed", channels=", ".join(f"<#{c}>" for c in failed)))
    return None


# --- choosing a hearing: `/hearing status 2`, or the project's latest ---------------------------------------------------


def chosen(ctx: CommandContext, number: int | None, action: Action, *, open_only: bool) -> tuple[Hearing, Project] | Reply:
    """Hearing `number`, else the latest (open) one of this channel's or the user's project; a Reply when there is
    none or the user may not `action` on its project."""
    if number is not None:
        hearing = store.get_hearing(ctx.session, number)
        project = get_project(ctx.session, hearing.project_id) if hearing is not None else None
        if hearing is None or project is None:
            return Reply(text=ctx.t("hearing.not_found", number=number))
        refused = elsewhere(ctx, id_of(project), heading(ctx.t, hearing))
        if refused:
            return refused
    else:
        here = resolve_project(ctx)
        if isinstance(here, Reply):
            return here
        project, hearing = here, None
    if not may(ctx.session, ctx.user_id, action, project_id=project.id):
        key = "hearing.not_lead" if action is Action.LEAD_PROJECT else "where.not_member_here"
        return Reply(text=ctx.t(key, project=escape(project.name)))
    if hearing is None:
        hearing = store.latest_hearing(ctx.session, id_of(project), open_only=True)
        if hearing is None and not open_only:
            hearing = store.latest_hearing(ctx.session, id_of(project))
        if hearing is None:
            return Reply(text=ctx.t("hearing.none_open", project=escape(project.name)))
    return hearing, project


def state_words(t: Translate, hearing: Hearing) -> str:
    return t("hearing.state_open") if store.is_open(hearing) else t("hearing.state_closed")


# --- /hearing status -----------------------------------------------------------------------------------------------


def status(ctx: CommandContext, number: int | None) -> Reply:
    """Per department, who answered and when; the departments not answered yet."""
    found = chosen(ctx, number, Action.VIEW_PROJECT, open_only=False)
    if isinstance(found, Reply):
        return found
    hearing, project = found
    name = names_in_slack(ctx)
    lines = [ctx.t("hearing.status_title", heading=heading(ctx.t, hearing), state=state_words(ctx.t, hearing))]
    if hearing.deadline:
        lines.append(ctx.t("hearing.deadline", day=long_date(ctx.t, hearing.deadline)))
    missing = []
    for row in store.by_department(ctx.session, hearing):
        if not row.answers:
            missing.append(escape(row.department.name))
            continue
        people = ctx.t("people.separator").join(
            ctx.t("hearing.status_person", user=name(a.user_id), when=local_time(a.updated_at, ctx.timezone)) for a in row.answers
        )
        lines.append(ctx.t("hearing.status_line", department=escape(row.department.name), people=people))
    if missing:
        lines.append(ctx.t("hearing.status_missing", departments=ctx.t("people.separator").join(missing)))
    else:
        lines.append(ctx.t("hearing.status_all"))
    others = [h for h in store.open_hearings(ctx.session, id_of(project)) if h.id != hearing.id]
    if others:  # `/hearing status` shows one hearing: say which others are open, and how to see them
        numbers = ctx.t("people.separator").join(f"#{h.id}「{escape(h.title)}」" for h in others)
        lines.append(ctx.t("hearing.status_others", hearings=numbers, number=others[0].id))
    text = "\n".join(lines)
    return Reply(text=text, blocks=message(section(text), t=ctx.t), followup=name.warm())


# --- /hearing close ------------------------------------------------------------------------------------------------


def summary_messages(t: Translate, hearing: Hearing, rows: list[store.DepartmentAnswers], name: Names) -> list[list[Block]]:
    """The summary for the leads channel: per department, each question with every answer and its answerer, the
    departments without answers named; split over as many messages as Slack's limits need (blocks and text)."""
    questions = store.questions_of(hearing)
    blocks: list[Block] = []
    missing = []
    for row in rows:
        if not row.answers:
            missing.append(escape(row.department.name))
            continue
        lines = [t("hearing.summary_department", department=escape(row.department.name))]
        for n, question in enumerate(questions):  # a question nobody of the department answered is left out
            given = [(a.user_id, a.answers.get(n, "")) for a in row.answers if a.answers.get(n, "").strip()]
            if given:
                lines.append(t("hearing.summary_question", n=n + 1, question=escape(question_label(t, question))))
                lines += [t("hearing.summary_answer", user=name(u), text=escape(text)) for u, text in given]
        blocks += section("\n".join(lines))
    blocks += section(
        t("hearing.summary_missing", departments=t("people.separator").join(missing)) if missing else t("hearing.status_all")
    )
    head = section(t("hearing.summary_title", heading=heading(t, hearing)))
    pages: list[list[Block]] = [list(head)]
    for block in blocks:
        page = pages[-1]
        if len(page) + 1 > MESSAGE_BLOCKS or text_size([*page, block]) > SUMMARY_TEXT:
            pages.append([])
        pages[-1].append(block)
    return [message(page, t=t) for page in pages if page]


def close(ctx: CommandContext, number: int | None) -> Reply:
    """Close the hearing: the summary to the leads channel, every department card updated to 締め切りました."""
    found = chosen(ctx, number, Action.LEAD_PROJECT, open_only=True)
    if isinstance(found, Reply):
        return found
    hearing, project = found
    hearing_id = id_of(hearing)
    if not store.is_open(hearing) or not store.close_hearing(ctx.session, hearing_id, ctx.user_id):
        return Reply(text=ctx.t("hearing.already_closed", number=hearing_id, title=escape(hearing.title)))
    leads = project.leads_channel_id
    closed = ctx.t("hearing.closed", number=hearing_id, title=escape(hearing.title))
    told = ctx.t("hearing.summary_posted") if leads else ctx.t("hearing.no_leads_channel", number=hearing_id)

    return Reply(text="\n".join([closed, told]), followup=later(after_close, hearing_id=hearing_id, leads=leads))


@job
def after_close(ctx: CommandContext, hearing_id: int, leads: str | None) -> None:
    """A closed hearing's summary to the leads channel, every department card and the board updated."""
    fresh = store.get_hearing(ctx.session, hearing_id)
    if fresh is None:
        return
    rows = store.by_department(ctx.session, fresh)
    if leads:
        warm_names(ctx, [a.user_id for r in rows for a in r.answers])
        pages = summary_messages(ctx.t, fresh, rows, names_in_slack(ctx))
        for n, blocks in enumerate(pages, start=1):
            text = ctx.t("hearing.summary_text", heading=heading(ctx.t, fresh), page=n, pages=len(pages))
            ctx.slack.post_message(key=f"hearing:{hearing_id}:summary:{n}:{leads}", channel=leads, text=text, blocks=blocks)
    for row in rows:
        refresh_card(ctx, hearing_id, id_of(row.department))
    board.refresh(ctx, fresh.project_id)  # the leads channel's board: the hearing, closed


# --- the card's button and the form ---------------------------------------------------------------------------------


def modal(
    t: Translate, hearing: Hearing, department: Department, previous: dict[int, str], channel_id: str | None
) -> dict[str, Any]:
    """The answer form: one optional multi-line box per question, holding the presser's earlier answers."""
    intro = t("hearing.form_intro", heading=heading(t, hearing), department=escape(department.name))
    inputs = question_inputs(t, question_label, store.questions_of(hearing), given=previous)
    meta = {"hearing_id": hearing.id, "department_id": department.id, "channel_id": channel_id}
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(t("hearing.form_title"), MODAL_TITLE),
        "submit": plain(t("hearing.form_submit"), MODAL_TITLE),
        "private_metadata": json.dumps(meta),
        "blocks": view_blocks(section(intro), inputs, t=t),
    }


def answering(ctx: CommandContext, hearing: Hearing | None, department: Department | None) -> Reply | None:
    """Why the user may not answer this hearing for this department now (None when they may)."""
    if hearing is None:
        return Reply(text=ctx.t("hearing.gone"))
    if not store.is_open(hearing):
        return Reply(text=ctx.t("hearing.closed_no_answers", number=hearing.id, title=escape(hearing.title)))
    if department is None or department.id not in {d.id for d in project_departments(ctx.session, hearing.project_id)}:
        return Reply(text=ctx.t("hearing.answer_in_department_channel"))
    if not may(ctx.session, ctx.user_id, Action.SPEAK_FOR_DEPARTMENT, project_id=hearing.project_id, department_id=department.id):
        return Reply(text=ctx.t("hearing.not_liaison", department=escape(department.name)))
    return None


def press_answer(ctx: CommandContext, value: str) -> Pressed:
    """The card's 回答する button: the form, for a liaison of the channel's department while the hearing is open."""
    hearing = store.get_hearing(ctx.session, number_of(value))
    here = channel_where(ctx.session, ctx.channel_id)
    department = here.department if here is not None and hearing is not None and here.project.id == hearing.project_id else None
    refused = answering(ctx, hearing, department)
    if refused is not None or hearing is None or department is None:
        return Pressed(reply=refused)
    previous = store.answer_of(ctx.session, id_of(hearing), id_of(department), ctx.user_id)
    return Pressed(modal=modal(ctx.t, hearing, department, previous, ctx.channel_id))


def form_values(view: dict[str, Any]) -> tuple[dict[str, Any], dict[int, str]]:
    """A submitted form: its metadata (hearing, department, channel) and the answers by question index."""
    meta = json.loads(view.get("private_metadata") or "{}")
    answers = typed_answers(view)
    return meta, answers


def form_channel(view: dict[str, Any]) -> str | None:
    """The channel the form was opened from (the department's)."""
    return form_values(view)[0].get("channel_id")


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    """The form's submission: errors by question (shown in the form), or the answers stored and the card updated."""
    meta, typed = form_values(view)
    hearing = store.get_hearing(ctx.session, number_of(meta.get("hearing_id")))
    department = get_department(ctx.session, number_of(meta.get("department_id")))
    refused = answering(ctx, hearing, department)
    if refused is not None or hearing is None or department is None:
        return refused or Reply(text=ctx.t("hearing.gone"))
    questions = store.questions_of(hearing)
    answers = {n: typed.get(n, "") for n in range(len(questions))}
    errors = {}
    for n, text in answers.items():  # residents' data never gets here: the input gate refuses it under its field
        if len(text) > BODY_LIMIT:
            errors[f"q{n}"] = ctx.t("hearing.error_too_long", limit=BODY_LIMIT, length=len(text))
    if errors:
        return errors
    if not any(answers.values()):
        return {"q0": ctx.t("hearing.error_all_blank")}
    hearing_id, department_id = id_of(hearing), id_of(department)
    try:
        updated = store.save_answer(
            ctx.session, hearing_id=hearing_id, department_id=department_id, user_id=ctx.user_id, answers=answers
        )
    except store.HearingClosed:  # closed between the form's opening and now (the close won the race)
        return Reply(text=ctx.t("hearing.closed_no_answers", number=hearing_id, title=escape(hearing.title)))
    thanks = "hearing.updated" if updated else "hearing.thanks"
    text = ctx.t(thanks, heading=heading(ctx.t, hearing), department=escape(department.name))
    return Reply(text=text, followup=later(after_answer, hearing_id=hearing_id, department_id=department_id))


@job
def renamed(ctx: CommandContext, hearing_id: int, department_id: int) -> None:
    """A department's card shown again once Slack has named the people it could only mention."""
    refresh_card(ctx, hearing_id, department_id)


@job
def after_answer(ctx: CommandContext, hearing_id: int, department_id: int) -> None:
    """The department's card updated to the answer, and the leads channel's board too."""
    refresh_card(ctx, hearing_id, department_id)
    hearing = store.get_hearing(ctx.session, hearing_id)
    if hearing is not None:
        board.refresh(ctx, hearing.project_id)


# --- /hearing ------------------------------------------------------------------------------------------------------


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/hearing start <題名>`, `/hearing status [番号]`, `/hearing close [番号]`."""
    words = text.split(maxsplit=1)
    if not words:
        return usage(ctx)
    sub, rest = SUBCOMMANDS.get(fold(words[0])), (words[1] if len(words) > 1 else "").strip()
    if sub is None:
        return Reply(text=unknown_sub(ctx.t, "/hearing", words[0], SUBCOMMANDS, ctx.t("hearing.usage")))
    if sub == "start":
        return start(ctx, rest)
    number = read_number(rest) if rest else None
    if rest and number is None:
        return usage(ctx, ctx.t("hearing.problem_number", typed=escape(rest[:50]), sub=sub))
    return status(ctx, number) if sub == "status" else close(ctx, number)


BUTTONS: dict[str, Button] = {ANSWER_BUTTON: press_answer}
FORMS = {MODAL_CALLBACK: Form(submit, channel=form_channel)}
