"""The `renkei` command as an operator runs it: check, serve, db, console (real subprocesses)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import Column, Integer, String, Table
from sqlmodel import SQLModel

from tests.conftest import BOT_TOKEN, RENKEI, ROOT, SAMPLE, SIGNING_SECRET, run, sign, slash_body


def test_check_passes_a_valid_file(env, tmp_path):
    result = run(["check"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "正しい形式" in result.stdout and "SLACK_BOT_TOKEN" in result.stdout


def test_check_names_every_problem_with_file_and_line(env, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        SAMPLE.read_text(encoding="utf-8")
        .replace("[shimin, zeimu, kokuho,", "[shimin, zeimuu, kokuho,")
        .replace('remind_after: "3h"', 'remind_after: "3 hours"'),
        encoding="utf-8",
    )
    result = run(["check"], {**env, "RENKEI_CONFIG": str(bad)}, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "2 件の問題" in lines[0]
    assert any("bad.yml 18 行目" in line and "zeimuu" in line and "定義済みの部署" in line for line in lines)
    assert any("bad.yml 22 行目" in line and "3 hours" in line and "15m" in line for line in lines)


def test_check_speaks_english_when_asked(env, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace("fukushi, kosodate, it]", "fukushi, kosodate, it, it]"))
    result = run(["check"], {**env, "RENKEI_CONFIG": str(bad), "RENKEI_LANG": "en"}, tmp_path)
    assert result.returncode == 1 and "line 18" in result.stderr and "appears twice" in result.stderr


def test_check_with_a_token_names_the_missing_scopes(env, tmp_path, fakeslack):
    fakeslack.scopes = "commands,chat:write,channels:read"
    result = run(["check"], {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}, tmp_path)
    assert result.returncode == 1
    assert "Renkei Test" in result.stdout + result.stderr
    for scope in ("channels:manage", "channels:join", "users:read", "im:write", "files:write"):
        assert scope in result.stderr
    assert "chat:write," not in result.stderr
    assert [c.method for c in fakeslack.calls] == ["auth.test"]


def test_check_with_a_complete_token_passes(env, tmp_path, fakeslack):
    result = run(["check"], {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "すべて付与" in result.stdout


def test_check_with_a_revoked_token_fails(env, tmp_path, fakeslack):
    result = run(["check"], {**env, "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_API_URL": fakeslack.url}, tmp_path)
    assert result.returncode == 1 and "invalid_auth" in result.stderr


def test_serve_without_a_token_says_what_to_set(env, tmp_path):
    result = run(["serve"], env, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, "one sentence, no traceback"
    assert "SLACK_BOT_TOKEN" in result.stderr and "設定してください" in result.stderr


def test_serve_http_without_signing_secret_says_what_to_set(env, tmp_path):
    result = run(["serve", "--http"], {**env, "SLACK_BOT_TOKEN": BOT_TOKEN}, tmp_path)
    assert result.returncode == 1 and "SLACK_SIGNING_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_serve_with_a_broken_project_file_lists_the_problems(env, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("departments: []\nprojects: []\n")
    result = run(
        ["serve"],
        {**env, "RENKEI_CONFIG": str(bad), "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
        tmp_path,
    )
    assert result.returncode == 1 and "bad.yml 1 行目" in result.stderr and "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_http_answers_healthz_and_a_signed_help(env, tmp_path, fakeslack):
    port = _free_port()
    process = subprocess.Popen(
        [RENKEI, "serve", "--http", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fakeslack.url},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        assert health.status_code == 200
        body = slash_body("/renkei", "help")
        response = requests.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=sign(body), timeout=30)
        assert response.status_code == 200 and "/issue" in response.json()["text"]
        forged = requests.post(
            f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=sign(body, secret="forged"), timeout=5
        )
        assert forged.status_code == 401
        assert fakeslack.calls_to("auth.test"), "Bolt checks the token against SLACK_API_URL at start-up"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_serve_socket_mode_opens_a_connection_through_slack_api_url(env, tmp_path, fakeslack):
    process = subprocess.Popen(
        [RENKEI, "serve", "--socket"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-test", "SLACK_API_URL": fakeslack.url},
    )
    try:
        deadline = time.monotonic() + 60
        while not fakeslack.calls_to("apps.connections.open") and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.2)
        [call, *_] = fakeslack.calls_to("apps.connections.open")
        assert call.token == "xapp-test"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def test_db_upgrade_and_backup(env, tmp_path):
    assert run(["db", "upgrade"], env, tmp_path).returncode == 0
    assert run(["console"], env, tmp_path, stdin="/renkei status\n").returncode == 0  # writes the sample project
    result = run(["db", "backup", str(tmp_path / "copy.db")], env, tmp_path)
    assert result.returncode == 0 and "copy.db" in result.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "copy.db") as connection:
        assert connection.execute("SELECT count(*) FROM department").fetchone()[0] == 6
    again = run(["db", "backup", str(tmp_path / "copy.db")], env, tmp_path)
    assert again.returncode == 2 and "既に存在" in again.stderr  # a command-line value that cannot be used: 2


def test_db_backup_on_postgresql_points_to_pg_dump(env, tmp_path):
    result = run(["db", "backup", "x.sql"], {**env, "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/none"}, tmp_path)
    assert result.returncode == 1 and "pg_dump" in result.stderr


@pytest.fixture
def migrations_copy(tmp_path, monkeypatch):
    """storage/migrations copied to tmp_path and used instead (in this process), so a test may write revisions."""
    from storage import migrate

    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    migrate.head_revision.cache_clear()
    yield copy / "versions"
    migrate.head_revision.cache_clear()


def test_db_revision_writes_the_next_numbered_migration_from_the_models(migrations_copy):
    # In-process (CliRunner), not a subprocess: the revision goes into a copy of storage/migrations.
    from typer.testing import CliRunner

    from bot.cli import cli

    scratch = Table(
        "scratch",
        SQLModel.metadata,
        Column("id", Integer, primary_key=True),
        Column("note", String(20), nullable=False, index=True),
    )
    try:
        added = CliRunner().invoke(cli, ["db", "revision", "add scratch"])
        again = CliRunner().invoke(cli, ["db", "revision", "fill in data"])  # the models match the new head: empty
    finally:
        SQLModel.metadata.remove(scratch)
    assert added.exit_code == 0, added.output
    head = max(int(p.name[:4]) for p in (ROOT / "storage" / "migrations" / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    new, newer = f"{head + 1:04d}", f"{head + 2:04d}"
    written = migrations_copy / f"{new}_add_scratch.py"
    assert str(written) in added.output
    source = written.read_text(encoding="utf-8")
    assert f"revision: str = '{new}'" in source and f"down_revision: Union[str, None] = '{head:04d}'" in source
    assert "op.create_table('scratch'" in source and "ix_scratch_note" in source and "op.drop_table('scratch')" in source
    assert again.exit_code == 0, again.output
    empty = (migrations_copy / f"{newer}_fill_in_data.py").read_text(encoding="utf-8")
    assert f"down_revision: Union[str, None] = '{new}'" in empty and "op." not in empty


def test_console_answers_commands_as_the_chosen_user(env, tmp_path):
    env = {**env, "RENKEI_CONFIG": str(tmp_path / "absent.yml")}
    result = run(["console"], env, tmp_path, stdin="/renkei help\n:user U02ZEIMU\n/renkei status\nhello\n:quit\n")
    assert result.returncode == 0, result.stderr
    assert "サンプルプロジェクト" in result.stdout
    assert "/issue" in result.stdout and "税務課" in result.stdout
    assert "鈴木 一郎（U02ZEIMU）として操作します" in result.stdout
    assert "「:」で始まる操作" in result.stdout  # `hello` is neither a command nor an action
    assert result.stderr == ""  # no log lines, no tracebacks


def test_the_installed_script_is_on_path_next_to_python():
    assert Path(RENKEI).exists(), "pip install . must provide the renkei console script"
    assert (ROOT / "pyproject.toml").read_text().count('renkei = "bot.cli:main"') == 1
