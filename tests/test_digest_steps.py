"""The weekly digest's sections for the rollout's steps (commands.report.rollout_sections): hearings awaiting answers,
requirements awaiting agreement with the departments that disagree, the next review and test, the week's 振り返り.

The sample project, stored through the storage functions the commands use; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands.report import digest_for
from reminders.calendar import BusinessCalendar
from storage.hearings import close_hearing, create_hearing, save_answer
from storage.models import Department, Project
from storage.requirements import create_requirement, decide, rate
from storage.retrospectives import save_retro
from storage.uat import add_session, save_signup

T = Translator("ja")
TOKYO = ZoneInfo("Asia/Tokyo")


def digest(services) -> str:
    with services.session() as session:
        project = session.exec(select(Project)).one()
        with time_machine.travel(dt.datetime(2026, 11, 27, 17, tzinfo=TOKYO), tick=False):
            text, blocks = digest_for(session, project, project_file=services.project_file, calendar=BusinessCalendar(), t=T)
    assert len(blocks) <= 50
    return text


def section(text: str, title: str) -> str:
    return text.split(title)[1].split("\n\n")[0]


def test_before_any_step_each_section_says_there_is_nothing_and_no_retrospective_section(services):
    text = digest(services)
    assert "回答待ちのヒアリングはありません。" in section(text, "*ヒアリングの回答待ち*")
    assert "合意を待っている要件はありません。" in section(text, "*合意待ちの要件*")
    assert "予定されている設計レビュー・受入テストはありません。" in section(text, "*次の設計レビュー・受入テスト*")
    assert "振り返り" not in text
    assert text.index("*まず確認が必要な部署*") < text.index("*ヒアリングの回答待ち*") < text.index("*部署別の状況*")


def test_each_step_names_who_is_awaited(services):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        dept = {d.slug: d for d in session.exec(select(Department))}
        lead = {"project_id": project.id, "started_by": "U10LEAD", "questions": ["problems"]}
        hearing = create_hearing(session, title="現状の困りごと", **lead)
        for slug in ("shimin", "zeimu", "kokuho", "kosodate", "it"):
            save_answer(session, hearing_id=hearing.id, department_id=dept[slug].id, user_id="U01SHIMIN", answers={0: "転記"})
        done = create_hearing(session, title="締切済み", **lead)
        close_hearing(session, done.id, "U10LEAD")
        split = create_requirement(
            session,
            project_id=project.id,
            department_id=dept["zeimu"].id,
            proposed_by="U02ZEIMU",
            text="転出情報の共有",
            effect="手入力",
        )
        rate(session, split, department_id=dept["zeimu"].id, user_id="U02ZEIMU", rating="required")
        rate(session, split, department_id=dept["fukushi"].id, user_id="U04FUKUSHI", rating="not_needed")
        agreed = create_requirement(
            session, project_id=project.id, department_id=None, proposed_by="U10LEAD", text="合意済みの要件", effect="-"
        )
        decide(session, agreed, status="agreed", reason="全課で必要", user_id="U10LEAD")
        test = add_session(
            session,
            project_id=project.id,
            title="転入画面の受入テスト",
            kind="test",
            starts_at=dt.datetime(2026, 12, 7, 14, tzinfo=TOKYO),
            place=None,
            created_by="U10LEAD",
        )
        save_signup(session, session_id=test.id, department_id=dept["shimin"].id, user_id="U01SHIMIN", attendees="佐藤")
        add_session(  # already past: not the next one
            session,
            project_id=project.id,
            title="先月のレビュー",
            kind="review",
            starts_at=dt.datetime(2026, 11, 2, 10, tzinfo=TOKYO),
            place=None,
            created_by="U10LEAD",
        )
        with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=TOKYO), tick=False):  # within the digest's week
            save_retro(
                session,
                project_id=project.id,
                department_id=dept["shimin"].id,
                user_id="U01SHIMIN",
                month=dt.date(2026, 11, 1),
                answers={"better": "待ち時間が減った", "hurts": ""},
            )
    text = digest(services)
    hearings = section(text, "*ヒアリングの回答待ち*")
    assert "ヒアリング #1「現状の困りごと」 未回答: 福祉課" in hearings and "締切済み" not in hearings
    requirements = section(text, "*合意待ちの要件*")
    assert "要件 #1 転出情報の共有" in requirements and "意見が分かれています（税務課、福祉課）" in requirements
    assert "未評価: 市民課、国民健康保険課、子育て支援課、情報政策課" in requirements and "合意済みの要件" not in requirements
    sessions = section(text, "*次の設計レビュー・受入テスト*")
    assert "転入画面の受入テスト" in sessions and "12-07" in sessions.replace("/", "-") and "先月のレビュー" not in sessions
    assert "参加登録済み: 市民課" in sessions
    assert "待ち時間が減った" in text


def test_after_launch_the_answer_rate_counts_the_days_the_weekly_prompt_was_sent(services):
    from storage.models import Delivery
    from storage.phases import set_phase
    from storage.standups import save_answer

    with services.session() as session:
        project = session.exec(select(Project)).one()
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one()
        with time_machine.travel(dt.datetime(2026, 11, 20, 18, tzinfo=TOKYO), tick=False):
            set_phase(session, project, "operate")
        # Monday 11/23 is 勤労感謝の日: the weekly prompt was moved to Tuesday, and sent
        prompt = dt.datetime(2026, 11, 24, 9, 30, tzinfo=TOKYO).astimezone(dt.timezone.utc)
        session.add(Delivery(job_id="standup:moving:operate", scheduled_at=prompt, status="done"))
        skipped = dt.datetime(2026, 11, 25, 9, 30, tzinfo=TOKYO).astimezone(dt.timezone.utc)
        session.add(Delivery(job_id="standup:moving", scheduled_at=skipped, status="skipped"))  # the daily one, after launch
        session.commit()
        save_answer(
            session,
            project_id=project.id,
            department_id=zeimu.id,
            user_id="U02ZEIMU",
            day=dt.date(2026, 11, 24),
            answers={"today": "確認"},
        )
    table = digest(services).split("*部署別の状況*")[1]
    [zeimu_row] = [line for line in table.splitlines() if line.startswith("税務課")]
    [fukushi_row] = [line for line in table.splitlines() if line.startswith("福祉課")]
    assert zeimu_row.split()[1] == "100%" and fukushi_row.split()[1] == "0%"  # one prompt in the week, not four days


def test_a_session_earlier_the_same_day_is_not_the_next_one(services):
    with services.session() as session:
        project = session.exec(select(Project)).one()
        lead = {"project_id": project.id, "place": None, "created_by": "U10LEAD", "kind": "test"}
        add_session(session, title="けさの受入テスト", starts_at=dt.datetime(2026, 11, 27, 10, tzinfo=TOKYO), **lead)
        add_session(session, title="来週の受入テスト", starts_at=dt.datetime(2026, 12, 3, 10, tzinfo=TOKYO), **lead)
    sessions = section(digest(services), "*次の設計レビュー・受入テスト*")  # made at 17:00 on 11/27
    assert "来週の受入テスト" in sessions and "けさの受入テスト" not in sessions
