"""`/req` (要件): proposing, rating on the cards, disagreement on the meeting's agenda, decisions, list and show.

Through signed requests against fakeslack, on SQLite and PostgreSQL, with the sample project 引越しワンストップ化:
U02ZEIMU is 税務課's liaison, U04FUKUSHI 福祉課's, U01SHIMIN 市民課's, U10LEAD the lead, U20BOSS a manager.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from commands.req import MODAL_CALLBACK, RATE_BUTTONS
from reminders.firing import fire
from storage.meetings import add_meeting
from storage.models import Department, Project, Requirement, RequirementRating
from storage.requirements import create_requirement
from tests.conftest import channel_id, click, post_interaction, post_slash, wait_for

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
BUTTON = {rating: action for action, rating in RATE_BUTTONS.items()}
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def app(synced, http_app):
    return http_app


def slash(app, fakeslack, text: str, *, user: str = "U02ZEIMU", channel: str | None = "moving-zeimu", **extra) -> str:
    where = channel_id(fakeslack, channel) if channel and channel.startswith("moving-") else (channel or "D0DM")
    reply = post_slash(app, "/req", text, user=user, channel=where, response_url=fakeslack.response_url, **extra)
    app.settle()  # its follow-up (cards, the board) has finished: the next command meets no busy database
    return reply.json()["text"]


def requirements(app) -> list[Requirement]:
    with app.services.session() as session:
        return list(session.exec(select(Requirement).order_by(Requirement.id)))


def ratings(app) -> dict[str, str]:
    """Ratings by user who gave them (every test's departments have one liaison each)."""
    with app.services.session() as session:
        return {r.user_id: r.rating for r in session.exec(select(RequirementRating))}


def card_texts(fakeslack, name: str) -> list[str]:
    """The messages now in a channel (cards updated in place show their new text)."""
    return [m["text"] for m in fakeslack.channel_named(name).messages]


def press(app, fakeslack, rating: str, value: str, *, user: str, channel: str) -> str:
    """Press a rating button on a card in `channel`; the text the presser is answered with."""
    before = len(fakeslack.calls_to("response_url"))
    click(app, BUTTON[rating], value, user=user, channel=channel_id(fakeslack, channel), response_url=fakeslack.response_url)

    app.settle()  # everything the press started has finished: what it said is said
    answered = [c for c in fakeslack.calls_to("response_url")[before:] if not c.params.get("replace_original")]
    assert answered, "the presser was told nothing"
    return answered[0].params["text"]


def propose(app, fakeslack, text="転出届の内容を税務課にも自動で共有する 影響: 税務課が転出者を手入力で確認している") -> None:
    said = slash(app, fakeslack, f"add {text}")
    assert "要件 #" in said and "7 チャンネル" in said, said
    assert all(card_texts(fakeslack, name) for name in [*DEPARTMENT_CHANNELS, "moving-leads"])  # slash() settled


def test_a_proposed_requirement_reaches_every_channel_with_its_effect_and_buttons(app, fakeslack):
    propose(app, fakeslack)
    [stored] = requirements(app)
    assert (stored.text, stored.effect, stored.status, stored.proposed_by) == (
        "転出届の内容を税務課にも自動で共有する",
        "税務課が転出者を手入力で確認している",
        "proposed",
        "U02ZEIMU",
    )
    cards = [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["text"].startswith(":memo:")]
    assert {c.params["channel"] for c in cards} == {channel_id(fakeslack, n) for n in [*DEPARTMENT_CHANNELS, "moving-leads"]}
    card = next(c for c in cards if c.params["channel"] == channel_id(fakeslack, "moving-zeimu"))  # a department's copy
    text = card.params["text"]
    assert "要件 #1" in text and "状態: *提案*" in text and "業務への影響:* 税務課が転出者を手入力で確認している" in text
    assert "税務課・鈴木 一郎" in text and "U02ZEIMU" not in text  # people by name
    assert text.count("未評価") == 6
    blocks = json.loads(card.params["blocks"]) if isinstance(card.params["blocks"], str) else card.params["blocks"]
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    values = {e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}
    assert labels == ["必須", "あれば良い", "不要", "影響なし"] and values == {"1"}


@pytest.mark.parametrize("effect", ["影響: 手入力が続く", "影響：手入力が続く", "effect: 手入力が続く", "EFFECT：手入力が続く"])
def test_the_effect_is_read_with_either_word_and_either_colon(app, fakeslack, effect):
    assert "要件 #1" in slash(app, fakeslack, f"add 転出届の共有 {effect}")
    [stored] = requirements(app)
    assert (stored.text, stored.effect) == ("転出届の共有", "手入力が続く")


def test_a_required_and_a_not_needed_rating_put_the_requirement_on_the_next_regular_meetings_agenda(app, fakeslack):
    propose(app, fakeslack)
    assert "「必須」と評価しました" in press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    assert "「不要」と評価しました" in press(app, fakeslack, "not_needed", "1", user="U04FUKUSHI", channel="moving-fukushi")
    assert ratings(app) == {"U02ZEIMU": "required", "U04FUKUSHI": "not_needed"}
    # every copy of the card, in every channel, shows both ratings (chat.update in place)
    wait_for(
        lambda: all(
            "• 税務課: 必須" in t and "• 福祉課: 不要" in t
            for name in [*DEPARTMENT_CHANNELS, "moving-leads"]
            for t in card_texts(fakeslack, name)
        )
    )
    assert "意見が分かれています" in card_texts(fakeslack, "moving-shimin")[0]
    # the sample's 定例会議 (Wednesdays 10:00): its reminder the day before lists the requirement
    result = fire(app.services, "meeting:moving:1:1d", dt.datetime(2026, 12, 1, 10, tzinfo=TOKYO))
    assert result.status == "delivered"
    reminder = [
        c.params["text"]
        for c in fakeslack.calls_to("chat.postMessage", ok_only=True)
        if c.params["channel"] == channel_id(fakeslack, "moving-kosodate") and "定例会議" in c.params["text"]
    ]
    assert reminder and "要件 #1 転出届の内容を税務課にも自動で共有する: 必須 税務課 / 不要 福祉課" in reminder[0]


def test_no_disagreement_no_agenda_line_and_a_decided_requirement_leaves_the_agenda(app, fakeslack):
    propose(app, fakeslack)
    press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    press(app, fakeslack, "nice", "1", user="U04FUKUSHI", channel="moving-fukushi")
    fire(app.services, "meeting:moving:1:1d", dt.datetime(2026, 12, 1, 10, tzinfo=TOKYO))
    press(app, fakeslack, "not_needed", "1", user="U04FUKUSHI", channel="moving-fukushi")
    assert "要件 #1" in slash(app, fakeslack, "drop 1 今回の範囲外とするため", user="U10LEAD", channel="moving-leads")
    fire(app.services, "meeting:moving:1:1d", dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO))
    texts = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if "定例会議" in c.params["text"]]
    assert texts and not any("要件 #1" in t for t in texts)


