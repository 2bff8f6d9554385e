"""The Excel progress report: streamed (write-only) sheets managers can open, print and take to a meeting."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

import sqlalchemy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func
from sqlmodel import Session, col, select

from commands.durations import BEFORE, durations_text
from storage.directory import department_names, project_departments
from storage.enums import EventKind
from storage.ids import id_of
from storage.models import Issue, IssueEvent, Meeting, Project, StandupAnswer, Win
from storage.privacy import strip_xml_invalid
from storage.summary import ProjectSummary, period_bounds

Translate = Callable[..., str]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
BATCH = 2000
HEADER_FOOTER_LIMIT = 255  # characters of a page header or footer, codes included (Excel's limit)


def display_width(value: Any) -> int:
    """Columns a value needs: Japanese (wide) characters count two."""
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fitted_widths(header: list[str], rows: Iterable[list[Any]], *, minimum: int = 6, maximum: int = 60) -> list[float]:
    """Column widths that fit the header and the sample rows, Japanese text included."""
    widths = [display_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))
    return [float(min(max(w + 2, minimum), maximum)) for w in widths]


def cell(ws: Worksheet, value: Any) -> Any:
    """A value ready to append: text never becomes a formula, times get a date format, the rest stays as is.

    Plain values are returned unchanged (the cheap path for a million rows); only text that
    starts like a formula and date-times need a cell of their own.
    """
    if isinstance(value, str):
        value = strip_xml_invalid(value)  # NUL, other controls, U+FFFE, lone surrogates: no XML may hold them
        if not value.startswith(FORMULA_STARTS):
            return value
        out = WriteOnlyCell(ws, value=value)
        out.data_type = "s"  # stored as text even though it starts with '=' …
        out.quotePrefix = True  # … and Excel keeps it text when the cell is edited
        return out
    if isinstance(value, dt.datetime):
        out = WriteOnlyCell(ws, value=value)
        out.number_format = DATETIME_FORMAT
        return out
    return value  # numbers; dates get openpyxl's yyyy-mm-dd


def header_cells(ws: Worksheet, header: list[str]) -> list[WriteOnlyCell]:
    """The styled header row."""
    cells = []
    for title in header:
        out = WriteOnlyCell(ws, value=title)
        out.font, out.fill = HEADER_FONT, HEADER_FILL
        out.alignment = Alignment(vertical="center", wrap_text=True)
        cells.append(out)
    return cells


def header_text(text: str, limit: int = HEADER_FOOTER_LIMIT - len("&C")) -> str:
    """Text printed as it is in a page header or footer.

    There a lone `&` starts a code (&P page, &D date, &10 a font size, &B bold …), so a project named `A&B` or
    `第2期&10課` would print wrong: each `&` is doubled (Excel's literal ampersand). The result is cut, with `…`,
    never between the two `&` of a pair, to `limit` characters: Excel repairs a file whose header or footer
    (with its `&C`) passes 255.
    """
    escaped = text.replace("&", "&&")
    if len(escaped) <= limit:
        return escaped
    out, used = [], 0
    for char in text:
        piece = "&&" if char == "&" else char
        if used + len(piece) > limit - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + "…"


def start_sheet(wb: Workbook, title: str, header: list[str], widths: list[float], print_title: str) -> Worksheet:
    """A write-only sheet set up before its first row: widths, frozen header, A4 landscape fit to width."""
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.oddHeader.center.text = header_text(print_title)  # the project's name: text, never codes
    ws.oddFooter.center.text = "&P / &N"  # codes: page / pages
    ws.append(header_cells(ws, header))
    return ws


def finish_sheet(ws: Worksheet, columns: int, rows: int) -> None:
    """Autofilter over the header and every data row."""
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(rows, 1) + 1}"


def local(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    """Naive local time for Excel (openpyxl refuses aware datetimes)."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment is not None else None


@dataclass(frozen=True)
class ReportOptions:
    """What a report covers and how it is written."""

    start: dt.date
    end: dt.date
    timezone: str
    detail: bool = False  # one row per stand-up answer (a year of a large city: a million rows)


def write_report(
    path: str | Path,
    *,
    session: Session,
    project: Project,
    summary: ProjectSummary,
    trend: list[tuple[dt.date, int]],
    options: ReportOptions,
    t: Translate,
    business_days: Callable[[dt.date, dt.date], int],
    business_day_list: list[dt.date],
) -> Path:
    """Write the workbook (概要, 課題, 成功事例, スタンドアップ, 会議 [, スタンドアップ詳細]) in write-only mode."""
    path = Path(path)
    zone = ZoneInfo(options.timezone)
    title = t("report.print_title", project=project.name, start=options.start.isoformat(), end=options.end.isoformat())
    wb = Workbook(write_only=True)
    wb.properties.title = title
    wb.properties.creator = "Renkei"
    _overview(wb, summary, trend, t, title)
    _issues(wb, session, project, options, zone, t, title, business_days)
    _wins(wb, session, project, options, zone, t, title)
    _standup_matrix(wb, session, project, options, t, title, business_day_list)
    _meetings(wb, session, project, zone, t, title)
    if options.detail:
        _standup_detail(wb, session, project, options, t, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _overview(wb: Workbook, summary: ProjectSummary, trend: list[tuple[dt.date, int]], t: Translate, title: str) -> None:
    header = [
        t(f"report.kpi_{k}")
        for k in (
            "department",
            "liaisons",
            "rate",
            "opened",
            "resolved",
            "open",
            "overdue",
            "waiting",
            "longest_wait",
            "escalations",
            "wins",
        )
    ]

    def kpis(name: str, liaisons: int | str, f) -> list[Any]:
        rate = round(f.answer_rate, 3) if f.answer_rate is not None else None
        return [name, liaisons, rate, f.opened, f.resolved, f.open, f.overdue, f.waiting, f.longest_wait, f.escalations, f.wins]

    rows = [kpis(d.name, d.liaisons, d.figures) for d in summary.departments]
    rows.append(kpis(t("report.total"), sum(d.liaisons for d in summary.departments), summary.totals))
    trend_header = [t("report.trend_week"), t("report.trend_open")]
    ws = start_sheet(wb, t("report.sheet_overview"), header, fitted_widths(header, rows), title)
    for row in rows:
        cells = [cell(ws, v) for v in row]
        rate = WriteOnlyCell(ws, value=row[2])
        rate.number_format = "0%"
        ws.append([*cells[:2], rate, *cells[3:]])
    ws.append([])
    trend_top = len(rows) + 3
    ws.append(header_cells(ws, trend_header))
    for week_end, count in trend:
        ws.append([cell(ws, week_end), count])
    finish_sheet(ws, len(header), len(rows))

    bar = BarChart()
    bar.title, bar.y_axis.title = t("report.chart_open"), t("report.kpi_open")
    bar.add_data(Reference(ws, min_col=6, min_row=1, max_row=len(rows)), titles_from_data=True)  # departments, not total
    bar.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows)))
    bar.width, bar.height = 18, 9
    ws.add_chart(bar, f"{get_column_letter(len(header) + 2)}2")
    if trend:
        line = LineChart()
        line.title, line.y_axis.title = t("report.chart_trend"), t("report.trend_open")
        line.add_data(Reference(ws, min_col=2, min_row=trend_top, max_row=trend_top + len(trend)), titles_from_data=True)
        line.set_categories(Reference(ws, min_col=1, min_row=trend_top + 1, max_row=trend_top + len(trend)))
        line.width, line.height = 18, 9
        ws.add_chart(line, f"{get_column_letter(len(header) + 2)}22")


