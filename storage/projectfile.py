"""The project file (`renkei.yml`): its schema, loading and validation with line numbers.

Validation never stops at the first mistake: every problem is collected as a `Problem`
(a catalog code, the line, and parameters), so `renkei check` can list them all and the
bot layer can word them in the user's language.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import stat
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
DURATION_RE = re.compile(r"^(\d{1,4})([mhd])$")
MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
# crontab counts weekdays from Sunday = 0 (7 too); APScheduler from Monday = 0: names are unambiguous.
CRON_WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEFAULT_STANDUP_QUESTIONS = ["yesterday", "today", "blockers"]
# the same three, worded for the week, once the project is in operation (運用: a weekly stand-up)
WEEKLY_STANDUP_QUESTIONS = ["last_week", "this_week", "blockers"]
# The rollout's questionnaires: a code is worded by the catalog (`hearing.question.<code>`, `retro.question.<code>`);
# any other text in renkei.yml is asked as written.
DEFAULT_HEARING_QUESTIONS = ["problems", "solve", "worries", "people", "residents"]
DEFAULT_RETROSPECTIVE_QUESTIONS = ["better", "hurts"]
QUESTIONS_LIMIT = 10  # a form shows one text box per question; Slack allows 100 blocks, people tire sooner
# Slack's rule for a channel name (conversations.create): at most 80 lower-case letters, digits, hyphens and
# underscores, not punctuation alone (invalid_name_punctuation). `<project>-<department>` of two 40-character
# slugs would be 81, and `leads_channel` is free text: `_channel_problems` checks both.
CHANNEL_NAME_LIMIT = 80
CHANNEL_NAME_RE = re.compile(r"^[a-z0-9_-]*[a-z0-9][a-z0-9_-]*$")
QUESTION_LENGTH = 150  # a question is a form field's label: Slack allows 2,000 characters (INPUT_LABEL), people read less
# A form keeps what its submission needs in `private_metadata`: Slack allows 3,000 characters (views.open refuses
# more, and no form opens). The stand-up and 振り返り forms keep their questions there (standup_metadata,
# retro_metadata), so `_form_problems` measures them as Slack will see them, with the largest ids.
PRIVATE_METADATA_LIMIT = 3000
LARGEST_ID = 2**31 - 1  # a row id (PostgreSQL's integer)
LARGEST_CHANNEL_ID = "C" + "Z" * 20  # Slack's ids are 9 to 11 characters today; room for twice as many
# Reading renkei.yml: refused with a sentence before it is parsed further (read_project_text, _yaml_limits).
FILE_LIMIT = 1_000_000  # bytes: a city's file is a few kilobytes
DEPTH_LIMIT = 20  # nested mappings and lists; the schema itself needs 5
NODE_LIMIT = 50_000  # values, counted as aliases (*name) expand them: no "billion laughs"
CLOSED_DAYS_LIMIT = 1000  # years of extra closed days
CLOSURE_DAYS_LIMIT = 31  # the year-end closure, first to last day: more would leave no business day to move to
REMINDERS_LIMIT = 10  # a meeting's reminders from renkei.yml, kept as one text of at most 100 characters
# The database's column sizes (storage/models.py) for what renkei.yml names: longer would fail when it is applied.
DEPARTMENT_NAME_LENGTH = 100
PROJECT_NAME_LENGTH = 200
ROLE_TEXT_LENGTH = 200
MEETING_TITLE_LENGTH = 200
PERSON_NAME_LENGTH = 80


def standup_metadata(project_id: int | None, channel_id: str | None, questions: list[str]) -> str:
    """The stand-up form's `private_metadata` (commands/standup.py `modal`): Japanese as itself, not as 6-character
    escapes."""
    return json.dumps({"project_id": project_id, "channel_id": channel_id, "questions": questions}, ensure_ascii=False)


def retro_metadata(
    project_id: int | None, department_id: int | None, month: str, questions: list[str], channel_id: str | None
) -> str:
    """The 振り返り form's `private_metadata` (commands/retro.py `modal`)."""
    metadata = {
        "project_id": project_id,
        "department_id": department_id,
        "month": month,
        "questions": questions,
        "channel_id": channel_id,
    }
    return json.dumps(metadata, ensure_ascii=False)


@dataclass(frozen=True)
class Problem:
    """One mistake in the project file: a catalog code, where it is, and what to show."""

    code: str
    line: int | None
    path: str
    params: dict[str, Any] = field(default_factory=dict)


