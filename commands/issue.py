"""`/issue` (課題): report, list, show, assign, close, reopen, escalate to IT, answer."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable
from zoneinfo import ZoneInfo

from commands import limits
from commands.base import CommandContext, Reply, department_choices, escape, post_to_channels
from commands.blocks import message, section
from commands.buttons import Button, Form, Pressed, number_of
from commands.issue_blocks import (
    ESCALATE,
    IT_TAKE,
    MODAL_CALLBACK,
    RESOLVE,
    TAKE,
    check_blocks,
    escalation_card,
    issue_card,
    issue_detail,
    issue_modal,
    status_words,
    turn_words,
)
from commands.issue_grammar import (
    LIST_SCOPES,
    SUBCOMMANDS,
    AddIssue,
    AnswerIssue,
    AssignIssue,
    CloseIssue,
    EscalateIssue,
    ListIssues,
    OpenModal,
    ReopenIssue,
    ShowIssue,
    UsageError,
    parse_issue,
)
from commands.issue_modal import submit
from commands.later import Later, job, later
from commands.people import Names, names_in_slack, renaming, warm, warm_names
from commands.suggest import did_you_mean, echo, fold, unknown_department, unknown_sub
from commands.text import contains_my_number
from commands.uat_words import found_at
from commands.where import (
    Ask,
    DepartmentWhere,
    department_button,
    projects_in_view,
    resolve,
    resolve_department,
    take_department,
    view_refusal,
)
from storage import issues as store
from storage import outbox
from storage.directory import all_departments, department_channel, it_department, project_departments
from storage.enums import EventKind, OutboxStatus, Severity
from storage.ids import id_of
from storage.limits import Family
from storage.models import Department, Issue, Project
from storage.roles import Action, Where, find_department, may
from storage.turns import Turn, whose_turn
from words.dates import read_date

# What people type after /issue, `to:<依頼先部署>` included (tests/test_wording.py allows its English words in ja.yml).
WORDS = (*SUBCOMMANDS, *LIST_SCOPES, "to", "dept")
DEPARTMENT_BUTTON = "issue_department"  # one per department, when several could be meant: the issue is filed for it


def usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    """What was wrong (if known) and the usage line."""
    return Reply(text="\n".join(filter(None, [problem, ctx.t("issue.usage")])))


def refuse_residents_data(ctx: CommandContext, *texts: str) -> Reply | None:
    """A refusal when any text holds what looks like a My Number; None when the texts are clean."""
    if any(contains_my_number(text) for text in texts if text):
        return Reply(text=ctx.t("privacy.my_number"))
    return None


def _issue_or_reply(ctx: CommandContext, number: int) -> Issue | Reply:
    issue = store.get_issue(ctx.session, number)
    if issue is None:
        return Reply(text=ctx.t("issue.not_found", number=number))
    return issue


def _permitted_issue(ctx: CommandContext, number: int, action: str) -> Issue | Reply:
    issue = _issue_or_reply(ctx, number)
    if isinstance(issue, Issue) and not may(ctx.session, ctx.user_id, Action.CHANGE_ISSUE, issue=issue):
        return Reply(text=ctx.t("issue.not_permitted", number=number, action=ctx.t(f"issue.action_{action}")))
    return issue


def card_people(ctx: CommandContext, issue: Issue) -> set[str | None]:
    """Whom the issue's cards name: reporter, assignee, and (on the IT card) the people of its history."""
    history = store.history(ctx.session, id_of(issue)) if issue.escalated else []
    return {issue.reporter_id, issue.assignee_id, *(e.actor_id for e in history)}


def card_of(ctx: CommandContext, issue: Issue) -> tuple[str, list[dict[str, Any]]]:
    """The issue's card (text and blocks with the 担当する / 解決 / IT部門へ相談 buttons) as the issue is now."""
    departments, _ = store.names(ctx.session)
    ball = whose_turn(issue, store.history(ctx.session, id_of(issue)))
    return issue_card(ctx.t, issue, departments, names_in_slack(ctx), ball)


def it_card_of(ctx: CommandContext, issue: Issue) -> tuple[str, list[dict[str, Any]]]:
    """The IT department's card of an escalated issue as it is now (the last escalation's note, the history)."""
    departments, _ = store.names(ctx.session)
    events = store.history(ctx.session, id_of(issue))
    note = next((e.note or "" for e in reversed(events) if e.kind == EventKind.ESCALATED), "")
    return escalation_card(ctx.t, issue, departments, events, ctx.timezone, note, names_in_slack(ctx))


