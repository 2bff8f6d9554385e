"""`/uat` (設計レビュー・受入テスト): add a session, departments sign up and record their results; list, show.

A session's card goes to every department channel of the project and the leads channel, keyed per session and
channel (`uat:<n>:card:<channel>`), so every copy is updated in place when a department signs up or records a
result, and when the session starts (the 結果を記録 button appears; reminders/jobs/uat.py). A 問題あり result is
filed as a normal issue of the department, linked to the session and to the requirement it concerns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from commands.base import CommandContext, Reply, SlackPort, Translate, escape, post_to_channels, when_text
from commands.blocks import INPUT_LABEL, MODAL_TITLE, actions, button, message, option, options, plain, section, view_blocks
from commands.buttons import Button, Form, Pressed, number_of
from commands.issue import announce, refuse_residents_data
from commands.later import job, later
from commands.limits import rate_limit
from commands.meeting import PLACE_LIMIT, read_when, take_place
from commands.suggest import fold, unknown_sub
from commands.text import BODY_LIMIT, TITLE_LIMIT, plain_text, read_number
from commands.uat_words import kind_text
from commands.where import elsewhere, project_view_refusal, projects_in_view, resolve_project, take_department, view_refusal
from storage import outbox
from storage.directory import get_department, get_project, project_channels, project_departments
from storage.ids import id_of
from storage.limits import Family
from storage.models import Department, UatSession, as_utc
from storage.requirements import get_requirement
from storage.roles import Action, channel_where, liaison_places, may
from storage.uat import (
    OK,
    PROBLEM,
    NextSession,
    add_result,
    add_session,
    cancel_session,
    file_problem,
    get_session,
    issues_of_session,
    listed_sessions,
    owner_department,
    project_requirements,
    results_of,
    save_signup,
    signups_of,
    starts_of,
)
from words.durations import BEFORE, duration_text

if TYPE_CHECKING:
    from storage.db import Session

SUBCOMMANDS = {
    "add": "add",
    "追加": "add",
    "list": "list",
    "一覧": "list",
    "show": "show",
    "表示": "show",
    "result": "result",
    "結果": "result",
    "cancel": "cancel",
    "中止": "cancel",
}
KIND_WORDS = {
    "review": "review",
    "レビュー": "review",
    "設計レビュー": "review",
    "test": "test",
    "テスト": "test",
    "受入テスト": "test",
}
WORDS = (*SUBCOMMANDS, *KIND_WORDS)  # what people type after /uat (tests/test_wording.py allows its English words)
SIGNUP_BUTTON, RESULT_BUTTON, MODAL_CALLBACK = "uat_signup", "uat_result", "uat_modal"
ATTENDEES, OUTCOME, NOTE, REQUIREMENT = "uat_attendees", "uat_outcome", "uat_note", "uat_requirement"
ATTENDEES_LIMIT = 500
NO_REQUIREMENT = "none"


def _usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    return Reply(text="\n".join(filter(None, [problem, ctx.t("uat.usage")])))


def session_name(t: Translate, uat: UatSession) -> str:
    """`受入テスト #3`: how a refusal names the session."""
    return f"{kind_text(t, uat.kind)} #{uat.id}"


def local_start(uat: UatSession, timezone: str) -> dt.datetime:
    return starts_of(uat).astimezone(ZoneInfo(timezone))


def started(uat: UatSession, now: dt.datetime | None = None) -> bool:
    return starts_of(uat) <= (now or dt.datetime.now(dt.timezone.utc))


# --- the card ------------------------------------------------------------------------------------------------------


def department_lines(t: Translate, session: Session, uat: UatSession, held: bool = False) -> list[str]:
    """Per department: who will attend (or 未登録), and its results (問題なし, 問題あり with the issue's number); once the
    session has been `held`, a department that signed up and recorded nothing says 結果: 未記録 (its move)."""
    signed, results = signups_of(session, id_of(uat)), results_of(session, id_of(uat))
    lines = []
    for department in project_departments(session, uat.project_id):
        signup = signed.get(id_of(department))
        line = (
            t("uat.line_signed", department=escape(department.name), attendees=escape(signup.attendees))
            if signup
            else t("uat.line_not_yet", department=escape(department.name))
        )
        outcomes = [
            t("uat.result_problem", number=r.issue_id) if r.outcome == PROBLEM else t("uat.result_ok")
            for r in results.get(id_of(department), [])
        ]
        if outcomes:
            line += t("uat.line_results", results=t("duration.separator").join(outcomes))
        elif held and signup and not uat.cancelled:
            line += t("uat.line_results", results=t("uat.result_missing"))
        lines.append(line)
    return lines


def unrecorded(session: Session, uat: UatSession) -> int:
    """How many departments signed up for the session and have recorded no result."""
    results = results_of(session, id_of(uat))
    return sum(1 for department_id in signups_of(session, id_of(uat)) if not results.get(department_id))


def card(t: Translate, session: Session, uat: UatSession, timezone: str, now: dt.datetime | None = None) -> tuple[str, list]:
    """The session's card as it is now: kind, title, date, place, each department's sign-up and results; buttons
    参加を登録 and, once it has started, 結果を記録."""
    head = t(
        "uat.card_head",
        kind=kind_text(t, uat.kind),
        number=uat.id,
        title=escape(uat.title),
        when=when_text(t, local_start(uat, timezone)),
    ) + (t("meeting.place", place=escape(uat.place)) if uat.place else "")
    owner = owner_department(session, uat)
    owns = [t("uat.card_owner", department=escape(owner.name))] if owner else []
    body = "\n".join([*owns, t("uat.card_departments"), *department_lines(t, session, uat, held=started(uat, now))])
    if uat.cancelled:  # no button: nothing to sign up for or record
        body = "\n".join([t("uat.card_cancelled"), body])
        return f"{head}\n{body}", message(section(head), section(body), t=t)
    buttons = [button(t("uat.signup_button"), SIGNUP_BUTTON, value=str(uat.id), style="primary")]
    if started(uat, now):
        buttons.append(button(t("uat.result_button"), RESULT_BUTTON, value=str(uat.id)))
    return f"{head}\n{body}", message(section(head), section(body), actions(*buttons), t=t)


def card_prefix(number: int) -> str:
    """Key prefix of session `number`'s cards (`uat:<n>:card:<channel>`)."""
    return f"uat:{number}:card:"


def refresh_cards(
    t: Translate, session: Session, slack: SlackPort, uat: UatSession, timezone: str, now: dt.datetime | None = None
) -> int:
    """Every copy of the session's card posted so far, updated in place to the session as it is now. The key names
    the card's content and the last change (a sign-up changed back is sent again; the same state twice, once).
    Returns the number of copies."""
    text, blocks = card(t, session, uat, timezone, now)
    changes = [s.created_at for s in signups_of(session, id_of(uat)).values()]
    changes += [r.created_at for rows in results_of(session, id_of(uat)).values() for r in rows]
    last = max((as_utc(c) for c in changes), default=None)
    state = json.dumps([blocks, last.isoformat() if last else ""], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(state.encode()).hexdigest()[:16]
    keys = outbox.posted_keys(session, card_prefix(id_of(uat)), "chat.postMessage")
    for key in keys:
        slack.update_message(key=f"{key}:v{digest}", card_key=key, text=text, blocks=blocks)
    return len(keys)


@job
def refresh(ctx: CommandContext, number: int) -> None:
    """The job updating every copy of session `number`'s card to the session as it now is."""
    uat = get_session(ctx.session, number)
    if uat is not None:
        refresh_cards(ctx.t, ctx.session, ctx.slack, uat, ctx.timezone)


# --- /uat add ------------------------------------------------------------------------------------------------------


def add(ctx: CommandContext, rest: str) -> Reply:
    """`/uat add <題名> <日時> [review|test] [場所:<会議室やURL>]`: a one-off session on a business day, its card to every
    department channel and the leads."""
    place, words = take_place(plain_text(rest).split())
    if place is not None and not 0 < len(place) <= PLACE_LIMIT:
        return _usage(ctx, ctx.t("meeting.problem_place", limit=PLACE_LIMIT))
    kind = "test"
    if words and fold(words[-1]) in KIND_WORDS:
        kind, words = KIND_WORDS[fold(words[-1])], words[:-1]
    if len(words) < 3:
        return _usage(ctx, ctx.t("uat.problem_incomplete"))
    when = read_when(words[-2], words[-1], ctx.timezone)
    title = " ".join(words[:-2])
    if when is None:
        return _usage(ctx, ctx.t("uat.problem_when", when=escape(" ".join(words[-2:]))))
    if when.starts_at is None:
        return _usage(ctx, ctx.t("uat.problem_weekly"))
    refusal = refuse_residents_data(ctx, title, place or "")
    if refusal:
        return refusal
    if len(title) > TITLE_LIMIT:
        return _usage(ctx, ctx.t("issue.problem_title_too_long", limit=TITLE_LIMIT, length=len(title)))
    if when.starts_at <= dt.datetime.now(dt.timezone.utc):
        return _usage(ctx, ctx.t("uat.problem_past"))
    day = when.starts_at.date()
    reason = ctx.calendar.closed_reason(day)
    if reason is not None:
        shown = ctx.t("dates.short", month=day.month, day=day.day)
        return Reply(text=ctx.t("uat.problem_closed", when=shown, reason=ctx.t(f"calendar.{reason}")))
    project = resolve_project(ctx)
    if isinstance(project, Reply):
        return project
    if not may(ctx.session, ctx.user_id, Action.PROPOSE, project_id=project.id):
        return Reply(text=ctx.t("uat.not_member", project=escape(project.name)))
    limited = rate_limit(ctx, Family.UAT)
    if limited:
        return limited
    uat = add_session(
        ctx.session,
        project_id=id_of(project),
        title=title,
        kind=kind,
        starts_at=when.starts_at,
        place=place,
        created_by=ctx.user_id,
    )
    number = id_of(uat)
    text = ctx.t(
        "uat.added",
        kind=kind_text(ctx.t, kind),
        number=number,
        title=escape(title),
        when=when_text(ctx.t, when.starts_at),
        project=escape(project.name),
    )

    return Reply(text=text, followup=later(post_cards, number=number))


@job
def post_cards(ctx: CommandContext, number: int) -> Reply | None:
    """A new session's card to every department's channel and the leads', once."""
    fresh = get_session(ctx.session, number)
    if fresh is None:
        raise LookupError(f"uat session {number} is gone")  # sessions are never deleted
    card_text, blocks = card(ctx.t, ctx.session, fresh, ctx.timezone)
    project = get_project(ctx.session, fresh.project_id)
    channels = project_channels(ctx.session, project) if project is not None else []  # departments', leads'
    failed = post_to_channels(ctx.slack, key=f"uat:{number}:card", channels=channels, text=card_text, blocks=blocks)
    return Reply(text=ctx.t("issue.card_failed", channels=", ".join(f"<#{c}>" for c in failed))) if failed else None


# --- the forms -----------------------------------------------------------------------------------------------------


def _department_here(ctx: CommandContext, uat: UatSession, named: Department | None = None) -> Department | None:
    """The department the user acts for: the named one, this channel's (of the session's project), else the user's
    only department as a liaison in the project (from the leads channel or a DM)."""
    if named is not None:
        return named
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None and here.project.id == uat.project_id and here.department is not None:
        return here.department
    mine = [w.department for w in liaison_places(ctx.session, ctx.user_id) if w.project.id == uat.project_id]
    return mine[0] if len(mine) == 1 else None


def _may_speak(ctx: CommandContext, uat: UatSession | None, department: Department | None) -> Reply | None:
    """The refusal when the session is gone or cancelled, or the user is no liaison of the department."""
    if uat is None or uat.cancelled:
        return Reply(text=ctx.t("uat.not_found"))
    if department is None:
        mine = [w for w in liaison_places(ctx.session, ctx.user_id) if w.project.id == uat.project_id]
        return Reply(text=ctx.t("uat.which_department" if mine else "uat.liaisons_only"))  # several, or none at all
    in_project = {id_of(d) for d in project_departments(ctx.session, uat.project_id)}
    if id_of(department) not in in_project or not may(
        ctx.session, ctx.user_id, Action.SPEAK_FOR_DEPARTMENT, project_id=uat.project_id, department_id=department.id
    ):
        return Reply(text=ctx.t("uat.not_liaison", department=escape(department.name)))
    return None


def _meta(form: str, uat: UatSession, department: Department, channel: str | None) -> str:
    return json.dumps({"form": form, "session": uat.id, "department": department.id, "channel": channel})


def signup_modal(ctx: CommandContext, uat: UatSession, department: Department) -> dict[str, Any]:
    """参加を登録: who of the department will attend (prefilled when it is signed up already)."""
    earlier = signups_of(ctx.session, id_of(uat)).get(id_of(department))
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": ATTENDEES_LIMIT}
    if earlier is not None:
        element["initial_value"] = earlier.attendees
    intro = ctx.t("uat.form_intro", kind=kind_text(ctx.t, uat.kind), title=escape(uat.title), department=escape(department.name))
    blocks = [
        *section(intro),
        {"type": "input", "block_id": ATTENDEES, "label": plain(ctx.t("uat.attendees_label"), INPUT_LABEL), "element": element},
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(ctx.t("uat.signup_title"), MODAL_TITLE),
        "submit": plain(ctx.t("uat.submit"), MODAL_TITLE),
        "private_metadata": _meta("signup", uat, department, ctx.channel_id),
        "blocks": view_blocks(blocks, t=ctx.t),
    }


def requirement_label(t: Translate, number: int, text: str) -> str:
    return t("uat.requirement_option", number=number, text=text)


def result_modal(ctx: CommandContext, uat: UatSession, department: Department) -> dict[str, Any]:
    """結果を記録: 問題なし / 問題あり, what (required for a problem), the requirement it concerns (optional)."""
    outcomes = [option(ctx.t("uat.outcome_ok"), OK), option(ctx.t("uat.outcome_problem"), PROBLEM)]
    requirements = project_requirements(ctx.session, uat.project_id)
    choices = [option(ctx.t("uat.no_requirement"), NO_REQUIREMENT)] + [
        option(requirement_label(ctx.t, id_of(r), r.text), str(r.id)) for r in requirements
    ]
    intro = ctx.t("uat.form_intro", kind=kind_text(ctx.t, uat.kind), title=escape(uat.title), department=escape(department.name))
    blocks = [
        *section(intro),
        {
            "type": "input",
            "block_id": OUTCOME,
            "label": plain(ctx.t("uat.outcome_label"), INPUT_LABEL),
            "element": {"type": "radio_buttons", "action_id": "value", "options": outcomes},
        },
        {
            "type": "input",
            "block_id": NOTE,
            "optional": True,
            "label": plain(ctx.t("uat.note_label"), INPUT_LABEL),
            "hint": plain(ctx.t("uat.note_hint"), INPUT_LABEL),
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": BODY_LIMIT},
        },
        {
            "type": "input",
            "block_id": REQUIREMENT,
            "optional": True,
            "label": plain(ctx.t("uat.requirement_label"), INPUT_LABEL),
            "element": {"type": "static_select", "action_id": "value", "options": options(choices)},
        },
    ]
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(ctx.t("uat.result_title"), MODAL_TITLE),
        "submit": plain(ctx.t("uat.submit"), MODAL_TITLE),
        "private_metadata": _meta("result", uat, department, ctx.channel_id),
        "blocks": view_blocks(blocks, t=ctx.t),
    }


def open_result(ctx: CommandContext, number: int, department_named: Department | None = None) -> Reply | dict[str, Any]:
    """The result form of session `number` for the user's department, or why not (not started, not a liaison)."""
    uat = get_session(ctx.session, number)
    elsewhere_refusal = elsewhere(ctx, uat.project_id, session_name(ctx.t, uat)) if uat is not None else None
    if elsewhere_refusal:
        return elsewhere_refusal
    department = _department_here(ctx, uat, department_named) if uat is not None else None
    refused = _may_speak(ctx, uat, department)
    if refused:
        return refused
    assert uat is not None and department is not None
    if not started(uat):
        return Reply(text=ctx.t("uat.not_started", when=when_text(ctx.t, local_start(uat, ctx.timezone))))
    return result_modal(ctx, uat, department)


def press_signup(ctx: CommandContext, value: str) -> Pressed:
    """参加を登録 on a card: the sign-up form for the channel's department (its liaisons only)."""
    uat = get_session(ctx.session, number_of(value))
    department = _department_here(ctx, uat) if uat is not None else None
    refused = _may_speak(ctx, uat, department)
    if refused:
        return Pressed(reply=refused)
    assert uat is not None and department is not None
    return Pressed(modal=signup_modal(ctx, uat, department))


def press_result(ctx: CommandContext, value: str) -> Pressed:
    """結果を記録 on a card: the result form (once the session has started)."""
    opened = open_result(ctx, number_of(value))
    return Pressed(reply=opened) if isinstance(opened, Reply) else Pressed(modal=opened)


def _value(values: dict[str, Any], block: str) -> dict[str, Any]:
    return (values.get(block) or {}).get("value") or {}


def form_channel(view: dict[str, Any]) -> str | None:
    return json.loads(view.get("private_metadata") or "{}").get("channel")


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    """Either form: the sign-up (who attends) or the result; checked again (the session, the user's right)."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    uat = get_session(ctx.session, number_of(meta.get("session")))
    department = get_department(ctx.session, number_of(meta.get("department")))
    refused = _may_speak(ctx, uat, department)
    if refused:
        return refused
    assert uat is not None and department is not None
    if meta.get("form") == "signup":
        return _submit_signup(ctx, uat, department, (_value(values, ATTENDEES).get("value") or "").strip())
    return _submit_result(ctx, uat, department, values)


def _submit_signup(ctx: CommandContext, uat: UatSession, department: Department, attendees: str) -> dict[str, str] | Reply:
    if not attendees:
        return {ATTENDEES: ctx.t("uat.problem_attendees")}
    if len(attendees) > ATTENDEES_LIMIT:  # (residents' data: the input gate refuses it under its field)
        return {ATTENDEES: ctx.t("uat.problem_attendees_long", limit=ATTENDEES_LIMIT, length=len(attendees))}
    earlier = save_signup(
        ctx.session, session_id=id_of(uat), department_id=id_of(department), user_id=ctx.user_id, attendees=attendees
    )
    key = "uat.signup_changed" if earlier else "uat.signed_up"
    text = ctx.t(key, department=escape(department.name), kind=kind_text(ctx.t, uat.kind), number=uat.id, title=escape(uat.title))
    return Reply(text=text, followup=later(refresh, number=id_of(uat)))


def _submit_result(
    ctx: CommandContext, uat: UatSession, department: Department, values: dict[str, Any]
) -> dict[str, str] | Reply:
    if not started(uat):
        return Reply(text=ctx.t("uat.not_started", when=when_text(ctx.t, local_start(uat, ctx.timezone))))
    outcome = (_value(values, OUTCOME).get("selected_option") or {}).get("value")
    note = (_value(values, NOTE).get("value") or "").strip()
    chosen = (_value(values, REQUIREMENT).get("selected_option") or {}).get("value") or NO_REQUIREMENT
    errors = {}
    if outcome not in (OK, PROBLEM):
        errors[OUTCOME] = ctx.t("uat.problem_outcome")
    if outcome == PROBLEM and not note:
        errors[NOTE] = ctx.t("uat.problem_note")
    elif len(note) > BODY_LIMIT:  # (residents' data: the input gate refuses it under its field)
        errors[NOTE] = ctx.t("issue.problem_body_too_long", limit=BODY_LIMIT, length=len(note))
    requirement = None
    if chosen != NO_REQUIREMENT:
        requirement = get_requirement(ctx.session, number_of(chosen))
        if requirement is None or requirement.project_id != uat.project_id:
            errors[REQUIREMENT] = ctx.t("uat.problem_requirement")
    if errors:
        return errors
    requirement_id = requirement.id if requirement is not None else None
    common = {"kind": kind_text(ctx.t, uat.kind), "number": uat.id, "department": escape(department.name)}
    if outcome == OK:
        add_result(
            ctx.session,
            session_id=id_of(uat),
            department_id=id_of(department),
            user_id=ctx.user_id,
            outcome=OK,
            note=note,
            requirement_id=requirement_id,
            issue_id=None,
        )
        return Reply(text=ctx.t("uat.recorded_ok", **common), followup=later(refresh, number=id_of(uat)))
    limited = rate_limit(ctx, Family.ISSUES)
    if limited:
        return limited
    title, _, body = note.partition("\n")
    title = title.strip()
    if len(title) > TITLE_LIMIT:
        title, body = title[: TITLE_LIMIT - 1] + "…", note
    owner = owner_department(ctx.session, uat)
    waiting_on = owner if owner is not None and owner.id != department.id else None
    issue = file_problem(
        ctx.session,
        session_id=id_of(uat),
        project_id=uat.project_id,
        department_id=id_of(department),
        user_id=ctx.user_id,
        title=title,
        body=body.strip(),
        note=note,
        requirement_id=requirement_id,
        waiting_on_id=waiting_on.id if waiting_on else None,
    )
    filed = announce(ctx, issue, department, waiting_on)
    text = "\n".join([ctx.t("uat.recorded_problem", issue=issue.id, **common), filed.text])
    return Reply(text=text, followup=filed.followup + later(refresh, number=id_of(uat)))


# --- /uat list, show, result ----------------------------------------------------------------------------------------


def list_(ctx: CommandContext) -> Reply:
    """Upcoming sessions and those of the last 30 days, with how many departments signed up."""
    refused = view_refusal(ctx)
    if refused:
        return refused
    now = dt.datetime.now(dt.timezone.utc)
    sessions = listed_sessions(ctx.session, projects_in_view(ctx), now)
    if not sessions:
        return Reply(text=ctx.t("uat.none"))
    lines = [ctx.t("uat.list_title")]
    for uat in sessions:
        signed = len(signups_of(ctx.session, id_of(uat)))
        total = len(project_departments(ctx.session, uat.project_id))
        lines.append(
            ctx.t(
                "uat.list_line",
                number=uat.id,
                kind=kind_text(ctx.t, uat.kind),
                title=escape(uat.title),
                when=when_text(ctx.t, local_start(uat, ctx.timezone)),
                signed=signed,
                total=total,
                state=_state(ctx.t, ctx.session, uat, now),
            )
        )
    text = "\n".join(lines)
    return Reply(text=text, blocks=message(section(text), t=ctx.t, where="`/uat show <番号>`"))


def _state(t: Translate, session: Session, uat: UatSession, now: dt.datetime) -> str:
    """A listed session's state: nothing before it, 実施済み after it, with the departments still to record results."""
    if not started(uat, now) or uat.cancelled:
        return ""
    missing = unrecorded(session, uat)
    return t("uat.state_unrecorded", count=missing) if missing else t("uat.state_done")


def show(ctx: CommandContext, rest: str) -> Reply:
    """`/uat show N`: the session, each department's sign-up and results, the issues raised there."""
    number = read_number(rest) if rest and len(rest.split()) == 1 else None
    if number is None:
        return _usage(ctx, ctx.t("uat.problem_number", example="/uat show 1"))
    uat = get_session(ctx.session, number)
    if uat is None or uat.cancelled:
        return Reply(text=ctx.t("uat.not_found"))
    project = get_project(ctx.session, uat.project_id)
    refused = project_view_refusal(ctx, project) if project is not None else Reply(text=ctx.t("uat.not_found"))
    refused = refused or elsewhere(ctx, uat.project_id, session_name(ctx.t, uat))
    if refused:
        return refused
    head, _ = card(ctx.t, ctx.session, uat, ctx.timezone)
    issues = issues_of_session(ctx.session, id_of(uat))
    lines = [head, ctx.t("uat.show_issues") if issues else ctx.t("uat.show_no_issues")]
    lines += [
        ctx.t(
            "uat.show_issue",
            number=i.id,
            title=escape(i.title),
            requirement=ctx.t("uat.requirement_of", number=i.requirement_id) if i.requirement_id else "",
        )
        for i in issues
    ]
    text = "\n".join(lines)
    return Reply(text=text, blocks=message(section(text), t=ctx.t))


def cancel(ctx: CommandContext, rest: str) -> Reply:
    """`/uat cancel N`: whoever added the session, the project's leads and admins call it off; its reminders stop
    (the jobs are derived from sessions not cancelled) and every copy of its card says 中止, without buttons."""
    number = read_number(rest) if rest and len(rest.split()) == 1 else None
    if number is None:
        return _usage(ctx, ctx.t("uat.problem_number", example="/uat cancel 1"))
    uat = get_session(ctx.session, number)
    project = get_project(ctx.session, uat.project_id) if uat is not None else None
    if uat is None or project is None or project_view_refusal(ctx, project):
        return Reply(text=ctx.t("uat.not_found"))
    refused = elsewhere(ctx, uat.project_id, session_name(ctx.t, uat))
    if refused:
        return refused
    if uat.created_by != ctx.user_id and not may(ctx.session, ctx.user_id, Action.LEAD_PROJECT, project_id=id_of(project)):
        return Reply(text=ctx.t("uat.cancel_not_permitted", project=escape(project.name)))
    if not cancel_session(ctx.session, number):
        return Reply(text=ctx.t("uat.already_cancelled", number=number))
    words = {"kind": kind_text(ctx.t, uat.kind), "number": number, "title": escape(uat.title)}
    return Reply(text=ctx.t("uat.cancelled", **words), followup=later(refresh, number=number))


def result(ctx: CommandContext, rest: str) -> Reply:
    """`/uat result N [部署:<dept>]`: the result form."""
    named = take_department(ctx, rest)
    if isinstance(named, Reply):
        return named
    words = named.text.split()
    number = read_number(words[0]) if len(words) == 1 else None
    if number is None:
        return _usage(ctx, ctx.t("uat.problem_number", example="/uat result 1"))
    opened = open_result(ctx, number, named.department)
    if isinstance(opened, Reply):
        return opened
    return Reply(text=ctx.t("issue.modal_only_in_slack"), modal=opened)


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/uat <text>`."""
    words = text.split(maxsplit=1)
    if not words:
        return _usage(ctx)
    sub, rest = SUBCOMMANDS.get(fold(words[0])), (words[1] if len(words) > 1 else "").strip()
    if sub is None:
        return Reply(text=unknown_sub(ctx.t, "/uat", words[0], SUBCOMMANDS, ctx.t("uat.usage")))
    if sub == "add":
        return add(ctx, rest)
    if sub == "show":
        return show(ctx, rest)
    if sub == "result":
        return result(ctx, rest)
    if sub == "cancel":
        return cancel(ctx, rest)
    return list_(ctx) if not rest else _usage(ctx)


def reminder(t: Translate, session: Session, uat: UatSession, timezone: str, lead_time: str) -> str:
    """The reminder every department channel receives: when, where, who signed up, the departments not yet."""
    head = t(
        "uat.reminder",
        kind=kind_text(t, uat.kind),
        number=uat.id,
        title=escape(uat.title),
        when=when_text(t, local_start(uat, timezone), year=False),
        lead_time=duration_text(t, lead_time, BEFORE),
    ) + (t("meeting.place", place=escape(uat.place)) if uat.place else "")
    signed = signups_of(session, id_of(uat))
    departments = project_departments(session, uat.project_id)
    done = [
        t("uat.reminder_signed", department=escape(d.name), attendees=escape(signed[id_of(d)].attendees))
        for d in departments
        if id_of(d) in signed
    ]
    waiting = [escape(d.name) for d in departments if id_of(d) not in signed]
    lines = [head, *done]
    lines.append(t("uat.reminder_not_yet", departments="、".join(waiting)) if waiting else t("uat.reminder_all_signed"))
    return "\n".join(lines)


def digest_lines(t: Translate, sessions: list[NextSession], timezone: str) -> list[str]:
    """For the weekly digest (storage.uat.next_sessions): one line per coming review or test, with the departments
    signed up and those not yet."""
    nobody = t("renkei.nobody")
    return [
        t(
            "uat.digest_line",
            kind=kind_text(t, n.kind),
            number=n.number,
            title=escape(n.title),
            when=when_text(t, n.starts_at.astimezone(ZoneInfo(timezone))),
            signed="、".join(escape(d) for d in n.signed_up) or nobody,
            not_yet="、".join(escape(d) for d in n.not_yet) or nobody,
        )
        for n in sessions
    ]


BUTTONS: dict[str, Button] = {SIGNUP_BUTTON: press_signup, RESULT_BUTTON: press_result}
FORMS = {MODAL_CALLBACK: Form(submit, channel=form_channel)}