class ProjectFileError(Exception):
    """The project file cannot be used; `problems` lists every reason."""

    def __init__(self, path: str, problems: list[Problem]):
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path = path
        self.problems = problems


def parse_duration(text: str) -> dt.timedelta:
    """Turn `15m`, `3h` or `1d` into a timedelta; raise ValueError otherwise."""
    match = DURATION_RE.match(str(text).strip())
    if not match:
        raise ValueError(text)
    amount, unit = int(match.group(1)), match.group(2)
    return {"m": dt.timedelta(minutes=amount), "h": dt.timedelta(hours=amount), "d": dt.timedelta(days=amount)}[unit]


def crontab_to_apscheduler(expr: str) -> str:
    """Rewrite numeric weekdays of a 5-field crontab into names, so `1-5` keeps meaning Mon–Fri."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(expr)
    fields[4] = re.sub(r"(?<![\w/])([0-7])(?![\w])", lambda m: CRON_WEEKDAYS[int(m.group(1))], fields[4])
    return " ".join(fields)


def parse_cron(expr: str, timezone: str = "Asia/Tokyo") -> CronTrigger:
    """Build an APScheduler trigger from a standard 5-field crontab string."""
    return CronTrigger.from_crontab(crontab_to_apscheduler(expr), timezone=ZoneInfo(timezone))


def _cron(value: str) -> str:
    try:
        parse_cron(value)
    except (ValueError, TypeError, KeyError) as exc:
        raise PydanticCustomError("bad_cron", "bad cron", {"value": value}) from exc
    return value


def _duration(value: str) -> str:
    try:
        parse_duration(value)
    except ValueError as exc:
        raise PydanticCustomError("bad_duration", "bad duration", {"value": value}) from exc
    return value


def _users(values: list[str]) -> list[str]:
    for value in values:
        if not USER_RE.match(value):
            raise PydanticCustomError("bad_user", "bad user", {"value": value})
    return values


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise PydanticCustomError("bad_slug", "bad slug", {"value": value})
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        """Every text of renkei.yml cleaned as user input is (commands.text.clean): no NUL, nothing XML refuses."""
        from storage.privacy import clean

        if isinstance(value, str):
            return clean(value)
        if isinstance(value, list):
            return [clean(v) if isinstance(v, str) else v for v in value]
        if isinstance(value, dict):
            return {k: clean(v) if isinstance(v, str) else v for k, v in value.items()}
        return value


def _words(value: Any) -> Any:
    """Words people read, in the workbook too (names, titles, questions, purposes): none may start like a spreadsheet
    formula (`=`, `+`, `-`, `@`, a tab), which Excel would run when the cell is edited."""
    from storage.privacy import FORMULA_STARTS

    for text in value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]:
        if isinstance(text, str) and text.startswith(FORMULA_STARTS):
            raise PydanticCustomError("formula_text", "formula text", {"value": text})
    return value


class DepartmentSpec(_Strict):
    """A department (課) of the municipality and its liaisons."""

    slug: str
    name: str = Field(min_length=1, max_length=DEPARTMENT_NAME_LENGTH)
    liaisons: list[str] = []
    role: Literal["it"] | None = None

    _check_slug = field_validator("slug")(lambda cls, v: _slug(v))
    _check_users = field_validator("liaisons")(lambda cls, v: _users(v))
    _check_words = field_validator("name")(lambda cls, v: _words(v))


class Schedule(_Strict):
    """A cron schedule for a job (digest, report)."""

    cron: str
    _check_cron = field_validator("cron")(lambda cls, v: _cron(v))


DATE_STYLES = ("wareki", "seireki", "both")  # report.dates: 令和8年11月26日, 2026年11月26日, or both


class ReportSpec(_Strict):
    """The Excel progress report: when the monthly one goes to the managers, and how its dates are written.

    Without `cron` no monthly report is sent; `dates` still applies to `/report` and `renkei export`.
    """

    cron: str | None = None
    dates: Literal["wareki", "seireki", "both"] = "both"
    _check_cron = field_validator("cron")(lambda cls, v: v if v is None else _cron(v))


class StandupSpec(Schedule):
    """When stand-up prompts go out, when to remind, and what to ask."""

    remind_after: str = "3h"
    questions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STANDUP_QUESTIONS), min_length=1, max_length=QUESTIONS_LIMIT
    )
    # department slug -> questions only that department is asked, after the others
    extra: dict[str, Annotated[list[str], Field(max_length=QUESTIONS_LIMIT), AfterValidator(lambda v: _questions(v))]] = {}
    _check_remind = field_validator("remind_after")(lambda cls, v: _duration(v))
    _check_questions = field_validator("questions")(lambda cls, v: _questions(v))


class MeetingSpec(_Strict):
    """A regular meeting (定例会議) and how long before it to remind."""

    title: str = Field(min_length=1, max_length=MEETING_TITLE_LENGTH)
    cron: str
    remind_before: list[str] = Field(default=["1d", "15m"], max_length=REMINDERS_LIMIT)
    _check_cron = field_validator("cron")(lambda cls, v: _cron(v))
    _check_words = field_validator("title")(lambda cls, v: _words(v))

    @field_validator("remind_before")
    @classmethod
    def _check_offsets(cls, values: list[str]) -> list[str]:
        return [_duration(v) for v in values]


def _person_name(name: str) -> str:
    if not name.strip() or len(name) > PERSON_NAME_LENGTH:
        raise PydanticCustomError("bad_person_name", "bad name", {"value": name, "limit": PERSON_NAME_LENGTH})
    return _words(name)


def _questions(values: list[str]) -> list[str]:
    for value in values:
        if not str(value).strip() or len(str(value)) > QUESTION_LENGTH:
            raise PydanticCustomError("bad_question", "bad question", {"value": value, "limit": QUESTION_LENGTH})
    return _words(values)


class HearingSpec(_Strict):
    """The hearing questionnaire (ヒアリング) and when departments that have not answered are reminded."""

    questions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_HEARING_QUESTIONS), min_length=1, max_length=QUESTIONS_LIMIT
    )
    remind: str = "0 10 * * mon,thu"  # twice a week, moved past closed days; only while a department owes answers
    # A hearing started without `締切:` is due this many business days after its start day (the municipality's
    # calendar: closed days and holidays skipped); null: no deadline unless one is typed.
    deadline_business_days: int | None = Field(default=5, ge=1, le=60)
    _check_cron = field_validator("remind")(lambda cls, v: _cron(v))
    _check_questions = field_validator("questions")(lambda cls, v: _questions(v))


class UatSpec(_Strict):
    """Design reviews and acceptance tests (/uat): how long before a session to remind, by the meetings' rules."""

    remind_before: list[str] = ["1d", "15m"]

    @field_validator("remind_before")
    @classmethod
    def _check_offsets(cls, values: list[str]) -> list[str]:
        return [_duration(v) for v in values]