def current_card(ctx: CommandContext, number: int) -> tuple[str, list[dict[str, Any]]] | None:
    """Issue `number`'s card rebuilt after a button changed it, for everyone in the channel; None without the issue."""
    issue = store.get_issue(ctx.session, number)
    return card_of(ctx, issue) if issue is not None else None


def current_it_card(ctx: CommandContext, number: int) -> tuple[str, list[dict[str, Any]]] | None:
    """Issue `number`'s IT card rebuilt after a button in the IT channel was pressed; None without the issue."""
    issue = store.get_issue(ctx.session, number)
    return it_card_of(ctx, issue) if issue is not None and issue.escalated else None


def card_prefix(number: int) -> str:
    """Key prefix of issue `number`'s cards in department channels (`issue:<n>:card:<channel>`)."""
    return f"issue:{number}:card:"


def it_card_prefix(number: int) -> str:
    """Key prefix of issue `number`'s card in the IT channel (`issue:<n>:escalated:<channel>`)."""
    return f"issue:{number}:escalated:"


def refresh_cards(ctx: CommandContext, issue: Issue, version: int | str) -> None:
    """Every card of the issue posted so far, updated in place (chat.update through the outbox) to the issue as it
    now is: no button that no longer applies stays. `version` (the number of events) keys each change once; a
    names' refresh (`renamed`) has a version of letters, which any later numbered one supersedes."""
    number = id_of(issue)
    warm_names(ctx, card_people(ctx, issue), later(renamed, number=number))
    cards = [(card_prefix(number), card_of(ctx, issue))]
    if issue.escalated:
        cards.append((it_card_prefix(number), it_card_of(ctx, issue)))
    for prefix, (text, blocks) in cards:
        for key in outbox.posted_keys(ctx.session, prefix, "chat.postMessage"):
            ctx.slack.update_message(key=f"{key}:v{version}", card_key=key, text=text, blocks=blocks)


def stale(ctx: CommandContext, issue: Issue, key: str, **params: Any) -> Reply:
    """A change that no longer applies (a button pressed on an old card, a second click): why, and the state now."""
    now = ctx.t("issue.current_state", status=status_words(ctx.t, issue))
    return Reply(text="\n".join([ctx.t(key, number=issue.id, **params), now]))


def after_change(ctx: CommandContext, issue: Issue, *, told: dict[str, Any] | None = None, assignee: str | None = None) -> Later:
    """The follow-up of every change to an issue (`changed`): its cards updated in place; the reporter told by DM (in
    the change's own words with `told`, see `_told`, else the change and the state); when the issue waits on another
    department, the departments' channels other than the one where the change was made told; a new `assignee` told.
    It names its change by the issue's event count now (`version`), so a follow-up that runs after a later change
    still tells of its own (a resolve's note, not the reopen that came after it)."""
    version = len(store.history(ctx.session, id_of(issue)))
    return later(changed, number=id_of(issue), told=told, assignee=assignee, version=version)


@job
def changed(
    ctx: CommandContext,
    number: int,
    told: dict[str, Any] | None = None,
    assignee: str | None = None,
    version: int | None = None,
) -> None:
    """The job of `after_change`, run as the person who made the change, in the channel where it was made: the cards
    as the issue is now, the messages about change number `version` (the latest when not given)."""
    fresh = store.get_issue(ctx.session, number)
    if fresh is None:
        raise LookupError(f"issue {number} is gone")  # issues are never deleted
    events = store.history(ctx.session, number)
    refresh_cards(ctx, fresh, len(events))
    version = min(version or len(events), len(events))
    change = events[version - 1]
    params = {
        "number": number,
        "title": escape(fresh.title),
        "what": ctx.t(f"event.{change.kind}"),
        "user": ctx.user_id,
        "status": status_words(ctx.t, fresh),
    }
    reporter = fresh.reporter_id
    if reporter != ctx.user_id:
        blocks = None
        if told:
            key = f"issue:{number}:{told['kind']}:{ctx.user_id}:v{version}"
            text = ctx.t(f"issue.{told['message']}", number=number, user=ctx.user_id, **told.get("extra", {}))
            if told.get("check"):  # IT answered: the reporter's move, with the buttons to make it
                text += "\n" + ctx.t("issue.answer_check", number=number)
                blocks = check_blocks(ctx.t, number, text)
        else:
            key, text = f"issue:{number}:tell:{reporter}:v{version}", ctx.t("issue.changed_tell_reporter", **params)
            if change.kind in (EventKind.RESOLVED, EventKind.REOPENED) and change.note:  # how, or why, in their words
                text += "\n" + ctx.t(f"issue.changed_tell_note_{change.kind}", note=escape(change.note))
        ctx.slack.post_message(key=key, channel=reporter, text=text, blocks=blocks)
    if fresh.waiting_on_id is not None:
        for department_id in (fresh.department_id, fresh.waiting_on_id):
            channel = department_channel(ctx.session, fresh.project_id, department_id)
            if channel and channel != ctx.channel_id:
                ctx.slack.post_message(
                    key=f"issue:{number}:notice:{channel}:v{version}",
                    channel=channel,
                    text=ctx.t("issue.change_notice", **params),
                )
    if assignee and assignee not in (ctx.user_id, reporter):
        text = ctx.t("issue.assigned_tell_assignee", number=number, title=escape(fresh.title), user=ctx.user_id)
        ctx.slack.post_message(key=f"issue:{number}:assigned:{assignee}:v{version}", channel=assignee, text=text)


