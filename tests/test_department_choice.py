"""`部署:税務課` / `dept:zeimu` names the department a command acts for; several possible ones are offered as buttons.

Through signed requests against fakeslack, on SQLite and PostgreSQL. U66TWO is a liaison of 市民課 and 税務課 in the
sample project 引越しワンストップ化; U10LEAD its lead (nobody's liaison).
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from commands.issue import DEPARTMENT_BUTTON as ISSUE_BUTTON
from commands.standup import DEPARTMENT_BUTTON as STANDUP_BUTTON
from commands.win import DEPARTMENT_BUTTON as WIN_BUTTON
from storage.models import Department, HeldCommand, Issue, RoleAssignment, StandupAnswer, Win
from tests.conftest import channel_id, click, post_slash, wait_for

TWO = "U66TWO"


@pytest.fixture
def app(synced, http_app):
    with synced.session() as session:
        for slug in ("shimin", "zeimu"):
            department = session.exec(select(Department).where(Department.slug == slug)).one()
            session.add(RoleAssignment(user_id=TWO, role="liaison", department_id=department.id, source="approved"))
        session.commit()
    return http_app


def slash(app, fakeslack, command: str, text: str, *, user: str = TWO, channel: str = "D0TWO") -> dict:
    return post_slash(app, command, text, user=user, channel=channel, response_url=fakeslack.response_url).json()


def buttons(reply: dict) -> dict[str, tuple[str, str]]:
    """The reply's buttons: label -> (action_id, value)."""
    return {
        e["text"]["text"]: (e["action_id"], e["value"])
        for b in reply.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


def rows(app, model, *where) -> list:
    with app.services.session() as session:
        return list(session.exec(select(model).where(*where)))


def slug_of(app, department_id: int | None) -> str | None:
    with app.services.session() as session:
        return session.get(Department, department_id).slug if department_id else None


def press(app, fakeslack, label: str, reply: dict, *, user: str = TWO, channel: str = "D0TWO") -> str:
    """Press the reply's button `label`; the text the presser is answered with."""
    action_id, value = buttons(reply)[label]
    before = len(fakeslack.calls_to("response_url"))
    click(app, action_id, value, user=user, channel=channel, response_url=fakeslack.response_url)
    wait_for(lambda: any(not c.params.get("replace_original") for c in fakeslack.calls_to("response_url")[before:]))
    return next(c.params["text"] for c in fakeslack.calls_to("response_url")[before:] if not c.params.get("replace_original"))


@pytest.mark.parametrize("token", ["部署:税務課", "dept:zeimu", "部署：zeimu", "ＤＥＰＴ：税務課", "部署:#ZEIMU"])
def test_a_liaison_of_two_departments_names_one(app, fakeslack, token):
    win = slash(app, fakeslack, "/win", f"{token} 転出届の入力が半分になった")["text"]
    assert "共有しました" in win or "記録しました" in win, win
    [stored] = rows(app, Win)
    assert (slug_of(app, stored.department_id), stored.text) == ("zeimu", "転出届の入力が半分になった")
    issue = slash(app, fakeslack, "/issue", f"転出データの連携仕様 {token} !高\n詳細は明日")["text"]
    assert "#1" in issue and "税務課" in issue
    [filed] = rows(app, Issue)
    assert (slug_of(app, filed.department_id), filed.title, filed.body, filed.reporter_id) == (
        "zeimu",
        "転出データの連携仕様",
        "詳細は明日",
        TWO,
    )
    assert "受け付けました（税務課）" in slash(app, fakeslack, "/standup", f"{token} 今日: 様式の確認")["text"]
    [answer] = rows(app, StandupAnswer)
    assert slug_of(app, answer.department_id) == "zeimu" and "部署" not in answer.answers


@pytest.mark.parametrize(
    "command,text,button",
    [
        ("/win", "転出届の入力が半分になった", WIN_BUTTON),
        ("/issue", "転出データの連携仕様", ISSUE_BUTTON),
        ("/standup", "今日: 様式の確認", STANDUP_BUTTON),
    ],
)
def test_without_the_token_a_liaison_of_two_departments_chooses_with_a_button_once(app, fakeslack, command, text, button):
    reply = slash(app, fakeslack, command, text)
    assert "どの部署として" in reply["text"] and "決められません" not in reply["text"]
    assert set(buttons(reply)) == {"市民課", "税務課"} and {a for a, _ in buttons(reply).values()} == {button}
    assert rows(app, Win) == rows(app, Issue) == rows(app, StandupAnswer) == []  # nothing until the press
    answered = press(app, fakeslack, "税務課", reply)
    stored = {"/win": Win, "/issue": Issue, "/standup": StandupAnswer}[command]
    [row] = rows(app, stored)
    assert slug_of(app, row.department_id) == "zeimu", answered
    assert "もう使えません" in press(app, fakeslack, "市民課", reply)  # the choice is taken once
    assert len(rows(app, stored)) == 1 and rows(app, HeldCommand) == []

    def replaced():  # the card's new state is sent after the presser's answer: wait for it
        return [c for c in fakeslack.calls_to("response_url") if c.params.get("replace_original")]

    wait_for(replaced)
    assert "税務課として実行しました" in replaced()[0].params["text"]


def test_someone_elses_press_runs_nothing(app, fakeslack):
    reply = slash(app, fakeslack, "/win", "転出届の入力が半分になった")
    assert "もう使えません" in press(app, fakeslack, "税務課", reply, user="U01SHIMIN")
    assert rows(app, Win) == []
    press(app, fakeslack, "市民課", reply)
    assert [slug_of(app, w.department_id) for w in rows(app, Win)] == ["shimin"]


def test_a_lead_files_an_issue_for_a_named_department(app, fakeslack):
    leads = channel_id(fakeslack, "moving-leads")
    for channel in (leads, "D0LEAD"):
        reply = slash(app, fakeslack, "/issue", "窓口端末の更新時期 部署:市民課", user="U10LEAD", channel=channel)["text"]
        assert "市民課" in reply and "部署のチャンネルで実行してください" not in reply
    filed = rows(app, Issue)
    assert [(slug_of(app, i.department_id), i.reporter_id) for i in filed] == [("shimin", "U10LEAD")] * 2
    wait_for(
        lambda: (
            len(
                [
                    c
                    for c in fakeslack.calls_to("chat.postMessage")
                    if c.params.get("channel") == channel_id(fakeslack, "moving-shimin")
                ]
            )
            >= 2
        )
    )


def test_a_lead_in_the_leads_channel_chooses_among_the_projects_departments(app, fakeslack):
    leads = channel_id(fakeslack, "moving-leads")
    reply = slash(app, fakeslack, "/issue", "窓口端末の更新時期", user="U10LEAD", channel=leads)
    assert set(buttons(reply)) == {"市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"}
    press(app, fakeslack, "福祉課", reply, user="U10LEAD", channel=leads)
    [issue] = rows(app, Issue)
    assert (slug_of(app, issue.department_id), issue.reporter_id, issue.title) == ("fukushi", "U10LEAD", "窓口端末の更新時期")


def test_the_leads_project_wins_stay(app, fakeslack):
    leads = channel_id(fakeslack, "moving-leads")
    reply = slash(app, fakeslack, "/win", "定例会議の時間が半分になった", user="U10LEAD", channel=leads)
    assert not buttons(reply)
    [win] = rows(app, Win)
    assert win.department_id is None
    slash(app, fakeslack, "/win", "部署:zeimu 税務課と合意できた", user="U10LEAD", channel=leads)
    assert [slug_of(app, w.department_id) for w in rows(app, Win)] == [None, "zeimu"]


@pytest.mark.parametrize(
    "text,says",
    [
        ("部署:総務課 転出届", ["部署「総務課」は見つかりません", "市民課（shimin）", "`部署:税務課` または `dept:zeimu`"]),
        ("部署:zeimo 転出届", ["見つかりません", "`部署:zeimu` のことですか？"]),
        ("部署: 転出届", ["`部署:` の後に部署名を書いてください"]),
        ("部署:zeimu dept:shimin 転出届", ["部署は1つだけ指定してください"]),
    ],
)
def test_a_bad_token_says_how_to_write_it_and_changes_nothing(app, fakeslack, text, says):
    for command in ("/win", "/issue", "/standup"):
        reply = slash(app, fakeslack, command, text)["text"]
        assert all(s in reply for s in says), (command, reply)
    assert rows(app, Win) == rows(app, Issue) == rows(app, StandupAnswer) == rows(app, HeldCommand) == []


def test_a_department_the_user_may_not_act_for_gets_the_permission_message(app, fakeslack):
    reply = slash(app, fakeslack, "/standup", "部署:福祉課 今日: 様式の確認")["text"]
    assert "福祉課の朝会に回答できるのは、福祉課の連絡担当だけです" in reply
    outsider = slash(app, fakeslack, "/issue", "部署:市民課 転出届", user="U70OUTSIDER")["text"]
    assert "課題を登録できるのは" in outsider
    shimin = channel_id(fakeslack, "moving-shimin")
    assert rows(app, StandupAnswer) == rows(app, Issue) == []
    assert "ではありません" not in slash(app, fakeslack, "/issue", "部署:zeimu 転出届", channel=shimin)["text"]


def test_dept_who_takes_the_token_too(app, fakeslack):
    assert "税務課" in slash(app, fakeslack, "/dept", "who 部署:zeimu")["text"]
    assert "見つかりません" in slash(app, fakeslack, "/dept", "who dept:zeimo")["text"]


def test_other_issue_subcommands_refuse_the_token(app, fakeslack):
    reply = slash(app, fakeslack, "/issue", "list 部署:zeimu")["text"]
    assert "課題の登録" in reply
