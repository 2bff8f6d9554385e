"""Meetings have participants (issue 23, point 4): who a meeting is for, where its reminders go, what agenda they
carry, and a warning when another meeting of the same departments is at the same time.

The sample project's 定例会議 (#1, renkei.yml, Wednesdays 10:00) is regular: every department, the full agenda.
Every test states its own clock: Tuesday 2026-12-01 09:00 in Tokyo for the commands.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import func, select

from reminders.firing import fire
from storage.issues import NewIssue, create_issue
from storage.models import Department, Meeting, Project
from storage.requirements import create_requirement, rate
from tests.conftest import channel_id, post_slash

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TOKYO)  # a Tuesday; the 定例会議 is tomorrow at 10:00
DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
SUZUKI, SATO, LEAD = "U02ZEIMU", "U01SHIMIN", "U10LEAD"  # 税務課's and 市民課's liaisons, the project's lead


@pytest.fixture
def app(synced, http_app):
    return http_app


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def meeting(app, text: str, user: str = LEAD, **kwargs) -> str:
    with time_machine.travel(NOW, tick=True):
        return post_slash(app, "/meeting", text, user=user, **kwargs).json()["text"]


def stored(services, title: str) -> Meeting:
    with services.session() as session:
        return session.exec(select(Meeting).where(Meeting.title == title, Meeting.cancelled == False)).one()  # noqa: E712


def meetings_count(services) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(Meeting)).one()


def department_ids(services) -> dict[str, int]:
    with services.session() as session:
        return {d.slug: d.id for d in session.exec(select(Department))}


def posts(fakeslack, name: str) -> list[str]:
    cid = channel_id(fakeslack, name)
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def fire_at(services, job_id: str, moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        return fire(services, job_id, moment)


# --- 1. who takes part: 参加:, the adding person's own department, 定例 --------------------------------------------


def test_without_participants_a_meeting_is_the_adding_persons_departments(app, synced):
    added = meeting(app, "add 転出連携の打合せ 水曜 10時 場所:第2会議室", user=SUZUKI)
    assert "会議 #2「転出連携の打合せ」を登録しました" in added and "（場所: 第2会議室）" in added
    assert "参加部署: 税務課（参加部署の指定がないため、登録した人の部署にしました" in added
    assert "/meeting edit 2 参加 市民課,税務課" in added
    ids = department_ids(synced)
    added_meeting = stored(synced, "転出連携の打合せ")
    assert (added_meeting.participants, added_meeting.regular) == (str(ids["zeimu"]), False)


def test_a_lead_of_no_department_adds_a_meeting_of_every_department_and_is_told_how_to_narrow_it(app, synced):
    added = meeting(app, "add 全体の打合せ 木曜 15時", user=LEAD)
    assert "参加部署: 全部署（参加部署の指定がなく、登録した人の部署もないため、全部署にしました" in added
    assert "/meeting edit 2 参加 定例" in added
    added_meeting = stored(synced, "全体の打合せ")
    assert (added_meeting.participants, added_meeting.regular) == (None, False)


@pytest.mark.parametrize(
    "typed",
    [
        "参加:市民課,税務課",
        "参加:shimin,zeimu",  # the slugs of renkei.yml
        "参加：市民課、税務課",  # full-width colon, the Japanese comma
        "参加:市民課，ｚｅｉｍｕ",  # a full-width comma and letters
        "参加:税務課, 市民課",  # a space after the comma
        "参加:市民課,市民課,税務課",  # a name twice counts once
    ],
)
def test_participants_are_named_by_department_names_or_slugs(app, synced, typed):
    added = meeting(app, f"add 転出連携の打合せ 木曜 10時 {typed}", user=SUZUKI)
    assert "を登録しました" in added and "参加部署: 市民課、税務課" in added and "登録した人の部署" not in added
    ids = department_ids(synced)
    assert stored(synced, "転出連携の打合せ").participants == ",".join(str(i) for i in sorted([ids["shimin"], ids["zeimu"]]))


def test_an_unknown_department_is_refused_with_the_projects_departments_and_nothing_is_stored(app, synced):
    before = meetings_count(synced)
    refused = meeting(app, "add 転出連携の打合せ 木曜 10時 参加:市民課,税務", user=SUZUKI)
    assert "「税務」という部署は、このプロジェクトにありません。" in refused
    assert "`参加:市民課,税務課` のことですか？" in refused  # the nearest department, in the list as typed
    for known in ("市民課（shimin）", "税務課（zeimu）", "国民健康保険課（kokuho）", "情報政策課（it）"):
        assert known in refused
    two = meeting(app, "add 転出連携の打合せ 木曜 10時 参加:総務課、企画課", user=SUZUKI)
    assert "「総務課」「企画課」という部署は、このプロジェクトにありません。" in two and "市民課（shimin）" in two
    assert "参加する部署を" in meeting(app, "add 転出連携の打合せ 木曜 10時 参加:", user=SUZUKI)
    both = meeting(app, "add 転出連携の打合せ 木曜 10時 定例 参加:市民課", user=SUZUKI)
    assert "`定例` と `参加:` は一緒に書けません" in both
    assert meetings_count(synced) == before


def test_teiri_after_the_time_makes_a_regular_meeting_but_a_title_may_hold_the_word(app, synced):
    added = meeting(app, "add 月曜の全体会議 月曜 9時 定例", user=SUZUKI)
    assert "会議 #2「月曜の全体会議」を登録しました" in added and "参加部署: 全部署（定例）" in added
    regular = stored(synced, "月曜の全体会議")
    assert (regular.regular, regular.participants, regular.cron) == (True, None, "0 9 * * mon")
    titled = meeting(app, "add 福祉 定例 金曜 9時", user="U04FUKUSHI")  # 定例 before the time is part of the title
    assert "「福祉 定例」を登録しました" in titled and "参加部署: 福祉課" in titled
    assert stored(synced, "福祉 定例").regular is False


# --- 4. the list (and `next`) and the card show the participants ----------------------------------------------------------


def test_the_list_shows_each_meetings_participants(app):
    meeting(app, "add 転出連携の打合せ 木曜 10時 参加:市民課,税務課", user=SUZUKI)
    meeting(app, "add 月曜の全体会議 月曜 9時 定例", user=SUZUKI)
    meeting(app, "add 全体の打合せ 金曜 15時", user=LEAD)
    lines = meeting(app, "list", user=SUZUKI).splitlines()
    [regular] = [line for line in lines if "定例会議" in line]
    [named] = [line for line in lines if "転出連携の打合せ" in line]
    [marked] = [line for line in lines if "月曜の全体会議" in line]
    [everyone] = [line for line in lines if "全体の打合せ" in line]
    assert regular.endswith("（参加部署: 全部署（定例））") and marked.endswith("（参加部署: 全部署（定例））")
    assert named.endswith("（参加部署: 市民課、税務課）")
    assert everyone.endswith("（参加部署: 全部署）")
    upcoming = meeting(app, "next", user=SUZUKI)
    assert "次の会議は #1「定例会議」" in upcoming and "参加部署: 全部署（定例）" in upcoming


# --- 2. reminders go to the participants only, with what concerns them -------------------------------------------


@pytest.fixture
def agenda_world(synced):
    """Open issues and a requirement in disagreement, from 2026-11-19: 市民課 waits on 税務課 (#1), 福祉課 waits on
    国民健康保険課 (#2); requirement #1 is 必須 for 税務課 and 不要 for 福祉課."""
    with time_machine.travel(at("2026-11-19", 10), tick=False), synced.session() as session:
        project = session.exec(select(Project)).one()
        ids = {d.slug: d.id for d in session.exec(select(Department))}
        for department, waiting_on, title in [
            ("shimin", "zeimu", "転出データの様式"),
            ("fukushi", "kokuho", "資格確認の手順"),
        ]:
            create_issue(
                session=session,
                issue_in=NewIssue(
                    project_id=project.id,
                    department_id=ids[department],
                    reporter_id="U01SHIMIN" if department == "shimin" else "U04FUKUSHI",
                    title=title,
                    waiting_on_id=ids[waiting_on],
                ),
            )
        requirement = create_requirement(
            session,
            project_id=project.id,
            department_id=ids["zeimu"],
            proposed_by=SUZUKI,
            text="転出届の内容を税務課にも自動で共有する",
            effect="毎月手入力で確認している",
        )
        rate(session, requirement, department_id=ids["zeimu"], user_id=SUZUKI, rating="required")
        rate(session, requirement, department_id=ids["fukushi"], user_id="U04FUKUSHI", rating="not_needed")
    return synced


def test_a_meetings_reminders_go_only_to_its_participants_with_the_issues_that_concern_them(app, agenda_world, fakeslack):
    meeting(app, "add 転出連携の打合せ 水曜 14時 場所:第2会議室", user=SUZUKI)  # 税務課 only (#2)
    result = fire_at(agenda_world, "meeting:moving:2:1d", at("2026-12-08", 14))
    assert (result.status, result.channels) == ("delivered", 1)
    [reminder] = posts(fakeslack, "moving-zeimu")
    assert "転出連携の打合せ" in reminder and "12/09(水) 14:00" in reminder and "（場所: 第2会議室）" in reminder
    assert "参加部署: 税務課" in reminder
    assert "参加部署に関係する未解決の課題（次の対応をする部署ごと）: 税務課 1件" in reminder  # asked by 市民課
    assert "#1 転出データの様式（市民課 → 税務課" in reminder
    assert "資格確認の手順" not in reminder  # 福祉課 and 国民健康保険課: not this meeting's
    assert "要件 #1" not in reminder  # the regular meeting settles the requirements
    assert all(posts(fakeslack, name) == [] for name in DEPARTMENT_CHANNELS if name != "moving-zeimu")


def test_a_meeting_nothing_concerns_gets_its_reminder_without_agenda(app, agenda_world, fakeslack):
    meeting(app, "add 子育ての打合せ 木曜 14時", user="U05KOSODATE")  # 子育て支援課 (#2): no issue of theirs
    result = fire_at(agenda_world, "meeting:moving:2:15m", at("2026-12-03", 13, 45))
    assert (result.status, result.channels) == ("delivered", 1)
    [reminder] = posts(fakeslack, "moving-kosodate")
    assert "子育ての打合せ" in reminder and "参加部署: 子育て支援課" in reminder
    assert "議題の材料" not in reminder and "未解決の課題" not in reminder
    assert all(posts(fakeslack, name) == [] for name in DEPARTMENT_CHANNELS if name != "moving-kosodate")


def test_a_meeting_of_two_departments_reaches_both_channels_and_counts_for_each(app, agenda_world, fakeslack):
    meeting(app, "add 資格の打合せ 木曜 14時 参加:福祉課,国民健康保険課", user=LEAD)
    result = fire_at(agenda_world, "meeting:moving:2:1d", at("2026-12-02", 14))
    assert (result.status, result.channels) == ("delivered", 2)
    for name in ("moving-fukushi", "moving-kokuho"):
        [reminder] = posts(fakeslack, name)
        assert "参加部署: 国民健康保険課、福祉課" in reminder  # in the order of renkei.yml
        assert "国民健康保険課 1件 ・ 福祉課 0件" in reminder  # one issue, counted where the ball is: 国保 is asked
        assert "#2 資格確認の手順（福祉課 → 国民健康保険課" in reminder and "転出データの様式" not in reminder
    assert all(posts(fakeslack, n) == [] for n in DEPARTMENT_CHANNELS if n not in ("moving-fukushi", "moving-kokuho"))


def test_regular_meetings_reach_every_department_with_the_full_agenda(app, agenda_world, fakeslack):
    meeting(app, "add 月曜の全体会議 月曜 9時 定例", user=SUZUKI)  # #2, regular by the marker
    for job, moment, title in [
        ("meeting:moving:1:1d", at("2026-12-01", 10), "定例会議"),  # renkei.yml's
        ("meeting:moving:2:1d", at("2026-12-04", 9), "月曜の全体会議"),
    ]:
        result = fire_at(agenda_world, job, moment)
        assert (result.status, result.channels) == ("delivered", 6)
        for name in DEPARTMENT_CHANNELS:
            [reminder] = [text for text in posts(fakeslack, name) if title in text]
            assert "参加部署: 全部署（定例）" in reminder
            assert "対応が必要な課題（次の対応をする部署ごと）: 市民課 0件 ・ 税務課 1件 ・ 国民健康保険課 1件" in reminder
            assert "転出データの様式" in reminder and "資格確認の手順" in reminder
            assert "要件 #1 転出届の内容を税務課にも自動で共有する: 必須 税務課 / 不要 福祉課" in reminder


def test_edit_names_the_participants_or_makes_the_meeting_regular(app, agenda_world, fakeslack):
    meeting(app, "add 転出連携の打合せ 木曜 14時", user=SUZUKI)  # 税務課 (#2)
    changed = meeting(app, "edit 2 参加 市民課 税務課", user=SUZUKI)
    assert "変更しました" in changed and "参加部署: 市民課、税務課" in changed
    assert "「総務課」という部署は" in meeting(app, "edit 2 参加 総務課", user=SUZUKI)
    assert "登録した人・リーダー・管理者" in meeting(app, "edit 2 参加 定例", user="U05KOSODATE")
    fire_at(agenda_world, "meeting:moving:2:1d", at("2026-12-02", 14))
    assert [bool(posts(fakeslack, n)) for n in DEPARTMENT_CHANNELS] == [True, True, False, False, False, False]
    assert "参加部署: 全部署（定例）" in meeting(app, "edit 2 参加 定例", user=SUZUKI)
    result = fire_at(agenda_world, "meeting:moving:2:1d", at("2026-12-09", 14))
    assert result.channels == 6
    assert "要件 #1" in posts(fakeslack, "moving-kosodate")[0]


# --- 3. a warning when another meeting of the same departments is at the same time -------------------------------


def test_a_meeting_in_the_regular_meetings_slot_is_added_with_a_warning(app, synced):
    added = meeting(app, "add 転出連携の打合せ 水曜 10時 場所:第2会議室", user=SUZUKI)
    assert "会議 #2「転出連携の打合せ」を登録しました" in added
    assert ":warning: 同じ時間に会議 #1「定例会議」（毎週水曜 10:00）があります。参加部署: 全部署（定例）" in added
    assert "/meeting edit 2 日時 <日時>" in added
    assert stored(synced, "転出連携の打合せ").cron == "0 10 * * wed"  # stored all the same
    half_past = meeting(app, "add 税務の確認 水曜 10時半", user=SUZUKI)  # starts within the hour of 10:00
    assert "会議 #1「定例会議」" in half_past and "会議 #2「転出連携の打合せ」（毎週水曜 10:00）" in half_past
    assert "参加部署: 税務課" in half_past
    assert "同じ時間に" not in meeting(app, "add 昼前の確認 水曜 11時半", user=SUZUKI)  # an hour after 10:30: no overlap


def test_a_one_off_meeting_is_checked_against_the_weekly_ones_on_its_day(app, synced):
    assert "会議 #1「定例会議」（毎週水曜 10:00）" in meeting(app, "add 説明会 12月9日 10:30", user=SATO)
    assert "同じ時間に" not in meeting(app, "add 木曜の説明会 12月10日 10:00", user=SATO)  # a Thursday
    assert "同じ時間に" not in meeting(app, "add 夕方の説明会 12月9日 15:00", user=SATO)
    assert "会議 #1「定例会議」" in meeting(app, "add 来年の説明会 2027-06-02 10:00", user=SATO)  # months ahead too
    assert "12/16 の回を休みにしました" in meeting(app, "skip 1 12月16日", user=LEAD)
    assert "同じ時間に" not in meeting(app, "add 休みの日の説明会 12月16日 10:00", user=SATO)  # no 定例会議 that day


def test_only_meetings_with_a_department_in_common_clash(app, synced):
    meeting(app, "add 税務の定例打合せ 木曜 14時", user=SUZUKI)  # weekly, 税務課 (#2)
    assert "同じ時間に" not in meeting(app, "add 市民課の打合せ 12月10日 14:00", user=SATO)  # 市民課 only
    shared = meeting(app, "add 合同の確認 12月10日 14:30 参加:福祉課,税務課", user=LEAD)
    assert ":warning: 同じ時間に会議 #2「税務の定例打合せ」（毎週木曜 14:00）があります。参加部署: 税務課" in shared
    assert "市民課の打合せ" not in shared


def test_a_weekly_meeting_is_checked_against_one_off_meetings_ahead(app, synced):
    meeting(app, "add 年末の確認 12月25日 15:00", user=SATO)  # a Friday, 市民課 (#2)
    weekly = meeting(app, "add 市民課の週次確認 金曜 15時", user=SATO)
    assert ":warning: 同じ時間に会議 #2「年末の確認」（2026-12-25(金) 15:00）があります。参加部署: 市民課" in weekly
    assert "同じ時間に" not in meeting(app, "add 金曜の準備 金曜 14時", user=SATO)  # ends as the other begins
    assert "同じ時間に" not in meeting(app, "add 税務の金曜会 金曜 15時", user=SUZUKI)  # 税務課: none in common
    again = meeting(app, "add 年末の別件 12月25日 15:00", user=SATO)  # one-off against one-off, and the weekly one
    assert "会議 #2「年末の確認」（2026-12-25(金) 15:00）" in again and "会議 #3「市民課の週次確認」（毎週金曜 15:00）" in again
    meeting(app, "add 来年度の説明会 2027-06-04 16:00", user=SATO)  # half a year ahead (#7)
    late = meeting(app, "add 市民課の夕方会 金曜 16時", user=SATO)  # its Friday slot meets that day, months ahead
    assert "会議 #7「来年度の説明会」（2027-06-04(金) 16:00）" in late


def test_moving_a_meeting_or_changing_its_participants_warns_too(app, synced):
    meeting(app, "add 転出連携の打合せ 木曜 10時", user=SUZUKI)  # 税務課 (#2)
    meeting(app, "add 市民課の打合せ 金曜 10時", user=SATO)  # 市民課 (#3)
    moved = meeting(app, "edit 2 日時 毎週水曜 10:00", user=SUZUKI)
    assert "変更しました" in moved and "会議 #1「定例会議」（毎週水曜 10:00）" in moved
    assert "同じ時間に" not in meeting(app, "edit 2 日時 毎週金曜 10:00", user=SUZUKI)  # 市民課's slot, 税務課's meeting
    joined = meeting(app, "edit 2 参加 税務課,市民課", user=SUZUKI)
    assert "会議 #3「市民課の打合せ」（毎週金曜 10:00）があります。参加部署: 市民課" in joined
    assert "同じ時間に" not in meeting(app, "edit 2 件名 転出と転入の打合せ", user=SUZUKI)  # only time and participants
