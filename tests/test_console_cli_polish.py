"""The console and the CLI as a person meets them (issue 23, point 9).

One `↻` line per change of a message; the leads' board (a channel canvas) laid out as Slack shows it; every firing
that sends nothing says why; the command line's own usage errors in the configured language; the README's and
docs/cli.md's command examples in the form `./scripts/run` leaves working; a full-width space after a command's name
read as a space, in the console and over HTTP.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shlex
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import Session, select

from bot.console import run_console, split_first
from bot.render import canvas_lines, plain
from bot.settings import Settings
from commands.families import manifest_commands
from reminders.firing import silent_reason
from reminders.jobs.base import FiringResult
from storage.db import make_engine
from storage.models import Issue
from tests.conftest import BOT_TOKEN, ROOT, SAMPLE, post_slash, run, subprocess_env

JST = ZoneInfo("Asia/Tokyo")
MONDAY_EVENING = dt.datetime(2026, 11, 30, 17, 0, tzinfo=JST)
TUESDAY_MORNING = dt.datetime(2026, 12, 1, 8, 0, tzinfo=JST)


@pytest.fixture
def console_settings(database_url, tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        renkei_config=str(SAMPLE),
        renkei_lang="ja",
        renkei_reports_dir=str(tmp_path / "reports"),
    )


def play(settings: Settings, *lines: str, user: str = "U05KOSODATE", at: dt.datetime = TUESDAY_MORNING) -> str:
    out: list[str] = []
    with time_machine.travel(at, tick=False):
        run_console(settings, user=user, stdin=io.StringIO("\n".join([*lines, ":quit"]) + "\n"), out=out.append)
    return "\n".join(out)


def under(output: str, head: str, nth: int = 0) -> list[str]:
    """The lines printed under the `nth` message headed `head`."""
    parts = output.split("\n" + head + "\n")
    assert len(parts) > nth + 1, f"{head} not printed {nth + 1} time(s):\n{output}"
    lines = []
    for line in parts[nth + 1].splitlines():
        if not line.startswith("    "):
            break
        lines.append(line.strip())
    return lines


# --- 1. one ↻ line per update of a message ---------------------------------------------------------------------------


def test_a_pressed_card_is_shown_updated_once_per_change(console_settings):
    output = play(
        console_settings,
        "/issue 転入届の様式を確認したい to:shimin",
        ":user 佐藤 花子",
        ":press 4",  # 担当する, on the card in #moving-shimin
        ":press 7",  # 解決済みにする, on that card as it was shown after the first press
        at=MONDAY_EVENING,
    )
    # the pressed card is replaced by the button's answer (respond) and by chat.update with the same card: one line
    assert output.count("↻ #moving-shimin（更新されたメッセージ）") == 2, output
    assert output.count("↻ #moving-kosodate（更新されたメッセージ）") == 2, output
    assert any("状態: 対応中" in line for line in under(output, "↻ #moving-shimin（更新されたメッセージ）"))
    assert any("状態: 解決済み" in line for line in under(output, "↻ #moving-shimin（更新されたメッセージ）", 1))
    assert "番のボタンはありません" not in output  # the numbers shown after the first press are the ones pressed


# --- 2. the leads' board as Slack shows it -----------------------------------------------------------------------------


def test_the_leads_board_canvas_reads_as_slack_shows_it(console_settings):
    output = play(
        console_settings,
        "/req add 部署:shimin 転出届の内容を税務課にも共有する 影響: 税務課が手入力で確認している",
        ":user 鈴木",
        ":press 6",  # あれば良い, on the card in #moving-zeimu (the second card: [5] to [8])
        user="U10LEAD",
    )
    made = under(output, "→ #moving-leads（キャンバス）")
    rewritten = under(output, "↻ #moving-leads（書き直されたキャンバス）")
    for board in (made, rewritten):
        assert board[0] == "【引越しワンストップ化: 合意事項と各部署の声】"
        assert board[1].startswith("最終更新: ") and board[1].endswith("（要件やヒアリングが変わるたびに書き直されます）")
        assert "■ 要件と各部署の評価" in board and "■ ヒアリング" in board
        for line in board:  # no markdown left: headings, emphasis, table pipes, escapes
            assert not re.match(r"#|_|\||-", line) and not line.endswith("_") and "\\" not in line, line
    row = next(line for line in rewritten if line.startswith("• No.: #1"))
    assert "要件: 転出届の内容を税務課にも共有する" in row and "状態: 提案" in row and "税務課: あれば良い" in row


def test_canvas_markdown_and_mrkdwn_lose_their_markers():
    markdown = "\n".join(
        [
            "# 題名",
            "_最終更新: 令和8年12月1日 09:00_",
            "",
            "## 要件",
            "| No. | 要件 | 状態 |",
            "| --- | --- | --- |",
            "| #1 | 様式A\\|B を \\_統一\\_ する | **合意** |",
            "### 市民課",
            "- 今の手順: [手順書](https://example.jp) を *確認*（佐藤 花子）",
            "まだ回答がありません。",
        ]
    )
    assert canvas_lines(markdown) == [
        "【題名】",
        "最終更新: 令和8年12月1日 09:00",
        "■ 要件",
        "• No.: #1 ・ 要件: 様式A|B を _統一_ する ・ 状態: 合意",
        "□ 市民課",
        "• 今の手順: 手順書 (https://example.jp) を 確認（佐藤 花子）",
        "まだ回答がありません。",
    ]
    # the pinned message (a workspace without canvases) ends in Slack's italic: shown without its underscores
    assert plain("_最終更新: 12/1 09:00_", person=str, channel=str) == "最終更新: 12/1 09:00"
    assert plain("department_roles と a_b_c", person=str, channel=str) == "department_roles と a_b_c"


# --- 3. every firing that sends nothing says why ------------------------------------------------------------------------


def unexplained(output: str) -> list[str]:
    """The ⏰ lines followed neither by a message (→, ↻) nor by the reason nothing was sent."""
    lines = output.splitlines()
    silent = []
    for index, line in enumerate(lines):
        if line.startswith("⏰"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if not following.startswith(("→", "↻", "　　（送信なし: ")):
                silent.append(line)
    return silent


def test_every_firing_the_console_passes_that_sends_nothing_says_why(console_settings):
    first = play(console_settings, ":time +1d", at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=JST))
    assert unexplained(first) == []
    hearing = first.split("ヒアリングに未回答の部署へのリマインド")[1].splitlines()[1]
    assert hearing == "　　（送信なし: 知らせる相手がいませんでした（対象なし））"  # ran: no hearing open, nobody to tell
    assert "（送信なし: 運用開始前（/renkei phase 運用 で始まります））" in first  # skipped, and why
    # the same day again on the same database: every firing was run already (sent or skipped), and says so
    again = play(console_settings, ":time +1d", at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=JST))
    assert unexplained(again) == []
    fired = [line for line in again.splitlines() if line.startswith("⏰")]
    assert len(fired) > 5 and again.count("（送信なし: すでに実行済みの回（二重には送りません））") == len(fired)


@pytest.mark.parametrize(
    ("status", "channels", "reason", "said"),
    [
        ("delivered", 6, "", None),
        ("delivered", 1, "closed_day_leads_warned", None),  # it sent something: the warning to the leads
        ("delivered", 0, "nothing_due", "nothing_due"),
        ("delivered", 0, "", "nothing_due"),
        ("skipped", 0, "closed_day", "closed_day"),
        ("skipped", 0, "", "nothing_due"),
        ("duplicate", 0, "", "duplicate"),
        ("failed", 0, "RuntimeError", "failed"),
        ("unknown", 0, "", None),  # no such job: said on its own (jobs.unknown)
    ],
)
def test_the_reason_a_firing_sent_nothing_is_always_a_sentence_of_the_catalog(status, channels, reason, said):
    from bot.i18n import catalog

    found = silent_reason(FiringResult(status, None, channels, reason))
    assert found == said
    if found is not None:
        assert f"jobs.reason.{found}" in catalog("ja") and f"jobs.reason.{found}" in catalog("en")


def test_jobs_run_that_finds_nothing_to_send_says_why_in_the_configured_language(env, tmp_path, fakeslack):
    env = {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}
    said = (
        " を 2026-11-27 {} の回として実行しましたが、送るものはありませんでした（理由: "
        + "知らせる相手がいませんでした（対象なし））。"
    )
    aging = run(["jobs", "run", "aging:moving", "--at", "2026-11-27T09:00"], env, tmp_path)  # no issue waits
    assert aging.returncode == 0 and aging.stdout.splitlines() == ["aging:moving" + said.format("09:00")], aging.stderr
    hearing = run(["jobs", "run", "hearing:moving", "--at", "2026-11-27T10:00"], env, tmp_path)  # no hearing open
    assert hearing.stdout.splitlines() == ["hearing:moving" + said.format("10:00")]
    holiday = run(["jobs", "run", "aging:moving", "--at", "2026-11-23T09:00"], env, tmp_path)  # 勤労感謝の日
    assert "送りませんでした（理由: 閉庁日）" in holiday.stdout
    again = run(["jobs", "run", "aging:moving", "--at", "2026-11-27T09:00"], env, tmp_path)
    assert "すでに配信済みです" in again.stdout
    english = run(["jobs", "run", "aging:moving", "--at", "2026-11-26T09:00"], {**env, "RENKEI_LANG": "en"}, tmp_path)
    assert "there was nothing to send (reason: nobody to tell (nothing due))" in english.stdout


# --- 4. usage errors in the configured language --------------------------------------------------------------------


USAGE_ERRORS = [
    (["digest"], "オプション --project を指定してください。", "digest", "Missing option '--project'"),
    (
        ["digest", "--projct", "moving"],
        "--projct というオプションはありません。使えるオプション: --post, --project",
        "digest",
        "No such option",
    ),
    (
        ["demo", "--weeks", "x"],
        "--weeks の値が正しくありません。1 から 12 までの整数で指定してください。",
        "demo",
        "Invalid value",
    ),
    (
        ["demo", "--weeks", "40"],
        "--weeks の値が正しくありません。1 から 12 までの整数で指定してください。",
        "demo",
        "Invalid value",
    ),
    (
        ["serve", "--port", "abc"],
        "--port の値が正しくありません。1 から 65535 までの整数で指定してください。",
        "serve",
        "Invalid value",
    ),
    (
        ["serve", "--port", "70000"],
        "--port の値が正しくありません。1 から 65535 までの整数で指定してください。",
        "serve",
        "range",
    ),
    (["serve", "--port", "0"], "--port の値が正しくありません。1 から 65535 までの整数で指定してください。", "serve", "range"),
    (["dgest"], "「dgest」というコマンドはありません。もしかして: digest", "", "No such command"),
    (["jobs", "nosuch"], "「nosuch」というコマンドはありません。", "jobs", "No such command"),
    (["jobs", "run"], "JOB_ID を指定してください。", "jobs run", "Missing argument"),
    (["export", "--project"], "オプション --project には値が必要です。", "export", "requires an argument"),
    (
        ["digest", "--post=yes", "--project", "moving"],
        "オプション --post は値を取りません。--post だけを書いてください。",
        "digest",
        "does not take a value",
    ),
    (["db", "backup", "a.db", "b.db"], "余分な引数があります: b.db", "db backup", "unexpected extra argument"),
]


@pytest.mark.parametrize(("args", "said", "command", "english"), USAGE_ERRORS, ids=[" ".join(a) for a, *_ in USAGE_ERRORS])
def test_usage_errors_are_in_japanese_with_the_option_and_the_help_to_run(env, tmp_path, args, said, command, english):
    result = run(args, env, tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == said, result.stderr
    assert re.fullmatch(rf"使い方は \S*renkei{' ' + command if command else ''} --help で確認できます。", lines[1]), lines[1]
    assert english.lower() not in result.stderr.lower() and "Usage" not in result.stderr and "Error" not in result.stderr
    assert result.stdout == ""


def test_the_help_a_usage_error_names_works_as_typed(env, tmp_path):
    result = run(["digest"], env, tmp_path)
    hint = re.fullmatch(r"使い方は (.+) で確認できます。", result.stderr.splitlines()[1])
    assert hint is not None, result.stderr
    typed = hint.group(1)
    shown = subprocess.run(shlex.split(typed), env=subprocess_env(env), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "--project" in shown.stdout and "--post" in shown.stdout


def test_usage_errors_follow_the_language_of_the_environment_or_the_project_file(env, tmp_path):
    english = run(["digest"], {**env, "RENKEI_LANG": "en"}, tmp_path)
    assert english.returncode == 2 and english.stderr.splitlines()[0] == "Missing option --project."
    assert re.fullmatch(r"Run \S*renkei digest --help for usage\.", english.stderr.splitlines()[1])
    config = tmp_path / "renkei.yml"
    config.write_text(SAMPLE.read_text(encoding="utf-8").replace("language: ja", "language: en"), encoding="utf-8")
    from_file = run(["jobs", "nosuch"], {**env, "RENKEI_CONFIG": str(config)}, tmp_path)
    assert from_file.stderr.splitlines()[0] == "No such command 'nosuch'."
    dotenv = tmp_path / "dotenv"
    dotenv.mkdir()
    (dotenv / ".env").write_text("RENKEI_LANG=en\n", encoding="utf-8")
    assert run(["digest"], env, dotenv).stderr.splitlines()[0] == "Missing option --project."


def test_help_and_success_keep_their_exit_status(env, tmp_path):
    assert run(["--help"], env, tmp_path).returncode == 0
    assert run(["jobs", "--help"], env, tmp_path).returncode == 0
    check = run(["check"], env, tmp_path)
    assert check.returncode == 0 and "正しい形式" in check.stdout
    bad = tmp_path / "bad.yml"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace('remind_after: "3h"', 'remind_after: "3 hours"'))
    assert run(["check"], {**env, "RENKEI_CONFIG": str(bad)}, tmp_path).returncode == 1  # typer.Exit(1), as before


# --- 5. the README's and docs/cli.md's examples in the form that works ----------------------------------------------

INSTALLED = ROOT / ".venv" / "bin" / "renkei"  # where ./scripts/run installs the command
DOCS = [ROOT / "README.md", ROOT / "docs" / "cli.md"]


def examples(text: str) -> list[str]:
    """The commands a reader is shown to type: every line of a fenced block, every example cell of a `| command |
    example |` table, and inline code that is a whole shell line (`cd demo && …`, `VAR=… renkei …`)."""
    found, fenced, in_table = [], False, False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            found.append(line)
            continue
        if line.startswith("| command | example |"):
            in_table = True
            continue
        if in_table and line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)
            found += re.findall(r"`([^`]+)`", cells[2]) if len(cells) > 2 else []
            continue
        in_table = False
        found += [code for code in re.findall(r"`([^`]+)`", line) if re.search(r"&&|^[A-Z_]+=\S+ ", code)]
    return found


def renkei_calls(command: str) -> list[tuple[str, str]]:
    """Each step of a shell line that runs renkei: (the folder it runs in, the program as typed)."""
    folder, calls = ".", []
    for step in re.sub(r"^\$ ", "", command.strip()).split("&&"):
        words = [w for w in step.split() if not re.fullmatch(r"[A-Z_]+=\S*", w)]
        if not words:
            continue
        if words[0] == "cd" and len(words) > 1:
            folder = os.path.normpath(os.path.join(folder, words[1]))
        elif Path(words[0]).name == "renkei" and not re.fullmatch(r"/renkei", words[0]):  # not the slash command
            calls.append((folder, words[0]))
    return calls


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_example_runs_the_installed_script_as_typed(doc):
    calls = [(command, call) for command in examples(doc.read_text(encoding="utf-8")) for call in renkei_calls(command)]
    assert len(calls) >= 10, calls  # the examples were found
    wrong = [command for command, (folder, program) in calls if os.path.normpath(ROOT / folder / program) != str(INSTALLED)]
    assert wrong == [], "typed from the repository folder, these are not .venv/bin/renkei (command not found):\n" + "\n".join(
        wrong
    )


def test_scripts_run_installs_into_the_venv_and_says_how_to_type_it():
    script = (ROOT / "scripts" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv" in script and ".venv/bin/python -m pip install -q -e ." in script
    said = [line for line in script.splitlines() if line.strip().startswith("echo") and ".venv/bin/renkei" in line]
    assert said and re.search(r"\.venv/bin/renkei jobs list", said[0])
    assert said[0] in script.split("exec .venv/bin/renkei serve")[0]  # said before the bot or the console starts
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`.venv/bin/renkei …`" in readme and "`. .venv/bin/activate`" in readme


# --- 6. a full-width space after a command's name ----------------------------------------------------------------


def test_split_first_reads_a_full_width_space_as_a_space():
    assert split_first("/issue　転入届の様式　to:shimin") == ("/issue", "転入届の様式　to:shimin")
    assert split_first("　:time　+1d ") == (":time", "+1d")
    assert split_first("/renkei") == ("/renkei", "")


def test_the_console_reads_a_full_width_space_after_a_command_as_a_space(console_settings):
    output = play(
        console_settings,
        "/issue　転入届の様式を確認したい to:shimin",
        ":user　佐藤 花子",
        "/issue　list　all",
        at=MONDAY_EVENING,
    )
    assert "というコマンドはありません" not in output, output
    assert "佐藤 花子（U01SHIMIN）として操作します" in output
    assert "#1 ［未対応］転入届の様式を確認したい" in "\n".join(under(output, "（あなただけに表示）", 1))  # the list, as 佐藤
    engine = make_engine(console_settings.database_url)
    try:
        with Session(engine) as session:
            assert [issue.title for issue in session.exec(select(Issue))] == ["転入届の様式を確認したい"]
    finally:
        engine.dispose()


# What each command is asked over HTTP: a reading subcommand (the answer is the same however often it is asked).
ASKED = {
    "/renkei": "status",
    "/issue": "list　all",
    "/win": "list",
    "/standup": "status",
    "/meeting": "list",
    "/hearing": "status",
    "/req": "list　all",
    "/uat": "list",
    "/report": "digest",
    "/dept": "who　shimin",
}


@pytest.mark.parametrize("command", manifest_commands())
def test_every_command_reads_a_text_beginning_with_a_full_width_space_as_a_space(http_app, command):
    asked = ASKED.get(command, "")  # a command added since: its bare form (help, usage or form) both ways
    plain_answer = post_slash(http_app, command, asked.replace("　", " "), user="U10LEAD")
    wide_answer = post_slash(http_app, command, "　" + asked, user="U10LEAD")
    http_app.settle()
    assert plain_answer.status_code == wide_answer.status_code == 200
    assert wide_answer.text == plain_answer.text
    if asked:
        assert "使い方" not in wide_answer.text and "コマンドはありません" not in wide_answer.text, wide_answer.text


def test_a_choice_of_numbered_things_is_made_by_their_own_number_not_their_place():
    """The 受入テスト form lists なし, then 要件 #2 and #3 (#1 was dropped): typing 3 picks 要件 #3, as does `#3`;
    なし keeps a key no requirement has."""
    from bot.console import choice_keys

    options = [{"text": {"text": t}, "value": v} for t, v in (("なし", "none"), ("#2 様式の統一", "2"), ("#3 和暦で表示", "3"))]
    keys = dict(choice_keys(options))
    assert {k: o["value"] for k, o in keys.items()} == {"1": "none", "2": "2", "3": "3"}
    options = [{"text": {"text": t}, "value": v} for t, v in (("なし", "none"), ("#1 様式の統一", "1"))]
    assert [(k, o["value"]) for k, o in choice_keys(options)] == [("2", "none"), ("1", "1")]
    departments = [{"text": {"text": t}, "value": t} for t in ("市民課", "税務課")]
    assert [k for k, _ in choice_keys(departments)] == ["1", "2"]  # nothing numbered: their places
