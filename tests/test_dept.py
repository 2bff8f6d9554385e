"""/dept through signed requests, and `renkei sync` as an operator runs it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import RoleAssignment
from tests.conftest import post_slash, run, wait_for


def test_dept_list_names_every_department_with_liaisons(http_app):
    text = post_slash(http_app, "/dept", "list").json()["text"]
    for name, user in [("市民課", "U01SHIMIN"), ("税務課", "U02ZEIMU"), ("国民健康保険課", "U03KOKUHO"),
                       ("福祉課", "U04FUKUSHI"), ("子育て支援課", "U05KOSODATE"), ("情報政策課", "U09IT")]:
        assert name in text and f"<@{user}>" in text
    assert "［IT部門］" in text


def test_dept_who_by_slug_and_by_japanese_name(http_app):
    assert post_slash(http_app, "/dept", "who zeimu").json()["text"] == post_slash(http_app, "/dept", "who 税務課").json()["text"]
    assert "<@U02ZEIMU>" in post_slash(http_app, "/dept", "who 税務課").json()["text"]


def test_join_is_stored_shown_and_removable(http_app, services):
    assert "連絡担当になりました" in post_slash(http_app, "/dept", "join 福祉課", user="U77NEW").json()["text"]
    assert "<@U77NEW>" in post_slash(http_app, "/dept", "who fukushi").json()["text"]
    with services.session() as session:
        [role] = session.exec(select(RoleAssignment).where(RoleAssignment.user_id == "U77NEW")).all()
        assert (role.role, role.source) == ("liaison", "self")
    assert "すでに" in post_slash(http_app, "/dept", "join fukushi", user="U77NEW").json()["text"]
    assert "外れました" in post_slash(http_app, "/dept", "leave 福祉課", user="U77NEW").json()["text"]
    assert "<@U77NEW>" not in post_slash(http_app, "/dept", "who fukushi").json()["text"]
    assert "連絡担当ではありません" in post_slash(http_app, "/dept", "leave fukushi", user="U77NEW").json()["text"]


@pytest.mark.parametrize("text,expected", [
    ("", "使い方"), ("dance", "「/dept dance」というコマンドはありません"), ("who", "部署を指定してください"),
    ("join 総務課", "部署「総務課」は見つかりません"), ("list extra", "使い方"), ("who <!here>", "&lt;!here&gt;"),
])
def test_bad_dept_input_is_explained_and_changes_nothing(http_app, services, text, expected):
    with services.session() as session:
        before = len(session.exec(select(RoleAssignment)).all())
    reply = post_slash(http_app, "/dept", text).json()["text"]
    assert expected in reply and "<!here>" not in reply
    with services.session() as session:
        assert len(session.exec(select(RoleAssignment)).all()) == before


def test_non_admins_are_refused_dept_sync(http_app, fakeslack):
    reply = post_slash(http_app, "/dept", "sync", user="U10LEAD").json()["text"]
    assert "管理者だけ" in reply
    assert not fakeslack.calls_to("conversations.create")


def test_an_admin_runs_dept_sync_and_gets_the_table_later(http_app, fakeslack):
    ack = post_slash(http_app, "/dept", "sync", user="U99ADMIN", response_url=fakeslack.response_url).json()
    assert "同期を始めました" in ack["text"]
    wait_for(lambda: fakeslack.calls_to("response_url"))
    [later] = fakeslack.calls_to("response_url")
    assert "#moving-zeimu" in later.params["text"] and "作成 7" in later.params["text"]
    assert fakeslack.channel_named("moving-it") is not None


def test_renkei_sync_prints_the_table_and_is_idempotent(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    first = run(["sync"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "チャンネル" in first.stdout and "#moving-kosodate" in first.stdout and "作成 7" in first.stdout
    second = run(["sync"], env, tmp_path)
    assert second.returncode == 0 and "すべて設定済みです" in second.stdout
    assert len(fakeslack.calls_to("conversations.create")) == 7


def test_renkei_sync_exits_non_zero_when_something_failed(env, tmp_path, fakeslack):
    fakeslack.fail("conversations.invite", error="user_is_restricted", times=2)
    result = run(["sync"], {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}, tmp_path)
    assert result.returncode == 1 and "ゲストユーザーは招待できません" in result.stdout


def test_renkei_sync_without_a_token_says_what_to_set(env, tmp_path):
    result = run(["sync"], env, tmp_path)
    assert result.returncode == 1 and "SLACK_BOT_TOKEN" in result.stderr
