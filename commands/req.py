"""`/req` (要件): propose a requirement, every department rates it on its card, a lead decides it.

`/req add <要件> 影響: <誰の仕事がどう困るか>` (or the form) posts the requirement's card to every department channel of
the project and the leads channel; each department rates it there with one click (必須 / あれば良い / 不要 / 影響なし),
every copy updated in place. Requirements rated 必須 by one department and 不要 by another
(storage.requirements.ratings_disagree) join the next regular meeting's reminder as agenda. A lead agrees, holds or
drops it with a reason (`/req agree|hold|drop N 理由`); `/req list [状態]` and `/req show N` read them.
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from commands import board
from commands.base import CommandContext, Reply, Translate, escape, post_to_channels
from commands.blocks import INPUT_LABEL, MODAL_TITLE, actions, button, message, plain, section, view_blocks
from commands.buttons import Button, Form, Pressed, number_of
from commands.issue import refuse_residents_data
from commands.issue_blocks import local_time
from commands.later import job, later
from commands.limits import rate_limit
from commands.people import Names, names_in_slack, renaming, warm, warm_names
from commands.suggest import fold, unknown_sub
from commands.text import BODY_LIMIT, plain_text, read_number
from commands.where import Ask, department_button, elsewhere, projects_in_view, resolve_department, take_department, view_refusal
from storage import outbox
from storage.directory import get_department, get_project, project_channels, project_departments
from storage.ids import id_of
from storage.limits import Family
from storage.models import Department, Project, Requirement, as_utc
from storage.requirements import (
    AGREED,
    DECISIONS,
    DROPPED,
    ON_HOLD,
    PROPOSED,
    RATINGS,
    Disagreement,
    NotOpen,
    create_requirement,
    decide,
    get_requirement,
    list_requirements,
    rate,
    ratings_disagree,
    ratings_of,
)
from storage.roles import Action, Where, channel_where, may

MODAL_CALLBACK = "req_modal"
DEPARTMENT_BUTTON = "req_department"  # one per department, when several could be meant: the requirement is proposed for it
RATE_BUTTONS = {f"req_{rating}": rating for rating in RATINGS}  # req_required, req_nice, req_not_needed, req_no_effect
ADD_WORDS = ("add", "追加", "登録")
LIST_WORDS = ("list", "一覧")
SHOW_WORDS = ("show", "詳細")
DECIDE_WORDS = {"agree": AGREED, "合意": AGREED, "hold": ON_HOLD, "保留": ON_HOLD, "drop": DROPPED, "見送り": DROPPED}
STATUS_WORDS: dict[str, str | None] = {
    "提案": PROPOSED,
    "proposed": PROPOSED,
    "合意": AGREED,
    "agreed": AGREED,
    "保留": ON_HOLD,
    "on_hold": ON_HOLD,
    "hold": ON_HOLD,
    "見送り": DROPPED,
    "dropped": DROPPED,
    "drop": DROPPED,
    "all": None,
    "すべて": None,
    "全部": None,
}
SUBCOMMANDS = (*ADD_WORDS, *LIST_WORDS, *SHOW_WORDS, *DECIDE_WORDS)
# What people type after /req (tests/test_wording.py allows its English words in ja.yml).
WORDS = ("add", "list", "show", "agree", "hold", "drop", "effect", "all", "proposed", "agreed", "on_hold", "dropped", "dept")
EFFECT = re.compile(r"(?<!\S)(?:影響|effect|ｅｆｆｅｃｔ)\s*[:：]", re.I)
TEXT_FIELD, EFFECT_FIELD = "req_text", "req_effect"
AGENDA_TEXT = 60  # characters of a requirement's text in a meeting reminder
STATUS_ICONS = {PROPOSED: ":memo:", AGREED: ":white_check_mark:", ON_HOLD: ":double_vertical_bar:", DROPPED: ":x:"}


def usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    """What was wrong (if known) and the usage line."""
    return Reply(text="\n".join(filter(None, [problem, ctx.t("req.usage")])))


# --- the card ----------------------------------------------------------------------------------------------------


def card(
    t: Translate,
    requirement: Requirement,
    *,
    project: Project,
    departments: list[Department],
    ratings: dict[int, str],
    proposer_department: str,
    name: Names,
    rating_here: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """The requirement's card: No., text, effect, who proposed it, its status, one line per department (its rating or
    未評価) and, while it is proposed, the four rating buttons (value: the requirement's number, nothing else) where a
    department rates (`rating_here`: its own channel; the leads channel's copy has none)."""
    number = id_of(requirement)
    lines = [
        t(
            "req.card_title",
            icon=STATUS_ICONS.get(requirement.status, ""),
            number=number,
            project=escape(project.name),
            status=t(f"req.status.{requirement.status}"),
        ),
        escape(requirement.text),
        t("req.card_effect", effect=escape(requirement.effect)),
        t("req.card_proposer", department=escape(proposer_department), user=name(requirement.proposed_by)),
    ]
    if requirement.status != PROPOSED:
        lines.append(t("req.card_reason", reason=escape(requirement.reason or ""), user=name(requirement.decided_by)))
    buttons_here = requirement.status == PROPOSED and rating_here
    lines.append(t("req.card_ratings" if buttons_here else "req.card_ratings_shown"))
    lines += [
        t(
            "req.card_rating_line",
            department=escape(d.name),
            rating=t(f"req.rating.{ratings[id_of(d)]}") if id_of(d) in ratings else t("req.unrated"),
        )
        for d in departments
    ]
    if ratings_disagree(ratings.values()) and requirement.status == PROPOSED:
        lines.append(t("req.card_disagree"))
    text = "\n".join(lines)
    buttons = None
    if buttons_here:
        buttons = actions(
            *(button(t(f"req.rating.{rating}"), action, value=str(number)) for action, rating in RATE_BUTTONS.items()),
        )
    return text, message(section(text), buttons, t=t)


def _proposer_department(ctx: CommandContext, requirement: Requirement) -> str:
    department = get_department(ctx.session, requirement.department_id) if requirement.department_id else None
    return department.name if department else ctx.t("req.from_leads")


def card_of(ctx: CommandContext, requirement: Requirement, *, rating_here: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """The requirement's card as it now is (without rating buttons for the leads channel: `rating_here` False)."""
    project = get_project(ctx.session, requirement.project_id)
    if project is None:
        raise LookupError(f"requirement {requirement.id}'s project is gone")  # projects are never deleted
    return card(
        ctx.t,
        requirement,
        project=project,
        departments=project_departments(ctx.session, requirement.project_id),
        ratings={d: r.rating for d, r in ratings_of(ctx.session, id_of(requirement)).items()},
        proposer_department=_proposer_department(ctx, requirement),
        name=names_in_slack(ctx),
        rating_here=rating_here,
    )


def card_prefix(number: int) -> str:
    """Key prefix of requirement `number`'s cards (`req:<n>:card:<channel>`)."""
    return f"req:{number}:card:"


def version_of(requirement: Requirement) -> int:
    """The requirement's version: its last change in microseconds (every rating and decision moves it)."""
    return int(as_utc(requirement.updated_at).timestamp() * 1_000_000)


def card_people(ctx: CommandContext, requirement: Requirement) -> set[str | None]:
    """Whom the card and `/req show` name: the proposer, the decider, the raters."""
    raters = {r.user_id for r in ratings_of(ctx.session, id_of(requirement)).values()}
    return {requirement.proposed_by, requirement.decided_by, *raters}


@job
def refresh_cards(ctx: CommandContext, number: int, renamed: bool = False) -> None:
    """Every card of the requirement posted so far, updated in place (chat.update through the outbox), once per
    version; `renamed`, once Slack has named the people they could only mention (a version of letters, which any
    later change supersedes)."""
    requirement = get_requirement(ctx.session, number)
    if requirement is None:
        raise LookupError(f"requirement {number} is gone")  # requirements are never deleted
    warm_names(ctx, card_people(ctx, requirement), later(refresh_cards, number=number, renamed=True))
    project = get_project(ctx.session, requirement.project_id)
    leads = project.leads_channel_id if project is not None else None
    cards = {here: card_of(ctx, requirement, rating_here=here) for here in (True, False)}
    version = f"n{renaming()}" if renamed else version_of(requirement)
    for key in outbox.posted_keys(ctx.session, card_prefix(number), "chat.postMessage"):
        text, blocks = cards[not (leads and key.endswith(f":{leads}"))]
        ctx.slack.update_message(key=f"{key}:v{version}", card_key=key, text=text, blocks=blocks)
    board.refresh(ctx, requirement.project_id)  # and the leads channel's board


# --- /req add and its form ---------------------------------------------------------------------------------------


def split_effect(text: str) -> tuple[str, str]:
    """`<要件> 影響: <effect>` as (requirement, effect); the effect is "" without the `影響:` marker."""
    match = EFFECT.search(text)
    if match is None:
        return text.strip(), ""
    return text[: match.start()].strip(), text[match.end() :].strip()


def _where_to_propose(ctx: CommandContext, department: Department | None, typed: str) -> Where | Reply:
    """The project and department a requirement is proposed for: the named department, this channel's, the user's;
    the project itself (no department) for a lead in the leads channel."""
    here = channel_where(ctx.session, ctx.channel_id)
    if (
        department is None
        and here is not None
        and here.department is None
        and may(ctx.session, ctx.user_id, Action.LEAD_PROJECT, project_id=id_of(here.project))
    ):
        return here
    chosen = resolve_department(ctx, department, ask=Ask(DEPARTMENT_BUTTON, "/req", typed))
    if isinstance(chosen, Reply):
        return chosen
    return Where(chosen.project, chosen.department)


def _may_propose(ctx: CommandContext, where: Where) -> Reply | None:
    """Any member proposes; in a department's name only its own liaisons, or those who run the project (leads,
    managers, admins): a 税務課 liaison in 福祉課's channel, or writing 部署:福祉課, does not speak for 福祉課."""
    project_id = id_of(where.project)
    if not may(ctx.session, ctx.user_id, Action.PROPOSE, project_id=project_id):
        return Reply(text=ctx.t("req.propose_not_permitted", project=escape(where.project.name)))
    department = where.department
    if (
        department is None
        or may(ctx.session, ctx.user_id, Action.SPEAK_FOR_DEPARTMENT, project_id=project_id, department_id=id_of(department))
        or may(ctx.session, ctx.user_id, Action.REPORT, project_id=project_id)  # leads, managers, admins
    ):
        return None
    return Reply(text=ctx.t("req.propose_not_for", department=escape(department.name)))


def _field_problem(t: Translate, text: str) -> str | None:
    """Over-long text (residents' data never gets this far: the input gate refuses it under its field)."""
    if len(text) > BODY_LIMIT:
        return t("req.problem_too_long", limit=BODY_LIMIT, length=len(text))
    return None


def form(t: Translate, *, where: Where, channel_id: str | None, text: str = "", effect: str = "") -> dict[str, Any]:
    """The form: the requirement and its effect on work, both required, prefilled with what was typed."""

    def field(block_id: str, label: str, hint: str, value: str) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": BODY_LIMIT}
        if value:
            element["initial_value"] = value[:BODY_LIMIT]
        return {
            "type": "input",
            "block_id": block_id,
            "label": plain(label, INPUT_LABEL),
            "hint": plain(hint),
            "element": element,
        }

    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": plain(t("req.modal_title"), MODAL_TITLE),
        "submit": plain(t("req.modal_submit"), MODAL_TITLE),
        "private_metadata": json.dumps(
            {
                "project_id": where.project.id,
                "department_id": where.department.id if where.department else None,
                "channel_id": channel_id,
            }
        ),
        "blocks": view_blocks(
            field(TEXT_FIELD, t("req.field_text"), t("req.hint_text"), text),
            field(EFFECT_FIELD, t("req.field_effect"), t("req.hint_effect"), effect),
            t=t,
        ),
    }


def add(ctx: CommandContext, typed: str, department: Department | None = None) -> Reply:
    """`/req add <要件> 影響: <effect>`: store and announce; without an effect (or a text), open the form."""
    text, effect = (plain_text(part) for part in split_effect(typed))
    for part in (text, effect):
        if len(part) > BODY_LIMIT:
            return usage(ctx, ctx.t("req.problem_too_long", limit=BODY_LIMIT, length=len(part)))
    refusal = refuse_residents_data(ctx, text, effect)
    if refusal:
        return refusal
    where = _where_to_propose(ctx, department, f"add {typed}".strip())
    if isinstance(where, Reply):
        return where
    refused = _may_propose(ctx, where)
    if refused:
        return refused
    if not text or not effect:
        return Reply(
            text="\n".join([ctx.t("req.needs_effect"), ctx.t("req.form_only_in_slack")]),
            modal=form(ctx.t, where=where, channel_id=ctx.channel_id, text=text, effect=effect),
        )
    limited = rate_limit(ctx, Family.REQUIREMENTS)
    if limited:
        return limited
    return propose(ctx, where, text, effect)


def propose(ctx: CommandContext, where: Where, text: str, effect: str) -> Reply:
    """Store the requirement; its card goes to every channel of the project after the ack."""
    requirement = create_requirement(
        ctx.session,
        project_id=id_of(where.project),
        department_id=where.department.id if where.department else None,
        proposed_by=ctx.user_id,
        text=text,
        effect=effect,
    )
    number = id_of(requirement)
    channels = project_channels(ctx.session, where.project)  # every department's, then the leads'
    leads = [c for c in [where.project.leads_channel_id] if c]
    departments = [c for c in channels if c not in leads]  # where the departments rate it
    done = ctx.t("req.created", number=number, count=len(channels))
    if not channels:
        return Reply(text=ctx.t("req.created_no_channels", number=number))

    return Reply(text=done, followup=later(post_cards, number=number, departments=departments, leads=leads))


@job
def post_cards(ctx: CommandContext, number: int, departments: list[str], leads: list[str]) -> Reply | None:
    """A new requirement's card: with the rating buttons in the departments' channels, without in the leads'."""
    fresh = get_requirement(ctx.session, number)
    if fresh is None:
        raise LookupError(f"requirement {number} is gone")  # requirements are never deleted
    warm_names(ctx, card_people(ctx, fresh), later(refresh_cards, number=number, renamed=True))
    failed = []
    for here, where in ((True, departments), (False, leads)):
        card_text, blocks = card_of(ctx, fresh, rating_here=here)
        failed += post_to_channels(ctx.slack, key=f"req:{number}:card", channels=where, text=card_text, blocks=blocks)
    board.refresh(ctx, fresh.project_id)
    return Reply(text=ctx.t("req.card_failed", channels=", ".join(f"<#{c}>" for c in failed))) if failed else None


def form_channel(view: dict[str, Any]) -> str | None:
    """The channel the form was opened from."""
    return json.loads(view.get("private_metadata") or "{}").get("channel_id")


def submit(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    """The form's submission: errors by field (shown in the form), or the requirement proposed."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    typed = {f: (values.get(f, {}).get("value", {}).get("value") or "").strip() for f in (TEXT_FIELD, EFFECT_FIELD)}
    errors = {}
    for field, required in ((TEXT_FIELD, "req.error_text_required"), (EFFECT_FIELD, "req.error_effect_required")):
        problem = _field_problem(ctx.t, typed[field]) if typed[field] else ctx.t(required)
        if problem:
            errors[field] = problem
    if errors:
        return errors
    project = get_project(ctx.session, number_of(meta.get("project_id")))
    if project is None:
        return Reply(text=ctx.t("req.form_gone"))
    department = get_department(ctx.session, number_of(meta.get("department_id"))) if meta.get("department_id") else None
    if department is not None and id_of(department) not in {id_of(d) for d in project_departments(ctx.session, id_of(project))}:
        return Reply(text=ctx.t("req.form_gone"))
    refused = _may_propose(ctx, Where(project, department))
    if refused:
        return refused
    limited = rate_limit(ctx, Family.REQUIREMENTS)
    if limited:
        return {TEXT_FIELD: limited.text}  # in the form, which keeps what was typed
    return propose(ctx, Where(project, department), typed[TEXT_FIELD], typed[EFFECT_FIELD])


# --- rating from the card ----------------------------------------------------------------------------------------


def _in_channel_project(ctx: CommandContext, requirement: Requirement | None) -> bool:
    here = channel_where(ctx.session, ctx.channel_id)
    return requirement is not None and here is not None and here.project.id == requirement.project_id


def state_now(ctx: CommandContext, requirement: Requirement) -> str:
    """`現在の状態: 合意（理由: …）`."""
    status = ctx.t(f"req.status.{requirement.status}")
    if requirement.status == PROPOSED:
        return ctx.t("req.current_state", status=status)
    return ctx.t("req.current_state_reason", status=status, reason=escape(requirement.reason or ""))


def _not_open(ctx: CommandContext, requirement: Requirement) -> Reply:
    """A rating of a requirement no longer open: on hold or decided, and its state now."""
    held = "req.rating_on_hold" if requirement.status == ON_HOLD else "req.already_decided"
    return Reply(text="\n".join([ctx.t(held, number=requirement.id), state_now(ctx, requirement)]))


def rate_here(ctx: CommandContext, number: int, rating: str) -> Reply:
    """A rating button: the channel's department rates the requirement (its own liaisons only)."""
    requirement = get_requirement(ctx.session, number)
    here = channel_where(ctx.session, ctx.channel_id)
    if requirement is None or here is None or here.project.id != requirement.project_id:
        return Reply(text=ctx.t("req.not_found", number=number))
    if here.department is None:
        return Reply(text=ctx.t("req.rate_in_department_channel"))
    department = here.department
    if requirement.status != PROPOSED:
        return _not_open(ctx, requirement)
    if not may(
        ctx.session, ctx.user_id, Action.SPEAK_FOR_DEPARTMENT, project_id=requirement.project_id, department_id=id_of(department)
    ):
        return Reply(text=ctx.t("req.rate_not_liaison", department=escape(department.name)))
    try:
        previous = rate(ctx.session, requirement, department_id=id_of(department), user_id=ctx.user_id, rating=rating)
    except NotOpen:  # decided by a lead between the check above and this write: say what happened instead
        return _not_open(ctx, requirement)
    words = {"number": number, "department": escape(department.name), "rating": ctx.t(f"req.rating.{rating}")}
    if previous is None:
        text = ctx.t("req.rated", **words)
    elif previous == rating:
        text = ctx.t("req.rated_same", **words)
    else:
        text = ctx.t("req.rerated", before=ctx.t(f"req.rating.{previous}"), **words)
    return Reply(text=text, followup=later(refresh_cards, number=number))


def current_card(ctx: CommandContext, number: int) -> tuple[str, list[dict[str, Any]]] | None:
    """The pressed card as the requirement now is; None for a number not of this channel's project (a forged value
    changes no message)."""
    requirement = get_requirement(ctx.session, number)
    if requirement is None or not _in_channel_project(ctx, requirement):
        return None
    warm_names(ctx, card_people(ctx, requirement))
    return card_of(ctx, requirement)


def rate_pressed(rating: str, ctx: CommandContext, value: str) -> Pressed:
    """One of the card's four buttons pressed: the value is read as the requirement's number, nothing else."""
    number = number_of(value)
    return Pressed(reply=rate_here(ctx, number, rating), replace=current_card(ctx, number))


def rate_button(rating: str) -> Button:
    """The button of one rating (a module-level function bound to it, so the press runs as called, not as it was
    when the module was imported: what mutation testing needs to see it)."""
    return partial(rate_pressed, rating)


# --- decisions ---------------------------------------------------------------------------------------------------


def _requirement_here(ctx: CommandContext, number: int) -> Requirement | Reply:
    """Requirement `number`, unless there is none or this channel is another project's."""
    requirement = get_requirement(ctx.session, number)
    if requirement is None:
        return Reply(text=ctx.t("req.not_found", number=number))
    return elsewhere(ctx, requirement.project_id, ctx.t("req.what", number=number)) or requirement


def decide_(ctx: CommandContext, status: str, rest: str) -> Reply:
    """`/req agree|hold|drop <N> <理由>` (a lead of the requirement's project): the status with its reason; every
    card updated, the proposer told by DM, the leads channel told."""
    number_text, _, reason_text = rest.strip().partition(" ")
    number = read_number(number_text) if number_text else None
    if number is None:
        return usage(ctx, ctx.t("req.problem_number"))
    reason = plain_text(reason_text)
    if not reason:
        return usage(ctx, ctx.t("req.problem_reason"))
    if len(reason) > BODY_LIMIT:
        return usage(ctx, ctx.t("req.problem_too_long", limit=BODY_LIMIT, length=len(reason)))
    refusal = refuse_residents_data(ctx, reason)
    if refusal:
        return refusal
    requirement = _requirement_here(ctx, number)
    if isinstance(requirement, Reply):
        return requirement
    project = get_project(ctx.session, requirement.project_id)
    assert project is not None, "projects are never deleted"
    if not may(ctx.session, ctx.user_id, Action.LEAD_PROJECT, project_id=id_of(project)):
        return Reply(text=ctx.t("req.decide_not_permitted", project=escape(project.name)))
    if not decide(ctx.session, requirement, status=status, reason=reason, user_id=ctx.user_id):
        return Reply(
            text="\n".join(
                [
                    ctx.t("req.cannot_decide", number=number, status=ctx.t(f"req.status.{status}")),
                    state_now(ctx, requirement),
                ]
            )
        )
    proposer, version, leads = requirement.proposed_by, version_of(requirement), project.leads_channel_id
    words = {"number": number, "text": escape(requirement.text[:AGENDA_TEXT]), "status": ctx.t(f"req.status.{status}")}
    told = ctx.t("req.decided_tell", user=ctx.user_id, reason=escape(reason), **words)  # stored with the decision
    if proposer != ctx.user_id:
        ctx.slack.post_message(key=f"req:{number}:decided:v{version}:{proposer}", channel=proposer, text=told)
    if leads:
        ctx.slack.post_message(key=f"req:{number}:decided:v{version}:{leads}", channel=leads, text=told)
    return Reply(text=ctx.t("req.decided", **words), followup=later(refresh_cards, number=number))


# --- reading -----------------------------------------------------------------------------------------------------


def list_(ctx: CommandContext, words: list[str]) -> Reply:
    """`/req list [提案|合意|保留|見送り|all]`: the requirements of the projects in view (proposed ones by default)."""
    if len(words) > 1:
        return usage(ctx, ctx.t("req.problem_list"))
    status: str | None = PROPOSED
    if words:
        if fold(words[0]) not in STATUS_WORDS:
            return usage(ctx, ctx.t("req.unknown_status", status=escape(words[0])))
        status = STATUS_WORDS[fold(words[0])]
    refused = view_refusal(ctx)
    if refused:
        return refused
    found = list_requirements(ctx.session, projects_in_view(ctx), status)
    title = ctx.t("req.list_title", status=ctx.t(f"req.status.{status}") if status else ctx.t("req.status_all"))
    if not found:
        return Reply(text=f"{title}\n{ctx.t('req.list_empty')}")
    lines = [title]
    for r in found:
        given = [x.rating for x in ratings_of(ctx.session, id_of(r)).values()]
        counts = " ・ ".join(
            ctx.t("req.list_count", rating=ctx.t(f"req.rating.{k}"), count=given.count(k)) for k in RATINGS if k in given
        )
        lines.append(
            ctx.t(
                "req.list_line",
                number=r.id,
                status=ctx.t(f"req.status.{r.status}"),
                text=escape(r.text[:AGENDA_TEXT]),
                department=escape(_proposer_department(ctx, r)),
                ratings=counts or ctx.t("req.list_no_ratings"),
            )
            + (ctx.t("req.list_disagree") if r.status == PROPOSED and ratings_disagree(given) else "")
        )
    text = "\n".join(lines)
    return Reply(text=text, blocks=message(section(text), t=ctx.t, where="`/req show <番号>`"))


def show(ctx: CommandContext, words: list[str]) -> Reply:
    """`/req show N`: text, effect, each department's rating with who rated and when, the status and reason."""
    number = read_number(words[0]) if len(words) == 1 else None
    if number is None:
        return usage(ctx, ctx.t("req.problem_number"))
    requirement = _requirement_here(ctx, number)
    if isinstance(requirement, Reply):
        return requirement
    if not may(ctx.session, ctx.user_id, Action.VIEW_PROJECT, project_id=requirement.project_id):
        return Reply(text=ctx.t("req.not_visible", number=number))
    name = names_in_slack(ctx)
    ratings = ratings_of(ctx.session, number)
    lines = [
        ctx.t("req.show_title", number=number, status=ctx.t(f"req.status.{requirement.status}")),
        escape(requirement.text),
        ctx.t("req.card_effect", effect=escape(requirement.effect)),
        ctx.t(
            "req.show_proposer",
            department=escape(_proposer_department(ctx, requirement)),
            user=name(requirement.proposed_by),
            when=local_time(requirement.created_at, ctx.timezone),
        ),
        ctx.t("req.card_ratings"),
    ]
    for d in project_departments(ctx.session, requirement.project_id):
        given = ratings.get(id_of(d))
        if given is None:
            lines.append(ctx.t("req.card_rating_line", department=escape(d.name), rating=ctx.t("req.unrated")))
        else:
            lines.append(
                ctx.t(
                    "req.show_rating_line",
                    department=escape(d.name),
                    rating=ctx.t(f"req.rating.{given.rating}"),
                    user=name(given.user_id),
                    when=local_time(given.updated_at, ctx.timezone),
                )
            )
    if requirement.status != PROPOSED and requirement.decided_at is not None:
        lines.append(
            ctx.t(
                "req.show_decided",
                status=ctx.t(f"req.status.{requirement.status}"),
                reason=escape(requirement.reason or ""),
                user=name(requirement.decided_by),
                when=local_time(requirement.decided_at, ctx.timezone),
            )
        )
    if DECISIONS.get(requirement.status):
        lines.append(ctx.t("req.show_how_to_decide", number=number))
    text = "\n".join(lines)
    return Reply(text=text, blocks=message(section(text), t=ctx.t), followup=warm(name))


def agenda_lines(t: Translate, items: list[Disagreement]) -> list[str]:
    """A meeting reminder's lines for the requirements whose departments disagree (none: no lines)."""
    if not items:
        return []
    nobody = t("renkei.nobody")
    return [
        t("req.agenda_title"),
        *(
            t(
                "req.agenda_line",
                number=d.number,
                text=escape(d.text[:AGENDA_TEXT]),
                required=escape(", ".join(d.required) or nobody),
                not_needed=escape(", ".join(d.not_needed) or nobody),
            )
            for d in items
        ),
    ]


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/req add|list|show|agree|hold|drop …` (`部署:<dept>` names the proposing department of `add`)."""
    named = take_department(ctx, text)
    if isinstance(named, Reply):
        return named
    words = [w for w in named.text.split() if fold(w)]  # a stray zero-width space is no word
    if not words:
        return usage(ctx)
    sub, rest = fold(words[0]), named.text.strip()[len(words[0]) :].strip()
    if sub in ADD_WORDS:
        return add(ctx, rest, named.department)
    if named.department is not None:  # only proposing names the department
        return usage(ctx, ctx.t("where.department_not_used"))
    if sub in LIST_WORDS:
        return list_(ctx, words[1:])
    if sub in SHOW_WORDS:
        return show(ctx, words[1:])
    if sub in DECIDE_WORDS:
        return decide_(ctx, DECIDE_WORDS[sub], rest)
    return Reply(text=unknown_sub(ctx.t, "/req", words[0], SUBCOMMANDS, ctx.t("req.usage")))


BUTTONS: dict[str, Button] = {
    **{action: rate_button(rating) for action, rating in RATE_BUTTONS.items()},
    DEPARTMENT_BUTTON: department_button(handle),
}
FORMS = {MODAL_CALLBACK: Form(submit, channel=form_channel)}