class OperationSpec(_Strict):
    """Life after launch (phase `operate`, 運用): the stand-up rhythm and the monthly 振り返り.

    `standup` replaces `standup.cron` once the project is in operation (weekly rather than daily); `null` ends the
    stand-ups. `retrospective` is when each department is asked its 振り返り, moved to the next business day.
    """

    standup: str | None = "30 9 * * mon"
    retrospective: str = "0 10 1 * *"
    questions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RETROSPECTIVE_QUESTIONS), min_length=1, max_length=QUESTIONS_LIMIT
    )
    _check_crons = field_validator("standup", "retrospective")(lambda cls, v: v if v is None else _cron(v))
    _check_questions = field_validator("questions")(lambda cls, v: _questions(v))


class EscalationSpec(_Strict):
    """Business days an issue may wait before its department, then the leads, are told."""

    nudge_after: int = Field(default=3, ge=1, le=60)
    leads_after: int = Field(default=7, ge=1, le=120)


class ProjectSpec(_Strict):
    """A GovTech project that crosses departments."""

    slug: str
    name: str = Field(min_length=1, max_length=PROJECT_NAME_LENGTH)
    purpose: str = ""
    departments: list[str] = Field(min_length=1)
    leads: list[str] = []
    managers: list[str] = []
    leads_channel: str | None = None
    standup: StandupSpec | None = None
    digest: Schedule | None = None
    report: ReportSpec | None = None
    meetings: list[MeetingSpec] = []
    escalation: EscalationSpec = EscalationSpec()
    hearing: HearingSpec = HearingSpec()
    uat: UatSpec = UatSpec()
    operation: OperationSpec = OperationSpec()
    # slug -> what the department does in this project (channel purpose)
    department_roles: dict[str, Annotated[str, Field(max_length=ROLE_TEXT_LENGTH)]] = {}
    start: dt.date | None = None  # the first day stand-ups are expected (default: the first prompt sent)

    _check_slug = field_validator("slug")(lambda cls, v: _slug(v))
    _check_users = field_validator("leads", "managers")(lambda cls, v: _users(v))
    _check_words = field_validator("name", "purpose", "department_roles")(lambda cls, v: _words(v))

    @property
    def leads_channel_name(self) -> str:
        """The leads channel's name: configured, or `<project>-leads`."""
        return self.leads_channel or f"{self.slug}-leads"

    @property
    def report_dates(self) -> str:
        """How the Excel report writes dates: `report.dates`, else both eras (令和8年11月26日 and 2026/11/26)."""
        return self.report.dates if self.report else "both"

    def channel_name(self, department_slug: str) -> str:
        """The channel of one department in this project: `<project>-<department>`."""
        return f"{self.slug}-{department_slug}"


