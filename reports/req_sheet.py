"""The 要件 sheet of the Excel report: every requirement of the project, each department's rating in its own column.

Called from reports.excel.Report.write (one line there); written only when the project has requirements, so a project
that does not use /req keeps the workbook it had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl import Workbook

from reports.tables import Column, table_sheet
from storage.ids import id_of
from storage.requirements import requirements_table

if TYPE_CHECKING:
    from reports.excel import Report

TEXT_LIMIT = 300  # characters of a requirement's text, effect or reason in a cell (a row must fit a printed page)


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def requirements_sheet(report: Report, wb: Workbook) -> None:
    """No., 要件, 業務への影響, 提案部署, 提案者, 状態, 理由, one column per department of the project (its rating in
    words, empty when it has not rated), 登録日, 決定日 (real dates in the report's style)."""
    found = requirements_table(report.session, id_of(report.project))
    if not found.rows:
        return
    t, zone = report.t, report.zone
    columns = [
        Column(t("report.req_number"), 5, "center"),
        Column(t("report.req_text"), 30, "wrap"),
        Column(t("report.req_effect"), 30, "wrap"),
        Column(t("report.req_department"), 12, "wrap"),
        Column(t("report.req_proposer"), 12, "wrap"),
        Column(t("report.req_status"), 8, "center"),
        Column(t("report.req_reason"), 24, "wrap"),
        *(Column(name, 9, "center") for name in found.departments),
        Column(t("report.req_created"), report.date_width(), "date"),
        Column(t("report.req_decided"), report.date_width(), "date"),
    ]
    table = table_sheet(wb, t("report.sheet_requirements"), columns, report.page, report.dates)
    for row in found.rows:
        table.add(
            [
                row.number,
                _cut(row.text),
                _cut(row.effect),
                row.department or t("req.from_leads"),
                report.name(row.proposed_by),
                t(f"req.status.{row.status}"),
                _cut(row.reason),
                *(
                    t(f"req.rating.{row.ratings[name]}") if name in row.ratings else t("req.unrated")
                    for name in found.departments
                ),
                row.created_at.astimezone(zone).date(),
                row.decided_at.astimezone(zone).date() if row.decided_at else None,
            ]
        )
    table.finish()
