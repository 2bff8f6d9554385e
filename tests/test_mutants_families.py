"""Smaller rules of the families, written against mutants that survived the suite: how each questionnaire words its
questions, where the 要件 sheet cuts a long text, what `/renkei phase` says and in which time zone, and which sessions
`/uat list` shows in which order. Called directly."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands import phase
from reports.req_sheet import TEXT_LIMIT, _cut
from storage.models import Project
from storage.uat import add_session, listed_sessions
from words.questions import hearing_question, retro_question, standup_question

T = Translator("ja")
UTC = dt.timezone.utc
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("label", "question", "worded"),
    [
        (standup_question, "yesterday", T("standup.q_yesterday")),
        (hearing_question, "problems", T("hearing.question.problems")),
        (retro_question, "better", T("retro.question.better")),
        (hearing_question, "better", "better"),  # another questionnaire's code is just words here
        (retro_question, "窓口で変わったこと", "窓口で変わったこと"),
    ],
)
def test_rule_a_default_question_is_worded_by_the_catalog_and_any_other_as_written(label, question, worded):
    assert label(T, question) == worded


def test_rule_the_requirement_sheet_cuts_a_text_past_its_limit_to_the_limit_with_an_ellipsis():
    assert _cut("要" * TEXT_LIMIT) == "要" * TEXT_LIMIT
    cut = _cut("要" * (TEXT_LIMIT + 1))
    assert cut == "要" * (TEXT_LIMIT - 1) + "…" and len(cut) == TEXT_LIMIT


def test_rule_phase_shows_the_project_the_phase_and_the_day_it_changed_in_the_offices_zone(synced):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        project.phase, project.phase_changed_at = "test", dt.datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 12/01 in Tokyo
        session.add(project)
        session.commit()
        reply = phase.handle(synced.context(session, user_id="U10LEAD", channel_id=None), [])
    first, second = reply.text.split("\n")
    assert first == T("phase.current", project="引越しワンストップ化", phase="テスト", since="2026/12/01")
    assert second.startswith(T("phase.how_to_change", choices="")[:6])
    with synced.session() as session:
        assert phase.handle(synced.context(session, user_id="U77OUT", channel_id=None), []).text != reply.text  # not a member


@pytest.mark.parametrize("machine_zone", ["UTC", "Asia/Tokyo"])
def test_rule_uat_list_shows_the_projects_sessions_not_cancelled_from_30_days_back_by_start(synced, machine_zone):
    """Whatever the machine's own zone (time_machine moves it to a ZoneInfo moment's; a UTC moment leaves it UTC)."""
    now = dt.datetime(2026, 11, 26, 10, tzinfo=TOKYO)
    moment = now if machine_zone == "Asia/Tokyo" else now.astimezone(UTC)
    with time_machine.travel(moment, tick=False), synced.session() as session:
        project = session.exec(select(Project)).one()

        def added(title: str, starts: dt.datetime, *, cancelled: bool = False, project_id: int | None = None):
            row = add_session(
                session,
                project_id=project_id or project.id,
                title=title,
                kind="test",
                starts_at=starts,
                place=None,
                created_by="U10LEAD",
            )
            row.cancelled = cancelled
            session.add(row)
            session.commit()
            return row

        other = Project(slug="other", name="別事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        later = added("後", now + dt.timedelta(days=2))
        edge = added("ちょうど30日前", now - dt.timedelta(days=30))
        added("31日前", now - dt.timedelta(days=30, seconds=1))
        added("中止", now + dt.timedelta(days=1), cancelled=True)
        added("別事業", now + dt.timedelta(days=1), project_id=other.id)
        same_a = added("同時刻A", now + dt.timedelta(days=1))
        same_b = added("同時刻B", now + dt.timedelta(days=1))
        listed = [row.title for row in listed_sessions(session, {project.id}, now)]
        assert listed == [edge.title, same_a.title, same_b.title, later.title]
        assert listed_sessions(session, {project.id}, now.astimezone(UTC)) == listed_sessions(session, {project.id}, now)


def test_rule_a_hearing_reminder_names_the_deadline_only_when_there_is_one_and_offers_the_answer_button():
    from commands import hearing
    from storage.models import Department, Hearing
    from words.dates import long_date

    shimin = Department(id=1, slug="shimin", name="市民課")
    open_ended = Hearing(id=4, project_id=1, title="現状", questions="[]", started_by="U10LEAD")
    text, blocks = hearing.reminder(T, open_ended, shimin)
    assert text == T("hearing.remind", heading=hearing.heading(T, open_ended), department="市民課", deadline="")
    [section, actions] = blocks
    assert section["text"]["text"] == text
    [button] = actions["elements"]
    assert (button["action_id"], button["value"], button["style"]) == (hearing.ANSWER_BUTTON, "4", "primary")
    dated = Hearing(id=4, project_id=1, title="現状", questions="[]", started_by="U10LEAD", deadline=dt.date(2026, 12, 11))
    with_deadline, _ = hearing.reminder(T, dated, shimin)
    assert T("hearing.remind_deadline", day=long_date(T, dt.date(2026, 12, 11))) in with_deadline
    zeimu = Department(id=2, slug="zeimu", name="税務課")
    assert hearing.deadline_passed(T, dated, [shimin, zeimu]) == T(
        "hearing.deadline_passed_leads",
        heading=hearing.heading(T, dated),
        day=long_date(T, dt.date(2026, 12, 11)),
        departments="市民課、税務課",
        number=4,
    )


def test_rule_the_pinned_board_shows_the_title_each_requirement_the_hearing_by_department_and_when(synced):
    """The leads channel's pinned message (commands.board.blocks): its header is the project's, a line per requirement
    with its number, text (cut at 200) and state, the latest hearing with each department's answers by name (or
    未回答), and the time it was made, last; without requirements or hearing, the sentences saying how to start."""
    from commands import board
    from storage import hearings, requirements
    from storage.models import Department
    from words.names import Names

    with synced.session() as session:
        project = session.exec(select(Project)).one()
        names = Names(T, {"U01SHIMIN": "佐藤 花子"}, in_slack=True)
        title, empty = board.blocks(T, project, requirements.requirements_table(session, project.id), None, names, "12/01 10:00")
        assert title == T("board.title", project="引越しワンストップ化")
        assert empty[0]["text"]["text"] == title
        assert empty[1]["text"]["text"] == f"*{T('board.requirements')}*\n{T('board.no_requirements')}"
        assert empty[2]["text"]["text"] == f"*{T('board.hearing_none_title')}*\n{T('board.no_hearing')}"
        assert empty[-1]["text"]["text"] == "_12/01 10:00_"
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        requirements.create_requirement(
            session, project_id=project.id, department_id=shimin.id, proposed_by="U01SHIMIN", text="要" * 250, effect="手入力"
        )
        hearing = hearings.create_hearing(
            session, project_id=project.id, title="現状", questions=["problems"], started_by="U10LEAD"
        )
        hearings.save_answer(
            session, hearing_id=hearing.id, department_id=shimin.id, user_id="U01SHIMIN", answers={0: "二度手間"}
        )
        table, summary = requirements.requirements_table(session, project.id), hearings.latest_summary(session, project.id)
        _, full = board.blocks(T, project, table, summary, names, "12/01 10:00")
    texts = [b["text"]["text"] for b in full if b.get("type") in ("section", "header")]
    [line] = texts[1].split("\n")[1:]
    assert line.startswith("#1 " + "要" * 199 + "…") and "提案" in line
    shimin_part = next(text for text in texts if text.startswith("*市民課*"))
    assert shimin_part == f"*市民課*\n• {T('hearing.question.problems')}: 二度手間（佐藤 花子）"
    zeimu_part = next(text for text in texts if text.startswith("*税務課*"))
    assert zeimu_part == f"*税務課*\n{T('board.not_answered')}"
    assert texts[-1] == "_12/01 10:00_"


def test_rule_a_months_retrospective_answers_are_that_projects_and_that_months(synced):
    from storage.models import Department
    from storage.retrospectives import month_answers, save_retro

    with synced.session() as session:
        project = session.exec(select(Project)).one()
        other = Project(slug="other", name="別事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        for pid, month, text in (
            (project.id, dt.date(2026, 11, 1), "11月"),
            (project.id, dt.date(2026, 10, 1), "10月"),
            (other.id, dt.date(2026, 11, 1), "別"),
        ):
            save_retro(
                session, project_id=pid, department_id=shimin.id, user_id="U01SHIMIN", month=month, answers={"better": text}
            )
        found = month_answers(session, project.id, dt.date(2026, 11, 17))
        theirs = month_answers(session, other.id, dt.date(2026, 11, 30))  # (a project whose id is not 1)

    def said(answers):
        return [json.loads(a.answers)["better"] if isinstance(a.answers, str) else a.answers["better"] for a in answers]

    assert said(found) == ["11月"] and said(theirs) == ["別"]


def test_rule_replay_keys_older_than_a_day_go_and_the_count_is_exact(synced):
    from storage.models import HandledRequest
    from storage.requests import KEEP, prune

    now = dt.datetime(2026, 12, 7, 12, tzinfo=UTC)
    with synced.session() as session:
        assert prune(session, now) == 0
        for key, age in (("old", KEEP + dt.timedelta(seconds=1)), ("edge", KEEP), ("new", dt.timedelta(hours=1))):
            session.add(HandledRequest(key=key, user_id="U1", reply="{}", created_at=now - age))
        session.commit()
        assert prune(session, now) == 1
        assert sorted(r.key for r in session.exec(select(HandledRequest))) == ["edge", "new"]


def test_rule_phase_in_a_project_channel_is_refused_to_someone_outside_the_project(synced):
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        ctx = synced.context(session, user_id="U77OUT", channel_id=project.leads_channel_id)
        refused = phase.handle(ctx, []).text
        lead = phase.handle(synced.context(session, user_id="U10LEAD", channel_id=project.leads_channel_id), []).text
    assert refused.startswith("引越しワンストップ化に参加していないため、表示できません")
    assert lead.startswith("*引越しワンストップ化* の段階は")


def test_rule_a_retrospective_answer_is_refused_in_storage_when_it_holds_a_my_number_and_kept_once_as_written(synced):
    """Storage's own rules for 振り返り (a core upsert: the session's guard does not see it): a My Number is refused
    there too; a second answer of the same person and month replaces the first; the text is stored as written."""
    from storage.guard import ResidentsDataRefused
    from storage.models import Department, Retrospective
    from storage.retrospectives import save_retro

    with synced.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        key = {"project_id": project.id, "department_id": shimin.id, "user_id": "U01SHIMIN", "month": dt.date(2026, 11, 9)}
        with pytest.raises(ResidentsDataRefused) as refused:
            save_retro(session, **key, answers={"better": "住民 1234 5678 9018 の件"})
        assert refused.value.where == "retrospective answer"
        session.rollback()
        first, replaced = save_retro(session, **key, answers={"better": "待ち時間が減った"})
        second, replaced_again = save_retro(session, **key, answers={"better": "窓口が空いた"})
        assert (replaced, replaced_again, first.id) == (False, True, second.id)
        session.expire_all()  # (the upsert is a core statement: read the row as stored)
        [row] = session.exec(select(Retrospective)).all()
        assert row.answers == '{"better": "窓口が空いた"}'  # readable, not \\u escapes


@pytest.mark.parametrize(
    ("standup", "operation_standup", "expected"),
    [
        (True, None, "phase.standup_ends"),  # weekly stand-ups end after launch
        (False, "30 9 * * mon", ""),  # no stand-ups before, none after
    ],
)
def test_rule_going_live_says_what_happens_to_the_stand_ups(synced, standup, operation_standup, expected):
    spec = synced.project_file.projects[0]
    operation = spec.operation.model_copy(update={"standup": operation_standup})
    spec = spec.model_copy(update={"operation": operation} | ({} if standup else {"standup": None}))
    with synced.session() as session:
        ctx = synced.context(session, user_id="U10LEAD", channel_id=None)
        said = phase.changes(ctx, spec, "operate", "test")
        back = phase.changes(ctx, spec, "test", "operate")
    from words.durations import schedule_text

    retro = schedule_text(T, spec.operation.retrospective)
    assert said == T("phase.rhythm_operate", standup=T(expected) if expected else "", retro=retro)
    assert back == T(
        "phase.rhythm_back", standup=T("phase.standup_back", schedule=schedule_text(T, spec.standup.cron)) if standup else ""
    )


def test_rule_a_digest_run_later_is_the_digest_of_its_own_friday(synced, fakeslack):
    """`renkei jobs run digest:moving --at` the Friday, run on the Monday after: the digest covers the week up to that
    Friday (from the day after the previous one), not the days up to the Monday; the result names the Friday."""
    from reminders.firing import fire

    friday = dt.datetime(2026, 12, 4, 16, 0, tzinfo=TOKYO)
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO), tick=False):
        result = fire(synced, "digest:moving", friday)
    assert (result.status, result.scheduled_at) == ("delivered", friday)
    with synced.session() as session:
        leads = session.exec(select(Project)).one().leads_channel_id
    [posted] = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == leads]
    assert "11/28" in posted and "12/04" in posted and "12/07" not in posted, posted


def test_rule_hearing_answers_in_storage_are_refused_with_a_my_number_kept_per_person_and_read_back_by_each_key(synced):
    """storage.hearings (core upserts the session's guard does not see): a My Number is refused there too; each
    person's answers are read back by hearing, department and person; a number no id can be is no hearing; a closed
    hearing refuses an answer naming itself."""
    from storage import hearings
    from storage.guard import ResidentsDataRefused
    from storage.models import Department

    with synced.session() as session:
        project = session.exec(select(Project)).one()
        shimin, zeimu = (session.exec(select(Department).where(Department.slug == s)).one() for s in ("shimin", "zeimu"))
        one = hearings.create_hearing(session, project_id=project.id, title="現状", questions=["problems"], started_by="U10LEAD")
        two = hearings.create_hearing(session, project_id=project.id, title="次", questions=["problems"], started_by="U10LEAD")
        with pytest.raises(ResidentsDataRefused) as refused:
            hearings.save_answer(
                session, hearing_id=one.id, department_id=shimin.id, user_id="U01SHIMIN", answers={0: "1234 5678 9018"}
            )
        assert refused.value.where == "hearing answer"
        session.rollback()
        for hearing, department, user, text in (
            (one, shimin, "U01SHIMIN", "一"),
            (two, shimin, "U01SHIMIN", "二"),
            (one, zeimu, "U02ZEIMU", "三"),
            (one, shimin, "U02ZEIMU", "四"),
        ):
            hearings.save_answer(session, hearing_id=hearing.id, department_id=department.id, user_id=user, answers={0: text})
        assert hearings.answer_of(session, one.id, shimin.id, "U01SHIMIN") == {0: "一"}
        assert hearings.answer_of(session, two.id, shimin.id, "U01SHIMIN") == {0: "二"}
        assert hearings.answer_of(session, one.id, zeimu.id, "U02ZEIMU") == {0: "三"}
        assert hearings.answer_of(session, one.id, shimin.id, "U02ZEIMU") == {0: "四"}
        assert [hearings.get_hearing(session, n) for n in (0, -1, 2**31)] == [None, None, None]
        assert hearings.get_hearing(session, one.id).id == one.id


def test_rule_a_meetings_agenda_is_the_projects_and_the_longest_waits_come_first(synced):
    """storage.agenda: another project's open issues do not count; waits by business days, longest first, then by
    number."""
    from reminders.calendar import BusinessCalendar
    from storage import issues
    from storage.agenda import agenda
    from storage.models import Department

    calendar = BusinessCalendar()
    with synced.session() as session:
        project = session.exec(select(Project)).one()
        other = Project(slug="other", name="別事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        shimin, zeimu = (session.exec(select(Department).where(Department.slug == s)).one() for s in ("shimin", "zeimu"))
        made = {}
        for title, pid, days in (
            ("新しい", project.id, 1),
            ("古い", project.id, 6),
            ("別事業の", other.id, 9),
            ("同じ古さ", project.id, 6),
        ):
            row = issues.create_issue(
                session=session,
                issue_in=issues.NewIssue(project_id=pid, department_id=shimin.id, reporter_id="U01SHIMIN", title=title),
            )
            row.waiting_on_id, row.created_at = zeimu.id, dt.datetime(2026, 11, 30, 1, tzinfo=UTC) - dt.timedelta(days=days)
            session.add(row)
            session.commit()
            made[title] = row.id
        result = agenda(
            session, project.id, today=dt.date(2026, 11, 30), timezone="Asia/Tokyo", business_days=calendar.business_days_between
        )
        assert sum(count for _, count in result.open_by_department) == 3
        numbers = [w.number for w in result.oldest_waiting]
        assert made["別事業の"] not in numbers
        assert numbers[:2] == sorted([made["古い"], made["同じ古さ"]]) and numbers[-1] == made["新しい"]


def test_rule_the_requirements_sheet_has_its_widths_and_each_columns_kind(services, tmp_path):
    """The 要件 sheet as a manager prints it: No. narrow and centred, the requirement, its effect, the proposing
    department and the proposer wrapped in their widths, the state centred, the reason wrapped, one centred column per
    department."""
    from openpyxl import load_workbook

    from commands.report import make_report
    from reminders.calendar import BusinessCalendar
    from storage import requirements
    from storage.models import Department

    with time_machine.travel(dt.datetime(2026, 11, 2, 10, tzinfo=TOKYO), tick=False), services.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        requirements.create_requirement(
            session, project_id=project.id, department_id=shimin.id, proposed_by="U01SHIMIN", text="転出" * 40, effect="手入力"
        )
    with time_machine.travel(dt.datetime(2026, 11, 30, 17, tzinfo=TOKYO), tick=False), services.session() as session:
        path = make_report(
            session,
            session.exec(select(Project)).one(),
            start=dt.date(2026, 11, 1),
            end=dt.date(2026, 11, 30),
            out=tmp_path / "report.xlsx",
            calendar=BusinessCalendar(),
            project_file=services.project_file,
            t=T,
        )
    ws = load_workbook(path)["要件"]
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert widths == [5, 30, 30, 12, 12, 8, 24, 9]
    row = next(ws.iter_rows(min_row=2, max_row=2))
    kinds = [
        ("center" if c.alignment.horizontal == "center" else "") + ("wrap" if c.alignment.wrap_text else "") for c in row[:8]
    ]
    assert kinds == ["center", "wrap", "wrap", "wrap", "wrap", "center", "wrap", "center"]
