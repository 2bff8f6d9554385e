"""`/renkei phase`: the project's phase, set by its leads and announced; after launch (運用) the stand-ups follow
`operation.standup` (weekly) instead of `standup.cron` (daily), reminders included."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from reminders.firing import describe, fire, job_specs
from storage.models import Project
from tests.conftest import channel_id, post_slash, wait_for

TOKYO = ZoneInfo("Asia/Tokyo")
TUESDAY = dt.datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO)  # a business day; the sample's daily stand-up time
MONDAY = dt.datetime(2026, 12, 7, 9, 30, tzinfo=TOKYO)  # operation.standup's default: 30 9 * * mon
CHANNELS = ["moving-leads", "moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


@pytest.fixture
def app(synced, http_app):
    return http_app


def posts(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == cid]


def phase_of(services) -> tuple[str, dt.datetime | None]:
    with services.session() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
        return project.phase, project.phase_changed_at


def to_operation(app, fakeslack) -> str:
    reply = post_slash(app, "/renkei", "phase 運用", user="U10LEAD").json()["text"]
    wait_for(lambda: all(posts(fakeslack, name) for name in CHANNELS))
    return reply


def test_the_phase_is_shown_with_how_to_change_it(app):
    text = post_slash(app, "/renkei", "phase", user="U01SHIMIN").json()["text"]
    assert "*引越しワンストップ化* の段階は「準備」です（まだ変更されていません）。" in text
    assert "準備・設計・開発・テスト・運用" in text


def test_a_lead_moves_the_project_to_operation_and_every_channel_is_told_what_changes(app, fakeslack, synced):
    with time_machine.travel(dt.datetime(2026, 11, 26, 15, 0, tzinfo=TOKYO), tick=True):
        reply = to_operation(app, fakeslack)
    assert "*引越しワンストップ化* の段階を「運用」に変更し、7 チャンネルに知らせました。" in reply
    assert "朝会の呼びかけは毎週月曜 9:30になります。" in reply and "毎月1日 10:00（閉庁日は次の開庁日）に振り返り" in reply
    phase, since = phase_of(synced)
    assert phase == "operate" and since is not None
    for name in CHANNELS:
        [told] = posts(fakeslack, name)
        assert "「運用」の段階に入りました（「準備」から。変更: 山本 直子 さん）" in told.params["text"]
        assert "毎週月曜 9:30" in told.params["text"]
    shown = post_slash(app, "/renkei", "phase", user="U02ZEIMU").json()["text"]
    assert "の段階は「運用」です（2026/11/26 から）。" in shown


def test_the_same_phase_again_changes_and_announces_nothing(app, fakeslack, synced):
    to_operation(app, fakeslack)
    before = len(fakeslack.calls_to("chat.postMessage"))
    _, since = phase_of(synced)
    again = post_slash(app, "/renkei", "phase operate", user="U10LEAD").json()["text"]  # the English code too
    assert again == "*引越しワンストップ化* はすでに「運用」の段階です。何も変更していません。"
    assert phase_of(synced) == ("operate", since)
    assert len(fakeslack.calls_to("chat.postMessage")) == before


def test_back_before_launch_the_usual_rhythm_returns(app, fakeslack):
    to_operation(app, fakeslack)
    reply = post_slash(app, "/renkei", "phase テスト", user="U10LEAD").json()["text"]
    assert (
        "「テスト」に変更" in reply
        and "朝会の呼びかけは平日 9:30に戻ります。" in reply
        and "振り返りのお願いは止まります" in reply
    )


def test_a_phase_between_two_before_launch_ones_changes_no_rhythm(app):
    reply = post_slash(app, "/renkei", "phase 設計", user="U10LEAD").json()["text"]
    assert "「設計」に変更" in reply and "朝会などの予定は変わりません。" in reply


@pytest.mark.parametrize(
    "user, channel, expected",
    [
        ("U01SHIMIN", "moving-shimin", "*引越しワンストップ化* の段階を変更できるのは、リーダーと管理者です。"),
        ("U01SHIMIN", None, "段階を変更できるプロジェクトがありません。"),
    ],
)
def test_only_leads_change_the_phase(app, fakeslack, synced, user, channel, expected):
    where = {"channel": channel_id(fakeslack, channel)} if channel else {}
    before = len(fakeslack.calls_to("chat.postMessage"))
    reply = post_slash(app, "/renkei", "phase 運用", user=user, **where).json()["text"]
    assert reply.startswith(expected)
    assert phase_of(synced) == ("prepare", None)
    assert len(fakeslack.calls_to("chat.postMessage")) == before


def test_an_admin_changes_it_too(app, synced):
    assert "「開発」に変更" in post_slash(app, "/renkei", "phase 開発", user="U99ADMIN").json()["text"]
    assert phase_of(synced)[0] == "build"


def test_an_unknown_phase_lists_the_valid_ones_and_changes_nothing(app, synced):
    reply = post_slash(app, "/renkei", "phase 本番", user="U10LEAD").json()["text"]
    assert reply.startswith("「本番」という段階はありません。次のどれかを書いてください: 準備・設計・開発・テスト・運用")
    assert phase_of(synced) == ("prepare", None)
    assert "使い方" in post_slash(app, "/renkei", "phase 運用 すぐに", user="U10LEAD").json()["text"]
    assert phase_of(synced) == ("prepare", None)


def fired(services, job: str, at: dt.datetime):
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=True):
        return fire(services, job, at)


def test_before_launch_the_daily_stand_up_is_sent_and_the_weekly_one_is_not(app, fakeslack, synced):
    assert fired(synced, "standup:moving", TUESDAY).status == "delivered"
    wait_for(lambda: posts(fakeslack, "moving-zeimu"))
    weekly = fired(synced, "standup:moving:operate", MONDAY)
    assert (weekly.status, weekly.reason) == ("skipped", "before_launch")
    remind = fired(synced, "standup-remind:moving:operate", MONDAY + dt.timedelta(hours=3))
    assert (remind.status, remind.reason) == ("skipped", "before_launch")
    assert fired(synced, "standup-remind:moving", TUESDAY + dt.timedelta(hours=3)).status == "delivered"


def test_after_launch_the_tuesday_prompt_is_not_sent_and_the_monday_one_is(app, fakeslack, synced):
    to_operation(app, fakeslack)
    told = len(posts(fakeslack, "moving-zeimu"))
    daily = fired(synced, "standup:moving", TUESDAY)
    assert (daily.status, daily.reason) == ("skipped", "after_launch")
    remind = fired(synced, "standup-remind:moving", TUESDAY + dt.timedelta(hours=3))  # no reminder of an unsent prompt
    assert (remind.status, remind.reason) == ("skipped", "after_launch")
    assert len(posts(fakeslack, "moving-zeimu")) == told
    weekly = fired(synced, "standup:moving:operate", MONDAY)
    assert (weekly.status, weekly.channels) == ("delivered", 6)
    wait_for(lambda: len(posts(fakeslack, "moving-zeimu")) == told + 1)
    prompt = posts(fakeslack, "moving-zeimu")[-1].params["text"]
    assert "週次報告（12/07）" in prompt and "先週やったこと・今週やること" in prompt and "昨日" not in prompt
    blocks = json.dumps(posts(fakeslack, "moving-zeimu")[-1].params["blocks"], ensure_ascii=False)
    assert "今週は休み" in blocks and "今日は休み" not in blocks
    with time_machine.travel(MONDAY + dt.timedelta(minutes=5), tick=True):  # the answer goes in the weekly prompt's thread
        post_slash(app, "/standup", "今日: 窓口の運用確認", user="U02ZEIMU")
        wait_for(lambda: len(posts(fakeslack, "moving-zeimu")) == told + 2)
    assert posts(fakeslack, "moving-zeimu")[-1].params.get("thread_ts")
    with time_machine.travel(MONDAY + dt.timedelta(minutes=6), tick=True):  # its form asks about the week
        post_slash(app, "/standup", "", user="U02ZEIMU", channel=channel_id(fakeslack, "moving-zeimu"))
        wait_for(lambda: fakeslack.calls_to("views.open"))
    view = json.loads(fakeslack.calls_to("views.open")[-1].params["view"])
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert (view["title"]["text"], labels) == ("今週の報告", ["先週やったこと", "今週やること", "困っていること"])
    assert fired(synced, "standup-remind:moving:operate", MONDAY + dt.timedelta(hours=3)).status == "delivered"


def test_jobs_list_says_which_stand_up_applies_after_launch(synced):
    lines = {spec.id: describe(synced, spec) for spec in job_specs(synced)}
    assert lines["standup:moving"] == "朝会の呼びかけ（閉庁日は次の開庁日へ）・運用開始まで"
    assert lines["standup:moving:operate"] == "朝会の呼びかけ（閉庁日は次の開庁日へ）・運用開始後"
    assert lines["standup-remind:moving:operate"].endswith("・運用開始後")
    assert lines["retro:moving"] == "振り返りのお願い（運用開始後、毎月。閉庁日は次の開庁日へ）"
