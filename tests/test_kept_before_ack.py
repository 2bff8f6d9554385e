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


def test_a_kill_9_after_the_ack_loses_no_card_and_a_restart_posts_each_once(env, tmp_path, fakeslack):
    """Slack takes 8 s to name a person (nobody is in `people:`): `/req add` and `/hearing start` are answered at
    once, the server is killed 2 s later — before any card could be rendered — and the restarted server posts every
    requirement card and every hearing card, once per channel."""
    project = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    project.pop("people", None)  # every name must be asked of Slack (users.info)
    config = tmp_path / "renkei.yml"
    config.write_text(yaml.safe_dump(project, allow_unicode=True), encoding="utf-8")
    env = {
        **env,
        "RENKEI_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fakeslack.url,
    }
    assert run(["sync"], env, tmp_path).returncode == 0
    port = _free_port()
    sunday = dt.datetime(2026, 11, 22, 12, 0, tzinfo=TOKYO)  # nothing scheduled is due: the catch-up posts nothing
    started = time.time()
    server = _serve({**env, "RENKEI_TEST_NOW": sunday.isoformat()}, tmp_path, port)
    acks = []
    try:
        fakeslack.slow["users.info"] = 8.0
        for command, words, user, channel in (
            ("/req", "add 転出届の内容を共有する 影響: 手入力が減る", "U02ZEIMU", "moving-zeimu"),
            ("/hearing", "start 転出手続きの現状", "U10LEAD", "moving-leads"),
        ):
            body = slash_body(command, words, user=user, channel=channel_id(fakeslack, channel))
            signed = sign(body, timestamp=int(sunday.timestamp() + time.time() - started))
            acks.append(requests.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=signed, timeout=10))
        time.sleep(2.0)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    assert [a.status_code for a in acks] == [200, 200]
    assert "7 チャンネル" in acks[0].json()["text"] and "6 部署" in acks[1].json()["text"]
    assert not _posted(fakeslack, channel_id(fakeslack, "moving-shimin"), "転出")  # the process died before any card
    stored = _outbox(env["DATABASE_URL"])
    assert [m for _, m, _ in stored].count("renkei.later") == 2  # both follow-ups were kept with their commands

    fakeslack.slow.clear()
    restarted = _serve({**env, "RENKEI_TEST_NOW": "2026-11-22T12:07:00+09:00"}, tmp_path, port)  # past the lease
    try:

        def every_card_posted() -> bool:
            return all(
                _posted(fakeslack, channel_id(fakeslack, name), "転出届の内容を共有する")
                for name in [*DEPARTMENTS, "moving-leads"]
            ) and all(_posted(fakeslack, channel_id(fakeslack, name), "転出手続きの現状") for name in DEPARTMENTS)

        until(every_card_posted, timeout=60)
        time.sleep(1.0)  # nothing more arrives
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=20)
    for name in [*DEPARTMENTS, "moving-leads"]:
        assert len(_posted(fakeslack, channel_id(fakeslack, name), "転出届の内容を共有する")) == 1, name
    for name in DEPARTMENTS:
        assert len(_posted(fakeslack, channel_id(fakeslack, name), "転出手続きの現状")) == 1, name
    assert {s for k, m, s in _outbox(env["DATABASE_URL"]) if m == "renkei.later"} == {"sent"}


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