@job
def renamed(ctx: CommandContext, number: int) -> None:
    """The issue's cards shown again once Slack has named the people they could only mention."""
    issue = store.get_issue(ctx.session, number)
    if issue is not None:
        refresh_cards(ctx, issue, f"n{renaming()}")


def _post_cards(ctx: CommandContext, issue: Issue, channels: list[str]) -> list[str]:
    """Post the issue's card to each channel once; returns the channels Slack refused."""
    warm_names(ctx, card_people(ctx, issue), later(renamed, number=id_of(issue)))
    text, blocks = card_of(ctx, issue)
    return post_to_channels(ctx.slack, key=f"issue:{issue.id}:card", channels=channels, text=text, blocks=blocks)


def add(ctx: CommandContext, command: AddIssue, department: Department | None = None, typed: str = "") -> Reply:
    """Store a new issue for the named department, else this channel's or the user's (the reporter is the user: a
    lead files for any department of the project); post its card after the ack. A user who could mean several
    departments (`typed`, the command's text, waits for the press) is asked with buttons."""
    limited = limits.rate_limit(ctx, Family.ISSUES)
    if limited:
        return limited
    refusal = refuse_residents_data(ctx, command.title, command.body)
    if refusal:
        return refusal
    today = dt.datetime.now(ZoneInfo(ctx.timezone)).date()
    due = read_date(command.due, today) if command.due else None
    if command.due and due is None:
        return usage(ctx, ctx.t("issue.problem_due", due=escape(command.due)))
    if due is not None and due < today:
        return usage(ctx, ctx.t("issue.error_due_past"))
    where = resolve_department(ctx, department, ask=Ask(DEPARTMENT_BUTTON, "/issue", typed))
    if isinstance(where, Reply):
        return where
    refused = _may_file(ctx, where.project)
    if refused:
        return refused
    waiting_on = None
    if command.waiting_on:
        waiting_on = find_department(ctx.session, fold(command.waiting_on))
        problem = _waiting_on_problem(ctx, where.project, where.department, waiting_on, command.waiting_on)
        if problem:
            return problem
    issue = store.create_issue(
        session=ctx.session,
        issue_in=store.NewIssue(
            project_id=id_of(where.project),
            department_id=id_of(where.department),
            reporter_id=ctx.user_id,
            title=command.title,
            body=command.body,
            severity=command.severity,
            waiting_on_id=waiting_on.id if waiting_on else None,
            due_date=due,
        ),
    )
    return announce(ctx, issue, where.department, waiting_on)


def _may_file(ctx: CommandContext, project: Project) -> Reply | None:
    """The refusal when the user is no member of the project (an outsider in its public channel)."""
    if may(ctx.session, ctx.user_id, Action.FILE_ISSUE, project_id=project.id):
        return None
    return Reply(text=ctx.t("issue.file_not_permitted", project=escape(project.name)))


