"""Rules of the weekly digest and of the project's phase, pinned down where mutation testing found them loose.

The digest (commands.digest.build_digest, made by commands.report.digest_for) puts the neediest department first:
the longest wait, and among equal waits the department others wait on before the one waiting, then the most overdue
issues; the rollout's sections come as hearings awaiting answers, requirements awaiting agreement, the next review or
test; the week's wins listed are its latest ten. A project is in operation (運用, storage.phases.in_operation) only in
the phase `operate`: the stand-up job that applies follows it (reminders/jobs/standup.py wrong_phase).

Every moment is stated with time_machine: the sample project's week of 11/14-11/20 (2026), its digest made on
Friday 11/20 at 17:00; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands.report import digest_for
from reminders.calendar import BusinessCalendar
from reminders.firing import fire
from storage.hearings import create_hearing
from storage.issues import NewIssue, create_issue
from storage.models import Department, Project
from storage.phases import PHASES, in_operation, set_phase
from storage.requirements import create_requirement
from storage.uat import add_session
from storage.wins import create_win

TOKYO = ZoneInfo("Asia/Tokyo")
T = Translator("ja")
MADE = dt.datetime(2026, 11, 20, 17, tzinfo=TOKYO)  # Friday: the digest of the week 11/14-11/20
FILED = dt.datetime(2026, 11, 16, 10, tzinfo=TOKYO)  # Monday: a wait filed then is 4 business days old at MADE
DUE = dt.date(2026, 11, 18)  # a due date passed by MADE
NAMES = {  # renkei.yml's departments, in its order (the order among equals)
    "shimin": "市民課",
    "zeimu": "税務課",
    "kokuho": "国民健康保険課",
    "fukushi": "福祉課",
    "kosodate": "子育て支援課",
    "it": "情報政策課",
}


def file_issue(services, slug: str, title: str, *, on: str | None = None, due: dt.date | None = None) -> None:
    """An issue filed by `slug` on FILED, waiting on department `on`, due `due`."""
    with services.session() as session, time_machine.travel(FILED, tick=False):
        project = session.exec(select(Project)).one()
        dept = {d.slug: d.id for d in session.exec(select(Department))}
        create_issue(
            session=session,
            issue_in=NewIssue(
                project_id=project.id,
                department_id=dept[slug],
                reporter_id="U99ADMIN",
                title=title,
                waiting_on_id=dept[on] if on else None,
                due_date=due,
            ),
        )


def digest(services) -> tuple[str, list[dict]]:
    """The digest made at MADE: its text and blocks."""
    with services.session() as session, time_machine.travel(MADE, tick=False):
        project = session.exec(select(Project)).one()
        return digest_for(session, project, project_file=services.project_file, calendar=BusinessCalendar(), t=T)


def table_order(text: str) -> list[str]:
    """The departments of the digest's table (部署別の状況), top to bottom."""
    table = text.split("*部署別の状況*")[1].split("*今週の小さな成功*")[0]
    return [words[0] for line in table.splitlines() if (words := line.split()) and words[0] in NAMES.values()]


def attention_order(text: str) -> list[str]:
    """The departments of the digest's attention section (まず確認が必要な部署), top to bottom."""
    section = text.split("*まず確認が必要な部署*")[1].split("\n\n")[0]
    return re.findall(r"^• \*(.+?)\*:", section, flags=re.MULTILINE)


def in_order(slugs: list[str]) -> list[str]:
    return [NAMES[slug] for slug in slugs]


