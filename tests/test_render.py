"""The console's one renderer and its in-memory workspace (LocalSlack behind the real gateway)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.bootstrap import bootstrap
from bot.localslack import LocalSlack, channel_id_for
from bot.render import Button, message_lines, plain
from bot.settings import Settings
from storage.models import OutboxMessage
from storage.projectfile import load_project_file
from tests.conftest import SAMPLE

NAMES = {"U01SHIMIN": "佐藤 花子"}


def person(user_id: str) -> str:
    return NAMES.get(user_id, user_id)


def channel(channel_id: str) -> str:
    return {"C1": "moving-zeimu"}.get(channel_id, channel_id)


@pytest.mark.parametrize(
    ("mrkdwn", "shown"),
    [
        ("<@U01SHIMIN> さん", "佐藤 花子 さん"),
        ("<@U01SHIMIN|sato> と <@U99X>", "佐藤 花子 と U99X"),
        ("<#C1> と <#C2|moving-it>", "#moving-zeimu と #moving-it"),
        ("&lt;!channel&gt; &amp; <!here>", "<!channel> & @here"),  # escaped user text stays text
        ("<https://example.jp|手順書>", "手順書 (https://example.jp)"),
        ("*全体* 新規 2 ・ *税務課*: 待ち", "全体 新規 2 ・ 税務課: 待ち"),
        (
            "🎉 *小さな成功*（市民課） • *市民課*（shimin） *引越し*の朝会",
            "🎉 小さな成功（市民課） • 市民課（shimin） 引越しの朝会",
        ),
        ("`/issue show 8` で確認、`/standup`", "/issue show 8 で確認、/standup"),
        ("2 * 3 = 6", "2 * 3 = 6"),
        ("🌅 *引越しワンストップ化* の朝会", "🌅 引越しワンストップ化の朝会"),
        (":sunrise: 朝会 :unknown_code:", "🌅 朝会 :unknown_code:"),
    ],
)
def test_mrkdwn_reads_as_plain_text(mrkdwn, shown):
    assert plain(mrkdwn, person=person, channel=channel) == shown


def test_blocks_give_lines_and_buttons_apart():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "見出し"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "一行目\n```\n表\n```"},
            "fields": [{"type": "mrkdwn", "text": "項目"}],
            "accessory": {"type": "button", "action_id": "a0", "value": "0", "text": {"type": "plain_text", "text": "開く"}},
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "補足 <@U01SHIMIN>"}]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "a1", "value": "7", "text": {"type": "plain_text", "text": "担当する"}},
                {"type": "datepicker", "action_id": "d"},
            ],
        },
    ]
    lines, buttons = message_lines("fallback", blocks, person=person, channel=channel)
    assert lines == ["見出し", "一行目", "表", "項目", "─" * 20, "補足 佐藤 花子"]
    assert buttons == [Button("開く", "a0", "0"), Button("担当する", "a1", "7")]
    assert message_lines("本文だけ", None, person=person, channel=channel) == (["本文だけ"], [])


@pytest.fixture
def local(sqlite_url):
    slack = LocalSlack(NAMES)
    services = bootstrap(Settings(_env_file=None, database_url=sqlite_url), project_file=load_project_file(SAMPLE), client=slack)
    yield services, slack
    services.engine.dispose()


def test_the_real_gateway_records_local_posts_as_sent_and_tells_the_listeners(local):
    services, slack = local
    seen = []
    slack.listeners.append(seen.append)
    created = services.gateway.api("conversations.create", name="moving-zeimu")
    assert created.ok and created.data["channel"]["id"] == channel_id_for("moving-zeimu")
    outcome = services.gateway.post_message(
        key="k1",
        channel=created.data["channel"]["id"],
        text="こんにちは",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "こんにちは"}}],
    )
    assert outcome.status == "sent" and outcome.response["ts"]
    assert services.gateway.post_message(key="k1", channel="C0", text="二度目").duplicate  # once per key, as in Slack
    assert [(s.kind, s.text) for s in seen] == [("post", "こんにちは")]
    with services.session() as session:
        assert [r.status for r in session.exec(select(OutboxMessage))] == ["sent"]


def test_local_errors_come_back_as_slack_errors(local):
    services, _ = local
    assert services.gateway.api("conversations.info", channel="CNOPE").error == "channel_not_found"
    assert services.gateway.api("conversations.create", name="x").ok
    assert services.gateway.api("conversations.create", name="x").error == "name_taken"
    assert services.gateway.api("no.such.method").error == "unknown_method"
    assert services.gateway.api("users.info", user="U01SHIMIN").data["user"]["real_name"] == "佐藤 花子"


def test_a_channel_keeps_its_id_across_restarts():
    assert channel_id_for("moving-zeimu") == channel_id_for("moving-zeimu") != channel_id_for("moving-shimin")
    again = LocalSlack()
    assert again.api_call("conversations.create", data={"name": "moving-zeimu"}).data["channel"]["id"] == channel_id_for(
        "moving-zeimu"
    )


def test_every_emoji_the_bot_writes_is_shown_as_an_emoji_in_the_console():
    """The console shows Slack's `:shortcodes:` as the emoji people see in Slack: every one the catalogs and the
    commands write has its character."""
    import pathlib
    import re

    import yaml

    from bot.render import EMOJI

    root = pathlib.Path(__file__).resolve().parent.parent
    texts = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, str):
            texts.append(value)

    walk(yaml.safe_load((root / "bot/locales/ja.yml").read_text(encoding="utf-8")))
    texts += re.findall(r'"(:[a-z_]+:)"', (root / "commands/req.py").read_text(encoding="utf-8"))
    used = {m for text in texts for m in re.findall(r"(?<![\w/]):([a-z][a-z0-9_]+):(?![\w/])", text)}
    assert used and used <= set(EMOJI), used - set(EMOJI)
