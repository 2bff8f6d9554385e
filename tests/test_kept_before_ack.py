"""Acknowledged means kept (issue 22, point 1): what a command promises in its answer is stored with the command,
before the answer, so that a `kill -9` right after the ack loses none of it and a restart sends it once.

A follow-up (the cards to six channels, the board, names Slack must be asked for) is a stored job in the outbox,
written in the command's own transaction: tests/test_listeners.py and tests/test_faults.py show it run after the ack
and retried; here the process dies before it could run at all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import time

import pytest
import requests
import yaml
from sqlalchemy import create_engine, text

from commands.later import Later, job, later
from tests.conftest import BOT_TOKEN, SAMPLE, SIGNING_SECRET, channel_id, run, sign, slash_body, until
from tests.test_faults import _serve

TOKYO = dt.timezone(dt.timedelta(hours=9))
DEPARTMENTS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _outbox(database: str) -> list[tuple[str, str, str]]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT idempotency_key, method, status FROM outboxmessage ORDER BY id"))
            return [(str(k), str(m), str(s)) for k, m, s in rows]
    finally:
        engine.dispose()


def _posted(fakeslack, channel: str, words: str) -> list[str]:
    return [
        c.params.get("text", "")
        for c in fakeslack.calls_to("chat.postMessage", ok_only=True)
        if c.params.get("channel") == channel and words in c.params.get("text", "")
    ]


def _project_without_people(env: dict[str, str], tmp_path, fakeslack, database_url: str) -> dict[str, str]:
    """The sample project with no `people:` (every name must be asked of Slack), synced; the server's environment."""
    project = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    project.pop("people", None)
    config = tmp_path / "renkei.yml"
    config.write_text(yaml.safe_dump(project, allow_unicode=True), encoding="utf-8")
    env = {
        **env,
        "RENKEI_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fakeslack.url,
        "DATABASE_URL": database_url,  # a SQLite file, and a database on the PostgreSQL server
    }
    assert run(["sync"], env, tmp_path).returncode == 0
    engine = create_engine(database_url)  # sync named everyone listed: forget them, as for people not listed yet
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM person"))
    finally:
        engine.dispose()
    return env


def _commands(port: int, fakeslack, started: float) -> list[requests.Response]:
    """`/req add` by 税務課's liaison and `/hearing start` by the lead, signed at the server's clock (SUNDAY)."""
    acks = []
    for command, words, user, channel in (
        ("/req", "add 転出届の内容を共有する 影響: 手入力が減る", "U02ZEIMU", "moving-zeimu"),
        ("/hearing", "start 転出手続きの現状", "U10LEAD", "moving-leads"),
    ):
        body = slash_body(command, words, user=user, channel=channel_id(fakeslack, channel))
        signed = sign(body, timestamp=int(SUNDAY.timestamp() + time.time() - started))
        acks.append(requests.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=signed, timeout=10))
    assert [a.status_code for a in acks] == [200, 200]
    assert "7 チャンネル" in acks[0].json()["text"] and "6 部署" in acks[1].json()["text"]
    return acks


def _cards(fakeslack) -> dict[str, tuple[int, int]]:
    """Per channel: how many requirement cards and hearing cards Slack accepted."""
    return {
        name: (
            len(_posted(fakeslack, channel_id(fakeslack, name), "転出届の内容を共有する")),
            len(_posted(fakeslack, channel_id(fakeslack, name), "転出手続きの現状")),
        )
        for name in [*DEPARTMENTS, "moving-leads"]
    }


EVERY_CARD_ONCE = {**{name: (1, 1) for name in DEPARTMENTS}, "moving-leads": (1, 0)}
SUNDAY = dt.datetime(2026, 11, 22, 12, 0, tzinfo=TOKYO)  # nothing scheduled is due: the catch-up posts nothing