class ProjectFile(_Strict):
    """The whole `renkei.yml`."""

    timezone: str = "Asia/Tokyo"
    language: Literal["ja", "en"] = "ja"
    year_end_closure: tuple[str, str] = ("12-29", "01-03")
    closed_days: list[dt.date] = Field(default=[], max_length=CLOSED_DAYS_LIMIT)
    admins: list[str] = []
    departments: list[DepartmentSpec] = Field(min_length=1)
    projects: list[ProjectSpec] = Field(min_length=1)
    # Slack user id -> the name colleagues use (佐藤 花子): for the console and the demo, where no Slack answers.
    # Each checked on its own, so a problem is named at its person's line.
    people: dict[Annotated[str, AfterValidator(lambda v: _users([v])[0])], Annotated[str, AfterValidator(_person_name)]] = {}

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PydanticCustomError("bad_timezone", "bad timezone", {"value": value}) from exc
        return value

    @field_validator("year_end_closure")
    @classmethod
    def _check_closure(cls, value: tuple[str, str]) -> tuple[str, str]:
        days = []
        for item in value:
            match = MONTH_DAY_RE.match(item)
            try:
                if match is None:
                    raise ValueError(item)
                days.append(dt.date(2024, int(match.group(1)), int(match.group(2))))  # 2024: a leap year admits 02-29
            except ValueError as exc:
                raise PydanticCustomError("bad_month_day", "bad month-day", {"value": item}) from exc
        length = (days[1] - days[0]).days % 366 + 1  # first to last day, across the new year
        if length > CLOSURE_DAYS_LIMIT:
            params = {"first": value[0], "last": value[1], "days": length, "limit": CLOSURE_DAYS_LIMIT}
            raise PydanticCustomError("closure_too_long", "closure too long", params)
        return value

    _check_admins = field_validator("admins")(lambda cls, v: _users(v))

    def department(self, slug: str) -> DepartmentSpec | None:
        """The department with this slug, if any."""
        return next((d for d in self.departments if d.slug == slug), None)

    def project(self, slug: str) -> ProjectSpec | None:
        """The project with this slug, if any."""
        return next((p for p in self.projects if p.slug == slug), None)


# --- loading --------------------------------------------------------------------------


def _line_of(root: yaml.Node | None, path: tuple[Any, ...]) -> int | None:
    """The 1-based line of the node at `path` (or of its nearest existing parent)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step), None)
            if found is None:
                break
            node, line = found[1], found[0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


# the validators' own problems, each worded by the catalog's `config.<code>`
CUSTOM_PROBLEMS = {
    "bad_cron",
    "bad_duration",
    "bad_user",
    "bad_slug",
    "bad_timezone",
    "bad_month_day",
    "bad_person_name",
    "bad_question",
    "closure_too_long",
    "formula_text",
}
# pydantic's own error types, worded by the catalog rather than in pydantic's English
TYPE_PROBLEMS = {
    "string_type": "not_text",
    "list_type": "not_list",
    "tuple_type": "not_list",
    "dict_type": "not_mapping",
    "model_type": "not_mapping",
    "model_attributes_type": "not_mapping",
    "int_type": "not_integer",
    "int_parsing": "not_integer",
    "int_from_float": "not_integer",
    "date_type": "not_date",
    "date_parsing": "not_date",
    "date_from_datetime_parsing": "not_date",
    "date_from_datetime_inexact": "not_date",
    "string_too_short": "empty_text",
}


def _unwrap(annotation: Any) -> Any:
    """`X | None` as X; an Annotated type as its type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation


