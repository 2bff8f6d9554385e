"""The real HTTP app: signed slash commands are answered; forged, unsigned and stale ones get 401."""

from __future__ import annotations

import time

import pytest
import requests
from sqlmodel import func, select

from storage.db import make_engine
from storage.models import OutboxMessage, RoleAssignment
from tests.conftest import HttpApp, post_slash, sign, slash_body


def test_healthz_answers_200_with_the_database_reachable(http_app):
    response = requests.get(f"{http_app.url}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "reachable"}


def test_healthz_answers_503_when_the_database_is_gone(services, tmp_path):
    services.engine = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    app = HttpApp(services)
    try:
        response = requests.get(f"{app.url}/healthz", timeout=5)
    finally:
        app.close()
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_signed_renkei_help_is_answered_in_japanese_within_3_seconds(http_app):
    started = time.monotonic()
    response = post_slash(http_app, "/renkei", "help")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    for command in ("/renkei", "/issue", "/win", "/standup", "/meeting", "/report", "/dept"):
        assert command in body["text"]
    assert "使い方" in body["text"]
    assert elapsed < 3, f"Slack gives up after 3 s; took {elapsed:.2f}"


def test_signed_renkei_status_lists_projects_and_departments(http_app):
    body = post_slash(http_app, "/renkei", "status").json()
    assert "引越しワンストップ化" in body["text"]
    for name in ("市民課", "税務課", "国民健康保険課", "福祉課", "子育て支援課", "情報政策課"):
        assert name in body["text"]


def test_unknown_subcommand_gets_the_usage_line_escaped(http_app):
    text = post_slash(http_app, "/renkei", "<!channel>").json()["text"]
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "使い方" in text


def test_help_lists_only_commands_that_work(http_app):
    text = post_slash(http_app, "/renkei", "help").json()["text"]
    assert not any(command in text for command in ("/hearing", "/req", "/uat"))


def _state(services):
    with services.session() as session:
        return (session.exec(select(func.count()).select_from(OutboxMessage)).one(),
                session.exec(select(func.count()).select_from(RoleAssignment)).one())


@pytest.mark.parametrize("forgery", ["wrong_secret", "unsigned", "stale", "tampered"])
def test_forged_unsigned_and_stale_requests_get_401_and_change_nothing(http_app, services, fakeslack, forgery):
    before, calls_before = _state(services), len(fakeslack.calls)
    body = slash_body("/renkei", "status")
    if forgery == "wrong_secret":
        headers = sign(body, secret="not-the-secret")
    elif forgery == "unsigned":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    elif forgery == "stale":
        headers = sign(body, timestamp=int(time.time()) - 5 * 60 - 5)
    else:
        headers = sign(body)
        body = body.replace("status", "help")
    response = requests.post(f"{http_app.url}/slack/events", data=body.encode(), headers=headers, timeout=5)
    assert response.status_code == 401
    assert "引越し" not in response.text and "使い方" not in response.text
    assert _state(services) == before and len(fakeslack.calls) == calls_before


def test_a_four_minute_old_request_is_still_accepted(http_app):
    body = slash_body("/renkei", "help")
    response = requests.post(f"{http_app.url}/slack/events", data=body.encode(),
                             headers=sign(body, timestamp=int(time.time()) - 4 * 60), timeout=5)
    assert response.status_code == 200


def test_other_paths_are_404(http_app):
    assert requests.get(f"{http_app.url}/slack/events", timeout=5).status_code == 404
    assert requests.get(f"{http_app.url}/admin", timeout=5).status_code == 404
