"""Stand-up answers are shared: in the thread of the day's prompt, in the leads' roll-up, and updated, not replaced."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reminders.firing import fire
from tests.conftest import channel_id, post_slash, wait_for

TOKYO = ZoneInfo("Asia/Tokyo")
PROMPT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO)  # a Tuesday, a business day


@pytest.fixture
def app(synced, http_app):
    return http_app


def posts(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def prompt_ts(fakeslack, name: str) -> str:
    """The ts Slack gave the day's prompt in that channel."""
    channel = fakeslack.channel_named(name)
    assert channel is not None
    [prompt] = [m for m in channel.messages if "朝会（12/01）" in (m["text"] or "")]
    return prompt["ts"]


def test_an_answer_with_a_blocker_is_posted_in_the_prompts_thread_and_in_the_leads_rollup(app, fakeslack, synced):
    with time_machine.travel(PROMPT + dt.timedelta(minutes=5), tick=True):
        assert fire(synced, "standup:moving", PROMPT).status == "delivered"
        wait_for(lambda: posts(fakeslack, "moving-shimin"))
        thread = prompt_ts(fakeslack, "moving-shimin")
        reply = post_slash(app, "/standup", "今日: 連携テスト 困っていること: 税務課の回答待ち", user="U01SHIMIN").json()
        assert (
            "「税務課の回答待ち」を税務課への依頼（回答待ち）として課題に登録しますか" in reply["text"]
        )  # the marker counts anywhere on the line
        wait_for(lambda: len(posts(fakeslack, "moving-shimin")) == 2)
        answer = posts(fakeslack, "moving-shimin")[1]
        assert answer.params.get("thread_ts") == thread
        assert "<@U01SHIMIN> さんの朝会の回答（市民課、12/01）" in answer.params["text"]
        assert "困っていること: 税務課の回答待ち" in answer.params["text"]
    with time_machine.travel(PROMPT + dt.timedelta(hours=3, minutes=1), tick=True):
        assert fire(synced, "standup-remind:moving", PROMPT + dt.timedelta(hours=3)).status == "delivered"
        wait_for(lambda: posts(fakeslack, "moving-leads"))
    [rollup] = posts(fakeslack, "moving-leads")
    lines = rollup.params["text"].splitlines()
    assert lines[0] == "*引越しワンストップ化の朝会のまとめ（12/01）*"
    shimin = lines.index("• 市民課: 回答 1/1 人 ・ 未回答 なし")
    assert lines[shimin + 1] == "    ◦ 困っていること（佐藤 花子 さん）: 税務課の回答待ち"  # under its department
    assert "• 税務課: 回答 0/1 人 ・ 未回答 鈴木 一郎" in lines


def test_without_a_prompt_that_day_the_answer_goes_in_the_channel(app, fakeslack):
    with time_machine.travel(PROMPT, tick=True):
        post_slash(app, "/standup", "今日: 様式の確認", user="U02ZEIMU")
        wait_for(lambda: posts(fakeslack, "moving-zeimu"))
    [answer] = posts(fakeslack, "moving-zeimu")
    assert "thread_ts" not in answer.params and "今日: 様式の確認" in answer.params["text"]


def test_a_second_answer_the_same_day_is_an_update_and_the_reply_says_so(app, fakeslack, synced):
    with time_machine.travel(PROMPT + dt.timedelta(minutes=5), tick=True):
        fire(synced, "standup:moving", PROMPT)
        wait_for(lambda: posts(fakeslack, "moving-zeimu"))
        first = post_slash(app, "/standup", "今日: 様式の確認", user="U02ZEIMU").json()["text"]
        assert "受け付けました" in first and "更新" not in first
        second = post_slash(app, "/standup", "今日: 資料作成", user="U02ZEIMU").json()["text"]
        assert "本日の回答を更新しました（税務課）" in second
        wait_for(lambda: len(posts(fakeslack, "moving-zeimu")) == 3)
    _, answer, update = posts(fakeslack, "moving-zeimu")
    assert answer.params["thread_ts"] == update.params["thread_ts"] == prompt_ts(fakeslack, "moving-zeimu")
    assert "今日: 様式の確認" in answer.params["text"]  # the first answer stays where it was
    assert "を更新しました" in update.params["text"] and "今日: 資料作成" in update.params["text"]
