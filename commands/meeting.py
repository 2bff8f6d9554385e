"""`/meeting` (会議): add, list, next, skip, edit, cancel; and the reminder a meeting sends.

A meeting has participants (`参加:市民課,税務課`, by default the adding person's own department); `定例` makes it a
regular meeting (every department, the full agenda). Its reminders go to its participants' channels only, and adding or
moving it warns of another meeting in the same time slot with a department in common
(storage.meetings.same_time_meetings).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from commands import req
from commands.base import CommandContext, Reply, Translate, department_choices, escape, when_text
from commands.blocks import message, section
from commands.limits import meeting_limit, rate_limit, reminder_limit
from commands.suggest import echo, fold, unknown_department, unknown_sub
from commands.text import TITLE_LIMIT, normal, plain_text, read_number
from commands.where import projects_in_view, resolve_project, view_refusal
from storage.agenda import Agenda
from storage.directory import get_project, project_departments
from storage.home import next_start
from storage.ids import id_of
from storage.limits import Family
from storage.meetings import (
    CLASH_WINDOW,
    SameTime,
    active_meetings,
    add_meeting,
    cancel_meeting,
    edit_meeting,
    get_meeting,
    is_from_config,
    is_regular,
    participant_departments,
    same_meeting,
    same_time_meetings,
    skip_day,
    skipped_days,
)
from storage.models import Department, Meeting, Project
from storage.roles import Action, channel_where, find_department, liaison_places, may
from words.dates import read_date, read_time
from words.durations import BEFORE, duration_text, durations_text, read_durations, schedule_text

WEEKDAYS = {
    "mon": "mon",
    "tue": "tue",
    "wed": "wed",
    "thu": "thu",
    "fri": "fri",
    "sat": "sat",
    "sun": "sun",
    "月": "mon",
    "火": "tue",
    "水": "wed",
    "木": "thu",
    "金": "fri",
    "土": "sat",
    "日": "sun",
}
FORCE_WORDS = ("--force", "—force")  # a closed day on purpose; a dash some keyboards turn `--` into
DEFAULT_REMINDERS = ["1d", "15m"]
SUBCOMMANDS = {
    "add": "add",
    "追加": "add",
    "list": "list",
    "一覧": "list",
    "next": "next",
    "次": "next",
    "cancel": "cancel",
    "中止": "cancel",
    "skip": "skip",
    "休み": "skip",
    "edit": "edit",
    "変更": "edit",
}
WORDS = SUBCOMMANDS  # what people type after /meeting (tests/test_wording.py allows its English words in ja.yml)
REMIND_WORDS = ("remind", "リマインド")
PLACE_PREFIXES = ("場所:", "place:")  # `場所:第3会議室`, `場所:https://…` (the full-width colon is folded to `:`)
PLACE_LIMIT = 300
PARTICIPANT_PREFIXES = ("参加:", "participants:")  # `参加:市民課,税務課`, `参加：shimin、zeimu`
PARTICIPANT_SEPARATORS = re.compile(r"[,、，､]")  # a comma as typed: half- or full-width, or the Japanese 、
REGULAR_WORDS = ("定例", "regular")  # after the time: a regular meeting (every department, the full agenda)
EDIT_FIELDS = {"件名": "title", "title": "title", "日時": "when", "when": "when", "場所": "place", "place": "place"}
EDIT_FIELDS.update({word: "remind" for word in REMIND_WORDS})
EDIT_FIELDS.update({"参加": "participants", "participants": "participants"})
CLASHES_SHOWN = 3  # clashes named in an answer (the first ones; more are counted)


@dataclass(frozen=True)
class When:
    """A weekly slot (cron) or a one-off start time."""

    cron: str | None = None
    starts_at: dt.datetime | None = None


def read_when(day: str, time: str, timezone: str) -> When | None:
    """`wed 10:00`, `毎週水曜 10時`, `水 10:00`, `2026-12-03 14:00`, `2026/12/03`, `12月3日 14時半`, `明日 14:00`;
    None when unreadable. A weekday alone is weekly (the confirmation says 毎週)."""
    read = read_time(time)
    if read is None:
        return None
    hour, minute = read
    word = normal(day).removeprefix("毎週")
    for suffix in ("曜日", "曜", "day"):  # 水曜日 / 水曜 / wednesday -> 水 / wed (wednes)
        word = word.removesuffix(suffix) if len(word) > len(suffix) else word
    word = word[:3] if word.isascii() else word
    if word in WEEKDAYS:
        return When(cron=f"{minute} {hour} * * {WEEKDAYS[word]}")
    date = read_date(day, dt.datetime.now(ZoneInfo(timezone)).date())
    if date is None:
        return None
    return When(starts_at=dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=ZoneInfo(timezone)))


def _usage(ctx: CommandContext, problem: str | None = None) -> Reply:
    return Reply(text="\n".join(filter(None, [problem, ctx.t("meeting.usage")])))


def _take_force(words: list[str]) -> tuple[bool, list[str]]:
    """Whether `--force` was written (a closed day on purpose), and the other words."""
    return any(fold(w) in FORCE_WORDS for w in words), [w for w in words if fold(w) not in FORCE_WORDS]


def _read_offsets(ctx: CommandContext, parts: list[str]) -> list[str] | Reply:
    """Reminder offsets (`1d,15m`, `前日,15分前`), each once and within the limit; a Reply saying what is wrong."""
    read = [r for part in parts for r in read_durations(part)]
    offsets = list(dict.fromkeys(r for r in read if r is not None))
    if not read or None in read:  # nothing after `remind`, or a word that is no offset
        return _usage(ctx, ctx.t("meeting.problem_offsets"))
    return reminder_limit(ctx, offsets) or offsets


def _refused_when(ctx: CommandContext, when: When, force: bool) -> Reply | None:
    """Why a meeting may not be set at `when`: in the past, or on a closed day without `--force`."""
    if when.starts_at and when.starts_at <= dt.datetime.now(dt.timezone.utc):
        return _usage(ctx, ctx.t("meeting.problem_past"))
    closed = closed_reason(ctx, when)
    return Reply(text=closed) if closed and not force else None


def add(ctx: CommandContext, rest: str) -> Reply:
    """`/meeting add <title> <when> [定例] [参加:<departments>] [場所:<place>] [remind <offsets>]`: offsets as `1d,15m`
    or in words, `前日,15分前`.

    Participants are the named departments of the project (names or slugs, separated by `,` `、` `，`), else the
    adding person's own department(s) there (`default_participants`); `定例` after the time makes a regular meeting
    (every department), not to be named with `参加:`. An unknown department is refused with the project's ones.
    At most MAX_REMINDERS_PER_MEETING offsets, each at its own time, MAX_MEETINGS_PER_PROJECT scheduled meetings,
    and the person's rate (commands/limits.py, storage/limits.py); a refused meeting is not stored. A meeting in the same time
    slot as another with a department in common is stored, and the answer names the other one.
    """
    force, words = _take_force(plain_text(rest).split())
    place, words = take_place(words)
    if place is not None and not 0 < len(place) <= PLACE_LIMIT:
        return _usage(ctx, ctx.t("meeting.problem_place", limit=PLACE_LIMIT))
    named, words = take_participants(words)
    reminders: list[str] | Reply = DEFAULT_REMINDERS
    remind_at = next((i for i, word in enumerate(words) if fold(word) in REMIND_WORDS), None)
    if remind_at is not None:
        words, reminders = words[:remind_at], _read_offsets(ctx, words[remind_at + 1 :])
    if isinstance(reminders, Reply):
        return reminders
    regular = len(words) > 3 and fold(words[-1]) in REGULAR_WORDS  # `… 水曜 10時 定例` (a title may hold 定例 too)
    if regular:
        words = words[:-1]
    if regular and named is not None:
        return _usage(ctx, ctx.t("meeting.problem_regular_and_participants"))
    if len(words) < 3:
        return _usage(ctx, ctx.t("meeting.problem_incomplete"))
    when = read_when(words[-2], words[-1], ctx.timezone)
    title = " ".join(words[:-2])
    if when is None:
        return _usage(ctx, ctx.t("meeting.problem_when", when=escape(" ".join(words[-2:]))))
    if len(title) > TITLE_LIMIT:
        return _usage(ctx, ctx.t("issue.problem_title_too_long", limit=TITLE_LIMIT, length=len(title)))
    refused = _refused_when(ctx, when, force)
    if refused:
        return refused
    project = resolve_project(ctx)
    if isinstance(project, Reply):
        return project
    if not may(ctx.session, ctx.user_id, Action.ADD_MEETING, project_id=project.id):
        return Reply(text=ctx.t("meeting.not_permitted"))
    participants = read_participants(ctx, project, named) if named is not None else default_participants(ctx, project)
    if isinstance(participants, Reply):
        return participants
    starts_at = when.starts_at.astimezone(dt.timezone.utc) if when.starts_at else None
    same = same_meeting(ctx.session, project_id=id_of(project), title=title, cron=when.cron, starts_at=starts_at)
    if same is not None:
        return Reply(text=ctx.t("meeting.duplicate", number=same.id, title=escape(title)))
    limited = meeting_limit(ctx, id_of(project)) or rate_limit(ctx, Family.MEETINGS)
    if limited:
        return limited
    meeting = add_meeting(
        ctx.session,
        project_id=id_of(project),
        title=title,
        cron=when.cron,
        starts_at=starts_at,
        remind_before=reminders,
        created_by=ctx.user_id,
        place=place,
        participants=None if participants is None else [id_of(d) for d in participants],
        regular=regular,
    )
    added = ctx.t(
        "meeting.added",
        number=meeting.id,
        title=escape(title),
        when=_when_text(ctx, meeting),
        repeat=schedule_text(ctx.t, when.cron) if when.cron else ctx.t("meeting.once"),
        reminders=durations_text(ctx.t, reminders, BEFORE),
        project=escape(project.name),
    )
    defaulted = named is None and not regular
    lines = [_with_place(ctx, added, meeting), participants_line(ctx, meeting, defaulted=defaulted)]
    return Reply(text="\n".join(filter(None, [*lines, same_time_text(ctx, meeting), clashes_text(ctx, meeting)])))


def take_place(words: list[str]) -> tuple[str | None, list[str]]:
    """The `場所:…` word (a room or a URL, no spaces) and the other words; None when there is none."""
    for index, word in enumerate(words):
        folded = fold(word)
        for prefix in PLACE_PREFIXES:
            if folded.startswith(prefix):
                return word[len(prefix) :].strip(), words[:index] + words[index + 1 :]
    return None, words


def take_participants(words: list[str]) -> tuple[str | None, list[str]]:
    """The text of the `参加:…` word (`市民課,税務課`; a list broken by spaces after its commas is joined) and the
    other words; None when there is none."""
    for index, word in enumerate(words):
        folded = fold(word)
        for prefix in PARTICIPANT_PREFIXES:
            if folded.startswith(prefix):
                text, end = word[len(prefix) :].strip(), index + 1
                while end < len(words) and (
                    PARTICIPANT_SEPARATORS.fullmatch(text[-1:]) or PARTICIPANT_SEPARATORS.match(words[end])
                ):
                    text, end = text + words[end], end + 1
                return text, words[:index] + words[end:]
    return None, words


def read_participants(ctx: CommandContext, project: Project, text: str) -> list[Department] | Reply:
    """The project's departments named in `text` (names or slugs as renkei.yml defines them, separated by `,` `、`
    `，`), in the order of renkei.yml; a Reply naming the unknown ones and listing the project's departments."""
    departments = project_departments(ctx.session, id_of(project))
    typed = [name.strip() for name in PARTICIPANT_SEPARATORS.split(text) if fold(name)]
    known = ctx.t("meeting.participants_known", known=department_choices(departments))
    if not typed:
        return Reply(text="\n".join([ctx.t("meeting.problem_no_participants"), known]))
    ids = {id_of(d) for d in departments}
    found = {name: find_department(ctx.session, fold(name)) for name in typed}
    unknown = [name for name, department in found.items() if department is None or department.id not in ids]
    if not unknown:
        chosen = {id_of(department) for department in found.values() if department is not None}
        return [d for d in departments if id_of(d) in chosen]
    names = "".join(ctx.t("meeting.quoted_name", name=echo(name)) for name in unknown)
    problem = ctx.t("meeting.unknown_participants", names=names)
    if len(unknown) > 1:
        return Reply(text="\n".join([problem, known]))
    written = [escape(name).replace("{", "{{").replace("}", "}}") for name in typed]
    correct = "参加:" + ",".join("{}" if name == unknown[0] else shown for name, shown in zip(typed, written))
    return Reply(text=unknown_department(ctx.t, problem, unknown[0], departments, correct, known))