def test_a_second_click_changes_the_rating(app, fakeslack):
    propose(app, fakeslack)
    press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    said = press(app, fakeslack, "no_effect", "1", user="U02ZEIMU", channel="moving-zeimu")
    assert "「必須」から「影響なし」に変えました" in said
    assert ratings(app) == {"U02ZEIMU": "no_effect"}
    wait_for(lambda: "• 税務課: 影響なし" in card_texts(fakeslack, "moving-it")[0])


@pytest.mark.parametrize(
    "user,channel,value,expected",
    [
        ("U10LEAD", "moving-leads", "1", "部署ごとに行います"),  # the leads channel has no department
        ("U01SHIMIN", "moving-zeimu", "1", "税務課の連絡担当だけ"),  # not 税務課's liaison
        ("U10LEAD", "moving-zeimu", "1", "税務課の連絡担当だけ"),  # a lead is no liaison
        ("U02ZEIMU", "moving-zeimu", "99", "見つかりませんでした"),  # unknown number
        ("U02ZEIMU", "moving-zeimu", "1;required", "見つかりませんでした"),  # forged value: no number at all
    ],
)
def test_a_rating_from_the_wrong_place_or_person_is_refused_and_changes_nothing(app, fakeslack, user, channel, value, expected):
    propose(app, fakeslack)
    assert expected in press(app, fakeslack, "required", value, user=user, channel=channel)
    assert ratings(app) == {}


def test_a_decided_requirement_answers_a_stale_card_with_its_state(app, fakeslack):
    propose(app, fakeslack)
    said = slash(app, fakeslack, "agree 1 全部署で必要と確認できたため", user="U10LEAD", channel="moving-leads")
    assert "「合意」にしました" in said
    answer = press(app, fakeslack, "not_needed", "1", user="U04FUKUSHI", channel="moving-fukushi")
    assert "決定済み" in answer and "合意" in answer and "全部署で必要と確認できたため" in answer
    assert ratings(app) == {}