def _waiting_on_problem(
    ctx: CommandContext, project: Project, own: Department, waiting_on: Department | None, typed: str
) -> Reply | None:
    if waiting_on is None:
        return Reply(
            text=_unknown_department(
                ctx, typed, project_departments(ctx.session, id_of(project)), "to:{}", "issue.project_departments"
            )
        )
    if waiting_on.id == own.id:
        return Reply(text=ctx.t("issue.waiting_on_self"))
    if waiting_on.id not in {d.id for d in project_departments(ctx.session, id_of(project))}:
        return Reply(text=ctx.t("issue.department_not_in_project", name=escape(waiting_on.name), project=escape(project.name)))
    return None


def _unknown_department(ctx: CommandContext, typed: str, departments: list[Department], correct: str, known_key: str) -> str:
    """No such department: the nearest one (`to:市民課`, `/issue list 市民課`) and the departments there are."""
    return unknown_department(
        ctx.t,
        ctx.t("issue.unknown_department", name=echo(typed)),
        typed,
        departments,
        correct,
        ctx.t(known_key, known=department_choices(departments)),
    )


def announce(ctx: CommandContext, issue: Issue, department: Department, waiting_on: Department | None) -> Reply:
    """The ack for a new issue (from the command or the form); the cards go to the channels in the follow-up."""
    channels = [
        c
        for c in (
            department_channel(ctx.session, issue.project_id, id_of(department)),
            waiting_on and department_channel(ctx.session, issue.project_id, id_of(waiting_on)),
        )
        if c
    ]
    text = ctx.t("issue.created", number=issue.id, title=escape(issue.title), department=escape(department.name))
    if waiting_on:
        text += "\n" + ctx.t("issue.created_waiting", department=escape(waiting_on.name))
    if not channels:
        return Reply(text=text + "\n" + ctx.t("issue.no_channel_yet"))
    return Reply(text=text, followup=later(post_cards, number=id_of(issue), channels=channels))


@job
def post_cards(ctx: CommandContext, number: int, channels: list[str]) -> Reply | None:
    """A new issue's card to each of `channels`, once; what to tell the reporter when Slack refused some."""
    fresh = store.get_issue(ctx.session, number)
    if fresh is None:
        raise LookupError(f"issue {number} is gone")  # issues are never deleted
    failed = _post_cards(ctx, fresh, channels)
    return Reply(text=ctx.t("issue.card_failed", channels=", ".join(f"<#{c}>" for c in failed))) if failed else None


def _turn_in_list(ctx: CommandContext, issue: Issue, departments: dict[int, Department], name: Names) -> str:
    """A list line's part saying whose move it is when it is someone else's: → 市民課 while the department asked holds
    the ball, 次の対応: IT部門 / 報告者 … once it moved on (storage.turns)."""
    ball = whose_turn(issue, store.history(ctx.session, id_of(issue)))
    if ball.turn == Turn.DEPARTMENT and issue.waiting_on_id in departments:
        return ctx.t("issue.list_waiting", department=escape(departments[issue.waiting_on_id].name))
    if ball.turn in (Turn.IT, Turn.REPORTER):
        return ctx.t("issue.list_turn", who=turn_words(ctx.t, ball, departments, name))
    return ""


def list_(ctx: CommandContext, command: ListIssues) -> Reply:
    """Issues of the projects in context: open (default), all, mine, or a department's."""
    department = None
    if command.scope == "department":
        department = find_department(ctx.session, fold(command.department or ""))
        if department is None:
            return usage(
                ctx,
                _unknown_department(
                    ctx, command.department or "", all_departments(ctx.session), "/issue list {}", "suggest.known_departments"
                ),
            )
    refused = view_refusal(ctx)
    if refused:
        return refused
    project_ids = projects_in_view(ctx)
    found = store.list_issues(
        ctx.session,
        project_ids=project_ids,
        scope=command.scope,
        user_id=ctx.user_id,
        department_id=department.id if department else None,
    )
    title = ctx.t(f"issue.list_{command.scope}", department=escape(department.name) if department else "")
    if not found:
        return Reply(text=f"{title}\n{ctx.t('issue.list_empty')}")
    departments, _ = store.names(ctx.session)
    name = names_in_slack(ctx)
    lines = [
        ctx.t(
            "issue.list_line",
            number=i.id,
            status=status_words(ctx.t, i),
            title=escape(i.title),
            department=escape(departments[i.department_id].name),
            waiting=_turn_in_list(ctx, i, departments, name),
            severity=ctx.t("issue.list_high") if i.severity == Severity.HIGH else "",
            assignee=ctx.t("issue.list_assignee", user=name(i.assignee_id)) if i.assignee_id else "",
        )
        for i in found
    ]
    text = "\n".join([title, *lines])
    more = None if command.scope == "mine" else "`/issue list mine`"  # what still fits when the list does not
    return Reply(text=text, blocks=message(section(text), t=ctx.t, where=more), followup=warm(name))