def default_participants(ctx: CommandContext, project: Project) -> list[Department] | None:
    """Who takes part when nobody was named: the adding person's own department in the project (where they are a
    liaison: this channel's when it is one of theirs, else each of theirs); None (every department) for someone of
    no department there, a lead, a manager or an admin."""
    mine = [w.department for w in liaison_places(ctx.session, ctx.user_id) if w.project.id == project.id and w.department]
    here = channel_where(ctx.session, ctx.channel_id)
    if here is not None and here.department is not None and any(d.id == here.department.id for d in mine):
        return [here.department]
    return mine or None


def participants_text(ctx: CommandContext, meeting: Meeting) -> str:
    """Who takes part, in words: `市民課、税務課`, `全部署（定例）` or `全部署`."""
    return _participants_words(ctx.t, meeting, [d.name for d in participant_departments(ctx.session, meeting)])


def _participants_words(t: Translate, meeting: Meeting, names: list[str]) -> str:
    if is_regular(meeting):
        return t("meeting.everyone_regular")
    if meeting.participants is None:
        return t("meeting.everyone")
    return t("duration.separator").join(escape(name) for name in names)


def participants_line(ctx: CommandContext, meeting: Meeting, *, defaulted: bool = False) -> str:
    """`参加部署: 税務課`, and when nobody was named, where that came from and how to change it."""
    departments = participants_text(ctx, meeting)
    if not defaulted:
        return ctx.t("meeting.participants", departments=departments)
    key = "meeting.participants_everyone_default" if meeting.participants is None else "meeting.participants_default"
    return ctx.t(key, departments=departments, number=meeting.id)