def _streamed(session: Session, statement) -> Iterator[Any]:
    """Rows of a query fetched in batches, so a year of a large city never sits in memory."""
    yield from session.execute(statement.execution_options(yield_per=BATCH))


def _issues(
    wb: Workbook,
    session: Session,
    project: Project,
    options: ReportOptions,
    zone: ZoneInfo,
    t: Translate,
    title: str,
    business_days: Callable[[dt.date, dt.date], int],
) -> None:
    header = [
        t(f"report.issue_{k}")
        for k in (
            "number",
            "department",
            "waiting_on",
            "status",
            "severity",
            "age",
            "reporter",
            "assignee",
            "created",
            "resolved",
            "due",
            "title",
            "note",
        )
    ]
    widths = [8, 16, 16, 10, 8, 10, 14, 14, 18, 18, 12, 50, 50]
    ws = start_sheet(wb, t("report.sheet_issues"), header, [float(w) for w in widths], title)
    names = department_names(session)
    _, finish = period_bounds(options.start, options.end, options.timezone)
    noted = [EventKind.RESOLVED, EventKind.ESCALATED, EventKind.ANSWERED]  # the issue's latest note comes from these
    latest = (
        select(IssueEvent.issue_id, func.max(IssueEvent.id).label("event_id"))
        .where(col(IssueEvent.note).is_not(None), col(IssueEvent.kind).in_(noted))
        .group_by(col(IssueEvent.issue_id))
        .subquery()
    )
    columns = (
        col(Issue.id),
        col(Issue.department_id),
        col(Issue.waiting_on_id),
        col(Issue.status),
        col(Issue.severity),
        col(Issue.reporter_id),
        col(Issue.assignee_id),
        col(Issue.created_at),
        col(Issue.resolved_at),
        col(Issue.due_date),
        col(Issue.title),
    )
    statement = (
        sqlalchemy.select(*columns, col(IssueEvent.note))
        .outerjoin(latest, latest.c.issue_id == Issue.id)
        .outerjoin(IssueEvent, col(IssueEvent.id) == latest.c.event_id)
        .where(col(Issue.project_id) == project.id, col(Issue.created_at) < finish)
        .order_by(col(Issue.id))
    )
    today = min(options.end, dt.datetime.now(zone).date())
    count = 0
    for issue in _streamed(session, statement):  # plain columns: no ORM objects piling up in the session
        note = issue.note
        created = issue.created_at.astimezone(zone)
        until = issue.resolved_at.astimezone(zone).date() if issue.resolved_at else today
        ws.append(
            [
                issue.id,
                cell(ws, names.get(issue.department_id, "")),
                cell(ws, names.get(issue.waiting_on_id, "")),
                cell(ws, t(f"status.{issue.status}")),
                cell(ws, t(f"severity.{issue.severity}")),
                business_days(created.date(), until),
                cell(ws, issue.reporter_id),
                cell(ws, issue.assignee_id or ""),
                cell(ws, created.replace(tzinfo=None)),
                cell(ws, local(issue.resolved_at, zone)),
                cell(ws, issue.due_date),
                cell(ws, issue.title),
                cell(ws, note or ""),
            ]
        )
        count += 1
    finish_sheet(ws, len(header), count)


