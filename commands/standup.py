"""`/standup`: today's answer (form or text), who has answered, and the prompt and reminder jobs send."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Collection
from zoneinfo import ZoneInfo

from commands.base import CommandContext, Reply, Translate, escape
from commands.blocks import MODAL_TITLE, actions, button, message, plain, section, view_blocks
from commands.buttons import Button, Form, Pressed, number_of
from commands.issue import refuse_residents_data
from commands.issue_blocks import issue_modal
from commands.people import Names, names_in_slack, warm
from commands.questions import question_inputs, typed_answers
from commands.suggest import fold, nearest, unknown_sub
from commands.text import BODY_LIMIT, TITLE_LIMIT, normal, plain_text
from commands.where import (
    Ask,
    DepartmentWhere,
    department_button,
    project_view_refusal,
    resolve,
    resolve_department,
    resolve_project,
    take_department,
)
from storage.absences import MAX_ABSENCE_DAYS, add_absence, away_on, cancel_absence, upcoming_absences
from storage.directory import department_channel, get_department, get_project, project_departments, users_with_role
from storage.enums import Role
from storage.ids import id_of
from storage.issues import open_issue_titled
from storage.models import Department, Project, StandupAnswer
from storage.outbox import sent_thread_on
from storage.phases import in_operation, standup_job_id
from storage.projectfile import DEFAULT_STANDUP_QUESTIONS, WEEKLY_STANDUP_QUESTIONS, standup_metadata
from storage.roles import Action, Where, department_named_in, is_liaison, liaison_places, may
from storage.standups import answer_of, answered_users, get_answer, save_answer
from words.dates import read_date, short_date, short_span
from words.questions import standup_question as question_label

ANSWER_BUTTON, MODAL_CALLBACK, BLOCKER_BUTTON = "standup_answer", "standup_modal", "standup_blocker"
DEPARTMENT_BUTTON = "standup_department"  # one per department the user answers for, when several could be meant
DEFAULT_QUESTIONS = DEFAULT_STANDUP_QUESTIONS  # renkei.yml's default, worded by `standup.q_<code>`
BLOCKER_KEYS = {"blockers"}
# a blocker marker anywhere on a line (`今日: 連携テスト 困っていること: 税務課の回答待ち`), after a space or at the start
BLOCKER_LINE = re.compile(r"(?:^|(?<=\s))(困っていること|困りごと|困|blockers?|課題)\s*[:：]\s*(.+)$", re.I)
NOTHING = {"なし", "特になし", "ありません", "none", "no", "-", "n/a"}
STATUS_WORDS = ("status", "状況")
AWAY_WORDS = ("休暇", "休み", "不在", "off", "vacation", "away")
CANCEL_WORDS = ("取消", "取り消し", "取消し", "cancel", "削除")
AWAY_BUTTON = "standup_away"
RANGE_SEPARATORS = ("〜", "～", "~", "から")
WORDS = (*STATUS_WORDS, "dept")  # what people type after /standup (tests/test_wording.py allows its English words in ja.yml)


def today(timezone: str) -> dt.date:
    """The project's date now."""
    return dt.datetime.now(ZoneInfo(timezone)).date()


def rhythm(project: Project) -> str:
    """`weekly` once the project is in operation (運用: the stand-up asks about the week), else `daily`."""
    return "weekly" if in_operation(project) else "daily"


def prompt(t: Translate, *, project: Project, day: dt.date) -> tuple[str, list[dict[str, Any]]]:
    """The stand-up prompt posted to each department channel, with the 回答する button (of the week after launch)."""
    text = t(f"standup.prompt_{rhythm(project)}", project=escape(project.name), day=day.strftime("%m/%d"))
    answer = button(t("standup.button"), ANSWER_BUTTON, value=str(project.id), style="primary")
    return text, message(
        section(text),
        actions(answer, button(t(f"standup.away_button_{rhythm(project)}"), AWAY_BUTTON, value=str(project.id))),
        t=t,
    )


