"""The 振り返り sheet of the report: each department's monthly retrospective after launch, one row per answer.

Columns: 月, 部署, 回答者 (by name), one per question answered (the codes worded by the catalog, other questions as
written, then any other question an answer holds), 回答日 (a real date in the report's DateStyle).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.tables import Column, table_sheet
from storage.ids import id_of
from storage.phases import OPERATE
from storage.projectfile import DEFAULT_RETROSPECTIVE_QUESTIONS
from storage.retrospectives import all_answers, month_of
from words.questions import retro_question as question_label

if TYPE_CHECKING:
    from openpyxl import Workbook

    from reports.excel import Report


def retro_sheet(report: Report, wb: Workbook, questions: list[str] | None = None) -> None:
    """Write the 振り返り sheet: the answers whose month falls in the report's period. A project not yet in 運用 and
    without answers gets no sheet (like the other steps' sheets); one in 運用 gets its header even when empty."""
    t = report.t
    first, last = month_of(report.options.start), report.options.end
    rows = [a for a in all_answers(report.session, id_of(report.project)) if first <= a.month <= last]
    if not rows and report.project.phase != OPERATE:
        return
    given = {q for answer in rows for q in answer.answers}
    # the default questions first when they were answered (or when nothing was), then the others as they came
    asked = [q for q in (questions or DEFAULT_RETROSPECTIVE_QUESTIONS) if q in given or not rows]
    for answer in rows:  # a question asked once and removed from renkei.yml later keeps its column
        asked += [q for q in answer.answers if q not in asked]
    columns = [
        Column(t("report.retro_month"), 12, "center"),
        Column(t("report.retro_department"), 14, "wrap"),
        Column(t("report.retro_person"), 12, "wrap"),
        *(Column(question_label(t, q), 40, "wrap") for q in asked),
        Column(t("report.retro_answered"), report.date_width(), "date"),
    ]
    table = table_sheet(wb, t("report.sheet_retro"), columns, report.page, report.dates)
    for answer in rows:
        table.add(
            [
                t("report.retro_month_value", year=answer.month.year, month=answer.month.month),
                answer.department,
                report.name(answer.user_id),
                *(answer.answers.get(q, "") for q in asked),
                answer.updated_at.astimezone(report.zone).date(),
            ]
        )
    table.finish()