def _wins(
    wb: Workbook, session: Session, project: Project, options: ReportOptions, zone: ZoneInfo, t: Translate, title: str
) -> None:
    header = [t(f"report.win_{k}") for k in ("date", "department", "reporter", "text")]
    ws = start_sheet(wb, t("report.sheet_wins"), header, [18.0, 16.0, 14.0, 80.0], title)
    names = department_names(session)
    begin, finish = period_bounds(options.start, options.end, options.timezone)
    count = 0
    for (win,) in _streamed(
        session,
        select(Win)
        .where(Win.project_id == project.id, Win.created_at >= begin, Win.created_at < finish)
        .order_by(col(Win.created_at)),
    ):
        ws.append(
            [
                cell(ws, local(win.created_at, zone)),
                cell(ws, names.get(win.department_id, "")),
                cell(ws, win.reporter_id),
                cell(ws, win.text),
            ]
        )
        count += 1
    finish_sheet(ws, len(header), count)


def _standup_matrix(
    wb: Workbook,
    session: Session,
    project: Project,
    options: ReportOptions,
    t: Translate,
    title: str,
    business_day_list: list[dt.date],
) -> None:
    """Departments × business days: how many liaisons answered (12,500 cells for 50 departments over a year)."""
    departments = project_departments(session, id_of(project))
    counts: dict[tuple[int, dt.date], int] = dict(
        ((department_id, day), n)
        for department_id, day, n in session.exec(
            select(StandupAnswer.department_id, col(StandupAnswer.day), func.count())
            .where(StandupAnswer.project_id == project.id, StandupAnswer.day >= options.start, StandupAnswer.day <= options.end)
            .group_by(col(StandupAnswer.department_id), col(StandupAnswer.day))
        )
    )
    header = [t("report.kpi_department"), t("report.standup_total")] + [d.strftime("%m/%d") for d in business_day_list]
    ws = start_sheet(wb, t("report.sheet_standup"), header, [16.0, 8.0] + [6.0] * len(business_day_list), title)
    for department in departments:
        row = [counts.get((id_of(department), day), 0) for day in business_day_list]
        ws.append([cell(ws, department.name), sum(row), *row])
    finish_sheet(ws, len(header), len(departments))


def _meetings(wb: Workbook, session: Session, project: Project, zone: ZoneInfo, t: Translate, title: str) -> None:
    header = [t(f"report.meeting_{k}") for k in ("number", "title", "repeat", "starts", "reminders", "source", "state")]
    meetings = session.exec(select(Meeting).where(Meeting.project_id == project.id).order_by(col(Meeting.id))).all()
    rows = [
        [
            m.id,
            m.title,
            m.cron or "",
            local(m.starts_at, zone),
            durations_text(t, m.remind_before or "", BEFORE),
            t(f"report.source_{m.source}"),
            t("report.cancelled") if m.cancelled else t("report.active"),
        ]
        for m in meetings
    ]
    ws = start_sheet(wb, t("report.sheet_meetings"), header, fitted_widths(header, rows), title)
    for row in rows:
        ws.append([cell(ws, v) for v in row])
    finish_sheet(ws, len(header), len(rows))


def _standup_detail(wb: Workbook, session: Session, project: Project, options: ReportOptions, t: Translate, title: str) -> None:
    header = [t(f"report.detail_{k}") for k in ("day", "department", "user", "answers")]
    ws = start_sheet(wb, t("report.sheet_standup_detail"), header, [12.0, 16.0, 14.0, 100.0], title)
    names = department_names(session)
    statement = (
        select(col(StandupAnswer.day), StandupAnswer.department_id, StandupAnswer.user_id, StandupAnswer.answers)
        .where(StandupAnswer.project_id == project.id, StandupAnswer.day >= options.start, StandupAnswer.day <= options.end)
        .order_by(col(StandupAnswer.day), col(StandupAnswer.id))
    )
    count = 0
    for day, department_id, user_id, answers in _streamed(session, statement):
        text = " / ".join(f"{v}" for v in json.loads(answers).values() if v)
        ws.append([cell(ws, day), cell(ws, names.get(department_id, "")), cell(ws, user_id), cell(ws, text)])
        count += 1
    finish_sheet(ws, len(header), count)