def modal(t: Translate, *, project: Project, questions: list[str], channel_id: str | None) -> dict[str, Any]:
    """Today's stand-up form: one multi-line field per question (the blockers one optional)."""
    blocks = question_inputs(t, question_label, questions, required=lambda q: q not in BLOCKER_KEYS)
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(t(f"standup.modal_title_{rhythm(project)}"), MODAL_TITLE),
        "submit": plain(t("standup.modal_submit"), MODAL_TITLE),
        # Slack allows 3,000 characters: `renkei check` measures each department's form (storage/projectfile.py)
        "private_metadata": standup_metadata(project.id, channel_id, questions),
        "blocks": view_blocks(blocks, t=t),
    }


def blocker_of(answers: dict[str, str]) -> str | None:
    """The blocker an answer names (the blockers field, or a `困っていること:` line), unless it says none."""
    text = answers.get("blockers") or ""
    if not text:
        for line in (answers.get("answer") or "").splitlines():
            match = BLOCKER_LINE.search(line.strip())
            if match:
                text = match.group(2)
                break
    text = text.strip()
    return text if text and normal(text) not in NOTHING else None


def own_departments(ctx: CommandContext) -> Callable[[Department], bool]:
    """Which departments to offer the user as buttons: those they answer for (their own, as a liaison)."""
    return lambda department: is_liaison(ctx.session, ctx.user_id, id_of(department))


def answering_for(
    ctx: CommandContext, *, project_id: int | None = None, department: Department | None = None, ask: Ask | None = None
) -> DepartmentWhere | Reply:
    """The department the user answers today's stand-up for (the named one, this channel's, their own; from another
    project's prompt, their department in that project), or why they cannot: answers count only from a department's
    own liaisons. The prompt's button asks this before opening the form, the form and the command before storing."""
    where = resolve_department(ctx, department, ask=ask)
    if isinstance(where, Reply) or (project_id is not None and where.project.id != project_id):
        where = next(
            (
                DepartmentWhere(w.project, w.department)
                for w in liaison_places(ctx.session, ctx.user_id)
                if w.project.id == project_id and w.department is not None
            ),
            where,
        )
    if isinstance(where, Reply):
        return where
    if not may(ctx.session, ctx.user_id, Action.ANSWER_STANDUP, project_id=where.project.id, department_id=where.department.id):
        return Reply(text=ctx.t("standup.not_liaison", department=escape(where.department.name)))
    return where


def record(
    ctx: CommandContext,
    answers: dict[str, str],
    *,
    project_id: int | None = None,
    department: Department | None = None,
    typed: str | None = None,
) -> Reply:
    """Store today's answer for the named department, else the user's; offer to file a named blocker as an issue.
    A user who answers for several departments (`typed`, the command's text, waits for the press) is asked with
    buttons."""
    refusal = refuse_residents_data(ctx, *answers.values())
    if refusal:
        return refusal
    ask = Ask(DEPARTMENT_BUTTON, "/standup", typed, offer=own_departments(ctx)) if typed is not None else None
    where = answering_for(ctx, project_id=project_id, department=department, ask=ask)
    if isinstance(where, Reply):
        return where
    day = today(ctx.timezone)
    earlier = answer_of(ctx.session, project_id=id_of(where.project), user_id=ctx.user_id, day=day)
    row = save_answer(
        ctx.session,
        project_id=id_of(where.project),
        department_id=id_of(where.department),
        user_id=ctx.user_id,
        day=day,
        answers=answers,
    )
    share(ctx, project=where.project, department=where.department, row=row, answers=answers, updated=earlier is not None)
    thanks = "standup.updated" if earlier is not None else "standup.thanks"
    text = ctx.t(thanks, department=escape(where.department.name))
    blocker = blocker_of(answers)
    if blocker is None:
        return Reply(text=text)
    named = _named_other(blocker, project_departments(ctx.session, id_of(where.project)), id_of(where.department))
    offer = ctx.t("standup.offer_issue", blocker=escape(blocker[:200]))
    if named:
        offer = ctx.t("standup.offer_issue_waiting", blocker=escape(blocker[:200]), department=escape(named.name))
    return Reply(
        text=f"{text}\n{offer}",
        blocks=message(
            section(f"{text}\n{offer}"), actions(button(ctx.t("standup.file_issue"), BLOCKER_BUTTON, value=str(row.id))), t=ctx.t
        ),
    )