def same_time_text(ctx: CommandContext, meeting: Meeting) -> str:
    """The other meetings in the same time slot with a department in common (storage.meetings.same_time_meetings):
    each named with its time and participants, then how to move this one; empty when there is none."""
    found = same_time_meetings(ctx.session, meeting, now=dt.datetime.now(dt.timezone.utc), timezone=ctx.timezone)
    if not found:
        return ""
    lines = [_same_time_line(ctx, other) for other in found[:CLASHES_SHOWN]]
    if len(found) > CLASHES_SHOWN:
        lines.append(ctx.t("meeting.same_time_more", count=len(found) - CLASHES_SHOWN))
    return "\n".join([*lines, ctx.t("meeting.same_time_hint", number=meeting.id)])


def _same_time_line(ctx: CommandContext, found: SameTime) -> str:
    other = found.other
    return ctx.t(
        "meeting.same_time",
        number=other.id,
        title=escape(other.title),
        when=schedule_text(ctx.t, other.cron) if other.cron else when_text(ctx.t, found.other_start),
        departments=participants_text(ctx, other),
    )


def _with_place(ctx: CommandContext, sentence: str, meeting: Meeting) -> str:
    """The sentence with the meeting's place before its final full stop: `…15分前）（場所: 第3会議室）。`"""
    stop = sentence[-1:] if sentence[-1:] in ("。", ".") else ""
    return sentence[: len(sentence) - len(stop)] + _place_text(ctx, meeting) + stop


