"""Nothing closes that was not kept (issue 22, point 3): a hearing form whose answer cannot be stored — another
process holding the SQLite write lock, a read-only database, a database with no room — stays open with the reason
under its first field, within Slack's 3 seconds; nothing is stored, no DM is promised. Through signed HTTP."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func
from sqlmodel import select

from storage.db import make_engine
from storage.models import HearingAnswer
from tests.conftest import database_full
from tests.test_hearing import press, start
from tests.test_hearing import submit as submit_hearing

BUSY = "混み合っている"
NOT_STORED = "書き込めないため"


@pytest.fixture
def opened(synced, http_app, fakeslack):
    if synced.engine.dialect.name != "sqlite":
        pytest.skip("the lock, the read-only file and the page limit are SQLite's")
    number = start(http_app, fakeslack)
    view = press(http_app, fakeslack, number)
    assert isinstance(view, dict), view
    return synced, http_app, view


def answers(services) -> int:
    with services.session() as session:
        return session.exec(select(func.count()).select_from(HearingAnswer)).one()


def submitted(app, view, text: str = "転出届の入力が二度手間"):
    return submit_hearing(app, view, [text, "", "", "", ""])


def assert_left_open(response, why: str) -> None:
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors" and why in body["errors"]["q0"], body


def test_a_locked_database_leaves_the_form_open_saying_so(opened):
    services, app, view = opened
    holder = sqlite3.connect(services.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = submitted(app, view)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_left_open(response, BUSY)
    assert answers(services) == 0
    response = submitted(app, view)  # once free, the same form is kept
    assert response.text in ("", "{}") and answers(services) == 1


def test_a_read_only_database_leaves_the_form_open_saying_nothing_was_stored(opened):
    services, app, view = opened
    writable = services.request_engine
    services.__dict__["request_engine"] = make_engine(f"sqlite:///file:{services.engine.url.database}?mode=ro&uri=true")
    try:
        response = submitted(app, view)
    finally:
        services.request_engine.dispose()
        services.__dict__["request_engine"] = writable
    assert_left_open(response, NOT_STORED)
    assert answers(services) == 0


def test_a_full_database_leaves_the_form_open_saying_nothing_was_stored(opened):
    services, app, view = opened
    with database_full(services):
        response = submitted(app, view, "転出届の入力が二度手間。" * 200)  # room for it in no page
    assert_left_open(response, NOT_STORED)
    assert answers(services) == 0
