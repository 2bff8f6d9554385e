"""Edges of the `renkei` command line that answer in sentences (issue 24, point 5), run as an operator runs them.

- A broken `renkei.yml` is a list of sentences with lines for `renkei check` and `renkei serve` alike: an unknown
  key with the known one it likely means, a missing one, a name too long; a `RENKEI_CONFIG` naming a folder or
  nothing, a file too large or nested too deeply, is one sentence (exit status 1, as every project-file problem).
- Every option is checked before any work, with a sentence and exit status 2 (as click's own usage errors):
  `export --out` (an existing file without `--force`, a missing folder, a name not ending in .xlsx, a folder),
  `--from`/`--to` outside 2000–2099 or more than five years apart, `serve --port` outside 1–65535, `--http` with
  `--socket`, `jobs run --at` outside 2000–2099, `db backup` into a missing folder.
- A write that fails (/dev/full) is a sentence, exit status 1, with no half-written file and no traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import BOT_TOKEN, SAMPLE, SIGNING_SECRET, run

BROKEN = (
    SAMPLE.read_text(encoding="utf-8")
    .replace("    leads_channel: moving-leads\n", "    leads_chanel: moving-leads\n")
    .replace("{slug: zeimu,   name: 税務課,", "{slug: zeimu,")
    .replace("  U20BOSS: 中村 浩", "  U20BOSS: " + "中" * 81)
)
SERVE = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}


def said(result) -> list[str]:
    """What a refused command printed: its lines, with no traceback and nothing on stdout but the check's note."""
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr
    return result.stderr.splitlines()


@pytest.mark.parametrize("command", [["check"], ["serve", "--http"]])
def test_a_broken_project_file_is_every_problem_in_sentences_for_check_and_serve(env, tmp_path, command):
    """The three mistakes the issue reports (each was a TypeError or a KeyError) are listed at once, each at its
    line; `renkei serve` refuses to start with the same sentences."""
    bad = tmp_path / "renkei.yml"
    bad.write_text(BROKEN, encoding="utf-8")
    result = run(command, {**env, **(SERVE if command[0] == "serve" else {}), "RENKEI_CONFIG": str(bad)}, tmp_path)
    assert result.returncode == 1
    lines = said(result)
    assert lines[0] == f"{bad} に 3 件の問題があります:"
    assert lines[1] == f"{bad} 9 行目（departments[1].name）: 「name」が必要です。この項目に name: を追加してください。"
    assert lines[2] == (
        f"{bad} 21 行目（projects[0].leads_chanel）: leads_chanel は使えない項目です。leads_channel のことですか？"
    )
    assert lines[3].startswith(f"{bad} 36 行目（people.U20BOSS）: 名前「中中") and "80文字以内" in lines[3]


@pytest.mark.parametrize("where", ["folder", "missing"])
@pytest.mark.parametrize("command", [["check"], ["serve", "--http"]])
def test_renkei_config_naming_a_folder_or_nothing_is_one_sentence(env, tmp_path, command, where):
    path = tmp_path if where == "folder" else tmp_path / "nope.yml"
    result = run(command, {**env, **(SERVE if command[0] == "serve" else {}), "RENKEI_CONFIG": str(path)}, tmp_path)
    assert result.returncode == 1
    [line] = said(result)
    if where == "folder":
        assert (
            line
            == f"{path} はファイルではありません（フォルダなどです）。"
            + "RENKEI_CONFIG には renkei.yml そのものの場所を指定してください。"
        )
    else:
        assert line.startswith(f"プロジェクトファイル {path} が見つかりません。")


