"""`/hearing` (ヒアリング): a lead sends every department a questionnaire; liaisons answer in a form, edit until it
closes; the status per department; the close posts a summary per department to the leads channel.

Each department channel gets a card (key `hearing:<n>:card:<channel>`) with the 回答する button; the card is updated
in place (chat.update through the outbox) to name who answered, and to say 締め切りました when the hearing closes.

The deadline (`締切:<日付>`, else `hearing.deadline_business_days` of renkei.yml counted on the office calendar from
the start day; `締切:なし` for none) is named with the business days left on the cards, the reminders, the status and
the summary. An answer after it is still kept, marked 期限後 (期限後に修正 for an on-time answer edited after it):
a late answer is worth more to the leads than a lost one, and the form says so before it is sent. Closing while
departments have not answered asks the lead first (「このまま締め切る」, or `/hearing close <番号> 確定`); the close
thanks those who answered by name and tells each silent department, in its channel, that it closed without them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any, Callable
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
from commands.issue import refuse_residents_data
from commands.issue_blocks import local_time
from commands.later import job, later
from commands.people import Names, names_in_slack, warm, warm_names
from commands.questions import question_inputs, typed_answers
from commands.suggest import fold, unknown_sub
from commands.text import BODY_LIMIT, TITLE_LIMIT, normal, plain_text, read_number
from commands.where import elsewhere, resolve_project
from storage import hearings as store
from storage.directory import department_channel, department_channels, get_department, get_project, project_departments
from storage.enums import OutboxStatus
from storage.ids import id_of
from storage.models import Department, Hearing, Project, as_utc
from storage.outbox import posted_keys
from storage.projectfile import DEFAULT_HEARING_QUESTIONS, HearingSpec
from storage.roles import Action, channel_where, may
from words.dates import long_date, read_date, short_date
from words.questions import hearing_question as question_label

if TYPE_CHECKING:
    from reminders.calendar import BusinessCalendar

ANSWER_BUTTON, MODAL_CALLBACK, CLOSE_BUTTON = "hearing_answer", "hearing_modal", "hearing_close"
DEADLINE_PREFIXES = ("締切:", "締め切り:", "deadline:")  # `締切:来週金曜` (the full-width colon is folded)
NO_DEADLINE = ("なし", "無し", "none")  # `締切:なし`: no deadline, not even renkei.yml's default
CONFIRM_WORDS = ("確定", "confirm")  # `/hearing close 3 確定`: close although departments have not answered
SUBCOMMANDS = {"start": "start", "開始": "start", "status": "status", "状況": "status", "close": "close", "締切": "close"}
# what people type after /hearing (tests/test_wording.py allows them in ja.yml)
WORDS = ("start", "status", "close", "confirm", "none")
LATE, EDITED_LATE = "late", "edited_late"  # an answer first given after the deadline; an on-time one edited after it
SUMMARY_TEXT = MESSAGE_TEXT - 1000  # what one summary message's blocks may hold: room for the heading


def card_key(hearing_id: int, channel: str) -> str:
    """The outbox key of the hearing's card in one department channel."""
    return f"hearing:{hearing_id}:card:{channel}"


def heading(t: Translate, hearing: Hearing) -> str:
    return t("hearing.heading", number=hearing.id, title=escape(hearing.title))


def today_of(ctx: CommandContext) -> dt.date:
    """Today in the project's time zone (the day a deadline is compared with)."""
    return dt.datetime.now(ZoneInfo(ctx.timezone)).date()


def business_days_after(calendar: BusinessCalendar, start: dt.date, days: int) -> dt.date:
    """The `days`-th business day after `start` (renkei.yml's default deadline: closed days and holidays skipped)."""
    day = start
    for _ in range(days):
        day = calendar.next_business_day(day + dt.timedelta(days=1))
    return day


def left_text(t: Translate, calendar: BusinessCalendar, deadline: dt.date, today: dt.date) -> str:
    """What is left until the deadline, in business days as issues' waits are counted: あと3営業日, 本日まで, or
    that it has passed."""
    if today > deadline:
        return t("hearing.left_passed")
    if today == deadline:
        return t("hearing.left_today")
    return t("hearing.left_days", days=calendar.business_days_between(today, deadline))