def test_a_lead_agrees_with_a_reason_every_card_loses_its_buttons_and_the_proposer_and_leads_are_told(app, fakeslack):
    propose(app, fakeslack)
    said = slash(app, fakeslack, "合意 #1 全部署で必要と確認できたため", user="U10LEAD", channel="moving-leads")
    assert "要件 #1" in said and "「合意」にしました" in said
    [stored] = requirements(app)
    assert (stored.status, stored.reason, stored.decided_by) == ("agreed", "全部署で必要と確認できたため", "U10LEAD")
    assert stored.decided_at is not None
    wait_for(lambda: all("状態: *合意*" in card_texts(fakeslack, n)[0] for n in [*DEPARTMENT_CHANNELS, "moving-leads"]))
    updates = fakeslack.calls_to("chat.update", ok_only=True)
    assert updates and all("actions" not in json.dumps(u.params.get("blocks") or "") for u in updates[-7:])
    wait_for(lambda: [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == "U02ZEIMU"])
    [dm] = [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == "U02ZEIMU"]
    assert "全部署で必要と確認できたため" in dm.params["text"] and "合意" in dm.params["text"]
    wait_for(lambda: any("理由: 全部署で" in t for t in card_texts(fakeslack, "moving-leads")))


def test_hold_may_be_decided_again_agreed_is_final(app, fakeslack):
    propose(app, fakeslack)
    lead = {"user": "U10LEAD", "channel": "moving-leads"}
    assert "「保留」にしました" in slash(app, fakeslack, "hold 1 予算の確定を待つため", **lead)
    assert "「合意」にしました" in slash(app, fakeslack, "agree 1 予算が確保できたため", **lead)
    refused = slash(app, fakeslack, "drop 1 やはり不要", **lead)
    assert "「見送り」にできません" in refused and "現在の状態: 合意（理由: 予算が確保できたため）" in refused
    [stored] = requirements(app)
    assert (stored.status, stored.reason) == ("agreed", "予算が確保できたため")


@pytest.mark.parametrize(
    "text,user,expected",
    [
        ("agree 1 必要", "U02ZEIMU", "リーダーと管理者だけ"),  # a liaison is no lead
        ("agree 1 必要", "U20BOSS", "リーダーと管理者だけ"),  # nor a manager
        ("agree 1", "U10LEAD", "理由を書いてください"),
        ("agree", "U10LEAD", "番号を書いてください"),
        ("agree 99 必要", "U10LEAD", "要件 #99 は見つかりませんでした"),
        ("agree 1 住民 123456789018 の件", "U10LEAD", "マイナンバー"),
        ("agree 1 " + "長" * 2501, "U10LEAD", "長すぎます"),
    ],
)
def test_a_bad_decision_is_refused_with_the_reason_and_changes_nothing(app, fakeslack, text, user, expected):
    propose(app, fakeslack)
    assert expected in slash(app, fakeslack, text, user=user, channel=None)
    assert [r.status for r in requirements(app)] == ["proposed"]


@pytest.mark.parametrize(
    "text,user,expected",
    [
        ("add 住民 123456789018 の転出 影響: 手入力", "U02ZEIMU", "マイナンバー"),
        ("add 転出 影響: " + "長" * 2501, "U02ZEIMU", "長すぎます"),
        ("add 転出届の共有 影響: 手入力", "U77NOBODY", "連絡担当・リーダー・管理職・管理者です"),
        ("add 部署:存在しない課 転出届の共有 影響: 手入力", "U02ZEIMU", "存在しない課"),
        ("adx 転出届の共有", "U02ZEIMU", "/req add"),
    ],
)
def test_a_bad_proposal_says_what_was_wrong_and_stores_nothing(app, fakeslack, text, user, expected):
    assert expected in slash(app, fakeslack, text, user=user)
    assert requirements(app) == []