def answer_text(t: Translate, answers: dict[str, str]) -> str:
    """An answer as its department reads it: one line per question (`*今日やること* 連携テスト`), or the text typed."""
    if set(answers) == {"answer"}:
        return escape(answers["answer"])
    return "\n".join(f"*{escape(question_label(t, q))}* {escape(a)}" for q, a in answers.items() if a)


def share(
    ctx: CommandContext, *, project: Project, department: Department, row: StandupAnswer, answers: dict[str, str], updated: bool
) -> None:
    """Post the answer in the department channel, as a reply in the thread of that day's prompt.

    Without a prompt sent that day (none was due, or it is not sent yet) the answer goes in the channel itself.
    The key names the answer's content, so an update is posted again and the same text twice is posted once.
    """
    channel = department_channel(ctx.session, id_of(project), id_of(department))
    if channel is None:
        return
    thread = next(  # the usual prompt's, or after launch (運用) the weekly one's (`standup:<project>:operate`)
        (
            ts
            for prefix in (f"{standup_job_id(project.slug, after_launch=op)}@" for op in (False, True))
            if (ts := sent_thread_on(ctx.session, job_prefix=prefix, channel=channel, day=row.day, timezone=ctx.timezone))
        ),
        None,
    )
    head = ctx.t(
        "standup.shared_update" if updated else "standup.shared",
        user=f"<@{ctx.user_id}>",
        department=escape(department.name),
        day=row.day.strftime("%m/%d"),
    )
    text = f"{head}\n{answer_text(ctx.t, answers)}"
    digest = hashlib.sha256(json.dumps(answers, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    extra: dict[str, Any] = {"thread_ts": thread} if thread else {}
    ctx.slack.post_message(key=f"standup-answer:{row.id}:{digest}:{channel}", channel=channel, text=text, **extra)


def form_errors(t: Translate, questions: list[str], answers: dict[str, str]) -> dict[str, str]:
    """Errors to show inline in the stand-up form: over-long answers, by field (residents' data never gets here: the
    input gate refuses it under its field)."""
    errors = {}
    for n, question in enumerate(questions):
        text = answers.get(question, "")
        if len(text) > BODY_LIMIT:
            errors[f"q{n}"] = t("issue.problem_body_too_long", limit=BODY_LIMIT, length=len(text))
    return errors


def form_values(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A submitted stand-up form: its metadata (project, channel, questions) and the answers by question."""
    meta = json.loads(view.get("private_metadata") or "{}")
    typed = typed_answers(view)
    answers = {str(q): typed.get(n, "") for n, q in enumerate(meta.get("questions") or [])}  # forged metadata: none
    return meta, answers


def form_channel(view: dict[str, Any]) -> str | None:
    """The channel the stand-up form was opened from (its prompt's, or the /standup's)."""
    return form_values(view)[0].get("channel_id")


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    """The stand-up form's submission: errors by field (shown in the form), or today's answer recorded."""
    meta, answers = form_values(view)
    errors = form_errors(ctx.t, meta.get("questions", []), answers)
    if errors:
        return errors
    return record(ctx, answers, project_id=meta.get("project_id"))


def prompt_form(ctx: CommandContext, project_id: int, department: Department | None = None) -> dict[str, Any] | None:
    """The form the prompt's 回答する button opens, for the project it names (with `department`'s own questions);
    None for no such project."""
    project = get_project(ctx.session, project_id)
    if project is None:
        return None
    return modal(ctx.t, project=project, questions=questions_of(ctx, project, department), channel_id=ctx.channel_id)


def file_blocker(ctx: CommandContext, answer_id: int) -> Reply:
    """The 課題として登録 button: the /issue form, filled in with the blocker of the user's own answer, filed for the
    answer's department and waiting on the department the blocker names (`市民課から様式が届かない`), which the
    person may change before filing; its cards then go to both channels."""
    row = get_answer(ctx.session, answer_id)
    if row is None or row.user_id != ctx.user_id:
        return Reply(text=ctx.t("standup.no_blocker"))
    blocker = blocker_of(json.loads(row.answers))
    department = get_department(ctx.session, row.department_id)
    if blocker is None or department is None:
        return Reply(text=ctx.t("standup.no_blocker"))
    title, _, body = blocker.partition("\n")
    filed = open_issue_titled(ctx.session, row.project_id, ctx.user_id, title.strip()[:TITLE_LIMIT])
    if filed is not None:  # a second press after the form was sent: no second issue
        return Reply(text=ctx.t("standup.blocker_filed", number=filed.id, title=escape(filed.title)))
    departments = project_departments(ctx.session, row.project_id)
    view = issue_modal(
        ctx.t,
        departments=departments,
        default_department_id=row.department_id,
        project_id=row.project_id,
        channel_id=ctx.channel_id,
        title=title.strip()[:TITLE_LIMIT],
        body=body.strip(),
        waiting_on_id=getattr(_named_other(blocker, departments, row.department_id), "id", None),
    )
    return Reply(text=ctx.t("issue.modal_only_in_slack"), modal=view)


def _named_other(text: str, departments: list[Department], own_id: int) -> Department | None:
    """The department other than the person's own that a blocker names, if any."""
    return department_named_in(text, [d for d in departments if d.id != own_id])


def status(ctx: CommandContext) -> Reply:
    """Who has answered today, per department of the project."""
    project = resolve_project(ctx)
    if isinstance(project, Reply):
        return project
    refused = project_view_refusal(ctx, project)
    if refused:
        return refused
    day = today(ctx.timezone)
    answered = answered_users(ctx.session, id_of(project), day)
    away = away_on(ctx.session, day)
    rows = project_departments(ctx.session, id_of(project))
    nobody = ctx.t("renkei.nobody")
    name = names_in_slack(ctx)
    lines = [ctx.t("standup.status_title", project=escape(project.name), day=day.strftime("%m/%d"))]
    for department in rows:
        done, waiting, off = who_answered(users_with_role(ctx.session, Role.LIAISON, department_id=department.id), answered, away)
        line = ctx.t(
            "standup.status_line",
            department=escape(department.name),
            done=len(done),
            total=len(done) + len(waiting),
            answered=name.join(done, nobody),
            missing=name.join(waiting, nobody),
        )
        lines.append(line + (ctx.t("standup.away_part", away=name.join(off, nobody)) if off else ""))
    return Reply(text="\n".join(lines), followup=warm(name))


@dataclass(frozen=True)
class DepartmentDay:
    """One department's stand-up of a day, for the leads' roll-up: who answered, who not yet, the blockers named."""

    name: str
    answered: list[str]
    missing: list[str]
    blockers: list[tuple[str, str]]  # (user id, blocker)
    away: list[str] = field(default_factory=list)  # liaisons on 休暇 who did not answer: not missing


def who_answered(liaisons: list[str], answered: Collection[str], away: Collection[str]) -> tuple[list[str], list[str], list[str]]:
    """A department's liaisons on a day: who answered, who has not (to remind, to count as missing), and who is away
    (休暇: neither reminded nor counted; one who answers all the same counts as answered)."""
    done = [u for u in liaisons if u in answered]
    off = [u for u in liaisons if u not in answered and u in away]
    return done, [u for u in liaisons if u not in answered and u not in away], off


def rollup(t: Translate, *, project: Project, day: dt.date, departments: list[DepartmentDay], name: Names) -> str:
    """The leads' daily roll-up: answered / not yet per department, then the blockers under their department; people
    by name."""
    nobody = t("renkei.nobody")
    lines = [t(f"standup.rollup_title_{rhythm(project)}", project=escape(project.name), day=day.strftime("%m/%d"))]
    for d in departments:
        line = t(
            "standup.rollup_line",
            department=escape(d.name),
            done=len(d.answered),
            total=len(d.answered) + len(d.missing),
            missing=name.join(d.missing, nobody),
        )
        lines.append(line + (t("standup.away_part", away=name.join(d.away, nobody)) if d.away else ""))
        lines += [t("standup.rollup_blocker", user=name(u), text=escape(b[:200])) for u, b in d.blockers]
    if not any(d.blockers for d in departments):
        lines.append(t("standup.rollup_no_blockers"))
    return "\n".join(lines)


def questions_of(ctx: CommandContext, project: Project, department: Department | None = None) -> list[str]:
    """The project's stand-up questions from renkei.yml, the three defaults otherwise (worded for the week once the
    project is in operation: 先週やったこと・今週やること・困っていること), then `department`'s own (`standup.extra`)."""
    spec = ctx.project_file.project(project.slug)
    questions = list(spec.standup.questions) if spec and spec.standup else list(DEFAULT_QUESTIONS)
    if questions == DEFAULT_QUESTIONS and in_operation(project):
        questions = list(WEEKLY_STANDUP_QUESTIONS)
    extra = spec.standup.extra.get(department.slug, []) if spec and spec.standup and department else []
    return questions + [q for q in extra if q not in questions]


def open_form(ctx: CommandContext, department: Department | None = None) -> Reply:
    """`/standup` alone: today's form (of the named department's project); a user who answers for several
    departments outside their channels is asked with buttons first."""
    where: Where | DepartmentWhere | Reply
    if department is None:
        where = resolve(ctx)
        if isinstance(where, Reply):
            where = resolve_department(ctx, ask=Ask(DEPARTMENT_BUTTON, "/standup", "", offer=own_departments(ctx)))
    else:
        where = resolve_department(ctx, department)
    if isinstance(where, Reply):
        return where
    questions = questions_of(ctx, where.project, where.department)
    return Reply(
        text=ctx.t("issue.modal_only_in_slack"),
        modal=modal(ctx.t, project=where.project, questions=questions, channel_id=ctx.channel_id),
    )


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/standup [部署:<dept>] [<text>|status]`."""
    named = take_department(ctx, text)
    if isinstance(named, Reply):
        return named
    text, department = named.text, named.department
    words = [w for w in text.split() if fold(w)]  # a stray zero-width space is no word
    if not words:
        return open_form(ctx, department)
    if fold(words[0]) in AWAY_WORDS:
        return away(ctx, text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else "")
    if fold(words[0]) in STATUS_WORDS and len(words) == 1:
        return status(ctx) if department is None else Reply(text=ctx.t("standup.usage"))
    if len(words) == 1 and nearest(words[0], STATUS_WORDS):  # `/standup stauts` is a typo, not an answer
        return Reply(text=unknown_sub(ctx.t, "/standup", words[0], STATUS_WORDS, ctx.t("standup.usage")))
    answer = plain_text(text)
    if len(answer) > BODY_LIMIT:
        return Reply(
            text="\n".join([ctx.t("issue.problem_body_too_long", limit=BODY_LIMIT, length=len(answer)), ctx.t("standup.usage")])
        )
    return record(ctx, {"answer": answer}, department=department, typed=text)


# --- 休暇・不在 -------------------------------------------------------------------------------------------------------


def read_range(text: str, today_: dt.date) -> tuple[dt.date, dt.date] | None:
    """`12/24`, `12/24-12/28`, `12/24〜12/28`, `12月24日から12月28日`, `2026-12-24-2026-12-28`: the first and last day;
    None when it reads as neither one date nor two."""
    text = normal(text).replace(" ", "")
    for separator in RANGE_SEPARATORS:
        if separator in text:
            first, _, last = text.partition(separator)
            a, b = read_date(first, today_), read_date(last, today_)
            return (a, b) if a and b else None
    single = read_date(text, today_)
    if single:
        return single, single
    for at in [i for i, c in enumerate(text) if c == "-"]:
        a, b = read_date(text[:at], today_), read_date(text[at + 1 :], today_)
        if a and b:
            return a, b
    return None


def away(ctx: CommandContext, rest: str) -> Reply:
    """`/standup 休暇 <日付>[〜<日付>]` records days off (no reminder, not counted as missing); `/standup 休暇` lists
    yours; `/standup 休暇 取消 <日付>` removes the one covering that day."""
    day = today(ctx.timezone)
    words = rest.split()
    if not words:
        mine = upcoming_absences(ctx.session, ctx.user_id, day)
        if not mine:
            return Reply(text=ctx.t("standup.away_none"))
        listed = ctx.t("people.separator").join(short_span(ctx.t, a.first_day, a.last_day) for a in mine)
        return Reply(text=ctx.t("standup.away_list", days=listed))
    if fold(words[0]) in CANCEL_WORDS:
        which = read_date(" ".join(words[1:]), day) if words[1:] else day
        if which is None:
            return Reply(text=ctx.t("standup.away_bad", typed=escape(" ".join(words[1:]))))
        removed = cancel_absence(ctx.session, ctx.user_id, which)
        if not removed:
            return Reply(text=ctx.t("standup.away_nothing_to_cancel", day=short_date(ctx.t, which)))
        listed = ctx.t("people.separator").join(short_span(ctx.t, a.first_day, a.last_day) for a in removed)
        return Reply(text=ctx.t("standup.away_cancelled", days=listed))
    span = read_range(rest, day)
    if span is None:
        return Reply(text=ctx.t("standup.away_bad", typed=escape(rest.strip())))
    first, last = span
    if last < first:
        return Reply(text=ctx.t("standup.away_backwards", first=short_date(ctx.t, first), last=short_date(ctx.t, last)))
    if last < day:
        return Reply(text=ctx.t("standup.away_past"))
    if (last - first).days + 1 > MAX_ABSENCE_DAYS:
        return Reply(text=ctx.t("standup.away_too_long", limit=MAX_ABSENCE_DAYS, days=(last - first).days + 1))
    return record_away(ctx, first, last)


def record_away(ctx: CommandContext, first: dt.date, last: dt.date) -> Reply:
    """Days off from `first` to `last` kept for the person, and the reply naming what is kept (an earlier
    registration that covers them already: that one)."""
    kept = add_absence(ctx.session, ctx.user_id, first, last)
    days = short_span(ctx.t, kept.first_day, kept.last_day)
    return Reply(text=ctx.t("standup.away_recorded", days=days, first=short_date(ctx.t, kept.first_day)))


def press_away(ctx: CommandContext, value: str) -> Pressed:
    """The prompt's 今日は休み button (今週は休み after launch, when the stand-up is weekly): today, or the rest of the
    week, recorded as days off for the presser, if they answer this stand-up."""
    where = answering_for(ctx, project_id=number_of(value))
    if isinstance(where, Reply):
        return Pressed(reply=where)
    day = today(ctx.timezone)
    last = day + dt.timedelta(days=6 - day.weekday()) if rhythm(where.project) == "weekly" else day
    return Pressed(reply=record_away(ctx, day, last))


def press_answer(ctx: CommandContext, value: str) -> Pressed:
    """The prompt's 回答する button: today's form for the project it names, for those who may answer it (a person who
    is no liaison there is told so now, not after filling the form in)."""
    where = answering_for(ctx, project_id=number_of(value))
    if isinstance(where, Reply):
        return Pressed(reply=where)
    return Pressed(modal=prompt_form(ctx, number_of(value), where.department))


def press_blocker(ctx: CommandContext, value: str) -> Pressed:
    """The 課題として登録 button under a stand-up answer that names a blocker: the form filled in, or why not."""
    reply = file_blocker(ctx, number_of(value))
    return Pressed(modal=reply.modal) if reply.modal else Pressed(reply=reply)


BUTTONS: dict[str, Button] = {
    ANSWER_BUTTON: press_answer,
    AWAY_BUTTON: press_away,
    BLOCKER_BUTTON: press_blocker,
    DEPARTMENT_BUTTON: department_button(handle),
}
FORMS = {MODAL_CALLBACK: Form(submit, channel=form_channel)}
