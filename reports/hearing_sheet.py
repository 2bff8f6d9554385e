"""The ヒアリング sheet of the Excel report: one row per answer to each question, per hearing and department.

A department that gave no answer to a hearing has one row saying 未回答, so a reader sees who still owes one. Only
written when the project has a hearing started before the period's end (a project without hearings gets no empty
sheet). Answers are few (a questionnaire per department, a handful per project): they are read whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.tables import Column, table_sheet
from storage.hearings import by_department, is_open, project_hearings, questions_of
from storage.ids import id_of
from storage.summary import period_bounds
from words.questions import hearing_question as question_label

if TYPE_CHECKING:
    from openpyxl import Workbook

    from reports.excel import Report


def hearing_sheet(report: Report, wb: Workbook) -> None:
    """ヒアリング（題名・番号）, 部署, 回答者, 質問, 回答, 回答日, 状態: a row per non-blank answer to a question."""
    t = report.t
    _, finish = period_bounds(report.options.start, report.options.end, report.options.timezone)
    hearings = project_hearings(report.session, id_of(report.project), until=finish)
    if not hearings:
        return
    columns = [
        Column(t("hearing.sheet_hearing"), 20, "wrap"),
        Column(t("hearing.sheet_department"), 14, "wrap"),
        Column(t("hearing.sheet_person"), 12, "wrap"),
        Column(t("hearing.sheet_question"), 24, "wrap"),
        Column(t("hearing.sheet_answer"), 60, "wrap"),
        Column(t("hearing.sheet_date"), report.date_width(), "date"),
        Column(t("hearing.sheet_state"), 10, "center"),
    ]
    table = table_sheet(wb, t("hearing.sheet_title"), columns, report.page, report.dates)
    for hearing in hearings:
        name = t("hearing.sheet_hearing_cell", number=hearing.id, title=hearing.title)
        state = t("hearing.state_open") if is_open(hearing) else t("hearing.state_closed")
        questions = [question_label(t, q) for q in questions_of(hearing)]
        for row in by_department(report.session, hearing):
            if not row.answers:
                table.add([name, row.department.name, "", "", t("hearing.sheet_unanswered"), None, state])
                continue
            for given in row.answers:
                day = given.updated_at.astimezone(report.zone).date()
                for n, question in enumerate(questions):
                    text = given.answers.get(n, "").strip()
                    if text:
                        table.add([name, row.department.name, report.name(given.user_id), question, text, day, state])
    table.finish()
