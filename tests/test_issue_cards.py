"""Issue 14, point 1: every change to an issue updates all its cards in place and tells who it concerns.

Through signed requests against fakeslack, on SQLite and PostgreSQL: two liaisons (市民課, 税務課) and IT.
"""

from __future__ import annotations

import json

import pytest

from commands.issue_blocks import ESCALATE, IT_TAKE, RESOLVE, TAKE
from tests.conftest import channel_id, click, post_slash, wait_for
from tests.test_issue_flow import posts_to, report


@pytest.fixture
def app(synced, http_app):
    return http_app


def card_ts(fakeslack, name: str, number: int, kind: str = "card") -> str:
    """The ts of issue `number`'s card in channel `name`, found by the outbox key the gateway puts in its metadata."""
    cid = channel_id(fakeslack, name)
    key = f"issue:{number}:{kind}:{cid}"
    channel = fakeslack.channel_named(name)
    [ts] = [m["ts"] for m in channel.messages if ((m.get("metadata") or {}).get("event_payload") or {}).get("key") == key]
    return ts


def updates_of(fakeslack, name: str, ts: str) -> list:
    cid = channel_id(fakeslack, name)
    return [
        c for c in fakeslack.calls_to("chat.update", ok_only=True) if c.params.get("channel") == cid and c.params.get("ts") == ts
    ]


def buttons(call) -> list[str]:
    return [e["action_id"] for b in call.params.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def text_of(call) -> str:
    return json.dumps(call.params.get("blocks") or [], ensure_ascii=False) + call.params.get("text", "")


def dms_to(fakeslack, user: str) -> list[str]:
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == user]


def zeimu_issue(app, fakeslack) -> None:
    """税務課 (U02ZEIMU) files an issue waiting on 市民課; its cards reach both channels."""
    report(app, fakeslack, text="課税データの様式が決まらない to:shimin", user="U02ZEIMU", channel="moving-zeimu")
    wait_for(lambda: posts_to(fakeslack, "moving-zeimu") and posts_to(fakeslack, "moving-shimin"))


def test_shimin_resolving_zeimus_issue_updates_both_cards_and_tells_the_reporter(app, fakeslack):
    zeimu_issue(app, fakeslack)
    cards = {name: card_ts(fakeslack, name, 1) for name in ("moving-zeimu", "moving-shimin")}
    shimin = channel_id(fakeslack, "moving-shimin")
    text = post_slash(app, "/issue", "close 1 様式を共有しました", user="U01SHIMIN", channel=shimin).json()["text"]
    assert "解決済み" in text
    wait_for(lambda: all(updates_of(fakeslack, name, ts) for name, ts in cards.items()))
    for name, ts in cards.items():
        [update] = updates_of(fakeslack, name, ts)
        assert "状態: 解決済み" in text_of(update) and buttons(update) == []  # no stale button stays
    wait_for(lambda: any("解決済み" in t for t in dms_to(fakeslack, "U02ZEIMU")))
    [told] = [t for t in dms_to(fakeslack, "U02ZEIMU") if "#1" in t]
    assert "課税データの様式が決まらない" in told and "<@U01SHIMIN>" in told and "現在の状態: 解決済み" in told
    assert "解決のメモ: 様式を共有しました" in told  # how it was resolved, not only that it was (issue 23, point 3)
    # the other department's channel (税務課, where the change was not made) hears of it; 市民課's does not twice
    wait_for(lambda: any("更新されました" in c.params["text"] for c in posts_to(fakeslack, "moving-zeimu")))
    assert not any("更新されました" in c.params["text"] for c in posts_to(fakeslack, "moving-shimin"))


def test_taking_and_escalating_remove_the_buttons_that_no_longer_apply(app, fakeslack):
    zeimu_issue(app, fakeslack)
    ts = card_ts(fakeslack, "moving-shimin", 1)
    shimin = channel_id(fakeslack, "moving-shimin")
    click(app, TAKE, "1", user="U01SHIMIN", channel=shimin, response_url=fakeslack.response_url)
    wait_for(lambda: updates_of(fakeslack, "moving-shimin", ts))
    assert buttons(updates_of(fakeslack, "moving-shimin", ts)[-1]) == [RESOLVE, ESCALATE]
    post_slash(app, "/issue", "escalate 1 システムの項目が足りない", user="U01SHIMIN", channel=shimin)
    wait_for(lambda: len(updates_of(fakeslack, "moving-shimin", ts)) == 2)
    last = updates_of(fakeslack, "moving-shimin", ts)[-1]
    assert buttons(last) == [RESOLVE] and "IT部門に相談中" in text_of(last)


