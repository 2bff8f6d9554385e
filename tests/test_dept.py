"""/dept through signed requests, and `renkei sync` as an operator runs it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.dispatch import run_command
from bot.interactions import press
from commands.dept import APPROVE_BUTTON, DECLINE_BUTTON
from storage.directory import apply_project_file
from storage.models import Department, RoleAssignment, RoleRequest
from tests.conftest import channel_id, post_slash, run, wait_for


def test_dept_list_names_every_department_with_liaisons(http_app):
    text = post_slash(http_app, "/dept", "list").json()["text"]
    for name, person in [
        ("市民課", "佐藤 花子"),
        ("税務課", "鈴木 一郎"),
        ("国民健康保険課", "高橋 美咲"),
        ("福祉課", "田中 健太"),
        ("子育て支援課", "伊藤 由美"),
        ("情報政策課", "渡辺 誠"),
    ]:
        assert f"*{name}*" in text and f"連絡担当: {person}" in text  # by renkei.yml's `people:`, not <@U…>
    assert "［IT部門］" in text


def test_dept_who_by_slug_and_by_japanese_name(http_app):
    assert post_slash(http_app, "/dept", "who zeimu").json()["text"] == post_slash(http_app, "/dept", "who 税務課").json()["text"]
    assert "連絡担当: 鈴木 一郎" in post_slash(http_app, "/dept", "who 税務課").json()["text"]  # renkei.yml names him


def slash(services, user: str, command: str, text: str, channel: str | None = None):
    """Run a slash command as Slack's listener does: the reply, then its follow-up (the posts after the ack)."""
    with services.session() as session:
        reply = run_command(services.context(session, user_id=user, channel_id=channel), command, text)
    return reply, services.follow_up(reply, user_id=user, channel_id=channel)


def decide(services, user: str, channel: str | None, action: str, value: str):
    """Press 承認 / 却下 as Slack's listener does: what the presser sees, then the follow-up (the requester's DM)."""
    pressed = press(services, user_id=user, channel_id=channel, action_id=action, value=value)
    if pressed.reply is not None:
        services.follow_up(pressed.reply, user_id=user, channel_id=channel)
    return pressed


def roles_of(services, user: str) -> list[tuple[str, int | None, str]]:
    with services.session() as session:
        return [
            (r.role, r.department_id, r.source)
            for r in session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user))
        ]


def posts(fakeslack, channel: str) -> list:
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params.get("channel") == channel]