def test_a_kill_9_while_the_follow_ups_run_loses_no_card_and_a_restart_posts_each_once(env, tmp_path, fakeslack, database_url):
    """The follow-ups of `/req add` and `/hearing start` end with the leads channel's board, a canvas Slack here takes
    8 s to write: the server is killed 2 s after both acks, in the middle of both follow-ups, before any card was
    kept; the restarted server runs both again and Slack gets every card once."""
    env = _project_without_people(env, tmp_path, fakeslack, database_url)
    port, started = _free_port(), time.time()
    server = _serve({**env, "RENKEI_TEST_NOW": SUNDAY.isoformat()}, tmp_path, port)
    try:
        fakeslack.hold("conversations.canvases.create", "canvases.edit")
        _commands(port, fakeslack, started)
        until(lambda: {"conversations.canvases.create", "canvases.edit"} & set(fakeslack.arrivals), timeout=30)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    assert set(_cards(fakeslack).values()) == {(0, 0)}  # the process died before any card
    stored = _outbox(env["DATABASE_URL"])
    assert [m for _, m, _ in stored].count("renkei.later") == 2  # both follow-ups were kept with their commands

    fakeslack.release()
    restarted = _serve({**env, "RENKEI_TEST_NOW": "2026-11-22T12:07:00+09:00"}, tmp_path, port)  # past the lease
    try:
        until(lambda: _cards(fakeslack) == EVERY_CARD_ONCE, timeout=60)
        time.sleep(1.0)  # nothing more arrives
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=20)
    assert _cards(fakeslack) == EVERY_CARD_ONCE
    assert {s for _, m, s in _outbox(env["DATABASE_URL"]) if m == "renkei.later"} == {"sent"}


def test_cards_do_not_wait_for_slack_to_name_people_and_the_names_come_after(env, tmp_path, fakeslack, database_url):
    """Slack does not answer users.info (nobody is in `people:`): every card is posted all the same, naming the
    people Slack has not named yet by a mention; the names are asked by a follow-up of their own,
    which a kill -9 in the middle of it does not lose (the restart asks again), which posts no card twice, and which
    then shows the cards again in place, by name."""
    env = _project_without_people(env, tmp_path, fakeslack, database_url)
    fakeslack.users["U02ZEIMU"] = ("鈴木 一郎", False)
    port, started = _free_port(), time.time()
    fakeslack.hold("users.info")  # from the start: `renkei serve` asks everyone's name at once (bot.scheduler)
    server = _serve({**env, "RENKEI_TEST_NOW": SUNDAY.isoformat()}, tmp_path, port)
    try:
        _commands(port, fakeslack, started)
        until(lambda: _cards(fakeslack) == EVERY_CARD_ONCE, timeout=30)  # before Slack named anybody
        assert any("<@U02ZEIMU>" in text for text in _posted(fakeslack, channel_id(fakeslack, "moving-it"), "転出届"))
        until(lambda: "users.info" in fakeslack.arrivals, timeout=10)  # the names' follow-up is asking
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    assert _names(env["DATABASE_URL"]) == set()  # killed before Slack answered
    fakeslack.release()
    restarted = _serve({**env, "RENKEI_TEST_NOW": "2026-11-22T12:07:00+09:00"}, tmp_path, port)
    it_card = _posted(fakeslack, channel_id(fakeslack, "moving-it"), "転出届")

    def renamed() -> bool:  # the requirement's card in the IT channel, updated in place to name its proposer
        return any(
            "鈴木 一郎" in json.dumps(c.params, ensure_ascii=False)
            for c in fakeslack.calls_to("chat.update", ok_only=True)
            if c.params.get("channel") == channel_id(fakeslack, "moving-it")
        )

    try:
        until(lambda: {"U02ZEIMU", "U10LEAD"} <= _names(env["DATABASE_URL"]) and renamed(), timeout=60)
        time.sleep(1.0)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=20)
    assert _cards(fakeslack) == EVERY_CARD_ONCE and len(it_card) == 1
    assert {s for _, m, s in _outbox(env["DATABASE_URL"]) if m == "renkei.later"} == {"sent"}


