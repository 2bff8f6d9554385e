"""Channel sync against fakeslack: create, reuse, invite, report; idempotent; failures do not stop it."""

from __future__ import annotations

from sqlmodel import select

from commands.channels import format_report, sync_channels
from storage.models import Project, ProjectDepartment

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
LIAISONS = {
    "moving-shimin": "U01SHIMIN",
    "moving-zeimu": "U02ZEIMU",
    "moving-kokuho": "U03KOKUHO",
    "moving-fukushi": "U04FUKUSHI",
    "moving-kosodate": "U05KOSODATE",
    "moving-it": "U09IT",
}


def run_sync(services):
    t = services.translator()
    with services.session() as session:
        report = sync_channels(session, services.gateway, t)
    return report, format_report(t, report)


def stored_channels(services) -> dict[str, str | None]:
    with services.session() as session:
        links = {link.channel_name: link.channel_id for link in session.exec(select(ProjectDepartment))}
        project = session.exec(select(Project)).one()
        links[project.leads_channel_name] = project.leads_channel_id
        return links


def test_first_sync_creates_every_channel_with_purpose_and_people(services, fakeslack):
    report, table = run_sync(services)
    assert report.ok and not report.in_place
    for name, liaison in LIAISONS.items():
        channel = fakeslack.channel_named(name)
        assert channel is not None, name
        assert liaison in channel.members
        assert "引越しに伴う手続き" in channel.purpose and "連携チャンネル" in channel.purpose
    leads = fakeslack.channel_named("moving-leads")
    assert "U10LEAD" in leads.members and "リーダー用" in leads.purpose
    expected = {name: fakeslack.channel_named(name).id for name in [*DEPARTMENT_CHANNELS, "moving-leads"]}
    assert stored_channels(services) == expected
    assert [row.status for row in report.rows] == ["created"] * 7
    assert "#moving-zeimu" in table and "作成" in table and "作成 7 ・ 既存 0 ・ 招待 7 人 ・ 失敗 0 件" in table


def test_second_sync_creates_nothing_and_says_everything_is_in_place(services, fakeslack):
    run_sync(services)
    creates = len(fakeslack.calls_to("conversations.create"))
    report, table = run_sync(services)
    assert len(fakeslack.calls_to("conversations.create")) == creates == 7
    assert report.in_place and [row.status for row in report.rows] == ["kept"] * 7
    assert "すべて設定済みです（7 チャンネル、変更なし）" in table
    assert not fakeslack.calls_to("conversations.setPurpose")[7:], "the purpose is set again only when it differs"


def test_a_pre_existing_channel_is_found_joined_and_reused(services, fakeslack):
    existing = fakeslack.add_channel("moving-zeimu", members={"U02ZEIMU"})
    report, table = run_sync(services)
    assert report.ok
    assert stored_channels(services)["moving-zeimu"] == existing.id
    assert fakeslack.bot_user in existing.members
    assert [c.params["channel"] for c in fakeslack.calls_to("conversations.join")] == [existing.id]
    zeimu = next(row for row in report.rows if row.channel == "#moving-zeimu")
    assert zeimu.status == "kept" and zeimu.invited == []  # already_in_channel is fine
    assert "引越しワンストップ化" in existing.purpose


def test_a_failed_invite_is_reported_and_the_rest_proceeds(services, fakeslack):
    fakeslack.fail("conversations.invite", error="user_not_found")
    report, table = run_sync(services)
    assert not report.ok
    [failed] = [row for row in report.rows if row.failures]
    assert failed.channel == "#moving-shimin" and "U01SHIMIN" in failed.failures[0]
    assert "ユーザーが見つかりません" in table
    for name in DEPARTMENT_CHANNELS[1:]:
        assert LIAISONS[name] in fakeslack.channel_named(name).members
    assert "失敗 1 件" in table


def test_a_missing_scope_names_the_scope_and_other_channels_still_sync(services, fakeslack):
    fakeslack.fail("conversations.create", error="missing_scope", needed="channels:manage")
    report, table = run_sync(services)
    shimin = report.rows[0]
    assert shimin.status == "failed" and "channels:manage" in shimin.failures[0]
    assert all(row.status == "created" for row in report.rows[1:])
    assert stored_channels(services)["moving-shimin"] is None
    again, _ = run_sync(services)  # once the scope is granted, the next run makes the missing one
    assert again.ok and again.rows[0].status == "created"


def test_a_deleted_channel_is_made_again(services, fakeslack):
    run_sync(services)
    gone = fakeslack.channel_named("moving-kokuho")
    del fakeslack.channels[gone.id]
    report, _ = run_sync(services)
    assert report.rows[2].status == "created"
    assert stored_channels(services)["moving-kokuho"] == fakeslack.channel_named("moving-kokuho").id != gone.id


def test_slack_down_is_reported_in_plain_words(services, fakeslack):
    fakeslack.stop()
    report, table = run_sync(services)
    assert not report.ok and all(row.status == "failed" for row in report.rows)
    assert "Slack に接続できません" in table


def test_a_taken_channel_listed_on_the_third_page_is_found_by_paging(services, fakeslack):
    """conversations.list answers in pages (fakeslack: 2 channels a page, as Slack may give fewer than `limit`)."""
    for n in range(4):  # pages 1 and 2: other people's channels
        fakeslack.add_channel(f"random-{n}")
    existing = fakeslack.add_channel("moving-zeimu", members={"U02ZEIMU"})  # page 3
    report, _ = run_sync(services)
    assert report.ok
    assert stored_channels(services)["moving-zeimu"] == existing.id
    listed = fakeslack.calls_to("conversations.list", ok_only=True)
    assert len(listed) >= 3 and "cursor" not in listed[0].params and all(c.params["cursor"] for c in listed[1:])
    assert [c.params["channel"] for c in fakeslack.calls_to("conversations.join", ok_only=True)] == [existing.id]