# Each row: the issues filed (department, waiting on, due date), and the departments' order in the digest. renkei.yml
# lists the department with fewer overdue issues first, so an order by fewest (or none) would show.
OVERDUE_ORDER = [
    pytest.param(
        [("shimin", None, DUE), ("zeimu", None, DUE), ("zeimu", None, DUE)],
        ["zeimu", "shimin", "kokuho", "fukushi", "kosodate", "it"],
        id="two-overdue-before-one",
    ),
    pytest.param(
        [("shimin", None, DUE), ("zeimu", None, DUE), ("zeimu", None, DUE), *[("kokuho", None, DUE)] * 3],
        ["kokuho", "zeimu", "shimin", "fukushi", "kosodate", "it"],
        id="three-two-one",
    ),
    pytest.param(
        [("it", None, DUE)],
        ["it", "shimin", "zeimu", "kokuho", "fukushi", "kosodate"],
        id="one-overdue-before-none",
    ),
    pytest.param(  # both wait 4 days on 情報政策課 (first: others wait on it); 税務課's wait is overdue too
        [("shimin", "it", None), ("zeimu", "it", DUE), ("shimin", None, None)],
        ["it", "zeimu", "shimin", "kokuho", "fukushi", "kosodate"],
        id="equal-waits-then-most-overdue",
    ),
    pytest.param(  # the longest wait still comes first: 国民健康保険課 waits, 市民課 has two overdue issues
        [("kokuho", "fukushi", None), ("shimin", None, DUE), ("shimin", None, DUE)],
        ["fukushi", "kokuho", "shimin", "zeimu", "kosodate", "it"],
        id="a-wait-before-overdue",
    ),
]


@pytest.mark.parametrize(("issues", "expected"), OVERDUE_ORDER)
def test_digest_order_by_need_puts_the_most_overdue_department_first(services, issues, expected):
    """Rule: digest order by need — among departments with equal waits, the one with MOST overdue issues comes first
    (in the table and in the attention section), after the longest wait."""
    for n, (slug, on, due) in enumerate(issues, 1):
        file_issue(services, slug, f"課題{n}", on=on, due=due)
    text, _ = digest(services)
    assert table_order(text) == in_order(expected)
    listed = attention_order(text)
    assert listed == [name for name in in_order(expected) if name in listed]  # the same order, those with reasons
    overdue = {slug for slug, _, due in issues if due}
    assert set(in_order(sorted(overdue))) <= set(listed)


# Each row: who waits on whom (4 business days); the order in the digest. Both orders of renkei.yml are tried.
EQUAL_WAITS_ORDER = [
    pytest.param("shimin", "zeimu", ["zeimu", "shimin", "kokuho", "fukushi", "kosodate", "it"], id="waiter-listed-first"),
    pytest.param("zeimu", "shimin", ["shimin", "zeimu", "kokuho", "fukushi", "kosodate", "it"], id="waited-on-listed-first"),
    pytest.param("kokuho", "it", ["it", "kokuho", "shimin", "zeimu", "fukushi", "kosodate"], id="waiter-listed-far-before"),
]


@pytest.mark.parametrize(("waiting", "waited_on", "expected"), EQUAL_WAITS_ORDER)
def test_among_equal_waits_the_department_others_wait_on_comes_first(services, waiting, waited_on, expected):
    """Rule: among departments with equal waits, the department OTHERS wait on comes before the waiting one (it is
    the one to ask), whatever renkei.yml's order."""
    file_issue(services, waiting, "回答をお願いします", on=waited_on)
    text, _ = digest(services)
    assert table_order(text) == in_order(expected)
    assert attention_order(text) == in_order([waited_on, waiting])  # both 4 days: past the nudge
    assert f"• *{NAMES[waited_on]}*: 回答を待たれている課題 1 件（最長 4 営業日）" in text
    assert f"• *{NAMES[waiting]}*: 回答待ち 1 件（最長 4 営業日）" in text


STEP_TITLES = ["*ヒアリングの回答待ち*", "*合意待ちの要件*", "*次の設計レビュー・受入テスト*"]