def deadline_line(t: Translate, calendar: BusinessCalendar, hearing: Hearing, today: dt.date | None) -> str:
    """`締め切り: 2026年12月18日（金）（あと2営業日）`; the day alone without `today` (a closed hearing)."""
    if hearing.deadline is None:
        return ""
    day = long_date(t, hearing.deadline)
    if today is None:
        return t("hearing.deadline", day=day)
    return t("hearing.deadline_left", day=day, left=left_text(t, calendar, hearing.deadline, today))


def past_deadline(hearing: Hearing, today: dt.date) -> bool:
    return hearing.deadline is not None and today > hearing.deadline


def lateness(hearing: Hearing, answer: store.Answer, timezone: str) -> str | None:
    """LATE when the answer was first given after the deadline's day, EDITED_LATE when it was given by then and edited
    after it; None otherwise (or without a deadline). Days are the project's local days."""
    if hearing.deadline is None:
        return None
    zone = ZoneInfo(timezone)
    if answer.first_given.astimezone(zone).date() > hearing.deadline:
        return LATE
    if answer.updated_at.astimezone(zone).date() > hearing.deadline:
        return EDITED_LATE
    return None


def mark_words(t: Translate, mark: str | None) -> str:
    return t(f"hearing.mark_{mark}") if mark else ""


def card(
    t: Translate,
    hearing: Hearing,
    *,
    answered: list[str],
    name: Names,
    calendar: BusinessCalendar | None = None,
    today: dt.date | None = None,
    department: str = "",
) -> tuple[str, list[Block]]:
    """A department's card: the title, the deadline (with the business days left on `today`, said as of that day: the
    card is shown again on each answer and each reminder's morning), who started it, the questions, who of the
    department answered, and the 回答する button while the hearing is open — saying, after the deadline, that an answer
    is still kept, marked 期限後. Once closed, no button: thanks by name to a department that answered, and to one
    that did not, that it closed without its answer."""
    questions = store.questions_of(hearing)
    is_open, passed = store.is_open(hearing), today is not None and past_deadline(hearing, today)
    deadline = []
    if hearing.deadline is not None:
        day = long_date(t, hearing.deadline)
        if is_open and calendar is not None and today is not None:
            left = left_text(t, calendar, hearing.deadline, today)
            deadline.append(t("hearing.card_deadline", day=day, left=left, today=short_date(t, today)))
        else:
            deadline.append(t("hearing.deadline", day=day))
    until = (
        t("hearing.until_deadline", day=long_date(t, hearing.deadline))
        if hearing.deadline and not passed
        else t("hearing.until_closed")
    )
    intro = (
        t("hearing.card_intro", user=name(hearing.started_by), until=until)
        if is_open
        else t("hearing.card_intro_closed", user=name(hearing.started_by))  # nothing more can be edited
    )
    lines = [
        f"*{heading(t, hearing)}*",
        *deadline,
        intro,
        *(f"{n}. {escape(question_label(t, q))}" for n, q in enumerate(questions, start=1)),
        t("hearing.card_answered", names=name.join(answered, t("hearing.nobody_yet"))),
    ]
    if not is_open:
        if answered:
            people = t("people.separator").join(t("hearing.person", user=name(u)) for u in answered)
            lines.append(t("hearing.card_closed_thanks", people=people))
        else:
            lines.append(t("hearing.card_closed_silent", department=department or t("hearing.this_department")))
        text = "\n".join(lines)
        return text, message(section(text), t=t)
    lines.append(t("hearing.card_how_late") if passed else t("hearing.card_how"))
    text = "\n".join(lines)
    answer = button(t("hearing.button"), ANSWER_BUTTON, value=str(hearing.id), style="primary")
    return text, message(section(text), actions(answer), t=t)


def reminder(t: Translate, hearing: Hearing, department: Department, left: str = "") -> tuple[str, list[Block]]:
    """The business-day reminder to a department that has not answered, with the 回答する button; it names the
    deadline when there is one, and `left` (the business days left, `remind_left`) when given (after it, departments
    are no longer reminded: the leads are told, `deadline_passed`)."""
    deadline = t("hearing.remind_deadline", day=long_date(t, hearing.deadline)) + left if hearing.deadline else ""
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


def reminder_left(t: Translate, calendar: BusinessCalendar, hearing: Hearing, today: dt.date) -> str:
    """The reminder's sentence on what is left: あと3営業日です, or that today is the day ("" without a deadline)."""
    if hearing.deadline is None or today > hearing.deadline:
        return ""
    if today == hearing.deadline:
        return t("hearing.remind_today")
    return t("hearing.remind_left", days=calendar.business_days_between(today, hearing.deadline))