def show(ctx: CommandContext, command: ShowIssue) -> Reply:
    """One issue with its whole history."""
    issue = _issue_or_reply(ctx, command.number)
    if isinstance(issue, Reply):
        return issue
    if not may(ctx.session, ctx.user_id, Action.VIEW_ISSUE, issue=issue):
        return Reply(text=ctx.t("issue.not_visible", number=issue.id))
    departments, _ = store.names(ctx.session)
    name = names_in_slack(ctx)
    text, blocks = issue_detail(ctx.t, issue, departments, store.history(ctx.session, id_of(issue)), ctx.timezone, name)
    if issue.uat_session_id is not None:  # raised at a design review or acceptance test (/uat)
        line = found_at(ctx, issue)
        if line:
            text, blocks = f"{line}\n{text}", message(section(line), blocks, t=ctx.t)
    return Reply(text=text, blocks=blocks, followup=warm(name))


def assign(ctx: CommandContext, command: AssignIssue) -> Reply:
    """Give an issue to someone (担当)."""
    issue = _permitted_issue(ctx, command.number, "assign")
    if isinstance(issue, Reply):
        return issue
    if store.is_resolved(issue):
        return stale(ctx, issue, "issue.already_resolved")
    if not store.assign_issue(ctx.session, issue, ctx.user_id, command.user_id):
        return stale(ctx, issue, "issue.already_assigned", user=command.user_id)
    followup = after_change(ctx, issue, assignee=command.user_id)
    return Reply(text=ctx.t("issue.assigned", number=issue.id, user=command.user_id), followup=followup)


def take(ctx: CommandContext, number: int) -> Reply:
    """The user takes the issue (button 担当する)."""
    issue = _permitted_issue(ctx, number, "take")
    if isinstance(issue, Reply):
        return issue
    if not store.take_issue(ctx.session, issue, ctx.user_id):
        key = "issue.already_resolved" if store.is_resolved(issue) else "issue.already_taken"
        return stale(ctx, issue, key, user=issue.assignee_id or "")
    return Reply(text=ctx.t("issue.taken", number=issue.id), followup=after_change(ctx, issue))


def close(ctx: CommandContext, command: CloseIssue) -> Reply:
    """Resolve an issue (解決), with an optional note."""
    refusal = refuse_residents_data(ctx, command.note)
    if refusal:
        return refusal
    issue = _permitted_issue(ctx, command.number, "close")
    if isinstance(issue, Reply):
        return issue
    if not store.resolve_issue(ctx.session, issue, ctx.user_id, command.note):
        return stale(ctx, issue, "issue.already_resolved")
    return Reply(text=ctx.t("issue.resolved", number=issue.id, title=escape(issue.title)), followup=after_change(ctx, issue))


def reopen(ctx: CommandContext, command: ReopenIssue) -> Reply:
    """Open a resolved issue again (再開), with an optional reason the reporter is told."""
    refusal = refuse_residents_data(ctx, command.note)
    if refusal:
        return refusal
    issue = _permitted_issue(ctx, command.number, "reopen")
    if isinstance(issue, Reply):
        return issue
    if not store.reopen_issue(ctx.session, issue, ctx.user_id, command.note):
        return stale(ctx, issue, "issue.not_resolved")
    return Reply(text=ctx.t("issue.reopened", number=issue.id), followup=after_change(ctx, issue))


def escalate(ctx: CommandContext, command: EscalateIssue) -> Reply:
    """Send the issue to the IT department's channel with its history (相談); the reporter is told."""
    refusal = refuse_residents_data(ctx, command.note)
    if refusal:
        return refusal
    issue = _permitted_issue(ctx, command.number, "escalate")
    if isinstance(issue, Reply):
        return issue
    it = it_department(ctx.session, issue.project_id)
    if it is None:
        return Reply(text=ctx.t("issue.no_it_department"))
    department, channel = it
    if channel is None:
        return Reply(text=ctx.t("issue.no_it_channel", department=escape(department.name)))
    if store.is_resolved(issue):
        return stale(ctx, issue, "issue.already_resolved")
    if issue.escalated and issue.it_answer:  # IT's answer did not solve it: the ball goes back to IT
        return _ask_it_again(ctx, issue, command.note, channel)
    if not store.escalate_to_it(ctx.session, issue, ctx.user_id, command.note):
        return stale(ctx, issue, "issue.already_escalated")
    # the IT card first; then the department cards lose their IT部門へ相談 button and the reporter is told
    followup = later(post_it_card, number=id_of(issue), channel=channel) + after_change(
        ctx, issue, told=_told("escalated_tell_reporter", "escalated_tell")
    )
    return Reply(text=ctx.t("issue.escalated", number=issue.id, department=escape(department.name)), followup=followup)