def _place_text(ctx: CommandContext, meeting: Meeting) -> str:
    return ctx.t("meeting.place", place=escape(meeting.place)) if meeting.place else ""


def clashes_text(ctx: CommandContext, meeting: Meeting) -> str:
    """For a weekly meeting: the coming slots (CLASH_WINDOW) that fall on closed days, and how to skip them."""
    if not meeting.cron:
        return ""
    now = dt.datetime.now(dt.timezone.utc)
    zone = ZoneInfo(ctx.timezone)
    days, moment = [], now
    while True:
        start = next_start(meeting, moment, ctx.timezone)
        if start is None or start > now + CLASH_WINDOW:
            break
        day = start.astimezone(zone).date()
        reason = ctx.calendar.closed_reason(day)
        if reason is not None:
            days.append(ctx.t("meeting.clash_day", month=day.month, day=day.day, reason=ctx.t(f"calendar.{reason}")))
        moment = start + dt.timedelta(seconds=1)
    if not days:
        return ""
    return ctx.t("meeting.clashes", days=ctx.t("duration.separator").join(days), number=meeting.id)


def closed_reason(ctx: CommandContext, when: When) -> str | None:
    """Why a meeting may not be set then: a one-off on a closed day, or a weekly one on the weekend (None: open)."""
    if when.starts_at is not None:
        day = when.starts_at.date()
        reason = ctx.calendar.closed_reason(day)
        shown = _day(ctx, day)
    else:
        weekday = (when.cron or "").split()[-1]
        reason = "weekend" if weekday in ("sat", "sun") else None
        shown = schedule_text(ctx.t, when.cron or "")
    if reason is None:
        return None
    return ctx.t("meeting.problem_closed", when=shown, reason=ctx.t(f"calendar.{reason}"))


