"""The Excel progress report: a workbook a 課長 opens, understands and prints on A4.

概要 opens with a title block (the project, its aim, the period, the day counted to, when the report was made and for
whom), then the figures per department and two charts below them. 課題 is the municipality's familiar 課題管理表
(people by name, statuses in words, overdue due dates highlighted), 対応履歴 every step of every issue, 成功事例 the
wins, 朝会 the stand-up participation (per business day, or per week over a long period), 会議 the meetings in words;
with `--detail`, 朝会の詳細 has one row per answer. Dates are real dates with a number format in the style of
`report.dates` (令和, 西暦, or both), so sorting and filters work. Every sheet is set up for A4, its title rows
repeated, with the project's name in the page header and page numbers in the footer.

The workbook is written in openpyxl's write-only mode with rows streamed from `storage/report_rows.py`, so a year of a
large city (100,000 issues, a million answers) stays in bounded memory. A column's style is one template cell whose
value changes row by row: openpyxl writes each row as it is appended, so no cell object is made per value.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, TwoCellAnchor
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from reports.hearing_sheet import hearing_sheet
from reports.req_sheet import requirements_sheet
from reports.retro_sheet import retro_sheet
from reports.tables import (
    CHART_ROWS,
    CONTENT_LIMIT,
    DATE_STYLES,
    LABEL_FONT,
    LOW_FILL,
    OVERDUE_FILL,
    OVERDUE_FONT,
    SECTION_FONT,
    TITLE_FONT,
    Calendar,
    Column,
    DateStyle,
    Page,
    Table,
    Translate,
    append_row,
    cell,
    finish_table,
    fitted_widths,
    header_cells,
    new_sheet,
    print_setup,
    styled,
    table_sheet,
    text_lines,
)
from reports.uat_sheet import uat_sheet
from storage.directory import department_names, users_with_role
from storage.enums import EventKind, IssueStatus, MeetingSource, Role, Severity
from storage.home import next_start
from storage.ids import id_of
from storage.models import Project
from storage.report_rows import answer_rows, history_rows, issue_rows, liaison_departments, project_meetings, win_rows
from storage.summary import Away, Participation, ProjectSummary, period_bounds
from words.dates import date_text, short_date, short_span
from words.durations import BEFORE, durations_text, schedule_text
from words.names import Names

if TYPE_CHECKING:
    from storage.db import Session


@dataclass(frozen=True)
class ReportOptions:
    """What a report covers and how it is written."""

    start: dt.date
    end: dt.date
    timezone: str
    detail: bool = False  # one row per stand-up answer (a year of a large city: a million rows)
    dates: str = "both"  # report.dates of renkei.yml: wareki, seireki or both
    made: dt.datetime | None = None  # when the report is made (aware); default: now


@dataclass(frozen=True)
class ReportData:
    """What storage summed up for the report: the figures, the open-issue trend, stand-up participation."""

    summary: ProjectSummary
    trend: list[tuple[dt.date, int]]  # (last day of a week, open issues at its end), never past today
    participation: Participation
    as_of: dt.date  # the day counted to: the period's end, or today when the period is not over
    started: dt.date | None = None  # the project's first stand-up day (storage.phases.first_standup_day), if any


class Report:
    """One workbook being written: the project, the options, the wording, and the helpers every sheet shares."""

    def __init__(
        self,
        session: Session,
        project: Project,
        data: ReportData,
        options: ReportOptions,
        *,
        t: Translate,
        people: dict[str, str],
        calendar: Calendar,
    ):
        self.session, self.project, self.data, self.options, self.t, self.calendar = session, project, data, options, t, calendar
        self.zone = ZoneInfo(options.timezone)
        self.made = (options.made or dt.datetime.now(dt.timezone.utc)).astimezone(self.zone)
        self.dates = DATE_STYLES[options.dates]
        self.name = Names(t, people)
        self.departments = department_names(session)
        self.page = Page(
            title=t("report.print_title", project=project.name, period=self.period_text()),
            made=t("report.made_on", date=date_text(t, options.dates, self.made.date())),
        )

    def period_text(self) -> str:
        """The period as text: 令和8年4月1日 (2026/4/1)〜令和9年3月31日 (2027/3/31)."""
        style = self.options.dates
        return self.t(
            "report.period", start=date_text(self.t, style, self.options.start), end=date_text(self.t, style, self.options.end)
        )

    def write(self, path: Path) -> Path:
        """Every sheet, in the order a reader needs them."""
        wb = Workbook(write_only=True)
        wb.properties.title = self.page.title
        wb.properties.creator = "Renkei"
        self.overview(wb)
        self.issues(wb)
        self.history(wb)
        self.wins(wb)
        self.standups(wb)
        self.meetings(wb)
        # the rollout's steps in their order, each sheet only when the project has some (reports/<step>_sheet.py)
        hearing_sheet(self, wb)  # ヒアリング
        requirements_sheet(self, wb)  # 要件
        uat_sheet(self, wb)  # 受入テスト
        retro_sheet(self, wb)  # 振り返り (after launch)
        if self.options.detail:
            self.standup_detail(wb)
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
        return path

    # --- 概要 -----------------------------------------------------------------------------------------------------

    def overview(self, wb: Workbook) -> None:
        """The title block, the figures per department, two charts below them, the trend's figures."""
        t, summary = self.t, self.data.summary
        keys = ("department", "liaisons", "rate", "opened", "resolved", "open", "overdue", "waiting", "longest_wait")
        header = [t(f"report.kpi_{k}") for k in (*keys, "escalations", "wins")]

        def kpis(name: str, liaisons: int, f) -> list[Any]:
            rate = f.answer_rate  # as it is: the 0% format rounds it, as on the 朝会 sheet (17 of 19 is 89 % on both)
            return [
                name,
                liaisons,
                rate,
                f.opened,
                f.resolved,
                f.open,
                f.overdue,
                f.waiting,
                f.longest_wait,
                f.escalations,
                f.wins,
            ]

        rows = [kpis(d.name, d.liaisons, d.figures) for d in summary.departments]
        rows.append(kpis(t("report.total"), sum(d.liaisons for d in summary.departments), summary.totals))
        widths = fitted_widths(header, rows, minimum=8, maximum=24)
        widths[0] = max(widths[0], 16.0)  # the title block's labels and the trend's dates live in column A too
        last = get_column_letter(len(header))
        ws = new_sheet(wb, t("report.sheet_overview"))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        print_setup(ws, self.page, widths, title_rows="1:1")

        # The title block: what this is, about what, over when, counted to when, made when, for whom.
        title = styled(ws, font=TITLE_FONT)
        title.alignment = Alignment(vertical="center")
        ws.row_dimensions[1].height = 30
        ws.append([cell(ws, t("report.title", project=self.project.name), title)])
        label, text = styled(ws, font=LABEL_FONT), styled(ws, wrap=True)
        day, end = (
            styled(ws, number_format=self.dates.line, align="left"),
            styled(ws, number_format=self.dates.line, align="left"),
        )
        moment, to = styled(ws, number_format=self.dates.line_datetime, align="left"), styled(ws, align="center")
        rest = sum(widths[1:])

        def line(index: int, key: str, *values: Any, lines: int = 1) -> None:
            append_row(ws, index, [cell(ws, t(f"report.label_{key}"), label), *values], lines)

        purpose = self.project.purpose or t("report.not_set")
        line(2, "purpose", cell(ws, purpose, text), lines=text_lines(purpose, rest))
        line(
            3,
            "period",
            cell(ws, self.options.start, day),
            None,
            cell(ws, t("report.period_to"), to),
            cell(ws, self.options.end, end),
        )
        note = t("report.as_of_note") if self.data.as_of < self.options.end else ""
        line(4, "as_of", cell(ws, self.data.as_of, day), None, note)
        line(5, "made", cell(ws, self.made.replace(tzinfo=None, second=0, microsecond=0), moment))
        audience = self.audience()
        line(6, "audience", cell(ws, audience, text), lines=text_lines(audience, rest))
        line(7, "phase", cell(ws, t(f"phase.{self.project.phase}"), text))  # 段階: 準備 … 運用 (/renkei phase)
        for merged in (
            f"A1:{last}1",
            f"B2:{last}2",
            "B3:C3",
            "E3:G3",
            "B4:C4",
            f"D4:{last}4",
            "B5:C5",
            f"B6:{last}6",
            f"B7:{last}7",
        ):
            ws.merged_cells.add(merged)

        # The figures per department, the total in bold; beside them, outside the printed area, the trend's figures.
        section = styled(ws, font=SECTION_FONT)
        trend_column = len(header) + 2  # a blank column between
        ws.column_dimensions[get_column_letter(trend_column)].width = 26.0 if self.options.dates == "both" else 16.0
        ws.column_dimensions[get_column_letter(trend_column + 1)].width = 12.0
        gap = [None] * (trend_column - 1 - len(header))
        header_row = 9
        chart_row = header_row + len(rows) + 2
        ws.row_dimensions[header_row - 1].height = 20  # the section's label, in a larger font
        ws.row_dimensions[header_row].height = 30
        plain = [None, *(styled(ws, number_format="0%" if i == 2 else None, align="center") for i in range(1, len(header)))]
        bold = [
            styled(ws, font=LABEL_FONT, number_format="0%" if i == 2 else None, align="center" if i else "")
            for i in range(len(header))
        ]
        week = styled(ws, number_format=self.dates.line, align="left")
        trend = self.data.trend
        for index in range(header_row - 1, max(chart_row + CHART_ROWS, header_row + len(trend) + 1)):
            n = index - header_row
            if index == header_row - 1:  # a template serves one cell of a row: the trend's label has its own
                left: list[Any] = [cell(ws, t("report.section_kpi"), section), *([None] * (len(header) - 1))]
                right: list[Any] = [cell(ws, t("report.section_trend"), styled(ws, font=SECTION_FONT))]
            elif index == header_row:
                left, right = header_cells(ws, header), header_cells(ws, [t("report.trend_week"), t("report.trend_open")])
            else:
                row = rows[n - 1] if n - 1 < len(rows) else None
                left = [cell(ws, v, s) for v, s in zip(row, bold if n == len(rows) else plain)] if row else [None] * len(header)
                right = [cell(ws, trend[n - 1][0], week), trend[n - 1][1]] if n - 1 < len(trend) else []
            ws.append([*left, *gap, *right] if right else left)
        finish_table(ws, len(header), len(rows), header_row=header_row)
        ws.print_area = f"A1:{last}{chart_row + CHART_ROWS - 1}"  # the trend's figures are on the chart

        # Two charts side by side below the table, within its width, their values written on them.
        half = next(i for i in range(1, len(widths) + 1) if sum(widths[:i]) >= sum(widths) / 2)
        bar = BarChart()
        bar.title, bar.y_axis.title = t("report.chart_open"), t("report.kpi_open")
        bar.add_data(Reference(ws, min_col=6, min_row=header_row + 1, max_row=header_row + len(rows) - 1))  # not the total
        bar.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + len(rows) - 1))
        _plain_chart(bar, max((d.figures.open for d in summary.departments), default=0))
        ws.add_chart(bar, _between(0, half, chart_row))
        if trend:
            line_chart = LineChart()
            line_chart.title, line_chart.y_axis.title = t("report.chart_trend"), t("report.kpi_open")
            line_chart.x_axis.title = t("report.trend_week")
            first, final = header_row + 1, header_row + len(trend)
            line_chart.add_data(Reference(ws, min_col=trend_column + 1, min_row=first, max_row=final))
            line_chart.set_categories(Reference(ws, min_col=trend_column, min_row=first, max_row=final))
            line_chart.x_axis.number_format = "m/d"
            for series in line_chart.series:
                series.smooth = False  # a count per week: straight lines between the weeks, no invented curve
            _plain_chart(line_chart, max(count for _, count in trend))
            ws.add_chart(line_chart, _between(half, len(header), chart_row))

    def audience(self) -> str:
        """Who the report is for: the project's managers and leads, by name."""
        t, project_id = self.t, id_of(self.project)
        managers = [self.name(u) for u in users_with_role(self.session, Role.MANAGER, project_id=project_id)]
        leads = [self.name(u) for u in users_with_role(self.session, Role.LEAD, project_id=project_id)]
        separator = t("report.name_separator")
        return t(
            "report.audience",
            managers=separator.join(managers) or t("report.not_set"),
            leads=separator.join(leads) or t("report.not_set"),
        )

    # --- 課題 (the 課題管理表) and 対応履歴 ----------------------------------------------------------------------------

    def date_width(self, *, time: bool = False) -> float:
        """Width of a date column in the report's style (two lines for both eras)."""
        if self.options.dates == "seireki":
            return 20.0 if time else 15.0
        return 21.0 if time else 16.0

    def issues(self, wb: Workbook) -> None:
        """The 課題管理表: one row per issue, in the columns municipal offices keep."""
        t, zone, names = self.t, self.zone, self.departments
        columns = [
            Column(t("report.issue_number"), 5, "center"),
            Column(t("report.issue_created"), self.date_width(), "date"),
            Column(t("report.issue_department"), 10, "wrap"),
            Column(t("report.issue_reporter"), 10, "wrap"),
            Column(t("report.issue_content"), 30, "wrap"),
            Column(t("report.issue_progress"), 20, "wrap"),
            Column(t("report.issue_waiting_on"), 10, "wrap"),
            Column(t("report.issue_in_charge"), 10, "wrap"),
            Column(t("report.issue_assignee"), 10, "wrap"),
            Column(t("report.issue_due"), self.date_width(), "date"),
            Column(t("report.issue_severity"), 6, "center"),
            Column(t("report.issue_status"), 10, "center"),
            Column(t("report.issue_resolved"), self.date_width(), "date"),
            Column(t("report.issue_age"), 7, "center"),
            Column(t("report.issue_it"), 7, "center"),
            Column(t("report.issue_note"), 24, "wrap"),
        ]
        table = table_sheet(wb, t("report.sheet_issues"), columns, self.page, self.dates)
        _, finish = period_bounds(self.options.start, self.options.end, self.options.timezone)
        in_project = liaison_departments(self.session, id_of(self.project))
        severities = {k: t(f"severity.{k}") for k in Severity}
        statuses = {k: t(f"status.{k}") for k in IssueStatus}
        events = {k: t(f"event.{k}") for k in EventKind}
        asked, was_asked, answered = t("report.it_asked"), t("report.it_closed"), t("report.it_answered")
        as_of = self.data.as_of
        for issue in issue_rows(self.session, id_of(self.project), finish):
            opened = issue.created_at.astimezone(zone).date()
            done = (
                issue.resolved_at.astimezone(zone).date() if issue.resolved_at and issue.status == IssueStatus.RESOLVED else None
            )
            latest = ""
            if issue.last_kind:
                when = short_date(t, issue.last_at.astimezone(zone))
                latest = t(
                    "report.progress",
                    date=when,
                    what=events.get(issue.last_kind, issue.last_kind),
                    who=self.name(issue.last_actor),
                )
            consulted = answered if issue.it_answered else (was_asked if done else asked) if issue.escalated else ""
            table.add(
                [
                    issue.id,
                    opened,
                    names.get(issue.department_id, ""),
                    self.name(issue.reporter_id),
                    issue.title if not issue.body else f"{issue.title}\n{_cut(issue.body, CONTENT_LIMIT)}",
                    latest,
                    names.get(issue.waiting_on_id, ""),
                    names.get(self._in_charge(issue, in_project), ""),
                    self.name(issue.assignee_id),
                    issue.due_date,
                    severities.get(issue.severity, issue.severity),
                    statuses.get(issue.status, issue.status),
                    done,
                    self.calendar.business_days_between(opened, done or as_of),
                    consulted,
                    _cut(issue.note or "", CONTENT_LIMIT),
                ]
            )
        table.finish()
        # An overdue due date: before the day counted to, and the issue not done (its 完了日 empty).
        due, done_column = get_column_letter(10), get_column_letter(13)
        rule = FormulaRule(
            formula=[f'AND(ISNUMBER({due}2),{due}2<DATE({as_of.year},{as_of.month},{as_of.day}),{done_column}2="")'],
            fill=OVERDUE_FILL,
            font=OVERDUE_FONT,
        )
        table.ws.conditional_formatting.add(f"{due}2:{due}{max(table.rows, 1) + 1}", rule)

    @staticmethod
    def _in_charge(issue: Any, in_project: dict[str, list[int]]) -> int:
        """The department in charge: the assignee's (the one the issue involves first), else the one it waits on,
        else its own."""
        theirs = in_project.get(issue.assignee_id or "", [])
        for candidate in (issue.waiting_on_id, issue.department_id):
            if candidate in theirs:
                return candidate
        if theirs:
            return theirs[0]
        return issue.waiting_on_id or issue.department_id

    def history(self, wb: Workbook) -> None:
        """Every step of every issue: when, who, what, the note."""
        t, zone = self.t, self.zone
        columns = [
            Column(t("report.history_number"), 6, "center"),
            Column(t("report.history_when"), self.date_width(time=True), "datetime"),
            Column(t("report.history_actor"), 14, "wrap"),
            Column(t("report.history_what"), 24, "wrap"),
            Column(t("report.history_note"), 70, "wrap"),
        ]
        table = table_sheet(wb, t("report.sheet_history"), columns, self.page, self.dates)
        _, finish = period_bounds(self.options.start, self.options.end, self.options.timezone)
        events = {k: t(f"event.{k}") for k in EventKind}
        silent = (EventKind.NUDGED, EventKind.LEADS_ALERTED)  # their note is the waiting period's start, for Renkei only
        for event in history_rows(self.session, id_of(self.project), finish):
            note = event.note
            if event.kind == EventKind.ASSIGNED:
                note = t("report.history_assigned", name=self.name(event.note))
            elif event.kind in silent:
                note = None
            when = event.created_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
            table.add([event.issue_id, when, self.name(event.actor_id), events.get(event.kind, event.kind), note])
        table.finish()

    # --- 成功事例 ------------------------------------------------------------------------------------------------

    def wins(self, wb: Workbook) -> None:
        t = self.t
        columns = [
            Column(t("report.win_date"), self.date_width(), "date"),
            Column(t("report.win_department"), 14, "wrap"),
            Column(t("report.win_reporter"), 12, "wrap"),
            Column(t("report.win_text"), 80, "wrap"),
        ]
        table = table_sheet(wb, t("report.sheet_wins"), columns, self.page, self.dates)
        begin, finish = period_bounds(self.options.start, self.options.end, self.options.timezone)
        for win in win_rows(self.session, id_of(self.project), begin, finish):
            table.add(
                [
                    win.created_at.astimezone(self.zone).date(),
                    self.departments.get(win.department_id, "") if win.department_id else self.t("win.from_leads"),
                    self.name(win.reporter_id),
                    win.text,
                ]
            )
        table.finish()

    # --- 朝会 ----------------------------------------------------------------------------------------------------

    def standups(self, wb: Workbook) -> None:
        """Departments x weeks (answer rate) over a long period, departments x business days (answers) otherwise."""
        t, part = self.t, self.data.participation
        weekdays = t("calendar.weekdays").split(",")
        if part.by_week:
            labels = [t("report.standup_week", date=short_date(t, first)) for first, _ in part.columns]
        else:
            labels = [
                t("report.standup_day", date=short_date(t, day), weekday=weekdays[day.weekday()]) for day, _ in part.columns
            ]
        columns = [
            Column(t("report.kpi_department"), 16, "wrap"),
            Column(t("report.standup_liaisons"), 8, "center"),
            Column(t("report.standup_rate"), 8, "percent"),
            *(Column(label, 7.5 if part.by_week else 5.5, "percent" if part.by_week else "center") for label in labels),
        ]
        ws = new_sheet(wb, t("report.sheet_standup"))
        widths = [c.width for c in columns]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        print_setup(ws, self.page, widths, title_rows="1:2", title_columns="A:C")
        ws.freeze_panes = "D3"
        explain = t(
            "report.standup_title_week" if part.by_week else "report.standup_title_day",
            date=date_text(t, self.options.dates, part.counted_until),
        )
        explain = explain if part.columns else f"{explain} {t('report.standup_none')}"
        # In the columns repeated on every printed page, wrapped: each page says what its figures are.
        append_row(ws, 1, [cell(ws, explain, styled(ws, font=LABEL_FONT, wrap=True))], text_lines(explain, sum(widths[:3]) - 2))
        ws.merged_cells.add("A1:C1")
        table = Table(ws, columns, self.dates, header_row=2)
        for row in part.rows:
            table.add([row.department, row.liaisons, row.rate, *(row.rates if part.by_week else row.answered)])
        table.finish()
        if part.away:  # under the table: the days nobody was asked, so a low figure reads right
            note = t("report.standup_away", away=self.away_words(part.away))
            at = len(part.rows) + 4
            append_row(ws, at, [cell(ws, note, styled(ws, font=LABEL_FONT, wrap=True))], text_lines(note, sum(widths) - 2))
            ws.merged_cells.add(f"A{at}:{get_column_letter(len(columns))}{at}")
        if part.columns and part.rows:
            first, final = get_column_letter(4), get_column_letter(len(columns))
            cells = f"{first}3:{final}{len(part.rows) + 2}"
            if part.by_week:  # a week under half the answers expected (the digest's mark too)
                ws.conditional_formatting.add(cells, CellIsRule(operator="lessThan", formula=["0.5"], fill=LOW_FILL))
            else:  # a business day nobody of a department with liaisons answered
                ws.conditional_formatting.add(cells, FormulaRule(formula=[f"AND($B3>0,{first}3=0)"], fill=LOW_FILL))

    def away_words(self, away: list[Away]) -> str:
        """`佐藤 花子（市民課）12/24〜12/28、…`: the liaisons' days off, in the report's words."""
        t = self.t
        return t("people.separator").join(
            t("report.standup_away_one", user=self.name(a.user_id), department=a.department, days=short_span(t, a.first, a.last))
            for a in away
        )

    def standup_detail(self, wb: Workbook) -> None:
        """One row per answer (a year of a large city: a million): one line each, dates on one line, for filtering."""
        t = self.t
        one_line = DateStyle(self.dates.line, self.dates.line_datetime, self.dates.line, self.dates.line_datetime)
        columns = [
            Column(t("report.detail_day"), 26.0 if self.options.dates == "both" else 16.0, "date"),
            Column(t("report.detail_department"), 14),
            Column(t("report.detail_user"), 12),
            Column(t("report.detail_answers"), 90),
        ]
        table = table_sheet(wb, t("report.sheet_standup_detail"), columns, self.page, one_line)
        ws, append = table.ws, table.ws.append
        day_style = table.styles[0]
        assert day_style is not None  # a date column has its template
        # A million rows of a few hundred days, departments and people: each of those made ready for Excel once.
        serials: dict[dt.date, float] = {}
        departments = {k: cell(ws, v) for k, v in self.departments.items()}
        people: dict[str, Any] = {}
        rows = 0
        for day, department_id, user_id, answers in answer_rows(
            self.session, id_of(self.project), self.options.start, self.options.end
        ):
            serial = serials.get(day)
            if serial is None:
                serial = serials[day] = to_excel(day)
            person = people.get(user_id)
            if person is None:
                person = people[user_id] = cell(ws, self.name(user_id))
            day_style.value = serial
            text = " / ".join(f"{v}" for v in json.loads(answers).values() if v)
            append([day_style, departments.get(department_id), person, cell(ws, text)])
            rows += 1
        table.next_row += rows
        table.finish()

    # --- 会議 ----------------------------------------------------------------------------------------------------

    def meetings(self, wb: Workbook) -> None:
        """Each meeting in words: when it repeats, the next date, its reminders, who added it, closed-day clashes."""
        t = self.t
        columns = [
            Column(t("report.meeting_number"), 6, "center"),
            Column(t("report.meeting_title"), 22, "wrap"),
            Column(t("report.meeting_schedule"), 16, "wrap"),
            Column(t("report.meeting_next"), self.date_width(time=True), "datetime"),
            Column(t("report.meeting_reminders"), 14, "wrap"),
            Column(t("report.meeting_added_by"), 14, "wrap"),
            Column(t("report.meeting_state"), 11, "center"),
            Column(t("report.meeting_conflicts"), 44, "wrap"),
        ]
        table = table_sheet(wb, t("report.sheet_meetings"), columns, self.page, self.dates)
        for m in project_meetings(self.session, id_of(self.project)):
            start = next_start(m, self.made, self.options.timezone) if not m.cancelled else None
            table.add(
                [
                    m.id,
                    m.title,
                    schedule_text(t, m.cron) if m.cron else t("report.meeting_once"),
                    start.replace(tzinfo=None) if start else ("" if m.cancelled else t("report.meeting_over")),
                    durations_text(t, m.remind_before, BEFORE) if m.remind_before else t("report.meeting_no_reminders"),
                    t("report.meeting_from_config") if m.source == MeetingSource.CONFIG else self.name(m.created_by),
                    t("report.cancelled") if m.cancelled else t("report.active"),
                    "" if m.cancelled else self._conflicts(m),
                ]
            )
        table.finish()

    def _conflicts(self, meeting: Any) -> str:
        """The meeting's dates that fall on a closed day, over the period and the three months after today; never
        before the project began (a fiscal year's export lists no April holidays of a project begun in November)."""
        t, zone = self.t, self.zone
        since = max(self.options.start, self.data.started) if self.data.started else self.options.start
        first = dt.datetime.combine(since, dt.time(), zone)
        horizon = max(self.options.end, self.made.date() + dt.timedelta(days=91))
        last = dt.datetime.combine(horizon + dt.timedelta(days=1), dt.time(), zone)
        starts: list[dt.datetime] = []
        if meeting.cron:
            moment = first
            while len(starts) < 500:  # a weekly meeting over two years is 104 dates
                following = next_start(meeting, moment, self.options.timezone)
                if following is None or following >= last:
                    break
                starts.append(following)
                moment = following + dt.timedelta(minutes=1)
        elif meeting.starts_at is not None and first <= meeting.starts_at < last:
            starts.append(meeting.starts_at.astimezone(zone))
        found = []
        for moment in starts:
            day = moment.astimezone(zone).date()
            reason = self.calendar.closed_reason(day)
            if reason is None:
                continue
            why = self.calendar.holiday_name(day) if reason == "holiday" else None
            found.append(t("report.conflict", date=date_text(t, self.options.dates, day), reason=why or t(f"calendar.{reason}")))
        return t("report.name_separator").join(found)


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _between(first: int, last: int, row: int) -> TwoCellAnchor:
    """A chart's place: from the left of column `first` to the left of column `last` (0-based), CHART_ROWS rows down
    from `row` (1-based), a small gap all round. Anchored to cells, it keeps to the table's width whatever widths the
    spreadsheet gives its columns (LibreOffice's are wider than Excel's)."""
    gap = 90000  # EMU: about 2.5 mm
    return TwoCellAnchor(
        _from=AnchorMarker(col=first, colOff=gap if first else 0, row=row - 1, rowOff=gap),
        to=AnchorMarker(col=last, colOff=-gap, row=row - 1 + CHART_ROWS - 1, rowOff=0),
    )


def _plain_chart(chart: Any, highest: int) -> None:
    """A one-series chart of counts: its values written on it, whole numbers on its axis from 0, no legend (its title
    says what it shows), axes shown (Excel hides the axes of openpyxl's charts unless told they are not deleted)."""
    chart.legend = None
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = max(1, math.ceil(highest / 5))
    chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False)
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def write_report(
    path: str | Path,
    *,
    session: Session,
    project: Project,
    data: ReportData,
    options: ReportOptions,
    t: Translate,
    people: dict[str, str],
    calendar: Calendar,
) -> Path:
    """Write the workbook (概要, 課題, 対応履歴, 成功事例, 朝会, 会議 [, 朝会の詳細]) in write-only mode."""
    return Report(session, project, data, options, t=t, people=people, calendar=calendar).write(Path(path))