def test_join_is_a_request_that_a_liaison_approves_once(synced, fakeslack):
    reply, later = slash(synced, "U77NEW", "/dept", "join 福祉課")
    assert "参加を申請しました" in reply.text and later is None
    assert roles_of(synced, "U77NEW") == []  # nothing is granted by asking
    fukushi = channel_id(fakeslack, "moving-fukushi")
    [card] = posts(fakeslack, fukushi)
    assert "<@U77NEW> さんが福祉課の連絡担当になることを申請" in card.params["text"]
    buttons = {e["action_id"]: e["value"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert set(buttons) == {APPROVE_BUTTON, DECLINE_BUTTON}
    assert "すでに受け付けています" in slash(synced, "U77NEW", "/dept", "join fukushi")[0].text
    assert len(posts(fakeslack, fukushi)) == 1  # a second request posts no second card
    assert "まだどのプロジェクトにも参加していない" in slash(synced, "U77NEW", "/issue", "list all")[0].text

    def click(user: str, action: str = APPROVE_BUTTON):
        return decide(synced, user, fukushi, action, buttons[APPROVE_BUTTON])

    refused = click("U02ZEIMU")  # a liaison of another department
    assert "福祉課の連絡担当（renkei.yml で決められた人）と管理者" in refused.reply.text and refused.replace is None
    assert roles_of(synced, "U77NEW") == []
    first, second = click("U04FUKUSHI"), click("U04FUKUSHI")  # a double click decides once
    assert "<@U77NEW> さんを福祉課の連絡担当にしました" in first.reply.text
    assert "承認（<@U04FUKUSHI> さん）" in first.replace[0] and "actions" not in str(first.replace[1])
    assert "すでに処理されています（承認: <@U04FUKUSHI> さん）" in second.reply.text
    assert "すでに処理されています" in click("U99ADMIN", DECLINE_BUTTON).reply.text  # nor can it be declined later
    [dm] = posts(fakeslack, "U77NEW")
    assert "福祉課の連絡担当への参加が承認されました（<@U04FUKUSHI> さん）" in dm.params["text"]
    with synced.session() as session:
        fukushi_id = session.exec(select(RoleRequest)).one().department_id
        [request] = session.exec(select(RoleRequest)).all()
        assert (request.status, request.decided_by) == ("approved", "U04FUKUSHI") and request.decided_at
        apply_project_file(session, synced.project_file)  # reloading renkei.yml keeps approved roles
    assert roles_of(synced, "U77NEW") == [("liaison", fukushi_id, "approved")]
    assert "<@U77NEW>" in slash(synced, "U01SHIMIN", "/dept", "who fukushi")[0].text
    assert "すでに福祉課の連絡担当です" in slash(synced, "U77NEW", "/dept", "join fukushi")[0].text
    assert "外れました" in slash(synced, "U77NEW", "/dept", "leave 福祉課")[0].text
    assert roles_of(synced, "U77NEW") == []
    assert "連絡担当ではありません" in slash(synced, "U77NEW", "/dept", "leave fukushi")[0].text


def test_a_declined_request_grants_nothing_and_the_requester_is_told(synced, fakeslack):
    slash(synced, "U77NEW", "/dept", "join zeimu")
    zeimu = channel_id(fakeslack, "moving-zeimu")
    [card] = posts(fakeslack, zeimu)
    value = card.params["blocks"][1]["elements"][1]["value"]
    pressed = decide(synced, "U99ADMIN", zeimu, DECLINE_BUTTON, value)
    assert "申請を却下しました" in pressed.reply.text and "却下（<@U99ADMIN> さん）" in pressed.replace[0]
    assert roles_of(synced, "U77NEW") == []
    [dm] = posts(fakeslack, "U77NEW")
    assert "参加申請は却下されました（<@U99ADMIN> さん）" in dm.params["text"]
    assert "参加を申請しました" in slash(synced, "U77NEW", "/dept", "join zeimu")[0].text  # asking again is allowed


def test_the_it_department_is_never_joined_by_request(synced, fakeslack):
    reply, later = slash(synced, "U77NEW", "/dept", "join it")
    assert "情報政策課はIT部門のため" in reply.text and "renkei.yml" in reply.text and later is None
    assert "IT部門のため" in slash(synced, "U01SHIMIN", "/dept", "join 情報政策課")[0].text
    with synced.session() as session:
        assert session.exec(select(RoleRequest)).all() == []
    assert posts(fakeslack, channel_id(fakeslack, "moving-it")) == []


def test_a_department_that_became_it_after_the_request_is_not_granted_by_approval(synced, fakeslack):
    slash(synced, "U77NEW", "/dept", "join kosodate")
    with synced.session() as session:
        request = session.exec(select(RoleRequest)).one()
        department = session.get(Department, request.department_id)
        department.role = "it"  # renkei.yml changed: 子育て支援課 is now the IT department
        session.add(department)
        session.commit()
    pressed = decide(synced, "U99ADMIN", None, APPROVE_BUTTON, str(request.id))
    assert "IT部門のため、承認では連絡担当にできません" in pressed.reply.text
    assert roles_of(synced, "U77NEW") == []


def test_before_sync_the_request_goes_to_the_liaisons_dms(services, fakeslack):
    reply, later = slash(services, "U77NEW", "/dept", "join 税務課")
    assert "参加を申請しました" in reply.text and later is None
    [card] = posts(fakeslack, "U02ZEIMU")  # no channel yet: the liaison named in renkei.yml is asked directly
    assert APPROVE_BUTTON in str(card.params["blocks"])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", "使い方"),
        ("dance", "「/dept dance」というコマンドはありません"),
        ("who", "部署を指定してください"),
        ("join 総務課", "部署「総務課」は見つかりません"),
        ("list extra", "使い方"),
        ("who <!here>", "&lt;!here&gt;"),
    ],
)
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
