"""The 受入テスト sheet: one row per design review or acceptance test × department of the project.

No., 種別, 題名, 日時 (a real date and time in the report's style), 部署, 参加者, 結果, 内容, 課題番号, 要件番号. Written
by reports/excel.py's Report when the project has a session (a project that has none yet gets no empty sheet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.tables import Column, table_sheet
from storage.ids import id_of
from storage.uat import PROBLEM, sheet_rows, starts_of

if TYPE_CHECKING:
    from openpyxl import Workbook

    from reports.excel import Report


def uat_sheet(report: Report, wb: Workbook) -> None:
    """The sheet, after 会議; nothing when the project has no session."""
    rows = sheet_rows(report.session, id_of(report.project))
    if not rows:
        return
    t = report.t
    columns = [
        Column(t("uat.col_number"), 6, "center"),
        Column(t("uat.col_kind"), 12, "wrap"),
        Column(t("uat.col_title"), 24, "wrap"),
        Column(t("uat.col_when"), report.date_width(time=True), "datetime"),
        Column(t("uat.col_department"), 14, "wrap"),
        Column(t("uat.col_attendees"), 18, "wrap"),
        Column(t("uat.col_result"), 10, "center"),
        Column(t("uat.col_note"), 36, "wrap"),
        Column(t("uat.col_issues"), 10, "wrap"),
        Column(t("uat.col_requirements"), 10, "wrap"),
    ]
    table = table_sheet(wb, t("uat.sheet"), columns, report.page, report.dates)
    separator = t("report.name_separator")
    for row in rows:
        outcomes = [t("uat.outcome_problem") if r.outcome == PROBLEM else t("uat.outcome_ok") for r in row.results]
        table.add(
            [
                row.uat.id,
                t(f"uat.kind_{row.uat.kind}"),
                row.uat.title,
                starts_of(row.uat).astimezone(report.zone).replace(tzinfo=None),
                row.department.name,
                row.signup.attendees if row.signup else t("uat.sheet_not_signed"),
                separator.join(dict.fromkeys(outcomes)) or t("uat.sheet_no_result"),
                "\n".join(r.note for r in row.results if r.note),
                separator.join(f"#{r.issue_id}" for r in row.results if r.issue_id),
                separator.join(dict.fromkeys(f"#{r.requirement_id}" for r in row.results if r.requirement_id)),
            ]
        )
    table.finish()