def _when_text(ctx: CommandContext, meeting: Meeting) -> str:
    start = next_start(meeting, dt.datetime.now(dt.timezone.utc), ctx.timezone)
    return when_text(ctx.t, start) if start else ctx.t("meeting.past")


def _upcoming(ctx: CommandContext) -> list[tuple[dt.datetime, Meeting]]:
    now = dt.datetime.now(dt.timezone.utc)
    pairs = [(next_start(m, now, ctx.timezone), m) for m in active_meetings(ctx.session, projects_in_view(ctx))]
    return sorted(((s, m) for s, m in pairs if s is not None), key=lambda p: (p[0], p[1].id))


def list_(ctx: CommandContext) -> Reply:
    """Upcoming meetings with their numbers, reminders and participants."""
    refused = view_refusal(ctx)
    if refused:
        return refused
    upcoming = _upcoming(ctx)
    if not upcoming:
        return Reply(text=ctx.t("meeting.none"))
    lines = [ctx.t("meeting.list_title")] + [
        ctx.t(
            "meeting.list_line",
            number=m.id,
            when=when_text(ctx.t, start),
            title=escape(m.title),
            repeat=ctx.t("meeting.weekly") if m.cron else "",
            reminders=durations_text(ctx.t, m.remind_before, BEFORE) if m.remind_before else ctx.t("meeting.no_reminders"),
            source=ctx.t("meeting.from_config") if is_from_config(m) else "",
        )
        + _place_text(ctx, m)
        + _skips_text(ctx, m)
        + ctx.t("meeting.list_participants", departments=participants_text(ctx, m))
        for start, m in upcoming
    ]
    return Reply(text="\n".join(lines))


def _skips_text(ctx: CommandContext, meeting: Meeting) -> str:
    today = dt.datetime.now(ZoneInfo(ctx.timezone)).date()
    ahead = sorted(day for day in skipped_days(meeting) if day >= today)
    return ctx.t("meeting.skips", days=ctx.t("duration.separator").join(_day(ctx, d) for d in ahead)) if ahead else ""


def next_(ctx: CommandContext) -> Reply:
    """The next meeting."""
    refused = view_refusal(ctx)
    if refused:
        return refused
    upcoming = _upcoming(ctx)
    if not upcoming:
        return Reply(text=ctx.t("meeting.none"))
    start, meeting = upcoming[0]
    said = ctx.t("meeting.next", number=meeting.id, title=escape(meeting.title), when=when_text(ctx.t, start))
    return Reply(text="\n".join([said, participants_line(ctx, meeting)]))


def cancel(ctx: CommandContext, rest: str) -> Reply:
    """`/meeting cancel N`: no more reminders for a meeting added with /meeting add."""
    words = rest.split()
    meeting = _own_meeting(
        ctx,
        words if len(words) == 1 else [],
        example="/meeting cancel 3",
        not_permitted="meeting.cancel_not_permitted",
        config_refusal="meeting.config_meeting",
    )
    if isinstance(meeting, Reply):
        return meeting
    cancel_meeting(ctx.session, meeting)
    return Reply(text=ctx.t("meeting.cancelled", number=meeting.id, title=escape(meeting.title)))


