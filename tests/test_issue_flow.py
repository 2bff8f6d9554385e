"""/issue and /win through signed requests against fakeslack, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from commands.issue_blocks import ESCALATE, FIELDS, IT_TAKE, MODAL_CALLBACK, RESOLVE, TAKE
from storage.models import Issue, IssueEvent, Win
from tests.conftest import channel_id, click, post_interaction, post_slash, wait_for

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


def posts_to(fakeslack, name: str) -> list:
    cid = channel_id(fakeslack, name)
    return [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params.get("channel") == cid]


def count(services, model) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def report(http_app, fakeslack, text="転出データの連携仕様が決まらない !高 to:zeimu", user="U01SHIMIN", channel="moving-shimin"):
    return post_slash(
        http_app, "/issue", text, user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url
    )


@pytest.fixture
def app(synced, http_app):
    return http_app


def test_a_reported_issue_gets_a_number_and_cards_in_both_channels(app, fakeslack, services):
    response = report(app, fakeslack)  # (how fast acks are is measured by benchmarks/bench_ack.py, never timed here)
    text = response.json()["text"]
    assert "*#1*" in text and "転出データの連携仕様が決まらない" in text and "税務課" in text
    wait_for(lambda: posts_to(fakeslack, "moving-zeimu"))
    for name in ("moving-shimin", "moving-zeimu"):
        [card] = posts_to(fakeslack, name)
        actions = [e["action_id"] for b in card.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert actions == [TAKE, RESOLVE, ESCALATE]
        assert "優先度: 高" in card.params["blocks"][0]["text"]["text"]
    with services.session() as session:
        issue = session.get(Issue, 1)
        assert (issue.severity, issue.reporter_id, issue.status) == ("high", "U01SHIMIN", "open")
        assert [e.kind for e in session.exec(select(IssueEvent))] == ["created", "waiting"]


def test_list_show_close_and_the_open_list(app, fakeslack):
    report(app, fakeslack)
    report(app, fakeslack, text="窓口端末の更新時期を決めたい")
    listed = post_slash(app, "/issue", "list").json()["text"]
    assert "#1" in listed and "#2" in listed and "【優先度: 高】" in listed
    closed = post_slash(app, "/issue", "close 1 税務課と合意した").json()["text"]
    assert "#1" in closed and "解決" in closed
    listed = post_slash(app, "/issue", "一覧").json()["text"]
    assert "#1" not in listed and "#2" in listed
    assert "#1" in post_slash(app, "/issue", "list all").json()["text"]
    shown = post_slash(app, "/issue", "show 1").json()["text"]
    assert "税務課と合意した" in shown and "登録" in shown and "解決" in shown and "状態: 解決済み" in shown
    assert "#1" in post_slash(app, "/issue", "reopen 1").json()["text"]
    assert "#1" in post_slash(app, "/issue", "list 税務課").json()["text"]
    assert "#2" not in post_slash(app, "/issue", "list zeimu").json()["text"]
    assert "#2" in post_slash(app, "/issue", "list mine").json()["text"]
    assert "該当する課題はありません" in post_slash(app, "/issue", "list mine", user="U03KOKUHO").json()["text"]


def test_show_99999_names_the_number(app):
    text = post_slash(app, "/issue", "show 99999").json()["text"]
    assert "#99999" in text and "見つかりません" in text


def test_channel_mentions_are_never_echoed_raw(app, fakeslack):
    text = report(app, fakeslack, text="<!channel> 至急 <https://evil.example|公式サイト> の件").json()["text"]
    assert "<!channel>" not in text and "<https://evil" not in text
    wait_for(lambda: posts_to(fakeslack, "moving-shimin"))
    card = json.dumps(posts_to(fakeslack, "moving-shimin")[0].params, ensure_ascii=False)
    assert "<!channel>" not in card and "<https://evil" not in card and "@channel" in card
    assert "<!channel>" not in post_slash(app, "/issue", "show 1").json()["text"]


def test_an_issue_with_a_valid_my_number_is_not_stored(app, fakeslack, services):
    text = report(app, fakeslack, text="住民 1234-5678-9018 の転出が反映されない").json()["text"]
    assert "マイナンバー" in text and "登録しませんでした" in text
    assert count(services, Issue) == 0
    assert report(app, fakeslack, text="問い合わせ番号 1234-5678-9012 の件").json()["text"].count("#1") == 1


@pytest.mark.parametrize(
    "text,expected",
    [
        ("あ" * 151, "件名が長すぎます（151文字、上限150文字）"),
        ("件名 to:somu", "部署「somu」は見つかりません"),
        ("件名 to:shimin", "自分の部署は指定できません"),
        ("frobnicate", "「/issue frobnicate」というコマンドはありません"),
        ("show", "課題番号を指定してください"),
    ],
)
def test_bad_input_is_named_and_stores_nothing(app, fakeslack, services, text, expected):
    reply = report(app, fakeslack, text=text).json()["text"]
    assert expected in reply
    assert count(services, Issue) == 0


def test_someone_unrelated_may_not_close_an_issue(app, fakeslack):
    report(app, fakeslack)
    text = post_slash(app, "/issue", "close 1", user="U05KOSODATE").json()["text"]
    assert "#1" in text and "権限がありません" in text
    assert "解決" in post_slash(app, "/issue", "close 1", user="U02ZEIMU").json()["text"]  # the waited-on department may


def test_escalate_posts_to_the_it_channel_and_tells_the_reporter(app, fakeslack, services):
    report(app, fakeslack)
    text = post_slash(
        app, "/issue", "escalate 1 システム側で連携項目を追加したい", user="U02ZEIMU", response_url=fakeslack.response_url
    ).json()["text"]
    assert "#1" in text and "情報政策課" in text
    wait_for(lambda: posts_to(fakeslack, "moving-it"))
    [card] = posts_to(fakeslack, "moving-it")
    body = json.dumps(card.params["blocks"], ensure_ascii=False)
    assert "システム側で連携項目を追加したい" in body and "履歴" in body and IT_TAKE in body
    wait_for(lambda: [c for c in fakeslack.calls_to("chat.postMessage") if c.params["channel"] == "U01SHIMIN"])
    assert "すでに IT部門に相談済み" in post_slash(app, "/issue", "escalate 1", user="U02ZEIMU").json()["text"]
    it = channel_id(fakeslack, "moving-it")
    click(app, IT_TAKE, "1", user="U09IT", channel=it, response_url=fakeslack.response_url)
    assert "#1 に回答しました" in post_slash(app, "/issue", "answer 1 連携項目を追加しました", user="U09IT").json()["text"]
    assert "だけができます" in post_slash(app, "/issue", "answer 1 勝手に回答", user="U02ZEIMU").json()["text"]
    shown = post_slash(app, "/issue", "show 1").json()["text"]
    assert "IT部門の回答:* 連携項目を追加しました" in shown and "IT部門へ相談" in shown and "IT部門が対応を開始" in shown
    with services.session() as session:
        issue = session.get(Issue, 1)
        assert issue.escalated and issue.it_answer == "連携項目を追加しました" and issue.assignee_id == "U09IT"


def test_a_double_click_does_one_thing_once(app, fakeslack, services):
    report(app, fakeslack)
    wait_for(lambda: posts_to(fakeslack, "moving-zeimu"))
    zeimu = channel_id(fakeslack, "moving-zeimu")
    for _ in range(2):
        assert click(app, TAKE, "1", user="U02ZEIMU", channel=zeimu, response_url=fakeslack.response_url).status_code == 200
    wait_for(lambda: len(fakeslack.calls_to("response_url")) >= 4)
    with services.session() as session:
        kinds = [e.kind for e in session.exec(select(IssueEvent).where(IssueEvent.issue_id == 1))]
        assert kinds.count("taken") == 1
        assert session.get(Issue, 1).assignee_id == "U02ZEIMU"
    texts = [c.params.get("text", "") for c in fakeslack.calls_to("response_url")]
    assert any("を担当します" in t for t in texts) and any("すでに <@U02ZEIMU> さんが担当" in t for t in texts)
    replaced = [c for c in fakeslack.calls_to("response_url") if c.params.get("replace_original")]
    assert replaced and "状態: 対応中" in replaced[-1].params["blocks"][0]["text"]["text"]
    click(app, RESOLVE, "1", user="U02ZEIMU", channel=zeimu, response_url=fakeslack.response_url)
    click(app, RESOLVE, "1", user="U02ZEIMU", channel=zeimu, response_url=fakeslack.response_url)
    wait_for(lambda: len(fakeslack.calls_to("response_url")) >= 8)
    with services.session() as session:
        assert [e.kind for e in session.exec(select(IssueEvent))].count("resolved") == 1


def test_the_form_opens_and_shows_errors_inline(app, fakeslack, services):
    post_slash(app, "/issue", "", channel=channel_id(fakeslack, "moving-zeimu"), trigger_id="1337.42.abcd")
    wait_for(lambda: fakeslack.calls_to("views.open"))
    [opened] = fakeslack.calls_to("views.open")
    view = json.loads(opened.params["view"])
    assert opened.params["trigger_id"] == "1337.42.abcd" and view["callback_id"] == MODAL_CALLBACK
    department = next(b for b in view["blocks"] if b["block_id"] == FIELDS["department"])
    assert department["element"]["initial_option"]["text"]["text"] == "税務課"

    def submission(title: str, due: str | None = None, waiting_on: str | None = None) -> dict:
        values = {
            FIELDS["title"]: {"value": {"type": "plain_text_input", "value": title}},
            FIELDS["body"]: {"value": {"type": "plain_text_input", "value": "詳細"}},
            FIELDS["department"]: {
                "value": {"type": "static_select", "selected_option": department["element"]["initial_option"]}
            },
            FIELDS["waiting_on"]: {
                "value": {"type": "static_select", "selected_option": {"value": waiting_on} if waiting_on else None}
            },
            FIELDS["severity"]: {"value": {"type": "static_select", "selected_option": {"value": "normal"}}},
            FIELDS["due"]: {"value": {"type": "datepicker", "selected_date": due}},
        }
        return {
            "type": "view_submission",
            "team": {"id": "T000TEST"},
            "api_app_id": "A000TEST",
            "user": {"id": "U02ZEIMU"},
            "view": {**view, "id": "V1", "state": {"values": values}},
        }

    errors = post_interaction(app, submission("", due="2000-01-01", waiting_on=department["element"]["initial_option"]["value"]))
    assert errors.json()["response_action"] == "errors"
    assert set(errors.json()["errors"]) == {FIELDS["title"], FIELDS["due"], FIELDS["waiting_on"]}
    mynumber = post_interaction(app, submission("123456789018 の住民"))
    assert "マイナンバー" in mynumber.json()["errors"][FIELDS["title"]]
    assert count(services, Issue) == 0
    ok = post_interaction(app, submission("課税データの受け渡し方法"))
    assert ok.status_code == 200 and ok.text in ("", "{}"), ok.text  # closed, no errors
    wait_for(lambda: count(services, Issue) == 1)
    wait_for(lambda: [c for c in fakeslack.calls_to("chat.postMessage") if c.params["channel"] == "U02ZEIMU"])
    wait_for(lambda: posts_to(fakeslack, "moving-zeimu"))


def test_a_win_reaches_every_department_channel_and_the_leads(app, fakeslack, services):
    text = post_slash(
        app,
        "/win",
        "転入手続きの入力項目を5つ減らせた & 窓口が速くなった",
        user="U03KOKUHO",
        channel=channel_id(fakeslack, "moving-kokuho"),
    ).json()["text"]
    assert "7 チャンネル" in text
    wait_for(lambda: all(posts_to(fakeslack, name) for name in [*DEPARTMENT_CHANNELS, "moving-leads"]))
    for name in [*DEPARTMENT_CHANNELS, "moving-leads"]:
        [post] = posts_to(fakeslack, name)
        assert "国民健康保険課・高橋 美咲）" in post.params["text"]
        assert "&amp; 窓口が速くなった" in post.params["text"]
    listed = post_slash(app, "/win", "list").json()["text"]
    assert "転入手続きの入力項目を5つ減らせた" in listed
    assert count(services, Win) == 1


@pytest.mark.parametrize(
    "text,expected",
    [("", "共有する内容を書いてください"), ("list extra", "使い方"), ("住民 123456789018 の件がうまくいった", "マイナンバー")],
)
def test_bad_wins_are_explained_and_not_stored(app, services, text, expected):
    assert expected in post_slash(app, "/win", text).json()["text"]
    assert count(services, Win) == 0