def test_without_an_effect_the_form_opens_prefilled_and_checks_its_fields(app, fakeslack):
    zeimu = channel_id(fakeslack, "moving-zeimu")
    post_slash(app, "/req", "add 転出届の内容を共有する", user="U02ZEIMU", channel=zeimu, trigger_id="1337.42.req")
    wait_for(lambda: fakeslack.calls_to("views.open"))
    [opened] = fakeslack.calls_to("views.open")
    view = json.loads(opened.params["view"])
    assert view["callback_id"] == MODAL_CALLBACK
    fields = {b["block_id"]: b for b in view["blocks"]}
    assert fields["req_text"]["element"]["initial_value"] == "転出届の内容を共有する"
    assert "initial_value" not in fields["req_effect"]["element"]

    def submission(text: str, effect: str, user: str = "U02ZEIMU") -> dict:
        values = {
            "req_text": {"value": {"type": "plain_text_input", "value": text}},
            "req_effect": {"value": {"type": "plain_text_input", "value": effect}},
        }
        return {
            "type": "view_submission",
            "team": {"id": "T000TEST"},
            "api_app_id": "A000TEST",
            "user": {"id": user},
            "view": {**view, "id": "V1", "state": {"values": values}},
        }

    empty = post_interaction(app, submission("転出届の内容を共有する", "")).json()
    assert empty["response_action"] == "errors" and set(empty["errors"]) == {"req_effect"}
    mynumber = post_interaction(app, submission("123456789018 の住民", "手入力")).json()
    assert "マイナンバー" in mynumber["errors"]["req_text"]
    assert requirements(app) == []
    ok = post_interaction(app, submission("転出届の内容を共有する", "税務課が手入力で確認している"))
    assert ok.status_code == 200 and ok.text in ("", "{}"), ok.text
    wait_for(lambda: len(requirements(app)) == 1)
    [stored] = requirements(app)
    assert (stored.effect, stored.proposed_by) == ("税務課が手入力で確認している", "U02ZEIMU")
    wait_for(lambda: card_texts(fakeslack, "moving-kokuho"))


def test_the_console_without_a_trigger_is_told_how_to_write_it(app, fakeslack, services):
    from bot.dispatch import run_command

    with services.session() as session:
        ctx = services.context(session, user_id="U02ZEIMU", channel_id=channel_id(fakeslack, "moving-zeimu"))
        reply = run_command(ctx, "/req", "add 転出届の内容を共有する")
    assert "影響:" in reply.text and "/req add" in reply.text


def test_a_lead_in_the_leads_channel_proposes_for_the_project(app, fakeslack):
    assert "要件 #1" in slash(
        app, fakeslack, "add 申請の電子化 影響: 全部署の窓口で紙の転記が続く", user="U10LEAD", channel="moving-leads"
    )
    [stored] = requirements(app)
    assert stored.department_id is None
    wait_for(lambda: card_texts(fakeslack, "moving-zeimu"))
    assert "プロジェクトのリーダー・山本 直子" in card_texts(fakeslack, "moving-zeimu")[0]


def test_list_and_show_give_statuses_ratings_and_who_rated(app, fakeslack):
    propose(app, fakeslack)
    slash(
        app, fakeslack, "add 窓口の待ち時間表示 影響: 市民課の窓口で問い合わせが続く", user="U01SHIMIN", channel="moving-shimin"
    )
    press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    slash(app, fakeslack, "hold 2 来年度に検討するため", user="U10LEAD", channel="moving-leads")
    listed = slash(app, fakeslack, "list", user="U04FUKUSHI", channel="moving-fukushi")
    assert "#1【提案】転出届" in listed and "必須 1" in listed and "#2" not in listed
    held = slash(app, fakeslack, "list 保留", user="U04FUKUSHI", channel="moving-fukushi")
    assert "#2【保留】窓口の待ち時間表示" in held and "#1" not in held
    assert "#1" in slash(app, fakeslack, "list all") and "#2" in slash(app, fakeslack, "list ALL")
    assert "「未定」という状態はありません" in slash(app, fakeslack, "list 未定")
    shown = slash(app, fakeslack, "show 1", user="U04FUKUSHI", channel="moving-fukushi")
    assert "税務課が転出者を手入力で確認している" in shown
    assert "• 税務課: 必須（鈴木 一郎、" in shown and "• 福祉課: 未評価" in shown
    reason = slash(app, fakeslack, "show #2", user="U04FUKUSHI", channel="moving-fukushi")
    assert "来年度に検討するため（山本 直子、" in reason
    assert "見つかりませんでした" in slash(app, fakeslack, "show 9")


def test_outsiders_may_not_read_the_requirements(app, fakeslack):
    propose(app, fakeslack)
    assert "メンバーだけ" in slash(app, fakeslack, "show 1", user="U77NOBODY", channel=None)
    assert "転出届" not in slash(app, fakeslack, "list", user="U77NOBODY", channel=None)