def _own_meeting(
    ctx: CommandContext,
    words: list[str],
    *,
    example: str,
    not_permitted: str = "meeting.change_not_permitted",
    config_refusal: str | None = None,
) -> Meeting | Reply:
    """The meeting numbered by the first word, if it exists and the user may change it; `config_refusal` refuses a
    meeting of renkei.yml (before the permission, which does not matter for it)."""
    number = read_number(words[0]) if words else None
    if number is None:
        return _usage(ctx, ctx.t("meeting.problem_number", example=example))
    meeting = get_meeting(ctx.session, number)
    if meeting is None or meeting.cancelled:
        return Reply(text=ctx.t("meeting.not_found", number=number))
    if config_refusal is not None and is_from_config(meeting):
        return Reply(text=ctx.t(config_refusal, number=number))
    if not may(ctx.session, ctx.user_id, Action.CANCEL_MEETING, meeting=meeting):
        return Reply(text=ctx.t(not_permitted, number=number))
    return meeting


def skip(ctx: CommandContext, rest: str) -> Reply:
    """`/meeting skip N <date>`: a weekly meeting does not take place that day (no reminders for it)."""
    words = plain_text(rest).split()
    meeting = _own_meeting(ctx, words, example="/meeting skip 1 12月30日")
    if isinstance(meeting, Reply):
        return meeting
    if not meeting.cron:
        return Reply(text=ctx.t("meeting.skip_one_off", number=meeting.id))
    day = read_date(words[1], dt.datetime.now(ZoneInfo(ctx.timezone)).date()) if len(words) == 2 else None
    if day is None:
        return _usage(ctx, ctx.t("meeting.problem_skip_date"))
    if day in skipped_days(meeting):
        return Reply(text=ctx.t("meeting.skip_already", number=meeting.id, day=_day(ctx, day)))
    slot = next_start(meeting, dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(ctx.timezone)), ctx.timezone)
    if slot is None or slot.date() != day:
        return Reply(
            text=ctx.t(
                "meeting.skip_not_a_slot", number=meeting.id, day=_day(ctx, day), repeat=schedule_text(ctx.t, meeting.cron)
            )
        )
    if not skip_day(ctx.session, meeting, day):
        return Reply(text=ctx.t("meeting.skip_already", number=meeting.id, day=_day(ctx, day)))
    return Reply(
        text=ctx.t(
            "meeting.skipped", number=meeting.id, title=escape(meeting.title), day=_day(ctx, day), next=_when_text(ctx, meeting)
        )
    )


def edit(ctx: CommandContext, rest: str) -> Reply:
    """`/meeting edit N <件名|日時|場所|リマインド|参加> <value>`: change one thing of a meeting added with /meeting add.

    `参加 市民課,税務課` names the participants (the meeting is no longer regular), `参加 定例` makes it regular. A new
    time or new participants warn of another meeting in the same time slot, as `add` does.
    """
    words = plain_text(rest).split()
    meeting = _own_meeting(ctx, words, example="/meeting edit 1 日時 毎週木曜 10:00")
    if isinstance(meeting, Reply):
        return meeting
    if is_from_config(meeting):
        return Reply(text=ctx.t("meeting.config_meeting_edit", number=meeting.id))
    field = EDIT_FIELDS.get(fold(words[1])) if len(words) > 1 else None
    values = words[2:]
    if field is None or not values:
        return _usage(ctx, ctx.t("meeting.problem_edit"))
    if field == "title":
        title = " ".join(values)
        if len(title) > TITLE_LIMIT:
            return _usage(ctx, ctx.t("issue.problem_title_too_long", limit=TITLE_LIMIT, length=len(title)))
        edit_meeting(ctx.session, meeting, title=title)
    elif field == "place":
        place = " ".join(values)
        if fold(place) in ("なし", "none", "-"):
            place = ""
        if len(place) > PLACE_LIMIT:
            return _usage(ctx, ctx.t("meeting.problem_place", limit=PLACE_LIMIT))
        edit_meeting(ctx.session, meeting, place=place)
    elif field == "remind":
        offsets = _read_offsets(ctx, values)
        if isinstance(offsets, Reply):
            return offsets
        edit_meeting(ctx.session, meeting, remind_before=offsets)
    elif field == "participants":
        if len(values) == 1 and fold(values[0]) in REGULAR_WORDS:
            edit_meeting(ctx.session, meeting, regular=True)
        else:
            project = get_project(ctx.session, meeting.project_id)
            if project is None:
                raise LookupError(f"meeting {meeting.id}'s project {meeting.project_id} is gone")  # never deleted
            participants = read_participants(ctx, project, ",".join(values))  # spaces separate names here too
            if isinstance(participants, Reply):
                return participants
            edit_meeting(ctx.session, meeting, participants=[id_of(d) for d in participants])
    else:
        force, values = _take_force(values)
        when = read_when(values[0], values[1], ctx.timezone) if len(values) == 2 else None
        if when is None:
            return _usage(ctx, ctx.t("meeting.problem_when", when=escape(" ".join(values))))
        refused = _refused_when(ctx, when, force)
        if refused:
            return refused
        starts_at = when.starts_at.astimezone(dt.timezone.utc) if when.starts_at else None
        edit_meeting(ctx.session, meeting, cron=when.cron, starts_at=starts_at)
    changed = ctx.t(
        "meeting.edited",
        number=meeting.id,
        title=escape(meeting.title),
        repeat=schedule_text(ctx.t, meeting.cron) if meeting.cron else ctx.t("meeting.once"),
        when=_when_text(ctx, meeting),
        reminders=durations_text(ctx.t, meeting.remind_before.split(","), BEFORE)
        if meeting.remind_before
        else ctx.t("meeting.no_reminders"),
    )
    same_time = same_time_text(ctx, meeting) if field in ("when", "participants") else ""
    lines = [_with_place(ctx, changed, meeting), participants_line(ctx, meeting), same_time, clashes_text(ctx, meeting)]
    return Reply(text="\n".join(filter(None, lines)))


