"""休暇・不在 (issue 23, point 6): `/standup 休暇 …` and the prompt's 今日は休み button record days off; a liaison away
is not reminded, not counted as missing in the status, the leads' roll-up and the report's participation, and is
shown as 休暇 there. Bad dates are explained and change nothing. Every test sets its own clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import func, select

from commands.standup import AWAY_BUTTON
from reminders.firing import fire
from storage.models import Absence, Project
from storage.summary import participation
from tests.conftest import channel_id, click, post_slash

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.datetime(2026, 12, 21, 9, 30, tzinfo=TOKYO)  # 12/24 is the Thursday of that week


@pytest.fixture
def app(synced, http_app):
    return http_app


def standup(app, text: str, user: str = "U01SHIMIN", when: dt.datetime = MONDAY) -> str:
    with time_machine.travel(when, tick=True):
        return post_slash(app, "/standup", text, user=user).json()["text"]


def absences(app) -> list[tuple[str, dt.date, dt.date]]:
    with app.services.session() as session:
        return [(a.user_id, a.first_day, a.last_day) for a in session.exec(select(Absence).order_by(Absence.id))]


def test_days_off_are_recorded_listed_and_cancelled(app):
    assert "登録されている休暇はありません" in standup(app, "休暇")
    recorded = standup(app, "休暇 12/24〜12/28")
    assert "12/24〜12/28 を休暇として登録しました" in recorded and "/standup 休暇 取消 12/24" in recorded
    assert absences(app) == [("U01SHIMIN", dt.date(2026, 12, 24), dt.date(2026, 12, 28))]
    assert "12/24〜12/28 を休暇" in standup(app, "休み 12月24日から12月26日")  # inside the first: not stored twice
    assert len(absences(app)) == 1
    assert "登録されている休暇: 12/24〜12/28" in standup(app, "休暇")
    assert "12/23 を含む休暇は登録されていません" in standup(app, "休暇 取消 12/23")
    assert "休暇 12/24〜12/28 を取り消しました" in standup(app, "休暇 取消 12/25")
    assert absences(app) == []


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("休暇 そのうち", "「そのうち」を日付として読めませんでした"),
        ("休暇 12/28〜12/24", "終わりの日（12/24）が始めの日（12/28）より前です"),
        ("休暇 2026/12/1〜2026/12/18", "過ぎた日は休暇として登録できません"),
        ("休暇 12/22〜2027-04-30", "一度に登録できる休暇は 92 日まで"),
    ],
)
def test_bad_days_off_are_explained_and_nothing_is_stored(app, typed, expected):
    assert expected in standup(app, typed)
    assert absences(app) == []


def test_a_liaison_away_is_not_reminded_not_missing_and_shown_away(app, fakeslack):
    standup(app, "休暇 12/24〜12/28", user="U01SHIMIN")
    thursday = dt.datetime(2026, 12, 24, 12, 30, tzinfo=TOKYO)
    assert fire(app.services, "standup-remind:moving", thursday).status == "delivered"
    shimin = channel_id(fakeslack, "moving-shimin")
    texts = {c.params["channel"]: c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True)}
    assert shimin not in texts  # 市民課's only liaison is away: nobody to remind there
    assert "<@U02ZEIMU>" in texts[channel_id(fakeslack, "moving-zeimu")]
    rollup = texts[channel_id(fakeslack, "moving-leads")]
    assert "市民課: 回答 0/0 人 ・ 未回答 なし ・ 休暇 佐藤 花子" in rollup
    status = standup(app, "status", user="U10LEAD", when=thursday)
    assert "市民課: 0/0 人 ・ 回答済み なし ・ 未回答 なし ・ 休暇 佐藤 花子" in status
    assert "税務課: 0/1 人" in status


def test_participation_does_not_count_days_off_as_missing(app):
    standup(app, "休暇 12/24〜12/25", user="U01SHIMIN")
    standup(app, "今日: 窓口の確認", user="U01SHIMIN", when=dt.datetime(2026, 12, 22, 9, 30, tzinfo=TOKYO))
    with app.services.session() as session:
        project = session.exec(select(Project)).one()
        shown = participation(
            session,
            project,
            dt.date(2026, 12, 21),
            dt.date(2026, 12, 25),
            today=dt.date(2026, 12, 25),
            is_business_day=app.services.calendar.is_business_day,
        )
    row = next(r for r in shown.rows if r.department == "市民課")
    assert row.answered == [0, 1, 0, 0, 0] and row.expected == [1, 1, 1, 0, 0]  # 12/24 and 12/25: away
    assert row.rate == pytest.approx(1 / 3)


def test_the_prompts_button_records_today_for_a_liaison_only(app, fakeslack):
    with app.services.session() as session:
        project_id = session.exec(select(Project.id)).one()
    with time_machine.travel(MONDAY, tick=True):
        click(app, AWAY_BUTTON, str(project_id), user="U77OUT", channel="C1", response_url=fakeslack.response_url)
        click(app, AWAY_BUTTON, str(project_id), user="U02ZEIMU", channel="C1", response_url=fakeslack.response_url)
        app.settle()
    assert absences(app) == [("U02ZEIMU", MONDAY.date(), MONDAY.date())]
    said = [c.params.get("text", "") for c in fakeslack.calls_to("response_url")]
    assert any("12/21 を休暇として登録しました" in text for text in said)
    with app.services.session() as session:
        assert session.exec(select(func.count()).select_from(Absence)).one() == 1


def test_the_digest_and_the_workbook_show_the_days_off(app, tmp_path):
    from openpyxl import load_workbook

    from commands.report import digest_for, make_report

    standup(app, "休暇 12/24〜12/28", user="U01SHIMIN")
    services = app.services
    friday = dt.datetime(2026, 12, 18, 16, 0, tzinfo=TOKYO)
    with time_machine.travel(friday, tick=False), services.session() as session:
        project = session.exec(select(Project)).one()
        text, _ = digest_for(
            session, project, project_file=services.project_file, calendar=services.calendar, t=services.translator()
        )
        assert "休暇（今週と来週）" in text and "佐藤 花子（市民課）12/24〜12/28" in text
    with time_machine.travel(dt.datetime(2026, 12, 28, 18, 0, tzinfo=TOKYO), tick=False), services.session() as session:
        path = make_report(
            session,
            session.exec(select(Project)).one(),
            start=dt.date(2026, 12, 1),
            end=dt.date(2026, 12, 28),
            out=tmp_path / "report.xlsx",
            calendar=services.calendar,
            project_file=services.project_file,
            t=services.translator(),
        )
    sheet = load_workbook(path)["朝会"]
    notes = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("休暇")]
    assert notes == ["休暇（この日は回答を求めず、未回答に数えていません）: 佐藤 花子（市民課）12/24〜12/28"]


def test_after_launch_the_button_records_the_rest_of_the_week(app, fakeslack):
    from storage.models import Project as ProjectRow

    with app.services.session() as session:
        project = session.exec(select(ProjectRow)).one()
        project.phase = "operate"
        session.add(project)
        session.commit()
        project_id = project.id
    with time_machine.travel(MONDAY, tick=True):
        click(app, AWAY_BUTTON, str(project_id), user="U02ZEIMU", channel="C1", response_url=fakeslack.response_url)
        app.settle()
    assert absences(app) == [("U02ZEIMU", MONDAY.date(), dt.date(2026, 12, 27))]  # Monday to Sunday