def department_card(
    ctx: CommandContext, hearing: Hearing, department_id: int, today: dt.date | None = None
) -> tuple[str, list[Block]]:
    """The card of one department as the hearing now stands (the days left counted on `today`, else today)."""
    answered = [a.user_id for a in store.hearing_answers(ctx.session, id_of(hearing)) if a.department_id == department_id]
    again = later(renamed, hearing_id=id_of(hearing), department_id=department_id)  # its key names its content
    warm_names(ctx, [hearing.started_by, *answered], again)
    department = get_department(ctx.session, department_id)
    return card(
        ctx.t,
        hearing,
        answered=answered,
        name=names_in_slack(ctx),
        calendar=ctx.calendar,
        today=today or today_of(ctx),
        department=escape(department.name) if department is not None else "",
    )


def refresh_card(ctx: CommandContext, hearing_id: int, department_id: int, today: dt.date | None = None) -> None:
    """The department's card updated in place (chat.update, once per content) to the hearing as it now is (as of
    `today`: a reminder's firing day)."""
    hearing = store.get_hearing(ctx.session, hearing_id)
    if hearing is None:
        return
    channel = department_channel(ctx.session, hearing.project_id, department_id)
    if channel is None or card_key(hearing_id, channel) not in posted_keys(
        ctx.session, f"hearing:{hearing_id}:card:", "chat.postMessage"
    ):
        return
    text, blocks = department_card(ctx, hearing, department_id, today)
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


def take_deadline(ctx: CommandContext, words: list[str]) -> tuple[dt.date | None, bool, list[str]] | Reply:
    """`締切:来週金曜` among the words: the day (a business day, not past), whether one was typed (`締切:なし` is typed:
    no deadline), and the other words; a Reply saying what is wrong and how to write it. A day read two ways raises
    AmbiguousDate (asked back by bot.interactions)."""
    typed = [word for word in words if normal(word).startswith(DEADLINE_PREFIXES)]
    rest = [word for word in words if word not in typed]
    if not typed:
        return None, False, rest
    if len(typed) > 1:
        return usage(ctx, ctx.t("hearing.problem_two_deadlines"))
    text = normal(typed[0]).split(":", 1)[1].strip()
    if text in NO_DEADLINE:
        return None, True, rest
    if not text:
        return usage(ctx, ctx.t("hearing.problem_empty_deadline"))
    today = today_of(ctx)
    day = read_date(text, today)
    if day is None:
        return usage(ctx, ctx.t("hearing.problem_deadline", deadline=escape(text)))
    if day < today:
        return usage(ctx, ctx.t("hearing.problem_deadline_past", day=long_date(ctx.t, day), today=long_date(ctx.t, today)))
    reason = ctx.calendar.closed_reason(day)
    if reason is not None:
        return usage(
            ctx,
            ctx.t(
                "hearing.problem_deadline_closed",
                day=long_date(ctx.t, day),
                reason=ctx.t(f"calendar.{reason}"),
                next=long_date(ctx.t, ctx.calendar.next_business_day(day)),
            ),
        )
    return day, True, rest


def default_days(ctx: CommandContext, project: Project) -> int | None:
    """`hearing.deadline_business_days` of the project in renkei.yml (its default when the project is not there)."""
    spec = ctx.project_file.project(project.slug)
    return (spec.hearing if spec else HearingSpec()).deadline_business_days


def start(ctx: CommandContext, rest: str) -> Reply:
    """`/hearing start <題名> [締切:<日付>|締切:なし]`: a new hearing, its card posted to every department channel
    after the ack. Without `締切:`, the deadline is renkei.yml's number of business days after today."""
    taken = take_deadline(ctx, plain_text(rest).split())
    if isinstance(taken, Reply):
        return taken
    deadline, typed, words = taken
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
    today, days = today_of(ctx), None if typed else default_days(ctx, project)
    if days is not None:
        deadline = business_days_after(ctx.calendar, today, days)
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
    if deadline is None:
        due = [ctx.t("hearing.started_no_deadline")]
    else:
        due = [deadline_line(ctx.t, ctx.calendar, hearing, today)]
        if days is not None:
            due.append(ctx.t("hearing.started_default_deadline", days=days))
    if not channels:
        return Reply(text="\n".join([started, *due, ctx.t("hearing.no_channels")]))

    cards = later(send_cards, hearing_id=hearing_id, channels=[[department, channel] for department, channel in channels.items()])
    return Reply(text="\n".join([started, *due, ctx.t("hearing.sent", count=len(channels))]), followup=cards)


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