def test_its_answer_changes_the_status_words_and_removes_its_button(app, fakeslack):
    zeimu_issue(app, fakeslack)
    zeimu = channel_id(fakeslack, "moving-zeimu")
    post_slash(app, "/issue", "escalate 1 連携項目の追加が必要", user="U02ZEIMU", channel=zeimu)
    wait_for(lambda: posts_to(fakeslack, "moving-it"))
    it_ts = card_ts(fakeslack, "moving-it", 1, kind="escalated")
    it = channel_id(fakeslack, "moving-it")
    click(app, IT_TAKE, "1", user="U09IT", channel=it, response_url=fakeslack.response_url)
    wait_for(lambda: updates_of(fakeslack, "moving-it", it_ts))
    assert "IT部門で対応する" in text_of(updates_of(fakeslack, "moving-it", it_ts)[-1])  # not answered yet: it stays
    assert "#1 に回答しました" in post_slash(app, "/issue", "answer 1 連携項目を追加しました", user="U09IT").json()["text"]
    wait_for(lambda: len(updates_of(fakeslack, "moving-it", it_ts)) == 2)
    answered = updates_of(fakeslack, "moving-it", it_ts)[-1]
    assert buttons(answered) == [] and "IT回答済み" in text_of(answered) and "IT部門に相談中" not in text_of(answered)
    zeimu_ts = card_ts(fakeslack, "moving-zeimu", 1)
    wait_for(lambda: any("IT回答済み" in text_of(u) for u in updates_of(fakeslack, "moving-zeimu", zeimu_ts)))
    shown = post_slash(app, "/issue", "show 1", user="U02ZEIMU").json()["text"]
    assert "IT回答済み" in shown and "IT部門に相談中" not in shown
    assert "IT回答済み" in post_slash(app, "/issue", "list", user="U02ZEIMU").json()["text"]
    wait_for(lambda: any("連携項目を追加しました" in t for t in dms_to(fakeslack, "U02ZEIMU")))
    # IT's button pressed again on the old card: nothing changes, the answer says where the issue stands
    click(app, IT_TAKE, "1", user="U09IT", channel=it, response_url=fakeslack.response_url)
    wait_for(lambda: any("すでに回答" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
    [said] = [c.params["text"] for c in fakeslack.calls_to("response_url") if "すでに回答" in c.params.get("text", "")]
    assert "現在の状態: 対応中・IT回答済み" in said


def test_a_button_on_a_stale_card_answers_with_the_state_now(app, fakeslack, services):
    zeimu_issue(app, fakeslack)
    post_slash(app, "/issue", "close 1", user="U02ZEIMU", channel=channel_id(fakeslack, "moving-zeimu"))
    shimin = channel_id(fakeslack, "moving-shimin")
    click(app, TAKE, "1", user="U01SHIMIN", channel=shimin, response_url=fakeslack.response_url)
    wait_for(lambda: any("すでに解決済み" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
    [said] = [c.params["text"] for c in fakeslack.calls_to("response_url") if "すでに解決済み" in c.params.get("text", "")]
    assert "現在の状態: 解決済み" in said
    wait_for(lambda: [c for c in fakeslack.calls_to("response_url") if c.params.get("replace_original")])
    [replaced] = [c for c in fakeslack.calls_to("response_url") if c.params.get("replace_original")]
    assert buttons(replaced) == [] and "状態: 解決済み" in text_of(replaced)
    with services.session() as session:
        from storage.models import Issue

        assert session.get(Issue, 1).assignee_id is None  # the stale 担当する did nothing


def test_a_leads_win_reaches_every_department(app, fakeslack, services):
    """Issue 14, point 4: a lead shares a win for the whole project from the leads channel; a liaison there may not."""
    from tests.test_issue_flow import DEPARTMENT_CHANNELS

    leads = channel_id(fakeslack, "moving-leads")
    said = post_slash(app, "/win", "定例会議の資料を1枚にまとめられた", user="U10LEAD", channel=leads).json()["text"]
    assert "7 チャンネル" in said
    wait_for(lambda: all(posts_to(fakeslack, name) for name in [*DEPARTMENT_CHANNELS, "moving-leads"]))
    for name in DEPARTMENT_CHANNELS:
        [post] = posts_to(fakeslack, name)
        assert "プロジェクトのリーダー" in post.params["text"] and "定例会議の資料を1枚にまとめられた" in post.params["text"]
    assert "プロジェクトのリーダー" in post_slash(app, "/win", "list", user="U10LEAD", channel=leads).json()["text"]
    asked = post_slash(app, "/win", "窓口が速くなった", user="U01SHIMIN", channel=leads).json()["text"]
    assert "どの部署として" in asked  # a liaison there shares no project win: they choose a department