def _names(database: str) -> set[str]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return {str(u) for (u,) in connection.execute(text("SELECT user_id FROM person"))}
    finally:
        engine.dispose()


# --- the follow-up's own rules --------------------------------------------------------------------------------------


@job
def noted(ctx, n: int) -> None:
    ctx.slack.post_message(key=f"noted:{n}", channel=ctx.user_id, text=f"note {n}")


def test_a_follow_up_is_a_name_and_plain_json_never_a_function():
    """What cannot survive a restart is refused where it is written: a function not marked @job, a date or a tuple
    among the arguments (JSON would give them back as text or a list)."""
    assert later(noted, n=1).as_json() == [{"job": "tests.test_kept_before_ack:noted", "args": {"n": 1}}]
    assert (later(noted, n=1) + later(noted, n=2)).steps[1] == ("tests.test_kept_before_ack:noted", {"n": 2})
    assert (None + later(noted, n=3)) == later(noted, n=3) and isinstance(later(noted, n=3) + None, Later)
    for wrong in (lambda: later(print), lambda: later(noted, n=dt.date(2026, 12, 7)), lambda: later(noted, n=(1, 2))):
        try:
            wrong()
        except ValueError:
            continue
        raise AssertionError("refused")


def test_a_stored_job_name_outside_the_families_is_never_imported():
    from commands import later as jobs

    for name in ("os:system", "subprocess:run", "tests.test_kept_before_ack:nothing", "commands.issue:escape"):
        try:
            jobs.find(name)
        except LookupError:
            continue
        raise AssertionError(f"{name} was found")
    assert jobs.find("commands.issue:post_cards").__name__ == "post_cards"


def test_a_follow_up_that_lost_its_claim_keeps_nothing(synced, fakeslack):
    """A runner whose claim was taken over meanwhile (it outlived its lease) commits none of its work: the new
    holder's run is the one kept, so the note is stored once."""
    from storage import outbox

    payload = {"steps": later(noted, n=7).as_json(), "user": "U01SHIMIN", "channel": None, "key": "t", "failed": "x"}
    with synced.session() as session:
        row, _ = outbox.enqueue(session, key="later:t", method="renkei.later", payload=payload)
        first = outbox.claim(session, row.id, lease=dt.timedelta(seconds=0))
        second = outbox.claim(session, row.id, lease=dt.timedelta(minutes=1))
    assert (first, second) == (1, 2)
    assert synced.run_later(row.id, first, json.loads(json.dumps(payload))) is False
    with synced.session() as session:
        assert outbox.by_key(session, "noted:7") is None
    assert synced.run_later(row.id, second, payload) is True
    with synced.session() as session:
        assert outbox.by_key(session, "noted:7") is not None and outbox.by_key(session, "later:t").status == "sent"


def test_ids_and_addresses_that_look_like_a_my_number_by_chance_never_stop_an_action(synced):
    """A Slack trigger_id or response_url may hold twelve digits with a valid check digit by chance: the follow-up's
    key and its response_url are addresses, not typed text, and are stored; the same digits in text are refused."""
    from storage import outbox
    from storage.guard import ResidentsDataRefused

    chance = "123456789018"  # twelve digits, a valid check digit
    payload = {"steps": [], "user": "U01SHIMIN", "key": f"later:slash:1337.42.{chance}", "failed": "x"}
    payload["reply_to"] = f"https://hooks.slack.com/commands/T000TEST/{chance}/abc"
    with synced.session() as session:
        assert outbox.add(session, [("later:chance", "renkei.later", payload)]) == 1
        session.commit()
        with pytest.raises(ResidentsDataRefused):
            outbox.add(session, [("later:typed", "renkei.later", {**payload, "failed": f"番号 {chance}"})])