def _ask_it_again(ctx: CommandContext, issue: Issue, note: str, channel: str) -> Reply:
    """IT asked again after an answer that did not solve the issue: IT's channel told with the note, in the same
    transaction; the cards (IT's shows 回答 again) and the reporter follow."""
    if not store.ask_it_again(ctx.session, issue, ctx.user_id, note):
        return stale(ctx, issue, "issue.already_escalated")
    version = len(store.history(ctx.session, id_of(issue)))
    words = ctx.t("issue.asked_again_note", note=escape(note)) if note else ""
    text = ctx.t("issue.asked_again_it", number=issue.id, title=escape(issue.title), user=ctx.user_id, note=words)
    ctx.slack.post_message(key=f"issue:{issue.id}:asked_again:{channel}:v{version}", channel=channel, text=text)
    followup = after_change(ctx, issue, told=_told("asked_again_tell_reporter", "asked_again"))
    return Reply(text=ctx.t("issue.asked_again", number=issue.id), followup=followup)


@job
def post_it_card(ctx: CommandContext, number: int, channel: str) -> Reply | None:
    """An escalated issue's card in the IT department's channel, once."""
    fresh = store.get_issue(ctx.session, number)
    if fresh is None:
        raise LookupError(f"issue {number} is gone")  # issues are never deleted
    warm_names(ctx, card_people(ctx, fresh), later(renamed, number=number))
    text, blocks = it_card_of(ctx, fresh)
    outcome = ctx.slack.post_message(key=f"{it_card_prefix(number)}{channel}", channel=channel, text=text, blocks=blocks)
    if outcome.status == OutboxStatus.FAILED:
        return Reply(text=ctx.t("issue.card_failed", channels=f"<#{channel}>"))
    return None


def _told(message: str, kind: str, **extra: str) -> dict[str, Any]:
    """The reporter's DM about an IT step in its own words (`issue.<message>`), keyed `issue:<n>:<kind>:…`."""
    return {"message": message, "kind": kind, "extra": extra}


def it_take(ctx: CommandContext, number: int) -> Reply:
    """An IT member takes an escalated issue (button in the IT channel)."""
    issue = _issue_or_reply(ctx, number)
    if isinstance(issue, Reply):
        return issue
    if not may(ctx.session, ctx.user_id, Action.IT_TAKE, issue=issue):
        return Reply(text=ctx.t("issue.it_only"))
    if not issue.escalated:
        return Reply(text=ctx.t("issue.not_escalated", number=issue.id))
    if store.is_resolved(issue):
        return stale(ctx, issue, "issue.already_resolved")
    if issue.it_answer:
        return stale(ctx, issue, "issue.it_already_answered")
    if not store.it_takes(ctx.session, issue, ctx.user_id):  # an issue nobody had taken becomes theirs
        return stale(ctx, issue, "issue.it_already_taken")
    followup = after_change(ctx, issue, told=_told("it_taken_tell_reporter", "it_taken"))
    return Reply(text=ctx.t("issue.it_taken", number=issue.id), followup=followup)


def answer(ctx: CommandContext, command: AnswerIssue) -> Reply:
    """The IT department's answer to an escalated issue; kept on the issue, sent to the reporter."""
    refusal = refuse_residents_data(ctx, command.text)
    if refusal:
        return refusal
    issue = _issue_or_reply(ctx, command.number)
    if isinstance(issue, Reply):
        return issue
    if not may(ctx.session, ctx.user_id, Action.IT_ANSWER, issue=issue):
        return Reply(text=ctx.t("issue.it_only"))
    if not issue.escalated:
        return Reply(text=ctx.t("issue.not_escalated", number=issue.id))
    store.record_it_answer(ctx.session, issue, ctx.user_id, command.text)
    told = {**_told("answer_tell_reporter", "answer", answer=escape(command.text)), "check": True}
    return Reply(text=ctx.t("issue.answered", number=issue.id), followup=after_change(ctx, issue, told=told))


