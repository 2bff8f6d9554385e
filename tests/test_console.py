"""`renkei console` driven through scripted standard input: what each department would see, where."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import Session, select

from bot.console import run_console
from bot.settings import Settings
from storage.db import make_engine
from storage.models import Issue, OutboxMessage, StandupAnswer
from tests.conftest import SAMPLE

JST = ZoneInfo("Asia/Tokyo")
TUESDAY_MORNING = dt.datetime(2026, 12, 1, 8, 0, tzinfo=JST)


@pytest.fixture
def console_settings(database_url, fakeslack, tmp_path) -> Settings:
    """No token; SLACK_API_URL points at fakeslack only to prove the console never calls it."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        renkei_config=str(SAMPLE),
        renkei_lang="ja",
        slack_api_url=fakeslack.url,
        renkei_reports_dir=str(tmp_path / "reports"),
    )


def play(settings: Settings, script: str, *, user: str = "U05KOSODATE", at: dt.datetime = TUESDAY_MORNING) -> str:
    lines: list[str] = []
    with time_machine.travel(at, tick=False):
        run_console(settings, user=user, stdin=io.StringIO(script), out=lines.append)
    return "\n".join(lines)


@contextlib.contextmanager
def stored(settings: Settings) -> Iterator[Session]:
    """A session on the console's database, to check what it stored."""
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def block_after(output: str, head: str, nth: int = 0) -> str:
    """The lines printed under the `nth` message headed `head` (up to the next head)."""
    parts = output.split("\n" + head + "\n")
    assert len(parts) > nth + 1, f"{head} not printed {nth + 1} time(s):\n{output}"
    lines = []
    for line in parts[nth + 1].splitlines():
        if not line.startswith("    "):
            break
        lines.append(line.strip())
    return "\n".join(lines)


def test_a_waiting_issue_reaches_the_other_department_is_taken_and_the_next_day_brings_the_prompt(console_settings, fakeslack):
    output = play(
        console_settings,
        "\n".join(["/issue 転入届の様式を確認したい to:shimin", ":user 佐藤 花子", ":press 4", ":time +1d", ":quit"]) + "\n",
        at=dt.datetime(2026, 11, 30, 17, 0, tzinfo=JST),
    )
    mine = block_after(output, "→ #moving-kosodate")
    theirs = block_after(output, "→ #moving-shimin")
    for card in (mine, theirs):
        assert "転入届の様式を確認したい" in card and "報告: 伊藤 由美" in card and "状態: 未対応" in card
    assert "[4] 担当する" in theirs  # numbered on from the first card's [1] [2] [3]
    assert "佐藤 花子（U01SHIMIN）として操作します" in output
    updated = block_after(output, "↻ #moving-shimin（更新されたメッセージ）")
    assert "状態: 対応中" in updated and "担当者: 佐藤 花子" in updated
    assert "2026-12-01(火) 09:30" in output  # the clock passed the next morning's prompt
    prompt = block_after(output, "→ #moving-shimin", nth=1)
    assert "12/01" in prompt and "回答する" in prompt
    assert "U01SHIMIN" not in theirs and "<@" not in output  # people by name, no Slack markup
    with stored(console_settings) as session:
        issue = session.exec(select(Issue)).one()
        assert issue.assignee_id == "U01SHIMIN" and issue.status == "in_progress"
        statuses = {row.status for row in session.exec(select(OutboxMessage))}
    assert statuses == {"sent"}  # the outbox tells the truth: every post recorded as sent
    assert fakeslack.calls == []  # and nothing went to any Slack


def test_the_stand_up_button_opens_the_form_field_by_field(console_settings):
    output = play(
        console_settings,
        "\n".join(
            [
                ":time 2026-12-01 09:31",
                ":user U01SHIMIN",
                ":press 1",
                "転入画面の確認",
                "様式の洗い出し",
                "税務課の回答待ち",
                ":quit",
            ]
        )
        + "\n",
    )
    assert "フォーム「" in output and "今日" in output
    dm = block_after(output, "→ DM 佐藤 花子")
    assert "市民課" in dm and "課題として登録" in dm  # a named blocker is offered as an issue
    with stored(console_settings) as session:
        answer = session.exec(select(StandupAnswer)).one()
    assert answer.user_id == "U01SHIMIN" and json.loads(answer.answers)["blockers"] == "税務課の回答待ち"


def test_a_form_refusal_is_asked_again_and_cancel_stores_nothing(console_settings):
    output = play(
        console_settings,
        "\n".join(
            [
                "/issue",
                "件名だけ",
                "",
                "5",
                "5",
                "",
                "",  # 子育て支援課 waiting on itself: refused
                ":cancel",
                ":quit",
            ]
        )
        + "\n",
    )
    assert "依頼先" in output and "入力し直してください" in output
    assert "フォームの入力を中止しました" in output
    with stored(console_settings) as session:
        assert session.exec(select(Issue)).all() == []


def test_bad_console_input_says_what_to_type_and_changes_nothing(console_settings):
    output = play(
        console_settings,
        "\n".join(
            [
                ":press 99",
                ":press abc",
                ":press",
                ":time 2020-01-01 10:00",
                ":time +40d",
                ":time soon",
                ":user 誰か",
                "hello",
                "\u200b",
                ":who",
                ":time",
                ":quit",
            ]
        )
        + "\n",
    )
    assert output.count("番のボタンはありません") == 3
    assert "時刻は先へ進めることしかできません" in output and "31 日まで" in output and "時刻の進め方" in output
    assert "「誰か」に当てはまる人が見つかりません" in output
    assert "「:」で始まる操作" in output
    assert "* 伊藤 由美（U05KOSODATE）: 子育て支援課の連絡担当" in output
    assert "2026-12-01(火) 08:00" in output  # nothing moved the clock