def known_keys(path: tuple[Any, ...]) -> list[str]:
    """The keys renkei.yml may hold in the mapping at `path` (`("projects", 0)`: a project's), none for a mapping of
    free keys (`people`, `standup.extra`) or a path the schema does not have."""
    annotation: Any = ProjectFile
    for step in path:
        annotation = _unwrap(annotation)
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(step, str):
            if step not in annotation.model_fields:
                return []
            annotation = annotation.model_fields[step].annotation
        elif origin in (list, tuple) and isinstance(step, int) and args:
            annotation = args[0]
        elif origin is dict and args:
            annotation = args[1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unknown_key(path: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """An unknown key, with the known key it most likely means (`leads_chanel`: `leads_channel`), else the keys
    that may stand there."""
    name, known = str(path[-1]), known_keys(path[:-1])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) or difflib.get_close_matches(
        name.lower().replace("-", "_"), known, n=1, cutoff=0.6
    )
    if close:
        return "unknown_key_close", {"key": name, "close": close[0]}
    return "unknown_key", {"key": name, "known": ", ".join(known)}


def _pydantic_problems(root: yaml.Node, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = tuple(step for step in item["loc"] if step != "[key]")  # a mapping's key: named by the entry's path
        kind = item["type"]
        ctx: dict[str, Any] = dict(item.get("ctx") or {})
        params: dict[str, Any] = ctx
        value = item.get("input")
        if kind == "extra_forbidden":
            code, params = _unknown_key(path)
        elif kind == "missing" and path and isinstance(path[-1], int):
            code, params = "too_few", {"count": path[-1], "limit": path[-1] + 1}  # a pair with one day only
        elif kind == "missing":
            code, params = "missing_key", {"key": path[-1]}
        elif kind in CUSTOM_PROBLEMS:
            code = kind
        elif kind == "too_short" and path and path[-1] in {"departments", "projects"}:
            code, params = "empty_" + str(path[-1]) if len(path) == 1 else "project_without_departments", {}
        elif kind == "too_short":
            code, params = "too_few", {"count": ctx.get("actual_length"), "limit": ctx.get("min_length")}
        elif kind == "too_long":
            code, params = "too_many", {"count": ctx.get("actual_length"), "limit": ctx.get("max_length")}
        elif kind == "string_too_long":
            code, params = "text_too_long", {"length": len(str(value)), "limit": ctx.get("max_length")}
        elif kind == "greater_than_equal":
            code, params = "too_small", {"value": value, "limit": ctx.get("ge")}
        elif kind == "less_than_equal":
            code, params = "too_big", {"value": value, "limit": ctx.get("le")}
        elif kind in TYPE_PROBLEMS:
            code, params = TYPE_PROBLEMS[kind], {"value": value if isinstance(value, (str, int, float)) else ""}
        elif kind == "literal_error":
            # pydantic words the choices in English ("'ja' or 'en'"): keep only the values, listed as keys are
            choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected"))))
            code, params = "bad_choice", {"value": value, "choices": choices}
        else:
            code, params = "bad_value", {"detail": item["msg"]}
        problems.append(Problem(code, _line_of(root, path), _dotted(path), params))
    return problems


def _reference_problems(root: yaml.Node, data: dict[str, Any]) -> list[Problem]:
    """Duplicates and unknown slugs: rules that cross entries, checked on the raw data."""
    problems: list[Problem] = []
    known: set[str] = set()
    for section in ("departments", "projects"):
        seen: set[str] = set()
        for i, entry in enumerate(data.get(section) or []):
            slug = entry.get("slug") if isinstance(entry, dict) else None
            if not isinstance(slug, str):
                continue
            if slug in seen:
                path: tuple[Any, ...] = (section, i, "slug")
                problems.append(Problem("duplicate_slug", _line_of(root, path), _dotted(path), {"slug": slug}))
            seen.add(slug)
        if section == "departments":
            known = seen
    for i, project in enumerate(data.get("projects") or []):
        if not isinstance(project, dict):
            continue
        listed = project.get("departments") or []
        for j, slug in enumerate(listed if isinstance(listed, list) else []):
            path = ("projects", i, "departments", j)
            if slug not in known:
                params = {"slug": slug, "known": ", ".join(sorted(known))}
                problems.append(Problem("unknown_department", _line_of(root, path), _dotted(path), params))
            elif listed.index(slug) != j:
                problems.append(Problem("duplicate_slug", _line_of(root, path), _dotted(path), {"slug": slug}))
        roles = project.get("department_roles") or {}
        for slug in roles if isinstance(roles, dict) else []:
            if slug not in listed:
                path = ("projects", i, "department_roles", slug)
                params = {"slug": slug, "known": ", ".join(str(s) for s in listed)}
                problems.append(Problem("role_for_absent_department", _line_of(root, path), _dotted(path), params))
        standup = project.get("standup") or {}
        extra = standup.get("extra") if isinstance(standup, dict) else None
        for slug in extra if isinstance(extra, dict) else []:
            if slug not in listed:
                path = ("projects", i, "standup", "extra", slug)
                params = {"slug": slug, "known": ", ".join(str(s) for s in listed)}
                problems.append(Problem("extra_for_absent_department", _line_of(root, path), _dotted(path), params))
    return problems


def _channel_problems(root: yaml.Node, data: dict[str, Any]) -> list[Problem]:
    """The channel names sync will ask Slack for: within Slack's rule, and no two channels with one name.

    Each `<project>-<department>` is reported at its `departments` entry, the leads channel at `leads_channel`.
    Slugs that break SLUG_RE are left to `bad_slug`; projects may share one leads channel.
    """
    problems: list[Problem] = []
    taken: dict[str, tuple[str, tuple[Any, ...]]] = {}  # name -> (what it is, where it was first named)
    path: tuple[Any, ...]

    def claim(name: str, what: str, path: tuple[Any, ...]) -> None:
        first = taken.setdefault(name, (what, path))
        if first[0] != what:
            params = {"name": name, "other": _dotted(first[1])}
            problems.append(Problem("channel_name_taken", _line_of(root, path), _dotted(path), params))

    for i, project in enumerate(data.get("projects") or []):
        slug = project.get("slug") if isinstance(project, dict) else None
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            continue
        listed = project.get("departments") or []
        for j, department in enumerate(listed if isinstance(listed, list) else []):
            if not isinstance(department, str) or not SLUG_RE.match(department) or listed.index(department) != j:
                continue
            name, path = f"{slug}-{department}", ("projects", i, "departments", j)
            if len(name) > CHANNEL_NAME_LIMIT:
                params = {"name": name, "length": len(name), "limit": CHANNEL_NAME_LIMIT}
                problems.append(Problem("channel_name_too_long", _line_of(root, path), _dotted(path), params))
            claim(name, f"department:{slug}:{department}", path)
        leads = project.get("leads_channel")
        if leads is not None and not isinstance(leads, str):
            continue  # not text: pydantic reports it
        name, path = leads or f"{slug}-leads", ("projects", i, "leads_channel" if leads else "slug")
        if not CHANNEL_NAME_RE.match(name):
            problems.append(Problem("bad_channel_name", _line_of(root, path), _dotted(path), {"name": name}))
        elif len(name) > CHANNEL_NAME_LIMIT:
            params = {"name": name, "length": len(name), "limit": CHANNEL_NAME_LIMIT}
            problems.append(Problem("leads_channel_too_long", _line_of(root, path), _dotted(path), params))
        else:
            claim(name, "leads", path)
    return problems


def _form_problems(root: yaml.Node, parsed: ProjectFile) -> list[Problem]:
    """The forms renkei.yml's questions make, as Slack will get them: each department's stand-up form (the project's
    questions and the department's `standup.extra`) and the 振り返り form keep their questions in `private_metadata`,
    which Slack caps at PRIVATE_METADATA_LIMIT characters; measured with the largest ids a form can carry."""
    problems: list[Problem] = []
    limit = PRIVATE_METADATA_LIMIT
    params: dict[str, Any]
    for i, project in enumerate(parsed.projects):
        base = list(project.standup.questions) if project.standup else []
        extra = project.standup.extra if project.standup else {}
        length = len(standup_metadata(LARGEST_ID, LARGEST_CHANNEL_ID, base))
        path: tuple[Any, ...] = ("projects", i, "standup", "questions")
        if length > limit:
            params = {"length": length, "limit": limit}
            problems.append(Problem("standup_form_too_large", _line_of(root, path), _dotted(path), params))
        else:
            for slug, questions in extra.items():
                form = base + [q for q in questions if q not in base]  # as commands/standup.py `questions_of` asks
                length = len(standup_metadata(LARGEST_ID, LARGEST_CHANNEL_ID, form))
                if length > limit:
                    path = ("projects", i, "standup", "extra", slug)
                    params = {"department": slug, "length": length, "limit": limit}
                    problems.append(Problem("standup_extra_too_large", _line_of(root, path), _dotted(path), params))
        questions = list(project.operation.questions)
        length = len(retro_metadata(LARGEST_ID, LARGEST_ID, "9999-12", questions, LARGEST_CHANNEL_ID))
        if length > limit:
            path = ("projects", i, "operation", "questions")
            params = {"length": length, "limit": limit}
            problems.append(Problem("retro_form_too_large", _line_of(root, path), _dotted(path), params))
    return problems


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    """A key written twice in one mapping: YAML keeps the last silently, so the first is lost without a word."""
    problems: list[Problem] = []
    seen: set[int] = set()
    todo: list[tuple[yaml.Node, tuple[Any, ...]]] = [(root, ())]
    while todo:
        node, path = todo.pop()
        if id(node) in seen:  # an alias: its node was looked at where it was written
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else None
                if name is not None and name in first:
                    params = {"key": name, "first": first[name]}
                    problems.append(Problem("duplicate_key", key.start_mark.line + 1, _dotted((*path, name)), params))
                elif name is not None:
                    first[name] = key.start_mark.line + 1
                todo.append((value, (*path, name if name is not None else "?")))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend((child, (*path, n)) for n, child in enumerate(node.value))
    return problems


LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # LibYAML when PyYAML was built with it: faster


class _Sizes:
    """What `_yaml_limits` keeps while the events go by: per open mapping or list, the values inside it (aliases
    expanded), its height and its anchor; per finished anchor, its values and height."""

    def __init__(self) -> None:
        self.open: list[list[Any]] = []
        self.anchors: dict[str, tuple[int, int]] = {}

    def start(self, event: Any, line: int) -> Problem | None:
        if len(self.open) + 1 > DEPTH_LIMIT:
            return Problem("too_deep", line, "", {"limit": DEPTH_LIMIT})
        self.open.append([1, 1, event.anchor])
        return None

    def end(self, line: int) -> Problem | None:
        count, height, anchor = self.open.pop()
        if anchor is not None:
            self.anchors[anchor] = (count, height)
        return self.add(count, height, line)

    def scalar(self, event: Any, line: int) -> Problem | None:
        if event.anchor is not None:
            self.anchors[event.anchor] = (1, 0)
        return self.add(1, 0, line)

    def alias(self, event: Any, line: int) -> Problem | None:
        if event.anchor not in self.anchors:  # still open: the node would hold itself (else the composer names it)
            inside = any(entry[2] == event.anchor for entry in self.open)
            return Problem("alias_loop", line, "", {"anchor": event.anchor}) if inside else None
        count, height = self.anchors[event.anchor]
        if len(self.open) + height > DEPTH_LIMIT:
            return Problem("too_deep", line, "", {"limit": DEPTH_LIMIT})
        return self.add(count, height, line)

    def add(self, count: int, height: int, line: int) -> Problem | None:
        if self.open:
            self.open[-1][0] += count
            self.open[-1][1] = max(self.open[-1][1], height + 1)
            if self.open[-1][0] > NODE_LIMIT:
                return Problem("too_many_values", line, "", {"limit": NODE_LIMIT})
        return None


def _yaml_limits(text: str) -> Problem | None:
    """Walk the parser's events once, before anything is built: nesting deeper than DEPTH_LIMIT, or more than
    NODE_LIMIT values once every alias is expanded (an alias inside the node it names never ends), is refused at
    the line where the limit is passed. Nothing is kept but a count per open mapping or list."""
    loader = LOADER(text)
    sizes = _Sizes()
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                problem = sizes.start(event, line)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                problem = sizes.end(line)
            elif isinstance(event, yaml.ScalarEvent):
                problem = sizes.scalar(event, line)
            elif isinstance(event, yaml.AliasEvent):
                problem = sizes.alias(event, line)
            else:
                problem = None
            if problem is not None:
                return problem
    except yaml.YAMLError as exc:  # LibYAML's own bound on nesting, met while it reads ahead (`[[[[…`)
        if "nesting depth" not in str(getattr(exc, "problem", "")):
            raise
        mark = getattr(exc, "problem_mark", None)
        return Problem("too_deep", mark.line + 1 if mark is not None else None, "", {"limit": DEPTH_LIMIT})
    finally:
        loader.dispose()
    return None


def _yaml_problem(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    return Problem("yaml_syntax", line, "", {"detail": str(getattr(exc, "problem", None) or exc)})


def _bad_timestamp(root: yaml.Node) -> Problem:
    """The value YAML reads as a date but no calendar has (`2026-02-30`): PyYAML says only `day is out of range`."""
    loader = yaml.SafeLoader("")
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
            try:
                loader.construct_yaml_timestamp(node)
            except ValueError:
                return Problem("not_date", node.start_mark.line + 1, "", {"value": node.value})
        elif isinstance(node, yaml.MappingNode):
            todo.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    return Problem("not_date", None, "", {"value": ""})


def read_yaml(text: str, *, source: str = "renkei.yml") -> tuple[yaml.Node | None, Any]:
    """The YAML of a project file, its node tree (for lines) and its data, within the limits (`_yaml_limits`);
    raise ProjectFileError with the reason otherwise."""
    try:
        problem = _yaml_limits(text)
        if problem is not None:
            raise ProjectFileError(source, [problem])
        loader = LOADER(text)
        try:
            root = loader.get_single_node()
            try:
                data = loader.construct_document(root) if root is not None else None
            except ValueError:  # a date no calendar has
                assert root is not None
                raise ProjectFileError(source, [_bad_timestamp(root)]) from None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ProjectFileError(source, [_yaml_problem(exc)]) from None
    return root, data


def parse_project_file(text: str, *, source: str = "renkei.yml") -> ProjectFile:
    """Validate the text of a project file; raise ProjectFileError listing every problem."""
    root, data = read_yaml(text, source=source)
    if root is None or not isinstance(data, dict):
        raise ProjectFileError(source, [Problem("not_a_mapping", 1, "", {})])
    problems = _duplicate_keys(root) + _reference_problems(root, data) + _channel_problems(root, data)
    try:
        parsed = ProjectFile.model_validate(data)
    except ValidationError as exc:
        problems = _pydantic_problems(root, exc) + problems
        parsed = None
    if parsed is not None:
        problems += _form_problems(root, parsed)
    if problems:
        raise ProjectFileError(source, sorted(problems, key=lambda p: (p.line or 0, p.path)))
    assert parsed is not None
    return parsed


def read_project_text(path: str | Path) -> str:
    """The text of a project file: a regular file of at most FILE_LIMIT bytes in UTF-8, its size looked at before a
    byte is read (and no more than the limit read, should it grow meanwhile); raise ProjectFileError otherwise."""
    path = Path(path)
    source = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ProjectFileError(source, [Problem("not_a_file", None, "", {"file": source})])
        if info.st_size > FILE_LIMIT:
            raise ProjectFileError(source, [Problem("file_too_large", None, "", {"size": info.st_size, "limit": FILE_LIMIT})])
        with path.open("rb") as handle:
            raw = handle.read(FILE_LIMIT + 1)
    except FileNotFoundError:
        raise ProjectFileError(source, [Problem("file_missing", None, "", {"file": source})]) from None
    except OSError as exc:  # a folder on the way that is a file, no permission …
        params = {"file": source, "detail": exc.strerror or type(exc).__name__}
        raise ProjectFileError(source, [Problem("file_unreadable", None, "", params)]) from None
    if len(raw) > FILE_LIMIT:
        raise ProjectFileError(source, [Problem("file_too_large", None, "", {"size": len(raw), "limit": FILE_LIMIT})])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProjectFileError(source, [Problem("not_utf8", line, "", {})]) from None


def load_project_file(path: str | Path) -> ProjectFile:
    """Read and validate a project file from disk."""
    return parse_project_file(read_project_text(path), source=str(path))


def declared_language(path: str | Path) -> str | None:
    """`language:` of a project file, read within the same limits; None when the file cannot be read (`renkei
    check` explains why) or says nothing."""
    try:
        _, data = read_yaml(read_project_text(path))
    except ProjectFileError:
        return None
    language = data.get("language") if isinstance(data, dict) else None
    return language if isinstance(language, str) else None
