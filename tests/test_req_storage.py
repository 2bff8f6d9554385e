"""Requirements' data for the lead and the report: the disagreement rule, awaiting_agreement, requirements_table,
the 要件 sheet written to a real .xlsx and read back; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlmodel import select

from bot.i18n import Translator
from commands.report import make_report
from reminders.calendar import BusinessCalendar
from reports.tables import DATE_STYLES
from storage.models import Department, Project, Requirement
from storage.requirements import (
    AGREED,
    awaiting_agreement,
    create_requirement,
    decide,
    disagreements,
    rate,
    ratings_disagree,
    requirements_table,
)

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    "given,disagree",
    [
        (["required", "not_needed"], True),
        (["required", "nice", "not_needed", "no_effect"], True),
        (["required", "required"], False),
        (["required", "nice"], False),
        (["required", "no_effect"], False),
        (["not_needed", "no_effect", "nice"], False),
        ([], False),
    ],
)
def test_ratings_disagree_only_when_one_says_required_and_another_not_needed(given, disagree):
    assert ratings_disagree(given) is disagree


@pytest.fixture
def moving(services):
    """The sample project with two requirements: #1 rated 必須 by 税務課 and 不要 by 福祉課; #2 agreed."""
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=TOKYO), tick=False), services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d for d in session.exec(select(Department))}
        first = create_requirement(
            session,
            project_id=project.id,
            department_id=dept["zeimu"].id,
            proposed_by="U02ZEIMU",
            text="転出届の内容を税務課にも共有する",
            effect="税務課が転出者を手入力で確認している",
        )
        rate(session, first, department_id=dept["zeimu"].id, user_id="U02ZEIMU", rating="required")
        rate(session, first, department_id=dept["fukushi"].id, user_id="U04FUKUSHI", rating="not_needed")
        rate(session, first, department_id=dept["shimin"].id, user_id="U01SHIMIN", rating="nice")
        second = create_requirement(
            session,
            project_id=project.id,
            department_id=None,
            proposed_by="U10LEAD",
            text="申請の電子化",
            effect="紙の転記が続く",
        ).id
    with time_machine.travel(dt.datetime(2026, 11, 18, 15, tzinfo=TOKYO), tick=False), services.session() as session:
        assert decide(session, session.get(Requirement, second), status=AGREED, reason="全部署で必要", user_id="U10LEAD")
    return project.id


def test_awaiting_agreement_lists_open_requirements_with_who_disagrees_and_who_has_not_rated(services, moving):
    with services.session() as session:
        found = awaiting_agreement(session, moving)
    assert [(r.id, disagreeing, unrated) for r, disagreeing, unrated in found] == [
        (1, ["税務課", "福祉課"], ["国民健康保険課", "子育て支援課", "情報政策課"])
    ]


def test_disagreements_name_each_side_and_leave_decided_requirements_out(services, moving):
    with services.session() as session:
        [item] = disagreements(session, moving)
    assert (item.number, item.required, item.not_needed) == (1, ["税務課"], ["福祉課"])


def test_the_requirements_table_has_every_requirement_with_its_ratings_by_department(services, moving):
    with services.session() as session:
        board = requirements_table(session, moving)
    assert board.departments == ["市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"]
    assert [(r.number, r.status, r.department, r.ratings, r.disagrees) for r in board.rows] == [
        (1, "proposed", "税務課", {"税務課": "required", "福祉課": "not_needed", "市民課": "nice"}, True),
        (2, "agreed", "", {}, False),
    ]
    assert board.rows[1].reason == "全部署で必要" and board.rows[1].decided_at is not None


def test_the_requirements_sheet_has_a_column_per_department_and_real_dates(services, moving, tmp_path):
    with time_machine.travel(dt.datetime(2026, 11, 20, 17, tzinfo=TOKYO), tick=False), services.session() as session:
        path = make_report(
            session,
            session.get(Project, moving),
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 20),
            out=tmp_path / "report.xlsx",
            calendar=BusinessCalendar(),
            project_file=services.project_file,
            t=Translator("ja"),
        )
    wb = load_workbook(path)
    assert "要件" in wb.sheetnames
    ws = wb["要件"]
    header = [c.value for c in ws[1]]
    assert header == [
        "No.",
        "要件",
        "業務への影響",
        "提案部署",
        "提案者",
        "状態",
        "理由",
        "市民課",
        "税務課",
        "国民健康保険課",
        "福祉課",
        "子育て支援課",
        "情報政策課",
        "登録日",
        "決定日",
    ]
    rows = [dict(zip(header, row)) for row in ws.iter_rows(min_row=2) if any(c.value is not None for c in row)]
    first, second = rows
    assert [first[k].value for k in ("No.", "提案部署", "提案者", "状態", "市民課", "税務課", "福祉課")] == [
        1,
        "税務課",
        "鈴木 一郎",
        "提案",
        "あれば良い",
        "必須",
        "不要",
    ]
    assert first["国民健康保険課"].value == "未評価" and first["決定日"].value is None  # not rated is said, not blank
    assert [second[k].value for k in ("提案部署", "提案者", "状態", "理由")] == [
        "プロジェクトのリーダー",
        "山本 直子",
        "合意",
        "全部署で必要",
    ]
    assert first["登録日"].value == dt.datetime(2026, 11, 16) and second["決定日"].value == dt.datetime(2026, 11, 18)
    assert first["登録日"].number_format == DATE_STYLES["both"].date


def test_a_project_without_requirements_has_no_requirements_sheet(services, tmp_path):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        path = make_report(
            session,
            project,
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 20),
            out=tmp_path / "report.xlsx",
            calendar=BusinessCalendar(),
            project_file=services.project_file,
            t=Translator("ja"),
        )
    assert "要件" not in load_workbook(path).sheetnames


def test_a_decisions_reason_is_guarded_in_storage_too(services, moving):
    from storage.guard import ResidentsDataRefused

    with services.session() as session:
        with pytest.raises(ResidentsDataRefused):
            decide(session, session.get(Requirement, 1), status="on_hold", reason="住民 123456789018 の件", user_id="U10LEAD")
        session.rollback()
        assert session.get(Requirement, 1).status == "proposed"
        assert decide(session, session.get(Requirement, 1), status="on_hold", reason="予算\x00待ち", user_id="U10LEAD")
        assert session.get(Requirement, 1).reason == "予算待ち"


def test_two_leads_deciding_at_once_one_wins(services, moving):
    import threading

    barrier, outcomes = threading.Barrier(2), []

    def lead(status: str) -> None:
        with services.session() as session:
            requirement = session.get(Requirement, 1)
            barrier.wait()
            outcomes.append(decide(session, requirement, status=status, reason="同時に", user_id="U10LEAD"))

    threads = [threading.Thread(target=lead, args=(status,)) for status in ("agreed", "dropped")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