def status_person(ctx: CommandContext, hearing: Hearing, answer: store.Answer, name: Names) -> str:
    """`佐藤 花子（12/19 10:00）`, with 期限後 (or 期限後に修正) when the answer came after the deadline."""
    when = local_time(answer.updated_at, ctx.timezone)
    mark = lateness(hearing, answer, ctx.timezone)
    if mark is None:
        return ctx.t("hearing.status_person", user=name(answer.user_id), when=when)
    return ctx.t("hearing.status_person_marked", user=name(answer.user_id), when=when, mark=mark_words(ctx.t, mark))


# --- /hearing status -----------------------------------------------------------------------------------------------


def status(ctx: CommandContext, number: int | None) -> Reply:
    """Per department, who answered and when; the departments not answered yet."""
    found = chosen(ctx, number, Action.VIEW_PROJECT, open_only=False)
    if isinstance(found, Reply):
        return found
    hearing, project = found
    name = names_in_slack(ctx)
    lines = [ctx.t("hearing.status_title", heading=heading(ctx.t, hearing), state=state_words(ctx.t, hearing))]
    if hearing.deadline:  # with the business days left while it is open
        lines.append(deadline_line(ctx.t, ctx.calendar, hearing, today_of(ctx) if store.is_open(hearing) else None))
    missing = []
    for row in store.by_department(ctx.session, hearing):
        if not row.answers:
            missing.append(escape(row.department.name))
            continue
        people = ctx.t("people.separator").join(status_person(ctx, hearing, a, name) for a in row.answers)
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
    return Reply(text=text, blocks=message(section(text), t=ctx.t), followup=warm(name))


# --- /hearing close ------------------------------------------------------------------------------------------------


def summary_messages(
    t: Translate,
    hearing: Hearing,
    rows: list[store.DepartmentAnswers],
    name: Names,
    *,
    late: Callable[[store.Answer], str | None] = lambda answer: None,
    deadline: str = "",
) -> list[list[Block]]:
    """The summary for the leads channel: the deadline (`deadline`, as it stood at the close), per department each
    question with every answer and its answerer (marked 期限後 when `late` says so), thanks by name to everyone who
    answered, then the departments without answers named; split over as many messages as Slack's limits need."""
    questions = store.questions_of(hearing)
    blocks: list[Block] = []
    missing, thanked = [], []
    for row in rows:
        if not row.answers:
            missing.append(escape(row.department.name))
            continue
        department = escape(row.department.name)
        thanked += [t("hearing.summary_person", user=name(a.user_id), department=department) for a in row.answers]
        lines = [t("hearing.summary_department", department=department)]
        for n, question in enumerate(questions):  # a question nobody of the department answered is left out
            given = [(a, a.answers.get(n, "")) for a in row.answers if a.answers.get(n, "").strip()]
            if given:
                lines.append(t("hearing.summary_question", n=n + 1, question=escape(question_label(t, question))))
                lines += [summary_answer(t, name(a.user_id), text, late(a)) for a, text in given]
        blocks += section("\n".join(lines))
    if thanked:
        blocks += section(t("hearing.summary_thanks", people=t("people.separator").join(thanked)))
    blocks += section(
        t("hearing.summary_missing", departments=t("people.separator").join(missing)) if missing else t("hearing.status_all")
    )
    head = section("\n".join(filter(None, [t("hearing.summary_title", heading=heading(t, hearing)), deadline])))
    pages: list[list[Block]] = [list(head)]
    for block in blocks:
        page = pages[-1]
        if len(page) + 1 > MESSAGE_BLOCKS or text_size([*page, block]) > SUMMARY_TEXT:
            pages.append([])
        pages[-1].append(block)
    return [message(page, t=t) for page in pages if page]


def closed_against_deadline(t: Translate, calendar: BusinessCalendar, hearing: Hearing, closed_on: dt.date) -> str:
    """The summary's deadline line: the day, and how the close stood to it (business days before, on it, after)."""
    if hearing.deadline is None:
        return ""
    day = long_date(t, hearing.deadline)
    if closed_on < hearing.deadline:
        return t("hearing.summary_deadline_early", day=day, days=calendar.business_days_between(closed_on, hearing.deadline))
    if closed_on == hearing.deadline:
        return t("hearing.summary_deadline_on", day=day)
    return t("hearing.summary_deadline_after", day=day, days=max(1, calendar.business_days_between(hearing.deadline, closed_on)))


