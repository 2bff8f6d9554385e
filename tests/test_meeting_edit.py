"""`/meeting` beyond adding: a place, days off (`skip`), changes (`edit`), and closed days named ahead."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reminders.firing import fire
from tests.conftest import channel_id, post_slash

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def app(synced, http_app):
    return http_app


def at(day: str, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


def meeting(app, text: str, user: str = "U10LEAD") -> str:
    return post_slash(app, "/meeting", text, user=user).json()["text"]


def test_a_weekly_meeting_names_its_closed_days_ahead_and_a_skipped_day_sends_no_reminder(app, synced, fakeslack):
    with time_machine.travel(at("2026-12-01", 9), tick=True):
        added = meeting(app, "add 進捗会議 毎週水曜 10:00 場所：第3会議室")  # full-width colon too
        assert (
            "会議 #2「進捗会議」を登録しました" in added
            and "毎週水曜 10:00" in added
            and "15分前）（場所: 第3会議室）。" in added
        )
        assert "12月30日（年末年始の閉庁期間）" in added and "/meeting skip 2 <日付>" in added  # the coming clash
        skipped = meeting(app, "skip 2 12月9日")
        assert "12/9 の回を休みにしました" in skipped and "次回は 2026-12-02(水) 10:00" in skipped
        assert "すでに休み" in meeting(app, "skip 2 2026-12-09")
        assert "開催日ではありません" in meeting(app, "skip 2 12月10日")  # a Thursday
        assert "日付を書いてください" in meeting(app, "skip 2")
        assert "12/30 の回を休みにしました" in meeting(app, "skip 1 12月30日")  # the meeting of renkei.yml too
        assert "登録した人・リーダー・管理者" in meeting(app, "skip 2 12月16日", user="U05KOSODATE")
        listed = meeting(app, "list")
        assert "進捗会議" in listed and "（休み: 12/9）" in listed
    with time_machine.travel(at("2026-12-03", 9), tick=True):  # after the 2nd: the next is the 16th, not the 9th
        [line] = [line for line in meeting(app, "list").splitlines() if "進捗会議" in line]
        assert "2026-12-16(水) 10:00" in line
    shimin = channel_id(fakeslack, "moving-shimin")
    skipped = fire(synced, "meeting:moving:2:1d", at("2026-12-08", 10))  # the reminder of the 9th
    assert (skipped.status, skipped.reason) == ("skipped", "meeting_skipped")
    reminded = fire(synced, "meeting:moving:2:1d", at("2026-12-15", 10))
    assert reminded.status == "delivered"
    [text] = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == shimin]
    assert "進捗会議" in text and "12/16" in text and "（場所: 第3会議室）" in text


def test_edit_changes_one_thing_and_says_what_the_meeting_is_now(app, synced):
    with time_machine.travel(at("2026-12-01", 9), tick=True):
        meeting(app, "add 進捗会議 毎週水曜 10:00")
        moved = meeting(app, "edit 2 日時 毎週木曜 14時")
        assert "変更しました" in moved and "毎週木曜 14:00" in moved and "2026-12-03(木) 14:00" in moved
        assert "場所: 第2会議室" in meeting(app, "edit 2 場所 第2会議室")
        assert "場所" not in meeting(app, "edit 2 場所 なし")
        assert "「設計レビュー」" in meeting(app, "edit 2 件名 設計レビュー")
        assert "リマインド: 前日" in meeting(app, "edit 2 リマインド 前日")
        assert "変更する項目" in meeting(app, "edit 2 色 赤")
        assert "変更する項目" in meeting(app, "edit 2 日時")
        assert "日時として読めません" in meeting(app, "edit 2 日時 いつか そのうち")
        assert "年末年始" in meeting(app, "edit 2 日時 2026-12-30 10:00") and "--force" in meeting(
            app, "edit 2 日時 2026-12-30 10:00"
        )
        assert "登録した人・リーダー・管理者" in meeting(app, "edit 2 件名 勝手に", user="U05KOSODATE")
        assert "見つかりません" in meeting(app, "edit 99 件名 x")
        assert "renkei.yml で決められている" in meeting(app, "edit 1 件名 x")  # the regular meeting of the file
        listed = meeting(app, "list")
        assert "設計レビュー" in listed and "進捗会議" not in listed


def test_a_one_off_meeting_is_not_skipped_but_cancelled(app):
    with time_machine.travel(at("2026-12-01", 9), tick=True):
        meeting(app, "add 受入テスト 12月3日 14:00")
        assert "/meeting cancel 2" in meeting(app, "skip 2 12月3日")


def test_a_place_too_long_or_with_nothing_after_the_colon_is_refused(app):
    with time_machine.travel(at("2026-12-01", 9), tick=True):
        assert "空白を入れずに" in meeting(app, "add 会議 12月3日 14:00 場所:")
        assert "空白を入れずに" in meeting(app, "add 会議 12月3日 14:00 場所:" + "x" * 301)
        assert "会議 #" not in meeting(app, "list").split("予定されている会議")[-1].split("会議")[0]