def test_a_huge_or_deep_project_file_is_refused_at_once(env, tmp_path):
    """2 million closed days (30 MB) took 120 s and 1.8 GB: refused by its size; nesting by its depth."""
    huge = tmp_path / "huge.yml"
    huge.write_text(
        SAMPLE.read_text(encoding="utf-8").replace(
            'closed_days: ["2026-08-14"]', "closed_days:\n" + "  - 2026-08-14\n" * 2_000_000
        ),
        encoding="utf-8",
    )
    result = run(["check"], {**env, "RENKEI_CONFIG": str(huge)}, tmp_path)
    assert result.returncode == 1
    assert said(result) == [
        f"プロジェクトファイルが大きすぎます（{huge.stat().st_size} バイト。上限は 1000000 バイトです）。"
        "RENKEI_CONFIG が renkei.yml を指しているか確認してください。"
    ]
    deep = tmp_path / "deep.yml"
    deep.write_text(SAMPLE.read_text(encoding="utf-8") + "x: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = run(["check"], {**env, "RENKEI_CONFIG": str(deep)}, tmp_path)
    assert result.returncode == 1
    assert (
        said(result)[1]
        == f"{deep} 38 行目: 入れ子が深すぎます（20 段までです）。これより先は読みません。インデントを確認してください。"
    )


# --- export --out ---------------------------------------------------------------------------------------------


NOT_XLSX = "{file} は .xlsx で終わっていません。報告書は Excel のファイルなので、名前を .xlsx で終えてください（例: {example}）。"


def export(env, tmp_path, *options: str):
    return run(["export", "--project", "moving", *options], env, tmp_path)


def test_export_will_not_replace_a_file_unless_told(env, tmp_path):
    out = tmp_path / "進捗.xlsx"
    out.write_bytes(b"last month's report")
    refused = export(env, tmp_path, "--out", str(out))
    assert refused.returncode == 2
    assert said(refused) == [f"{out} は既にあります。上書きするときは --force を付けてください（別の名前にすることもできます）。"]
    assert out.read_bytes() == b"last month's report"
    replaced = export(env, tmp_path, "--out", str(out), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert load_workbook(out)["概要"]


@pytest.mark.parametrize(
    "out,sentence",
    [
        ("nowhere/進捗.xlsx", "フォルダ {tmp}/nowhere がありません。先に作るか、あるフォルダの中を指定してください。"),
        ("進捗.csv", NOT_XLSX.format(file="{tmp}/進捗.csv", example="{tmp}/進捗.xlsx")),
        ("進捗", NOT_XLSX.format(file="{tmp}/進捗", example="{tmp}/進捗.xlsx")),
        ("", "{tmp} はフォルダです。--out には書き出すファイルの名前まで指定してください（例: {tmp}/進捗.xlsx）。"),
        ("/dev/full", NOT_XLSX.format(file="/dev/full", example="/dev/full.xlsx")),
    ],
    ids=["missing-folder", "csv", "no-extension", "a-folder", "dev-full"],
)
def test_export_out_is_checked_before_any_work(env, tmp_path, out, sentence):
    target = Path(out) if out.startswith("/") else tmp_path / out
    before = sorted(tmp_path.iterdir())
    result = export(env, tmp_path, "--out", str(target))
    assert result.returncode == 2
    assert said(result) == [sentence.format(tmp=tmp_path)]
    assert sorted(tmp_path.iterdir()) == before  # no folder made, nothing written, not even the database


def test_a_write_that_fails_is_a_sentence_and_leaves_no_file(env, tmp_path):
    full = tmp_path / "full.xlsx"
    full.symlink_to("/dev/full")  # every write: ENOSPC
    result = export(env, tmp_path, "--out", str(full), "--force")
    assert result.returncode == 1
    assert said(result) == [
        f"{full} に書き出せませんでした（No space left on device）。空き容量と書き込みの権限を確認してください。"
    ]
    assert full.is_symlink()  # what was there is left as it was


@pytest.mark.parametrize(
    "start,end,sentence",
    [
        (
            "0001-01-01",
            "9999-12-31",
            "「0001-01-01」（0001-01-01）は扱える範囲の外です。2000-01-01 から 2099-12-31 までの日付で指定してください。",
        ),
        (
            "2026-04-01",
            "9999-12-31",
            "「9999-12-31」（9999-12-31）は扱える範囲の外です。2000-01-01 から 2099-12-31 までの日付で指定してください。",
        ),
        (
            "1999-12-31",
            "2000-03-31",
            "「1999-12-31」（1999-12-31）は扱える範囲の外です。2000-01-01 から 2099-12-31 までの日付で指定してください。",
        ),
        (
            "2021-04-01",
            "2026-04-01",
            "期間が長すぎます（2021-04-01〜2026-04-01）。"
            "1回の書き出しは 5 年以内にしてください（年度ごとに分けて書き出せます）。",
        ),
    ],
    ids=["year-1-to-9999", "to-9999", "before-2000", "five-years-and-a-day"],
)
def test_export_dates_outside_a_sensible_range_are_refused_with_why(env, tmp_path, start, end, sentence):
    out = tmp_path / "r.xlsx"
    result = export(env, tmp_path, "--from", start, "--to", end, "--out", str(out))
    assert result.returncode == 2
    assert said(result) == [sentence]
    assert not out.exists()


def test_five_fiscal_years_are_one_export(env, tmp_path):
    out = tmp_path / "r.xlsx"
    result = export(env, tmp_path, "--from", "2021-04-01", "--to", "2026-03-31", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "2021-04-01〜2026-03-31" in result.stdout and out.exists()


# --- other options --------------------------------------------------------------------------------------------


def test_serve_refuses_both_modes_at_once(env, tmp_path):
    result = run(["serve", "--http", "--socket"], {**env, **SERVE}, tmp_path)
    assert result.returncode == 2
    assert said(result)[0].startswith("--http と --socket は同時には指定できません。")


@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_serve_port_outside_1_to_65535_is_a_sentence(env, tmp_path, port):
    result = run(["serve", "--http", "--port", port], {**env, **SERVE}, tmp_path)
    assert result.returncode == 2
    assert said(result)[0] == "--port の値が正しくありません。1 から 65535 までの整数で指定してください。"


@pytest.mark.parametrize("at", ["0001-01-01T09:00", "9999-12-31T09:00"])
def test_jobs_run_at_a_time_no_job_can_have_is_a_sentence(env, tmp_path, fakeslack, at):
    result = run(
        ["jobs", "run", "standup:moving", "--at", at],
        {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url},
        tmp_path,
    )
    assert result.returncode == 2
    assert said(result) == [f"--at の日時「{at}」は扱える範囲の外です。2000-01-01 から 2099-12-31 までの日時で指定してください。"]
    assert fakeslack.calls_to("chat.postMessage") == []


def test_check_with_slack_out_of_reach_is_a_sentence(env, tmp_path):
    result = run(["check"], {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": "http://127.0.0.1:9/api/"}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Slack（http://127.0.0.1:9/api/）に接続できませんでした（" in result.stderr


def test_db_backup_into_a_missing_folder_is_a_sentence(env, tmp_path):
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    result = run(["db", "backup", str(tmp_path / "backups" / "renkei.db")], env, tmp_path)
    assert result.returncode == 2
    assert said(result) == [f"フォルダ {tmp_path / 'backups'} がありません。先に作るか、あるフォルダの中を指定してください。"]