def summary_answer(t: Translate, user: str, text: str, mark: str | None) -> str:
    if mark is None:
        return t("hearing.summary_answer", user=user, text=escape(text))
    return t("hearing.summary_answer_marked", user=user, text=escape(text), mark=mark_words(t, mark))


def silent_departments(ctx: CommandContext, hearing: Hearing) -> list[Department]:
    """The departments of the hearing's project with no answer yet, in renkei.yml's order."""
    return [row.department for row in store.by_department(ctx.session, hearing) if not row.answers]


def close(ctx: CommandContext, number: int | None, *, confirmed: bool = False) -> Reply:
    """Close the hearing: the summary to the leads channel, every department card updated to 締め切りました. While
    departments have not answered, the lead is asked first (they are named, with 「このまま締め切る」), unless
    `confirmed` (`/hearing close 3 確定`, or that button)."""
    return closing(ctx, number, confirmed=confirmed)[0]


def closing(ctx: CommandContext, number: int | None, *, confirmed: bool) -> tuple[Reply, bool]:
    """`close`'s reply, and whether this call closed the hearing."""
    found = chosen(ctx, number, Action.LEAD_PROJECT, open_only=True)
    if isinstance(found, Reply):
        return found, False
    hearing, project = found
    hearing_id = id_of(hearing)
    if not store.is_open(hearing):
        return Reply(text=ctx.t("hearing.already_closed", number=hearing_id, title=escape(hearing.title))), False
    missing = silent_departments(ctx, hearing)
    if missing and not confirmed:
        return ask_to_close(ctx, hearing, missing), False
    if not store.close_hearing(ctx.session, hearing_id, ctx.user_id):
        return Reply(text=ctx.t("hearing.already_closed", number=hearing_id, title=escape(hearing.title))), False
    leads = project.leads_channel_id
    closed = ctx.t("hearing.closed", number=hearing_id, title=escape(hearing.title))
    told = ctx.t("hearing.summary_posted") if leads else ctx.t("hearing.no_leads_channel", number=hearing_id)
    lines = [closed, told]
    if missing:
        lines.append(ctx.t("hearing.silent_told", departments=ctx.t("people.separator").join(escape(d.name) for d in missing)))
    return Reply(text="\n".join(lines), followup=later(after_close, hearing_id=hearing_id, leads=leads)), True


def ask_to_close(ctx: CommandContext, hearing: Hearing, missing: list[Department]) -> Reply:
    """The lead's question before closing without every department's answer: who has not answered, the deadline, what
    closing now means for them, and the 「このまま締め切る」 button (or `/hearing close <番号> 確定`)."""
    lines = [
        ctx.t(
            "hearing.confirm_missing",
            heading=heading(ctx.t, hearing),
            departments=ctx.t("people.separator").join(escape(d.name) for d in missing),
        ),
        deadline_line(ctx.t, ctx.calendar, hearing, today_of(ctx)),
        ctx.t("hearing.confirm_how", number=hearing.id),
    ]
    text = "\n".join(filter(None, lines))
    go = button(ctx.t("hearing.confirm_button"), CLOSE_BUTTON, value=str(hearing.id), style="danger")
    return Reply(text=text, blocks=message(section(text), actions(go), t=ctx.t))


def press_close(ctx: CommandContext, value: str) -> Pressed:
    """「このまま締め切る」 under the lead's question: the hearing closed as `/hearing close <番号> 確定` would (the same
    checks: a lead of its project, from its project's channels, still open); the question replaced so it is not
    pressed twice."""
    number = number_of(value)
    if not number:
        return Pressed(reply=Reply(text=ctx.t("hearing.gone")))
    reply, closed = closing(ctx, number, confirmed=True)
    if not closed:
        return Pressed(reply=reply)
    done = ctx.t("hearing.confirmed")
    return Pressed(reply=reply, replace=(done, message(section(done), t=ctx.t)))


