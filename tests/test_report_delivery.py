"""/report, the digest and report jobs, and `renkei digest` / `renkei export` against fakeslack."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from reminders.firing import fire
from tests.conftest import channel_id, post_slash, run, wait_for

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def app(synced, http_app, tmp_path):
    synced.settings.renkei_reports_dir = str(tmp_path / "reports")
    return http_app


def test_a_lead_gets_the_excel_report_in_a_dm(app, fakeslack):
    ack = post_slash(app, "/report", "", user="U10LEAD", response_url=fakeslack.response_url).json()
    assert "作成しています" in ack["text"] and "DM" in ack["text"]
    wait_for(lambda: fakeslack.calls_to("files.completeUploadExternal"), timeout=30)
    [opened] = fakeslack.calls_to("conversations.open")
    assert opened.params["users"] == "U10LEAD"
    [complete] = fakeslack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D10LEAD"
    [data] = fakeslack.uploads.values()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[:2] == ["概要", "課題"]
    wait_for(lambda: any("まもなく DM に届きます" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))


def test_a_liaison_is_refused_politely(app, fakeslack):
    text = post_slash(app, "/report", "", user="U02ZEIMU").json()["text"]
    assert "リーダー・管理職・管理者" in text and "依頼してください" in text
    assert not fakeslack.calls_to("files.getUploadURLExternal")


def test_report_digest_is_shown_only_to_the_requester(app, fakeslack):
    body = post_slash(app, "/report", "digest", user="U20BOSS").json()
    assert body["response_type"] == "ephemeral" and "週次まとめ" in body["text"]
    assert not fakeslack.calls_to("chat.postMessage")
    assert "使い方" in post_slash(app, "/report", "excel now", user="U20BOSS").json()["text"]


def test_the_digest_job_posts_to_the_leads_channel(synced, fakeslack):
    result = fire(synced, "digest:moving", dt.datetime(2026, 11, 27, 16, 0, tzinfo=TOKYO))
    assert (result.status, result.channels) == ("delivered", 1)
    [post] = fakeslack.calls_to("chat.postMessage", ok_only=True)
    assert post.params["channel"] == channel_id(fakeslack, "moving-leads")
    assert post.params["blocks"][0]["type"] == "header" and len(post.params["blocks"]) <= 50


def test_the_monthly_report_job_sends_every_manager_a_file(synced, fakeslack, tmp_path):
    synced.settings.renkei_reports_dir = str(tmp_path / "reports")
    result = fire(synced, "report:moving", dt.datetime(2026, 12, 1, 8, 0, tzinfo=TOKYO))
    assert (result.status, result.channels) == ("delivered", 1)
    [complete] = fakeslack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D20BOSS" and "2026-11-01" in complete.params["initial_comment"]
    assert (tmp_path / "reports" / "moving_2026-11-01_2026-11-30.xlsx").exists()
    assert fire(synced, "report:moving", dt.datetime(2026, 12, 1, 8, 0, tzinfo=TOKYO)).status == "duplicate"


def test_renkei_digest_names_every_department_with_its_figures(env, tmp_path):
    result = run(["digest", "--project", "moving"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "*" not in result.stdout and "<@" not in result.stdout  # printed as people read it, not Slack markup
    table = result.stdout.split("部署別の状況")[1]
    for name in ("市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"):
        line = next(row for row in table.splitlines() if row.startswith(name))
        assert len(line.split()) == 9, line  # name + eight figures
    unknown = run(["digest", "--project", "nope"], env, tmp_path)
    assert unknown.returncode == 2 and "moving" in unknown.stderr  # an option's value that cannot be used: 2


def test_renkei_digest_post_sends_it_to_the_leads_channel(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fakeslack.url}
    assert run(["sync"], env, tmp_path).returncode == 0
    result = run(["digest", "--project", "moving", "--post"], env, tmp_path)
    assert result.returncode == 0 and "投稿しました" in result.stdout
    [post] = fakeslack.calls_to("chat.postMessage", ok_only=True)
    assert post.params["channel"] == channel_id(fakeslack, "moving-leads")


def test_renkei_export_writes_the_workbook_with_a_guarded_hyperlink(env, tmp_path):
    issue = run(
        ["console", "--user", "U01SHIMIN"],
        env,
        tmp_path,
        stdin='/issue =HYPERLINK("http://evil.example","開く") to:zeimu\n/win 申請の入力項目を減らせた\n',
    )
    assert "#1" in issue.stdout
    out = tmp_path / "out" / "moving.xlsx"
    out.parent.mkdir()  # --out names a file in a folder that exists (tests/test_cli_edges.py)
    # --from 今日: the issue just filed, whatever the date (with no dates, the first business morning of a month
    # exports the previous month: tests/test_closed_days.py)
    result = run(["export", "--project", "moving", "--from", "今日", "--out", str(out)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    workbook = load_workbook(out)
    title = workbook["課題"]["E2"]  # 課題内容
    assert title.value == '=HYPERLINK("http://evil.example","開く")' and title.data_type == "s"
    assert workbook["成功事例"]["D2"].value == "申請の入力項目を減らせた"
    assert workbook["概要"]._charts
    bad = run(["export", "--project", "moving", "--from", "2026-13-01", "--out", str(out), "--force"], env, tmp_path)
    assert bad.returncode == 2 and "2026-13-01" in bad.stderr and "令和" in bad.stderr  # an example computed from today


def test_an_admin_outside_every_project_may_ask_for_the_digest(app):
    body = post_slash(app, "/report", "digest", user="U99ADMIN").json()
    assert "週次まとめ: 引越しワンストップ化" in body["text"]