def test_jobs_fire_once_each_as_the_clock_passes_them(console_settings):
    output = play(console_settings, ":time +1d\n:time 2026-12-02 20:00\n:quit\n", at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=JST))
    fired = [line for line in output.splitlines() if line.startswith("⏰")]
    assert [line.split("　")[0] for line in fired] == [
        "⏰ 2026-11-30(月) 09:00",
        "⏰ 2026-11-30(月) 09:30",
        "⏰ 2026-11-30(月) 09:30",  # the after-launch weekly stand-up (Mondays), skipped before 運用
        "⏰ 2026-11-30(月) 10:00",  # the hearing reminder (no hearing open: nothing sent)
        "⏰ 2026-11-30(月) 12:30",
        "⏰ 2026-11-30(月) 12:30",  # its reminder, skipped too
        "⏰ 2026-12-01(火) 08:00",  # the monthly report, on the 1st
        "⏰ 2026-12-01(火) 09:00",
        "⏰ 2026-12-01(火) 09:30",
        "⏰ 2026-12-01(火) 10:00",  # 定例会議 (Wed 10:00), 1 day before
        "⏰ 2026-12-01(火) 10:00",  # the monthly 振り返り, skipped before 運用
        "⏰ 2026-12-01(火) 12:30",
        "⏰ 2026-12-02(水) 09:00",
        "⏰ 2026-12-02(水) 09:30",
        "⏰ 2026-12-02(水) 09:45",
        "⏰ 2026-12-02(水) 12:30",
    ]
    assert output.count("→ #moving-zeimu") == 3 + 3 + 2  # prompts, reminders (nobody answered), meeting reminders
    assert output.count("（送信なし: 運用開始前") == 3  # the after-launch stand-up, its reminder, the 振り返り: said so
    report = block_after(output, "→ DM 中村 浩")  # the manager receives November's workbook
    assert "添付ファイル:" in report and report.endswith("moving_2026-11-01_2026-11-30.xlsx")


def test_the_console_without_a_project_file_uses_the_sample_and_says_so(console_settings, tmp_path):
    settings = console_settings.model_copy(update={"renkei_config": str(tmp_path / "absent.yml")})
    output = play(settings, "/renkei status\n:quit\n")
    assert "サンプルプロジェクトを使います" in output and "#moving-shimin" in output


def test_a_project_file_that_exists_is_used_without_a_word_about_the_sample(console_settings):
    assert "サンプルプロジェクト" not in play(console_settings, ":quit\n")


def test_a_name_after_at_is_the_person_as_slack_would_send_it_and_user_takes_names(console_settings):
    """`/issue assign 1 @鈴木` in a terminal means 鈴木 一郎 (Slack would send his id); `--user 山本` is 山本 直子; an
    unknown `--user` is said and the first person stays."""
    output = play(
        console_settings, "/issue 様式の確認 to:shimin\n/issue assign 1 @鈴木\n/issue assign 1 @誰か\n:quit\n", user="伊藤"
    )
    assert "伊藤 由美（U05KOSODATE）として操作します" in output
    assert "担当者を 鈴木 一郎 さんにしました" in output
    assert "担当者は、@ を入力すると表示される候補から選んでください" in output  # nobody is called 誰か
    unknown = play(console_settings, ":quit\n", user="UNOBODY")
    assert "「UNOBODY」に当てはまる人が見つかりません" in unknown and "（U01SHIMIN）として操作します" in unknown


def test_a_result_is_chosen_from_its_radio_buttons_and_a_problem_becomes_an_issue_of_the_session(console_settings):
    output = play(
        console_settings,
        "\n".join(
            [
                "/uat add 転入画面の受入テスト 2026-12-02 10:00 テスト",
                ":time 2026-12-02 10:30",
                ":user U04FUKUSHI",
                "/uat result 1",
                "3",  # not one of the choices: asked again
                "問題あり",
                "転入画面で住所が切れる",
                "",
                ":quit",
            ]
        )
        + "\n",
        user="U10LEAD",
    )
    assert "1) 問題なし  2) 問題あり" in output and "一覧にある番号で選んでください" in output
    with stored(console_settings) as session:
        [issue] = session.exec(select(Issue)).all()
    assert issue.uat_session_id == 1 and issue.title.startswith("転入画面で住所が切れる")


def test_an_answer_being_edited_keeps_what_was_written_when_left_blank(console_settings):
    from storage.models import HearingAnswer

    first = ["転記が多い", "", "", "", ""]
    again = ["", "", "", "", "高齢の方"]  # Q1 left blank: it keeps 転記が多い, as Slack's prefilled box would
    script = ["/hearing start 引越し手続きの現状", ":user U01SHIMIN", ":press 1", *first, ":press 1", *again, ":quit"]
    output = play(console_settings, "\n".join(script) + "\n", user="U10LEAD")
    assert "空欄なら今の内容「転記が多い」のまま" in output
    with stored(console_settings) as session:
        [answer] = session.exec(select(HearingAnswer)).all()
    assert json.loads(answer.answers)["0"] == "転記が多い" and json.loads(answer.answers)["4"] == "高齢の方"