@job
def after_close(ctx: CommandContext, hearing_id: int, leads: str | None) -> None:
    """A closed hearing's summary to the leads channel, every department card and the board updated, and each
    department that did not answer told so in its channel."""
    fresh = store.get_hearing(ctx.session, hearing_id)
    if fresh is None:
        return
    rows = store.by_department(ctx.session, fresh)
    closed_on = fresh.closed_at.astimezone(ZoneInfo(ctx.timezone)).date() if fresh.closed_at else today_of(ctx)
    warm_names(ctx, [fresh.started_by, *(a.user_id for r in rows for a in r.answers)])
    if leads:
        pages = summary_messages(
            ctx.t,
            fresh,
            rows,
            names_in_slack(ctx),
            late=lambda answer: lateness(fresh, answer, ctx.timezone),
            deadline=closed_against_deadline(ctx.t, ctx.calendar, fresh, closed_on),
        )
        for n, blocks in enumerate(pages, start=1):
            text = ctx.t("hearing.summary_text", heading=heading(ctx.t, fresh), page=n, pages=len(pages))
            ctx.slack.post_message(key=f"hearing:{hearing_id}:summary:{n}:{leads}", channel=leads, text=text, blocks=blocks)
    for row in rows:
        refresh_card(ctx, hearing_id, id_of(row.department))
    name = names_in_slack(ctx)
    zone = ZoneInfo(ctx.timezone)
    closed_day = as_utc(fresh.closed_at).astimezone(zone).date() if fresh.closed_at else None
    for row in rows:
        channel = department_channel(ctx.session, fresh.project_id, id_of(row.department)) if not row.answers else None
        if channel is not None:
            early = fresh.deadline is not None and closed_day is not None and closed_day < fresh.deadline
            text = ctx.t(
                "hearing.closed_early_without_you" if early else "hearing.closed_without_you",
                heading=heading(ctx.t, fresh),
                department=escape(row.department.name),
                user=name(fresh.started_by),
                day=long_date(ctx.t, fresh.deadline) if fresh.deadline else "",
            )
            ctx.slack.post_message(key=f"hearing:{hearing_id}:silent:{channel}", channel=channel, text=text)
    board.refresh(ctx, fresh.project_id)  # the leads channel's board: the hearing, closed


# --- the card's button and the form ---------------------------------------------------------------------------------


def modal(
    t: Translate,
    hearing: Hearing,
    department: Department,
    previous: dict[int, str],
    channel_id: str | None,
    *,
    deadline: str = "",
) -> dict[str, Any]:
    """The answer form: one optional multi-line box per question, holding the presser's earlier answers; `deadline`
    (`form_deadline`, or after it `form_late`: the answer is still kept, marked 期限後) under the intro."""
    intro = t("hearing.form_intro", heading=heading(t, hearing), department=escape(department.name))
    if deadline:
        intro = f"{intro}\n{deadline}"
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
    return Pressed(modal=modal(ctx.t, hearing, department, previous, ctx.channel_id, deadline=form_deadline(ctx, hearing)))


def form_deadline(ctx: CommandContext, hearing: Hearing) -> str:
    """What the form says of the deadline: the day and what is left, or, once past, that a late answer is kept."""
    if hearing.deadline is None:
        return ""
    today = today_of(ctx)
    day = long_date(ctx.t, hearing.deadline)
    if past_deadline(hearing, today):
        return ctx.t("hearing.form_late", day=day)
    return ctx.t("hearing.form_deadline", day=day, left=left_text(ctx.t, ctx.calendar, hearing.deadline, today))


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
    if past_deadline(hearing, today_of(ctx)):  # kept all the same, and the leads will see it marked
        text += ctx.t("hearing.kept_late", day=long_date(ctx.t, hearing.deadline or today_of(ctx)))
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
    """Answer `/hearing start <題名>`, `/hearing status [番号]`, `/hearing close [番号] [確定]`."""
    words = text.split(maxsplit=1)
    if not words:
        return usage(ctx)
    sub, rest = SUBCOMMANDS.get(fold(words[0])), (words[1] if len(words) > 1 else "").strip()
    if sub is None:
        return Reply(text=unknown_sub(ctx.t, "/hearing", words[0], SUBCOMMANDS, ctx.t("hearing.usage")))
    if sub == "start":
        return start(ctx, rest)
    confirmed = False
    if sub == "close":
        given = rest.split()
        confirmed = any(fold(word) in CONFIRM_WORDS for word in given)
        rest = " ".join(word for word in given if fold(word) not in CONFIRM_WORDS)
    number = read_number(rest) if rest else None
    if rest and number is None:
        return usage(ctx, ctx.t("hearing.problem_number", typed=escape(rest[:50]), sub=sub))
    return status(ctx, number) if sub == "status" else close(ctx, number, confirmed=confirmed)


BUTTONS: dict[str, Button] = {ANSWER_BUTTON: press_answer, CLOSE_BUTTON: press_close}
FORMS = {MODAL_CALLBACK: Form(submit, channel=form_channel)}
