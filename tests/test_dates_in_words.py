"""Dates as people write them (commands.dates.read_date): relative days and weeks, month/day with or without the
year, full-width digits, 令和; a date that can be read two ways is asked back, never guessed. Then the same words
through /meeting, /uat, the console's clock and form, and `renkei export` (on SQLite and PostgreSQL where a database
is involved)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot import interactions
from bot.console import run_console
from bot.i18n import Translator
from storage.db import make_engine
from storage.models import Meeting, UatSession
from words.dates import AmbiguousDate, ambiguous_text, read_date

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = dt.date(2026, 12, 7)  # the tests' own today
WEEKDAYS = "月火水木金土日"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("今日", "2026-12-07"),
        ("明日", "2026-12-08"),
        ("明後日", "2026-12-09"),
        ("あさって", "2026-12-09"),
        ("今週金曜", "2026-12-11"),
        ("来週水曜", "2026-12-16"),
        ("来週の水曜日", "2026-12-16"),
        ("再来週月曜", "2026-12-21"),
        ("来月1日", "2027-01-01"),  # across the year
        ("今月の25日", "2026-12-25"),
        ("12/10", "2026-12-10"),
        ("１２月１０日", "2026-12-10"),  # full-width, as a Japanese keyboard types it
        ("2026/12/10", "2026-12-10"),
        ("2026-12-10", "2026-12-10"),
        ("2026年12月10日", "2026-12-10"),
        ("令和8年12月10日", "2026-12-10"),
        ("令和８年１２月１０日", "2026-12-10"),
        ("R8.12.10", "2026-12-10"),
        ("令和元年5月1日", "2019-05-01"),
        ("1月8日", "2027-01-08"),  # typed in December: next January's
        ("3/31", "2027-03-31"),
    ],
)
def test_dates_as_people_write_them(written, meant):
    assert read_date(written, MONDAY) == dt.date.fromisoformat(meant)


@pytest.mark.parametrize(
    "written", ["2月30日", "13/1", "平成32年1月1日", "令和0年1月1日", "来週", "水曜の次", "2026-12-10T10:00", ""]
)
def test_what_is_no_date_is_none(written):
    assert read_date(written, MONDAY) is None


@pytest.mark.parametrize(
    ("today", "written", "readings"),
    [
        ("2026-12-09", "来週日曜", ("2026-12-13", "2026-12-20")),  # weeks from Sunday (a wall calendar) or Monday
        ("2026-12-13", "来週水曜", ("2026-12-16", "2026-12-23")),  # typed on a Sunday: tomorrow's week, or the next
        ("2026-12-07", "12/5", ("2026-12-05", "2027-12-05")),  # two days ago, or next year's
    ],
)
def test_a_date_read_two_ways_is_asked_back_with_both(today, written, readings):
    with pytest.raises(AmbiguousDate) as asked:
        read_date(written, dt.date.fromisoformat(today))
    assert asked.value.readings == tuple(dt.date.fromisoformat(day) for day in readings)
    question = ambiguous_text(Translator("ja"), asked.value)
    first, second = asked.value.readings
    assert f"「{written}」は" in question and f"{first.year}年{first.month}月{first.day}日" in question
    assert f"{second.year}年{second.month}月{second.day}日" in question and "日付で書いてください" in question


def test_a_fiscal_year_date_without_its_year_lies_in_this_fiscal_year():
    assert read_date("4/1", MONDAY, fiscal=True) == dt.date(2026, 4, 1)
    assert read_date("3/31", MONDAY, fiscal=True) == dt.date(2027, 3, 31)
    assert read_date("4/1", dt.date(2027, 2, 1), fiscal=True) == dt.date(2026, 4, 1)  # still fiscal 2026 in February


@given(today=st.dates(dt.date(2020, 1, 1), dt.date(2060, 12, 31)), ahead=st.integers(0, 300))
def test_a_day_ahead_written_any_way_reads_back_as_itself(today, ahead):
    day = today + dt.timedelta(days=ahead)
    written = [f"{day.month}/{day.day}", f"{day.month}月{day.day}日", f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日"]
    if day >= dt.date(2019, 5, 1):
        written.append(f"令和{day.year - 2018}年{day.month}月{day.day}日")
    for text in written:
        assert read_date(text, today) == day, text


@given(
    today=st.dates(dt.date(2020, 1, 1), dt.date(2060, 12, 31)), weekday=st.integers(0, 6), weeks=st.sampled_from(["今週", "来週"])
)
def test_a_weekday_of_this_or_next_week_is_that_weekday_ahead_or_asked(today, weekday, weeks):
    try:
        day = read_date(f"{weeks}{WEEKDAYS[weekday]}曜", today)
    except AmbiguousDate as asked:
        assert all(d.weekday() == weekday and d >= today for d in asked.readings)
        return
    assert day is not None and day.weekday() == weekday
    if weeks == "来週":
        assert 0 < (day - today).days <= 13


# --- through the commands ------------------------------------------------------------------------------------------


def slash(services, command: str, text: str, user: str = "U10LEAD") -> str:
    said: list[str] = []
    interactions.slash(
        services,
        user_id=user,
        channel_id=None,
        command=command,
        text=text,
        trigger_id="t",
        ack=lambda **kwargs: said.append(kwargs.get("text") or ""),
        respond=lambda **kwargs: said.append(kwargs.get("text") or ""),
    )
    return said[0]


def test_meetings_and_acceptance_tests_take_dates_in_words_and_ask_back_what_reads_two_ways(synced):
    with time_machine.travel(dt.datetime(2026, 12, 9, 11, 0, tzinfo=TOKYO), tick=True):  # a Wednesday
        slash(synced, "/meeting", "add 転出連携の打合せ 来週木曜 10時")
        slash(synced, "/uat", "add 転入画面の受入テスト 明後日 14:00 テスト")
        asked = slash(synced, "/meeting", "add 日曜の打合せ 来週日曜 10:00")
        unread = slash(synced, "/uat", "add 画面設計 来週の月曜じゃなく 10:00")
    with synced.session() as session:
        [meeting] = session.exec(select(Meeting).where(Meeting.title == "転出連携の打合せ")).all()
        [test] = session.exec(select(UatSession)).all()
        assert meeting.starts_at.replace(tzinfo=dt.timezone.utc) == dt.datetime(2026, 12, 17, 10, 0, tzinfo=TOKYO)
        assert test.starts_at.replace(tzinfo=dt.timezone.utc) == dt.datetime(2026, 12, 11, 14, 0, tzinfo=TOKYO)
        assert session.exec(select(Meeting).where(Meeting.title == "日曜の打合せ")).all() == []  # asked, not stored
    assert "2026年12月13日（日）" in asked and "2026年12月20日（日）" in asked
    assert "読めません" in unread and "来週水曜 14:00" in unread  # the example is relative: it never passes


def play(settings, script: str, at: dt.datetime) -> str:
    lines: list[str] = []
    with time_machine.travel(at, tick=False):
        run_console(settings, user="U01SHIMIN", stdin=io.StringIO(script), out=lines.append)
    return "\n".join(lines)


def test_the_consoles_clock_and_date_fields_take_words(settings, tmp_path):
    settings = settings.model_copy(update={"slack_bot_token": None, "renkei_reports_dir": str(tmp_path / "reports")})
    friday = dt.datetime(2026, 12, 4, 8, 0, tzinfo=TOKYO)
    output = play(settings, ":time 明日 09:31\n:time 来週月曜 09:00\n:time +1d\n:time 17:00\n:quit\n", friday)
    assert "時刻を 2026-12-05(土) 09:31 に進めました" in output
    assert "2026-12-07(月) 09:00" in output and "2026-12-08(火) 09:00" in output and "2026-12-08(火) 17:00" in output
    assert "時刻の進め方" not in output  # every line was understood
    assert output.index("コンソール内の現在時刻: 2026-12-04(金) 08:00") < output.index("時刻を")  # said at the start
    assert "（送信なし: 知らせる相手がいませんでした（対象なし））" in output  # a job that found nothing says so

    output = play(settings, "/issue\n様式の確認\n\n1\n\n\n来週金曜\n:quit\n", friday)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        from storage.models import Issue

        [issue] = session.exec(select(Issue)).all()
    engine.dispose()
    assert issue.due_date == dt.date(2026, 12, 11), output


def test_an_issue_typed_with_a_due_date_in_words_keeps_it_and_a_bad_one_changes_nothing(synced):
    from storage.models import Issue

    with time_machine.travel(dt.datetime(2026, 12, 9, 11, 0, tzinfo=TOKYO), tick=True):  # a Wednesday
        filed = slash(synced, "/issue", "様式の確認 to:zeimu 期限：来週金曜", user="U01SHIMIN")
        unread = slash(synced, "/issue", "様式の再確認 期限:そのうち", user="U01SHIMIN")
        past = slash(synced, "/issue", "様式の再確認 期限:昨日より前 期限:12/1", user="U01SHIMIN")
        gone = slash(synced, "/issue", "様式の再確認 期限:2026/12/1", user="U01SHIMIN")
    with synced.session() as session:
        [issue] = session.exec(select(Issue)).all()
    assert (issue.title, issue.due_date) == ("様式の確認", dt.date(2026, 12, 18)), filed
    assert "「そのうち」は期限の日付として読めません" in unread and "期限:来週金曜" in unread
    assert "期限（期限:）が2つ" in past
    assert "期限に過去の日付は指定できません" in gone


def test_a_hearing_takes_its_deadline_in_words_names_it_on_cards_and_reminders_and_refuses_a_bad_one(synced, fakeslack):
    from reminders.firing import fire
    from storage.models import Hearing

    with time_machine.travel(dt.datetime(2026, 12, 9, 11, 0, tzinfo=TOKYO), tick=True):  # a Wednesday
        started = slash(synced, "/hearing", "start 窓口の現状 締切：来週金曜")
        past = slash(synced, "/hearing", "start 窓口の現状 締切:12/8")
        closed = slash(synced, "/hearing", "start 窓口の現状 締切:来週土曜")
        unread = slash(synced, "/hearing", "start 窓口の現状 締切:近いうち")
        synced.gateway.flush_pending()
    with synced.session() as session:
        [hearing] = session.exec(select(Hearing)).all()
    assert (hearing.title, hearing.deadline) == ("窓口の現状", dt.date(2026, 12, 18)), started
    assert "12/8" in past and "2026年12月8日" in past  # just past: asked back (this year's, or next year's)
    assert "締め切りの2026年12月19日（土）は土日です" in closed
    assert "「近いうち」は締め切りの日付として読めません" in unread
    [card, *_] = fakeslack.calls_to("chat.postMessage", ok_only=True)
    assert "締め切り: 2026年12月18日（金）" in card.params["text"] and "締め切りの2026年12月18日（金）まで" in card.params["text"]

    def reminder_on(day: dt.datetime) -> str:
        with time_machine.travel(day + dt.timedelta(minutes=1), tick=True):
            fire(synced, "hearing:moving", day)
            synced.gateway.flush_pending()
        return fakeslack.calls_to("chat.postMessage", ok_only=True)[-1].params["text"]

    assert "締め切りは2026年12月18日（金）です" in reminder_on(dt.datetime(2026, 12, 10, 10, 0, tzinfo=TOKYO))
    posted = len(fakeslack.calls_to("chat.postMessage", ok_only=True))
    passed = reminder_on(dt.datetime(2026, 12, 21, 10, 0, tzinfo=TOKYO))  # after the deadline: the leads, once
    assert "締め切り（2026年12月18日（金））を過ぎました" in passed and "/hearing close" in passed
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == posted + 1  # no department is reminded
    reminder_on(dt.datetime(2026, 12, 24, 10, 0, tzinfo=TOKYO))
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == posted + 1  # and the leads are told once
    with synced.session() as session:
        from commands.report import digest_for
        from reminders.calendar import BusinessCalendar
        from storage.models import Project

        with time_machine.travel(dt.datetime(2026, 12, 25, 16, 0, tzinfo=TOKYO), tick=False):
            digest, _ = digest_for(
                session,
                session.exec(select(Project)).one(),
                project_file=synced.project_file,
                calendar=BusinessCalendar(),
                t=Translator("ja"),
            )
    assert "締め切りの 12/18 を過ぎています" in digest and "/hearing close" in digest


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("明日 09:31", "2026-12-08T09:31"),
        ("来週月曜 9時", "2026-12-14T09:00"),
        ("昨日 9時半", "2026-12-06T09:30"),
        ("17:00", "2026-12-07T17:00"),
        ("明後日", "2026-12-09T11:20"),  # a day alone: the same time of day as now
        ("2026-12-02T09:30", "2026-12-02T09:30"),
        ("2026-12-02 09:30", "2026-12-02T09:30"),
        ("2026/12/02 09:30", "2026-12-02T09:30"),
        ("next friday 10:00", "2026-12-18T10:00"),  # next week's, as 来週金曜
        ("来週 水曜 14時", "2026-12-16T14:00"),
    ],
)
def test_moments_as_people_write_them(written, meant):
    from words.dates import read_moment

    now = dt.datetime(2026, 12, 7, 11, 20, tzinfo=TOKYO)
    assert read_moment(written, now) == dt.datetime.fromisoformat(meant).replace(tzinfo=TOKYO)


@pytest.mark.parametrize("written", ["そのうち", "明日 25:00", "明日 来週 9時", "", "9時 明日"])
def test_what_is_no_moment_is_none(written):
    from words.dates import read_moment

    assert read_moment(written, dt.datetime(2026, 12, 7, 11, 20, tzinfo=TOKYO)) is None


def test_jobs_run_at_takes_a_moment_in_words_and_says_how_to_write_one_it_cannot_read(synced, cli_environment):
    from typer.testing import CliRunner

    from bot.cli import cli

    with time_machine.travel(dt.datetime(2026, 12, 8, 11, 0, tzinfo=TOKYO), tick=True):  # a Tuesday
        ran = CliRunner().invoke(cli, ["jobs", "run", "standup:moving", "--at", "昨日 9時半"])
        bad = CliRunner().invoke(cli, ["jobs", "run", "standup:moving", "--at", "きのうの朝"])
    assert ran.exit_code == 0 and "2026-12-07 09:30" in ran.output, ran.output
    assert bad.exit_code == 2 and "今日 09:30" in bad.output and "2026-12-08T09:30" in bad.output, bad.output


def test_a_command_run_again_by_its_department_button_asks_back_a_date_that_now_reads_two_ways(synced):
    """`/issue … 期限:来週月曜` typed on a Saturday is one day; its department chosen with a button on the Sunday, the
    words read two ways (weeks from Monday or from Sunday): the presser is asked, nothing is stored."""
    from sqlmodel import select as sql_select

    from storage.models import Department, Issue, RoleAssignment

    with synced.session() as session:  # U66TWO speaks for two departments: /issue asks which, with buttons
        for slug in ("shimin", "zeimu"):
            department = session.exec(sql_select(Department).where(Department.slug == slug)).one()
            session.add(RoleAssignment(user_id="U66TWO", role="liaison", department_id=department.id, source="approved"))
        session.commit()
    asked: list[dict] = []
    with time_machine.travel(dt.datetime(2026, 12, 12, 10, 0, tzinfo=TOKYO), tick=True):  # a Saturday
        interactions.slash(
            synced,
            user_id="U66TWO",
            channel_id=None,
            command="/issue",
            text="様式の確認 期限:来週月曜",
            trigger_id="t",
            ack=lambda **kwargs: asked.append(kwargs),
            respond=lambda **kwargs: asked.append(kwargs),
        )
    [button] = [
        e for b in asked[0].get("blocks") or [] if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "市民課"
    ]
    said: list[str] = []
    with time_machine.travel(dt.datetime(2026, 12, 13, 10, 0, tzinfo=TOKYO), tick=True):  # the Sunday
        interactions.button(
            synced,
            user_id="U66TWO",
            channel_id=None,
            action_id=button["action_id"],
            value=button["value"],
            trigger_id="t",
            respond=lambda **kwargs: said.append(kwargs.get("text") or ""),
        )
    assert any("2026年12月14日（月）" in text and "2026年12月21日（月）" in text for text in said), said
    with synced.session() as session:
        assert session.exec(sql_select(Issue)).all() == []