def _day(ctx: CommandContext, day: dt.date) -> str:
    return ctx.t("dates.short", month=day.month, day=day.day)


def handle(ctx: CommandContext, text: str) -> Reply:
    """Answer `/meeting <text>`."""
    words = text.split(maxsplit=1)
    if not words:
        return _usage(ctx)
    sub, rest = SUBCOMMANDS.get(fold(words[0])), (words[1] if len(words) > 1 else "").strip()
    if sub is None:
        return Reply(text=unknown_sub(ctx.t, "/meeting", words[0], SUBCOMMANDS, ctx.t("meeting.usage")))
    if sub == "add":
        return add(ctx, rest)
    if sub == "cancel":
        return cancel(ctx, rest)
    if sub == "skip":
        return skip(ctx, rest)
    if sub == "edit":
        return edit(ctx, rest)
    if rest:
        return _usage(ctx)
    return list_(ctx) if sub == "list" else next_(ctx)


def meeting_reminder(
    t: Translate,
    *,
    meeting: Meeting,
    project: Project,
    start: dt.datetime,
    agenda: Agenda | None,
    lead_time: str,
    departments: list[str],
) -> tuple[str, list[dict[str, Any]]]:
    """The reminder each participant's channel receives: when, who takes part (`departments`, their names), and the
    agenda material (storage.agenda: all of it for a regular meeting, what concerns the participants for another);
    `agenda` None when nothing concerns them: the reminder alone."""
    head = t(
        "meeting.reminder",
        title=escape(meeting.title),
        when=when_text(t, start, year=False),
        lead_time=duration_text(t, lead_time, BEFORE),
        project=escape(project.name),
    ) + (t("meeting.place", place=escape(meeting.place)) if meeting.place else "")
    head = "\n".join([head, t("meeting.participants", departments=_participants_words(t, meeting, departments))])
    if agenda is None:
        return head, message(section(head), t=t)
    counts = " ・ ".join(
        t("meeting.agenda_count", department=escape(name), count=count) for name, count in agenda.open_by_department
    )
    waits = [
        t(
            "meeting.agenda_wait",
            number=w.number,
            title=escape(w.title),
            department=escape(w.department),
            waiting_on=escape(w.waiting_on),
            days=w.business_days,
        )
        for w in agenda.oldest_waiting
    ]
    material = "\n".join(
        [
            t("meeting.agenda_title"),
            t("meeting.agenda_concerning" if agenda.concerning else "meeting.agenda_open", counts=counts),
            t("meeting.agenda_waits") if waits else t("meeting.agenda_no_waits"),
            *waits,
            *req.agenda_lines(t, agenda.requirements),  # a regular meeting's only (reminders/jobs/meeting.py)
        ]
    )
    blocks = message(section(head), section(material), t=t, where="`/issue list`")
    return f"{head}\n{material}", blocks