def test_rollout_sections_hearings_before_requirements_before_the_next_session(services):
    """Rule: the digest's rollout sections come in the rollout's order — hearings awaiting answers BEFORE
    requirements awaiting agreement, then the next review or test — after what needs attention, before the table."""
    with services.session() as session, time_machine.travel(FILED, tick=False):
        project = session.exec(select(Project)).one()
        create_hearing(session, project_id=project.id, title="現状の困りごと", questions=["problems"], started_by="U10LEAD")
        create_requirement(
            session, project_id=project.id, department_id=None, proposed_by="U10LEAD", text="転出情報の共有", effect="-"
        )
        add_session(
            session,
            project_id=project.id,
            title="転入画面の受入テスト",
            kind="test",
            starts_at=dt.datetime(2026, 11, 26, 14, tzinfo=TOKYO),
            place=None,
            created_by="U10LEAD",
        )
    text, blocks = digest(services)
    titles = ["*まず確認が必要な部署*", *STEP_TITLES, "*部署別の状況*"]
    places = [text.index(title) for title in titles]
    assert places == sorted(places), [title for _, title in sorted(zip(places, titles))]
    sections = {title: text.split(title)[1].split("\n\n")[0] for title in STEP_TITLES}
    assert "現状の困りごと" in sections["*ヒアリングの回答待ち*"]
    assert "転出情報の共有" in sections["*合意待ちの要件*"]
    assert "転入画面の受入テスト" in sections["*次の設計レビュー・受入テスト*"]
    block_texts = [b["text"]["text"] for b in blocks if b.get("type") == "section" and "text" in b]
    starts = [next(i for i, t in enumerate(block_texts) if t.startswith(title)) for title in titles]
    assert starts == sorted(starts) and len(set(starts)) == len(titles)


def test_the_weeks_wins_listed_are_the_latest_ten(services):
    """Rule: the digest lists the week's LATEST ten wins (oldest of them first), not its first ten."""
    with services.session() as session:
        project = session.exec(select(Project)).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        mine = {"project_id": project.id, "department_id": shimin.id, "reporter_id": "U01SHIMIN"}
        for n in range(1, 13):  # 12 wins, 11/16 09:00 to 11/20 12:00, every 9 hours: all in the week
            with time_machine.travel(FILED + dt.timedelta(hours=9 * (n - 1) - 1), tick=False):
                create_win(session=session, text=f"成果{n:02d}", **mine)
    text, _ = digest(services)
    wins = text.split("*今週の小さな成功*")[1].split("\n\n")[0]
    assert re.findall(r"成果\d\d", wins) == [f"成果{n:02d}" for n in range(3, 13)]


# Which stand-up rhythm applies in each phase: the usual `standup:<project>` (standup.cron, daily) until launch, the
# after-launch `standup:<project>:operate` (operation.standup, weekly) in 運用 only.
USUAL, AFTER_LAUNCH = "standup:moving", "standup:moving:operate"
RHYTHM = {"prepare": USUAL, "design": USUAL, "build": USUAL, "test": USUAL, "operate": AFTER_LAUNCH}
FIRES = {  # a business-day moment of each job's cron
    USUAL: dt.datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO),  # Tuesday; the sample's 30 9 * * mon-fri
    AFTER_LAUNCH: dt.datetime(2026, 12, 7, 9, 30, tzinfo=TOKYO),  # Monday; operation.standup's 30 9 * * mon
}


def test_the_rhythm_table_names_every_phase():
    """Rule: in_operation — the table below states a rhythm for every phase code, in PHASES' order."""
    assert tuple(RHYTHM) == PHASES


@pytest.mark.parametrize("job", [USUAL, AFTER_LAUNCH])
@pytest.mark.parametrize("phase", PHASES)
def test_in_operation_only_in_operate_and_the_stand_up_rhythm_of_each_phase(synced, phase, job):
    """Rule: in_operation is true only in the 運用 phase (`operate`): in every other phase (テスト included) the
    usual stand-up is sent and the after-launch one skipped (`before_launch`); in 運用 the reverse (`after_launch`)."""
    with synced.session() as session, time_machine.travel(dt.datetime(2026, 11, 20, 18, tzinfo=TOKYO), tick=False):
        project = session.exec(select(Project)).one()
        set_phase(session, project, phase)
        assert (project.phase, in_operation(project)) == (phase, phase == "operate")
    with time_machine.travel(FIRES[job] + dt.timedelta(minutes=1), tick=True):
        result = fire(synced, job, FIRES[job])
    if RHYTHM[phase] == job:
        assert (result.status, result.channels, result.reason) == ("delivered", len(NAMES), "")
    else:
        assert (result.status, result.reason) == ("skipped", "before_launch" if job == AFTER_LAUNCH else "after_launch")