def open_form(ctx: CommandContext, department: Department | None = None) -> Reply:
    """`/issue` alone: the form, preset to the named department, else this channel's (or the user's); a user who could
    mean several departments outside their channels is asked with buttons first."""
    where: Where | DepartmentWhere | Reply
    if department is None:
        where = resolve(ctx)
        if isinstance(where, Reply):
            where = resolve_department(ctx, ask=Ask(DEPARTMENT_BUTTON, "/issue", ""))
    else:
        where = resolve_department(ctx, department)
    if isinstance(where, Reply):
        return where
    refused = _may_file(ctx, where.project)
    if refused:
        return refused
    project_id = id_of(where.project)
    view = issue_modal(
        ctx.t,
        departments=project_departments(ctx.session, project_id),
        default_department_id=where.department.id if where.department else None,
        project_id=project_id,
        channel_id=ctx.channel_id,
    )
    return Reply(text=ctx.t("issue.modal_only_in_slack"), modal=view)


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/issue [部署:<dept>] <text>`."""
    named = take_department(ctx, text)
    if isinstance(named, Reply):
        return named
    command = parse_issue(named.text)
    if isinstance(command, UsageError) and command.problem == "unknown_sub":
        sub = str(command.params["sub"])
        if fold(sub) in LIST_SCOPES:  # `/issue mine`: the list's word without `list`
            return Reply(
                text="\n".join(
                    [ctx.t("suggest.unknown_sub", command="/issue", sub=escape(sub)), did_you_mean(ctx.t, f"/issue list {sub}")]
                )
            )
        return Reply(
            text=unknown_sub(
                ctx.t,
                "/issue",
                str(command.params["sub"]),
                SUBCOMMANDS,
                ctx.t("issue.usage"),
                hint=ctx.t("issue.problem_unknown_sub"),
            )
        )
    if isinstance(command, UsageError):
        params = {k: escape(v) if isinstance(v, str) else v for k, v in command.params.items()}
        return usage(ctx, ctx.t(f"issue.problem_{command.problem}", **params))
    if isinstance(command, OpenModal):
        return open_form(ctx, named.department)
    if isinstance(command, AddIssue):
        return add(ctx, command, named.department, named.text)
    if named.department is not None:  # only reporting names the department: the others name an issue
        return usage(ctx, ctx.t("where.department_not_used"))
    handlers: dict[type, Callable[[CommandContext, Any], Reply]] = {
        ListIssues: list_,
        ShowIssue: show,
        AssignIssue: assign,
        CloseIssue: close,
        ReopenIssue: reopen,
        EscalateIssue: escalate,
        AnswerIssue: answer,
    }
    return handlers[type(command)](ctx, command)


def submit_form(ctx: CommandContext, view: dict[str, Any]) -> dict[str, str] | Reply:
    """The /issue form's submission: the errors to show in the form (commands.issue_modal), or the new issue announced."""
    filed = submit(ctx, view)
    return filed if isinstance(filed, dict) else announce(ctx, filed.issue, filed.department, filed.waiting_on)


def issue_button(
    run: Callable[[CommandContext, int], Reply],
    *,
    card: Callable[[CommandContext, int], tuple[str, list[dict[str, Any]]] | None] = current_card,
) -> Button:
    """A button on an issue's card: run the command on the issue, then the pressed card as the issue now is (a
    button pressed on a stale card changes nothing, says why and the state now, and the card catches up)."""

    def press(ctx: CommandContext, value: str) -> Pressed:
        number = number_of(value)
        reply = run(ctx, number)
        return Pressed(reply=reply, replace=card(ctx, number))

    return press


BUTTONS: dict[str, Button] = {
    TAKE: issue_button(take),
    RESOLVE: issue_button(lambda ctx, number: close(ctx, CloseIssue(number))),
    ESCALATE: issue_button(lambda ctx, number: escalate(ctx, EscalateIssue(number))),
    IT_TAKE: issue_button(it_take, card=current_it_card),  # in the IT channel: its card, as the issue now is
    DEPARTMENT_BUTTON: department_button(handle),
}
FORMS = {MODAL_CALLBACK: Form(submit_form)}
