"""The leads channel's board (commands/board.py): what was agreed and what the departments said, in one place.

A channel canvas where the workspace has them (rewritten whole on every change), else a pinned message updated in
place. Through the real services, the outbox and fakeslack, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from commands import board
from storage.board import NO_CANVAS
from storage.models import Department, Hearing, HearingAnswer, Project, Requirement, RequirementRating
from tests.conftest import wait_for


def refresh(services, user: str = "U10LEAD") -> None:
    with services.work() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
        board.refresh(services.context(session, user_id=user, channel_id=None), project.id)


def department(session, slug: str) -> Department:
    return session.exec(select(Department).where(Department.slug == slug)).one()


@pytest.fixture
def agreed(synced):
    """Two requirements (one agreed, one disagreed on) and a hearing 税務課 answered."""
    with synced.session() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
        zeimu, fukushi = department(session, "zeimu"), department(session, "fukushi")
        first = Requirement(
            project_id=project.id, text="転出届の | 入力を1回に", effect="窓口で二度書き", proposed_by="U01SHIMIN"
        )
        first.status, first.reason = "agreed", "全課で必要"
        second = Requirement(project_id=project.id, text="<!channel> 住民票の写しを自動で", effect="", proposed_by="U02ZEIMU")
        session.add_all([first, second])
        session.flush()
        session.add_all(
            [
                RequirementRating(requirement_id=second.id, department_id=zeimu.id, rating="required", user_id="U02ZEIMU"),
                RequirementRating(requirement_id=second.id, department_id=fukushi.id, rating="not_needed", user_id="U04FUKUSHI"),
            ]
        )
        hearing = Hearing(
            project_id=project.id,
            title="現状の困りごと",
            questions=json.dumps(["problems", "紙の様式はいくつ？"]),
            started_by="U10LEAD",
        )
        session.add(hearing)
        session.flush()
        session.add(
            HearingAnswer(
                hearing_id=hearing.id,
                department_id=zeimu.id,
                user_id="U02ZEIMU",
                answers=json.dumps({"0": "転記が多い", "1": ""}),
            )
        )
        session.commit()
    return synced


def test_where_canvases_are_allowed_the_board_is_the_leads_channels_canvas_rewritten_on_each_change(agreed, fakeslack):
    refresh(agreed)
    leads = fakeslack.channel_named("moving-leads")
    assert leads.canvas is not None and fakeslack.calls_to("pins.add") == []
    text = fakeslack.canvases[leads.canvas]
    assert "| No. | 要件 | 業務への影響 | 状態 | 市民課 | 税務課 |" in text
    assert "転出届の \\| 入力を1回に" in text and "合意（全課で必要）" in text  # a pipe in the text keeps the table whole
    assert "必須 | 未評価 | 不要" in text  # 税務課, 国民健康保険課, 福祉課 in renkei.yml's order
    assert "\\<!channel\\>" in text  # user text is shown, not acted on
    assert "現在の業務で困っていること: 転記が多い（" in text and "紙の様式はいくつ？" not in text  # blank answers left out
    with agreed.session() as session:
        [second] = session.exec(select(Requirement).where(Requirement.effect == "")).all()
        second.status, second.reason = "on_hold", "次回の定例で"
        session.add(second)
        session.commit()
    refresh(agreed)
    assert len(fakeslack.calls_to("conversations.canvases.create", ok_only=True)) == 1  # one canvas, rewritten
    assert "保留（次回の定例で）" in fakeslack.canvases[leads.canvas]


def test_a_canvas_made_elsewhere_is_found_and_a_deleted_one_made_again(agreed, fakeslack):
    refresh(agreed)
    leads = fakeslack.channel_named("moving-leads")
    first = leads.canvas
    with agreed.session() as session:  # as if our answer to the create call was lost
        session.exec(select(Project).where(Project.slug == "moving")).one().canvas_id = None
        session.commit()
    refresh(agreed)
    assert (
        leads.canvas == first
        and [c.error for c in fakeslack.calls_to("conversations.canvases.create")][-1] == "channel_canvas_already_exists"
    )
    del fakeslack.canvases[first]
    leads.canvas = None
    refresh(agreed)
    assert leads.canvas not in (None, first) and "転記が多い" in fakeslack.canvases[leads.canvas]


def test_without_canvases_the_board_is_one_pinned_message_updated_in_place(agreed, fakeslack):
    fakeslack.canvases_allowed = False
    refresh(agreed)
    leads = fakeslack.channel_named("moving-leads")
    [posted] = fakeslack.calls_to("chat.postMessage", ok_only=True)
    assert posted.params["channel"] == leads.id and leads.pins == [leads.messages[-1]["ts"]]
    blocks = json.dumps(
        json.loads(posted.params["blocks"]) if isinstance(posted.params["blocks"], str) else posted.params["blocks"],
        ensure_ascii=False,
    )
    assert "税務課 必須 / 国民健康保険課 未評価 / 福祉課 不要" in blocks and "&lt;!channel&gt;" in blocks
    with agreed.session() as session:
        assert session.exec(select(Project).where(Project.slug == "moving")).one().canvas_id == NO_CANVAS
        session.add(Requirement(project_id=1, text="窓口の待ち時間表示", effect="", proposed_by="U10LEAD"))
        session.commit()
    refresh(agreed)
    refresh(agreed)
    assert (
        len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1 and len(fakeslack.calls_to("pins.add", ok_only=True)) == 1
    )
    assert len(fakeslack.calls_to("conversations.canvases.create")) == 1  # refused once, not asked again
    updates = fakeslack.calls_to("chat.update", ok_only=True)
    assert len(updates) == 2 and "窓口の待ち時間表示" in leads.messages[-1]["text"] + json.dumps(
        updates[-1].params, ensure_ascii=False
    )


def test_the_next_start_tries_a_canvas_again(agreed, fakeslack):
    from bot.bootstrap import bootstrap

    fakeslack.canvases_allowed = False
    refresh(agreed)
    refresh(agreed)
    assert len(fakeslack.calls_to("conversations.canvases.create")) == 1
    fakeslack.canvases_allowed = True  # the workspace's plan changed, or the app was given canvases:write
    restarted = bootstrap(agreed.settings, project_file=agreed.project_file)  # `renkei serve` or `renkei sync`
    try:
        refresh(restarted)
    finally:
        restarted.close()
    assert fakeslack.channel_named("moving-leads").canvas is not None


def test_no_leads_channel_no_board(services, fakeslack):
    refresh(services)  # never synced: no channel to write in
    assert {c.method for c in fakeslack.calls} <= {"users.info"}


def test_a_message_already_pinned_is_no_failure(agreed, fakeslack):
    from storage import outbox

    fakeslack.canvases_allowed = False
    fakeslack.fail("pins.add", error="already_pinned")  # pinned by a person before our call arrived
    refresh(agreed)
    with agreed.session() as session:
        row = outbox.by_key(session, "board:1:pin")
        assert row is not None and (row.status, json.loads(row.result or "{}").get("skipped")) == ("sent", "already_pinned")


# --- through the commands: /req and /hearing keep the board current (signed requests) ---------------------------------


@pytest.fixture
def app(synced, http_app):
    return http_app


def board_text(fakeslack) -> str:
    leads = fakeslack.channel_named("moving-leads")
    return fakeslack.canvases.get(leads.canvas or "", "")


def test_a_requirement_its_ratings_and_its_decision_reach_the_board(app, fakeslack):
    from tests import test_req

    test_req.propose(app, fakeslack)
    wait_for(lambda: "転出届の内容を税務課にも自動で共有する" in board_text(fakeslack))
    test_req.press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    test_req.press(app, fakeslack, "not_needed", "1", user="U04FUKUSHI", channel="moving-fukushi")
    wait_for(lambda: "| 提案 | 未評価 | 必須 | 未評価 | 不要 |" in board_text(fakeslack))
    assert "合意" in test_req.slash(app, fakeslack, "agree 1 全部署で必要", user="U10LEAD", channel="moving-leads")
    wait_for(lambda: "| 合意（全部署で必要） |" in board_text(fakeslack))


def test_a_hearings_answers_reach_the_board_and_its_close_too(app, fakeslack):
    from tests import test_hearing

    number = test_hearing.start(app, fakeslack)
    wait_for(lambda: f"ヒアリング #{number}「引越し手続きの現状」（回答受付中）" in board_text(fakeslack))
    test_hearing.answer(app, fakeslack, number, ["転記が多い", "", "", "", ""])
    wait_for(lambda: "現在の業務で困っていること: 転記が多い（" in board_text(fakeslack))
    test_hearing.slash(app, fakeslack, f"close {number} 確定")
    wait_for(lambda: "（締切）" in board_text(fakeslack))


def test_without_canvases_the_commands_update_the_one_pinned_board(app, fakeslack):
    from tests import test_req

    fakeslack.canvases_allowed = False
    test_req.propose(app, fakeslack)
    test_req.press(app, fakeslack, "required", "1", user="U02ZEIMU", channel="moving-zeimu")
    leads = fakeslack.channel_named("moving-leads")
    wait_for(
        lambda: any(
            "税務課 必須" in json.dumps(c.params, ensure_ascii=False)
            for c in fakeslack.calls_to("chat.update", ok_only=True)
            if c.params.get("channel") == leads.id
        )
    )
    board_posts = [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if "合意事項" in str(c.params.get("text"))]
    assert len(board_posts) == 1 and len(leads.pins) == 1