def test_a_one_off_meeting_leaves_the_requirements_to_the_regular_one(app, fakeslack):
    propose(app, fakeslack)
    press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    press(app, fakeslack, "not_needed", "1", user="U04FUKUSHI", channel="moving-fukushi")
    with app.services.session() as session:
        project = session.exec(select(Project)).one()
        meeting = add_meeting(
            session,
            project_id=project.id,
            title="ベンダー説明会",
            cron=None,
            starts_at=dt.datetime(2026, 12, 3, 14, tzinfo=TOKYO).astimezone(dt.timezone.utc),
            remind_before=["1d"],
            created_by="U10LEAD",
        )
    assert fire(app.services, f"meeting:moving:{meeting.id}:1d", dt.datetime(2026, 12, 2, 14, tzinfo=TOKYO)).status == "delivered"
    [one_off] = [
        c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if "ベンダー説明会" in c.params["text"]
    ][:1]
    assert "議題の材料" in one_off and "要件 #1" not in one_off


def test_a_lead_names_the_proposing_department_with_a_token(app, fakeslack):
    assert "要件 #1" in slash(
        app, fakeslack, "add 部署:福祉課 窓口で進み具合を見られる 影響: 問い合わせが続く", user="U10LEAD", channel=None
    )
    [stored] = requirements(app)
    with app.services.session() as session:
        assert session.get(Department, stored.department_id).slug == "fukushi"
    assert "使い方" in slash(app, fakeslack, "list 部署:福祉課", user="U10LEAD", channel=None)  # only `add` names one


def test_another_projects_requirement_is_neither_shown_nor_decided_here(app, fakeslack):
    with app.services.session() as session:
        other = Project(slug="other", name="別の事業", leads_channel_name="other-leads")
        session.add(other)
        session.commit()
        create_requirement(
            session, project_id=other.id, department_id=None, proposed_by="U99ADMIN", text="別の要件", effect="影響"
        )
    assert "別の要件" in slash(app, fakeslack, "show 1", user="U99ADMIN", channel=None)  # from a DM: shown
    here = {"user": "U99ADMIN", "channel": "moving-leads"}
    assert "要件 #1は引越しワンストップ化のものではありません" in slash(app, fakeslack, "show 1", **here)
    assert "要件 #1は引越しワンストップ化のものではありません" in slash(app, fakeslack, "agree 1 理由", **here)
    assert "リーダーと管理者だけ" in slash(app, fakeslack, "agree 1 理由", user="U10LEAD", channel=None)  # not its lead
    assert [r.status for r in requirements(app)] == ["proposed"]


@pytest.mark.parametrize("channel,token", [("moving-fukushi", ""), ("moving-zeimu", "部署:福祉課 ")])
def test_a_liaison_proposes_only_for_their_own_department(app, fakeslack, channel, token):
    said = slash(app, fakeslack, f"add {token}窓口の混雑を減らす 影響: 福祉課の待ち時間", user="U02ZEIMU", channel=channel)
    assert "福祉課として要件を登録できるのは" in said and requirements(app) == []
    said = slash(app, fakeslack, f"add {token}窓口の混雑を減らす 影響: 福祉課の待ち時間", user="U04FUKUSHI", channel=channel)
    assert "要件 #1" in said and requirements(app)[0].department_id is not None


def test_only_the_departments_copies_carry_rating_buttons_and_a_held_requirement_says_it_is_on_hold(app, fakeslack):
    def buttons_in(name: str, method: str = "chat.postMessage") -> list[str]:
        calls = [c for c in fakeslack.calls_to(method) if c.params.get("channel") == channel_id(fakeslack, name)]
        blocks = calls[-1].params["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]

    propose(app, fakeslack)
    assert len(buttons_in("moving-fukushi")) == 4 and buttons_in("moving-leads") == []
    press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    wait_for(
        lambda: [c for c in fakeslack.calls_to("chat.update") if c.params.get("channel") == channel_id(fakeslack, "moving-leads")]
    )
    assert buttons_in("moving-leads", "chat.update") == [] and len(buttons_in("moving-fukushi", "chat.update")) == 4
    assert "保留" in slash(app, fakeslack, "hold 1 予算の確定を待つ", user="U10LEAD", channel="moving-leads")
    said = press(app, fakeslack, "nice", "1", user="U04FUKUSHI", channel="moving-fukushi")
    assert "保留中のため" in said and "決定済み" not in said
    wait_for(lambda: "ボタンで評価" not in card_texts(fakeslack, "moving-fukushi")[-1])
