"""The project file (`renkei.yml`): its schema, loading and validation with line numbers.

Validation never stops at the first mistake: every problem is collected as a `Problem`
(a catalog code, the line, and parameters), so `renkei check` can list them all and the
bot layer can word them in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
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
    name: str = Field(min_length=1)
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
    questions: list[str] = Field(default_factory=lambda: list(DEFAULT_STANDUP_QUESTIONS), min_length=1)
    extra: dict[str, list[str]] = {}  # department slug -> questions only that department is asked, after the others
    _check_remind = field_validator("remind_after")(lambda cls, v: _duration(v))
    _check_questions = field_validator("questions")(lambda cls, v: _words(v))

    @field_validator("extra")
    @classmethod
    def _check_extra(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {slug: _questions(questions) for slug, questions in value.items()}


class MeetingSpec(_Strict):
    """A regular meeting (定例会議) and how long before it to remind."""

    title: str = Field(min_length=1)
    cron: str
    remind_before: list[str] = ["1d", "15m"]
    _check_cron = field_validator("cron")(lambda cls, v: _cron(v))
    _check_words = field_validator("title")(lambda cls, v: _words(v))

    @field_validator("remind_before")
    @classmethod
    def _check_offsets(cls, values: list[str]) -> list[str]:
        return [_duration(v) for v in values]


def _questions(values: list[str]) -> list[str]:
    for value in values:
        if not str(value).strip() or len(str(value)) > 150:  # Slack: an input block's label is at most 2,000 chars
            raise PydanticCustomError("bad_question", "bad question", {"value": value})
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
    name: str = Field(min_length=1)
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
    department_roles: dict[str, str] = {}  # slug -> what the department does in this project (channel purpose)
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
    closed_days: list[dt.date] = []
    admins: list[str] = []
    departments: list[DepartmentSpec] = Field(min_length=1)
    projects: list[ProjectSpec] = Field(min_length=1)
    # Slack user id -> the name colleagues use (佐藤 花子): for the console and the demo, where no Slack answers.
    people: dict[str, str] = {}

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
        for item in value:
            match = MONTH_DAY_RE.match(item)
            try:
                if match is None:
                    raise ValueError(item)
                dt.date(2024, int(match.group(1)), int(match.group(2)))  # 2024: a leap year admits 02-29
            except ValueError as exc:
                raise PydanticCustomError("bad_month_day", "bad month-day", {"value": item}) from exc
        return value

    _check_admins = field_validator("admins")(lambda cls, v: _users(v))

    @field_validator("people")
    @classmethod
    def _check_people(cls, value: dict[str, str]) -> dict[str, str]:
        _users(list(value))
        for name in value.values():
            if not str(name).strip() or len(str(name)) > 80:
                raise PydanticCustomError("bad_person_name", "bad name", {"value": name})
        return _words(value)

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
    "formula_text",
}


def _pydantic_problems(root: yaml.Node, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = tuple(item["loc"])
        kind = item["type"]
        params: dict[str, Any] = dict(item.get("ctx") or {})
        if kind == "extra_forbidden":
            code, params = "unknown_key", {"key": path[-1]}
        elif kind == "missing":
            code, params = "missing_key", {"key": path[-1]}
        elif kind in CUSTOM_PROBLEMS:
            code = kind
        elif kind == "too_short" and path and path[-1] in {"departments", "projects"}:
            code = "empty_" + str(path[-1]) if len(path) == 1 else "project_without_departments"
        elif kind == "literal_error":
            # pydantic words the choices in English ("'ja' or 'en'"): keep only the values, listed as keys are
            choices = ", ".join(re.findall(r"'([^']*)'", str(item["ctx"].get("expected"))))
            code, params = "bad_choice", {"value": item.get("input"), "choices": choices}
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


def parse_project_file(text: str, *, source: str = "renkei.yml") -> ProjectFile:
    """Validate the text of a project file; raise ProjectFileError listing every problem."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProjectFileError(source, [Problem("yaml_syntax", line, "", {"detail": str(getattr(exc, "problem", exc))})])
    if not isinstance(data, dict):
        raise ProjectFileError(source, [Problem("not_a_mapping", 1, "", {})])
    problems = _reference_problems(root, data) + _channel_problems(root, data)
    try:
        parsed = ProjectFile.model_validate(data)
    except ValidationError as exc:
        problems = _pydantic_problems(root, exc) + problems
        parsed = None
    if problems:
        raise ProjectFileError(source, sorted(problems, key=lambda p: (p.line or 0, p.path)))
    assert parsed is not None
    return parsed


def load_project_file(path: str | Path) -> ProjectFile:
    """Read and validate a project file from disk."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectFileError(str(path), [Problem("file_missing", None, "", {"file": str(path)})]) from None
    return parse_project_file(text, source=str(path))
