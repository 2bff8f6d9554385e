"""Faults (issue 13): a process killed mid fan-out, Slack rate-limiting or failing, a locked database, a failing
firing, a lost response_url, two answers at once. Each case states the promise it holds; none is timed."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
from sqlmodel import func, select

from bot.app import SLACK_ACK_SECONDS
from bot.courier import Courier, tell_admins_of_failures
from reminders import jobs
from reminders.firing import catch_up, fire
from storage import outbox
from storage.db import REQUEST_LOCK_WAIT_MS
from storage.deliveries import firing
from storage.enums import DeliveryStatus
from storage.models import Issue, OutboxMessage, StandupAnswer
from storage.standups import save_answer
from tests.conftest import BOT_TOKEN, RENKEI, channel_id, post_slash, run, subprocess_env, until, wait_for
from tests.test_issue_flow import posts_to, report

DEPARTMENT_CHANNELS = ["moving-shimin", "moving-zeimu", "moving-kokuho", "moving-fukushi", "moving-kosodate", "moving-it"]
TOKYO = dt.timezone(dt.timedelta(hours=9))


def accepted_per_channel(fakeslack) -> dict[str, int]:
    posts = fakeslack.calls_to("chat.postMessage", ok_only=True)
    return {name: len([c for c in posts if c.params["channel"] == channel_id(fakeslack, name)]) for name in DEPARTMENT_CHANNELS}


def test_kill_9_in_the_middle_of_a_fan_out_then_a_rerun_finishes_it_once_per_channel(env, tmp_path, fakeslack):
    """The stand-up is stored whole before the first post; a `jobs run` killed while four channels wait out a 429
    leaves them pending, and the next `jobs run` of the same firing sends just those four."""
    env = {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}
    assert run(["sync"], env, tmp_path).returncode == 0
    fakeslack.fail("chat.postMessage", status=429, retry_after=60, times=4)
    slow = {**env, "RENKEI_RETRY_SCALE": "1", "RENKEI_TEST_NOW": "2026-12-01T09:30:05+09:00"}  # waits 60 s in-line
    process = subprocess.Popen(
        [RENKEI, "jobs", "run", "standup:moving", "--at", "2026-12-01T09:30"],
        env=subprocess_env(slow),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: len(fakeslack.calls_to("chat.postMessage")) >= 6, timeout=60)
        time.sleep(0.3)  # the two accepted posts are recorded as sent
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert sorted(accepted_per_channel(fakeslack).values()) == [0, 0, 0, 0, 1, 1]
    later = {**env, "RENKEI_TEST_NOW": "2026-12-01T09:32:00+09:00"}  # past the Retry-After
    again = run(["jobs", "run", "standup:moving", "--at", "2026-12-01T09:30"], later, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "すでに配信済み" in again.stdout and "前回の送信を 4 件送りました" in again.stdout
    assert accepted_per_channel(fakeslack) == {name: 1 for name in DEPARTMENT_CHANNELS}
    third = run(["jobs", "run", "standup:moving", "--at", "2026-12-01T09:30"], later, tmp_path)
    assert "前回の送信" not in third.stdout and accepted_per_channel(fakeslack) == {name: 1 for name in DEPARTMENT_CHANNELS}


def test_kill_9_while_every_post_is_on_the_wire_then_a_rerun_posts_nothing_twice(env, tmp_path, fakeslack):
    """The worst moment: Slack has all six posts but the process dies before hearing back. The rows stay
    `sending`; once their lease is over, the rerun finds each post in the channel's history by the outbox key in
    its metadata and records it as sent instead of posting it again."""
    env = {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}
    assert run(["sync"], env, tmp_path).returncode == 0
    fakeslack.delay = 2.0  # Slack takes two seconds to answer
    process = subprocess.Popen(
        [RENKEI, "jobs", "run", "standup:moving", "--at", "2026-12-01T09:30"],
        env=subprocess_env(env),  # the clock of Slack's timestamps: history is searched from the row's time
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: fakeslack.arrivals.count("chat.postMessage") >= 6, timeout=60)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    fakeslack.delay = 0.0
    wait_for(lambda: len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 6, timeout=10)  # Slack has them
    past_the_lease = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=6)
    again = run(
        ["jobs", "run", "standup:moving", "--at", "2026-12-01T09:30"],
        {**env, "RENKEI_TEST_NOW": past_the_lease.isoformat()},
        tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert "前回の送信を 6 件送りました" in again.stdout
    assert accepted_per_channel(fakeslack) == {name: 1 for name in DEPARTMENT_CHANNELS}
    assert len(fakeslack.calls_to("conversations.history")) >= 6  # each was looked for, none posted again


def test_a_firing_whose_body_fails_stores_nothing_and_is_run_again(synced, fakeslack, monkeypatch):
    kind = jobs.KINDS["standup"]
    real = kind.run
    calls = []

    def flaky(services, spec, scheduled):
        calls.append(scheduled)
        if len(calls) == 1:
            services.gateway.post_message(key="half-done", channel=channel_id(fakeslack, "moving-shimin"), text="x")
            raise RuntimeError("the database went away mid-run")
        return real(services, spec, scheduled)

    monkeypatch.setattr(kind, "run", flaky)
    scheduled = dt.datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO)
    with pytest.raises(RuntimeError):
        fire(synced, "standup:moving", scheduled)
    with synced.session() as session:
        row = firing(session, "standup:moving", scheduled)
        assert row is not None and row.status == DeliveryStatus.FAILED and "went away" in (row.error or "")
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0  # the half-done post too
    done = catch_up(synced, now=scheduled + dt.timedelta(minutes=5))  # the catch-up rule runs it again
    assert ("standup:moving", "delivered") in [(job, result.status) for job, result in done]
    assert accepted_per_channel(fakeslack) == {name: 1 for name in DEPARTMENT_CHANNELS}
    assert fire(synced, "standup:moving", scheduled).status == "duplicate"


def test_the_monthly_report_survives_conversations_open_failing(synced, fakeslack, tmp_path):
    """The DM is opened inside the delivery: four 500s leave the upload pending (not "sent to 0", not lost), and the
    next flush delivers it."""
    synced.settings.renkei_reports_dir = str(tmp_path / "reports")
    synced.gateway.inline_patience = 0  # nothing waited for in-line: what `renkei serve`'s courier would leave
    fakeslack.fail("conversations.open", status=500, times=4)
    result = fire(synced, "report:moving", dt.datetime(2026, 12, 1, 8, 0, tzinfo=TOKYO))
    assert (result.status, result.channels) == ("delivered", 1)
    assert not fakeslack.calls_to("files.completeUploadExternal")
    with synced.session() as session:
        [row] = outbox.messages(session)
        assert (row.status, row.last_error) == ("pending", "internal_error")
    later = synced.gateway.now
    synced.gateway.now = lambda: later() + dt.timedelta(minutes=2)
    assert synced.gateway.flush_pending() == 1
    [complete] = fakeslack.calls_to("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D20BOSS"


def test_acks_do_not_wait_while_slack_rate_limits_the_cards(synced, http_app, fakeslack):
    """With the courier running and every card answered 429, five commands (a person's limit per minute) are all
    acked while no card has gone out; all ten cards arrive once Slack lets them through. (How fast an ack is:
    benchmarks/bench_ack.py.)"""
    courier = Courier(synced.gateway, workers=2, poll=0.2).start()
    try:
        fakeslack.fail("chat.postMessage", status=429, retry_after=30, times=10_000)  # 0.3 s each at the tests' scale
        for n in range(5):
            response = report(http_app, fakeslack, text=f"連携項目 {n} の確認 to:zeimu")
            assert response.status_code == 200 and "#" in response.json()["text"]
        assert not fakeslack.calls_to("chat.postMessage", ok_only=True), "an ack waited for a card"
        fakeslack.heal("chat.postMessage")
        until(lambda: len(posts_to(fakeslack, "moving-shimin")) == 5 and len(posts_to(fakeslack, "moving-zeimu")) == 5, 30)
        keys = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True)]
        assert len(keys) == 10
    finally:
        courier.stop()
    with synced.session() as session:
        assert session.exec(select(func.count()).select_from(Issue)).one() == 5


def test_a_locked_database_is_answered_busy_and_nothing_is_kept(synced, http_app, fakeslack):
    if synced.engine.dialect.name != "sqlite":
        pytest.skip("the lock is taken on the SQLite file")
    holder = sqlite3.connect(synced.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database for longer than a person should wait
    try:
        response = report(http_app, fakeslack)  # answered while the lock is still held: it did not wait it out
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200
    assert REQUEST_LOCK_WAIT_MS / 1000 < SLACK_ACK_SECONDS, "a person's request gives up on a lock before Slack does"
    assert "混み合って" in response.json()["text"] and "何も変更していません" in response.json()["text"]
    with synced.session() as session:
        assert session.exec(select(func.count()).select_from(Issue)).one() == 0
    assert "#1" in report(http_app, fakeslack).json()["text"]  # once free, the same command works


def test_a_failed_response_url_does_not_lose_the_escalation_card(synced, http_app, fakeslack):
    report(http_app, fakeslack)
    dead_response_url = "http://127.0.0.1:9/response"  # respond() to it fails
    text = post_slash(http_app, "/issue", "escalate 1 連携項目の追加", user="U02ZEIMU", response_url=dead_response_url).json()[
        "text"
    ]
    assert "#1" in text
    wait_for(lambda: posts_to(fakeslack, "moving-it"))


def test_two_answers_at_once_from_one_person_both_succeed_and_one_is_kept(synced):
    with synced.session() as session:
        from storage.directory import all_projects, project_departments

        project = all_projects(session)[0]
        department = project_departments(session, project.id)[0]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def answer(text: str) -> None:
        try:
            barrier.wait()
            with synced.session() as session:
                save_answer(
                    session,
                    project_id=project.id,
                    department_id=department.id,
                    user_id="U01SHIMIN",
                    day=dt.date(2026, 12, 1),
                    answers={"yesterday": text},
                )
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
            errors.append(exc)

    for _ in range(5):
        threads = [threading.Thread(target=answer, args=(t,)) for t in ("転入届の確認", "転出届の確認")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    with synced.session() as session:
        rows = session.exec(select(StandupAnswer).where(StandupAnswer.user_id == "U01SHIMIN")).all()
    assert len(rows) == 1 and rows[0].answers in ('{"yesterday": "転入届の確認"}', '{"yesterday": "転出届の確認"}')


def test_messages_given_up_on_are_listed_and_summarised_to_the_admins_once(synced, fakeslack, env, tmp_path):
    shimin = channel_id(fakeslack, "moving-shimin")
    fakeslack.fail("chat.postMessage", error="channel_not_found", times=1)
    assert synced.gateway.post_message(key="lost:1", channel=shimin, text="x").status == "failed"
    assert tell_admins_of_failures(synced) == 1
    [summary] = [c for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"].startswith("U")]
    assert "1 件あきらめました" in summary.params["text"] and "lost:1" in summary.params["text"]
    assert "channel_not_found" in summary.params["text"] and "renkei outbox retry --all" in summary.params["text"]
    assert tell_admins_of_failures(synced) == 0  # once
    database = {**env, "DATABASE_URL": synced.engine.url.render_as_string(hide_password=False)}
    listed = run(["outbox", "list", "--failed"], database, tmp_path)
    assert listed.returncode == 0 and "lost:1" in listed.stdout and "失敗" in listed.stdout
    bad = run(["outbox", "retry"], {**database, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}, tmp_path)
    assert bad.returncode != 0 and "--all" in bad.stderr + bad.stdout
    again = run(
        ["outbox", "retry", "--all"], {**database, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": fakeslack.url}, tmp_path
    )
    assert again.returncode == 0 and "1 件を送信待ちに戻し、1 件を送りました" in again.stdout
    assert run(["outbox", "list", "--failed"], database, tmp_path).stdout.strip() == "送信をあきらめたメッセージはありません。"


def test_two_instances_on_one_database_send_every_message_once(synced, settings, fakeslack):
    """Two `renkei serve` processes (two bootstraps, two couriers, one database): forty stored messages and a
    firing both instances run at once reach Slack once each."""
    from bot.bootstrap import bootstrap
    from storage.projectfile import load_project_file
    from tests.conftest import SAMPLE

    other = bootstrap(settings, project_file=load_project_file(SAMPLE))
    couriers = [Courier(synced.gateway, workers=4, poll=0.1).start(), Courier(other.gateway, workers=4, poll=0.1).start()]
    try:
        shimin = channel_id(fakeslack, "moving-shimin")
        with synced.work():
            for n in range(20):
                synced.gateway.post_message(key=f"a:{n}", channel=shimin, text=f"a{n}")
        with other.work():
            for n in range(20):
                other.gateway.post_message(key=f"b:{n}", channel=shimin, text=f"b{n}")
        scheduled = dt.datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO)
        results = []
        threads = [
            threading.Thread(target=lambda s=s: results.append(fire(s, "standup:moving", scheduled))) for s in (synced, other)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.status for r in results) == ["delivered", "duplicate"]
        wait_for(lambda: len(fakeslack.calls_to("chat.postMessage", ok_only=True)) >= 46, timeout=30)
        time.sleep(0.5)  # nothing more arrives
    finally:
        for courier in couriers:
            courier.stop()
        other.engine.dispose()
    texts = [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == shimin]
    assert sorted(t for t in texts if t[0] in "ab" and t[1:].isdigit()) == sorted(
        [f"a{n}" for n in range(20)] + [f"b{n}" for n in range(20)]
    )
    assert accepted_per_channel(fakeslack)["moving-zeimu"] == 1 and len(texts) == 41  # 40 + the stand-up prompt


def test_an_hour_long_slack_outage_loses_nothing(synced, fakeslack):
    """Slack answers 503 for an hour of (simulated) time: the message waits 30 s, 1, 2, 4, 8, 16, 32 min between
    attempts and goes out at the first attempt after Slack is back; nothing is given up, nothing is sent twice."""
    from bot.gateway import SlackGateway, make_web_client

    start = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone.utc)
    clock = [start]
    gateway = SlackGateway(
        engine=synced.engine,
        client=make_web_client(token=BOT_TOKEN, base_url=fakeslack.url, retries=0),
        now=lambda: clock[0],
        retry_scale=1,
        inline_patience=dt.timedelta(0),
    )
    fakeslack.fail("chat.postMessage", status=503, times=10_000)
    shimin = channel_id(fakeslack, "moving-shimin")
    assert gateway.post_message(key="outage", channel=shimin, text="朝会の時間です").status == "pending"
    attempts = 1
    while True:
        with synced.session() as session:
            due = outbox.next_due(session)
        if due is None:
            break
        clock[0] = due
        if clock[0] >= start + dt.timedelta(hours=1):
            fakeslack._failures.clear()  # Slack is back
        gateway.flush_pending()
        attempts += 1
    with synced.session() as session:
        [row] = [r for r in session.exec(select(OutboxMessage)) if r.idempotency_key == "outage"]
    assert row.status == "sent" and row.attempts == attempts == 8
    assert clock[0] - start == dt.timedelta(seconds=30 + 60 + 120 + 240 + 480 + 960 + 1920)
    assert len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 1


def _serve(env: dict[str, str], tmp_path, port: int) -> subprocess.Popen:
    """`renkei serve --http` in a process of its own, once it answers /healthz."""
    import requests

    process = subprocess.Popen(
        [RENKEI, "serve", "--http", "--port", str(port)],
        cwd=tmp_path,
        env=subprocess_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "serve did not come up"
        time.sleep(0.2)


def test_kill_9_of_serve_while_a_win_goes_out_then_a_restart_posts_each_channel_once(env, tmp_path, fakeslack):
    """A `/win` is stored for its seven channels with the command; `renkei serve` is killed while two posts are on
    the wire and five wait; the restarted server (its clock past the lease) sends the five and finds the two."""
    import requests

    from tests.conftest import SIGNING_SECRET, sign, slash_body

    env = {**env, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fakeslack.url}
    assert run(["sync"], env, tmp_path).returncode == 0
    port = 0
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # A Sunday noon in the past: nothing scheduled is due, so the catch-up at start-up posts nothing of its own
    sunday = dt.datetime(2026, 11, 22, 12, 0, tzinfo=TOKYO)
    started = time.time()
    server = _serve({**env, "RENKEI_TEST_NOW": sunday.isoformat()}, tmp_path, port)
    try:
        fakeslack.delay = 3.0  # Slack takes three seconds to answer each post
        body = slash_body("/win", "転入届の入力項目を減らせた", user="U03KOKUHO", channel=channel_id(fakeslack, "moving-kokuho"))
        signed = sign(body, timestamp=int(sunday.timestamp() + time.time() - started))  # signed at the server's time
        ack = requests.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=signed, timeout=10)
        assert ack.status_code == 200 and "7 チャンネル" in ack.json()["text"]
        wait_for(lambda: fakeslack.arrivals.count("chat.postMessage") >= 2, timeout=30)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
    fakeslack.delay = 0.0
    wait_for(lambda: len(fakeslack.calls_to("chat.postMessage", ok_only=True)) == 2, timeout=10)  # Slack has two
    restarted = _serve({**env, "RENKEI_TEST_NOW": "2026-11-22T12:07:00+09:00"}, tmp_path, port)  # past the lease
    try:
        channels = [*DEPARTMENT_CHANNELS, "moving-leads"]
        wait_for(lambda: all(posts_to(fakeslack, name) for name in channels), timeout=30)
        time.sleep(1.0)  # nothing more arrives
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=20)
    assert {name: len(posts_to(fakeslack, name)) for name in channels} == {name: 1 for name in channels}


def test_acks_do_not_wait_for_slack_to_answer(synced, http_app, fakeslack):
    """Slack answering nothing at all (every call held) delays no acknowledgement: five people's commands at once are
    all answered with their numbers, and the cards follow once Slack answers. (It used to push most past 3 s with
    Slack half a second slow; how fast an ack is, is measured in benchmarks/bench_ack.py.)"""
    courier = Courier(synced.gateway, workers=2, poll=0.2).start()
    post_slash(http_app, "/renkei", "help")  # Slack has told which workspace is ours (asked once, at the first request)
    answered = len(fakeslack.calls)
    fakeslack.hold("*")
    try:
        responses: list = []
        errors: list[BaseException] = []

        def one(n: int) -> None:
            try:
                responses.append(report(http_app, fakeslack, text=f"連携項目 {n} の確認 to:zeimu", user="U01SHIMIN"))
            except BaseException as exc:  # noqa: BLE001 (collected for the assertion)
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(n,)) for n in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and all(r.status_code == 200 and "#" in r.json()["text"] for r in responses)
        assert len(fakeslack.calls) == answered, "an ack waited for Slack's answer"
        fakeslack.release()
        clock = synced.gateway.now  # a send that timed out while held waits out its back-off: let it pass
        synced.gateway.now = lambda: clock() + dt.timedelta(minutes=10)
        until(lambda: len(posts_to(fakeslack, "moving-zeimu")) == 5, timeout=30)  # the courier sends them, once
    finally:
        fakeslack.release()
        courier.stop()


def test_a_sender_that_outlived_its_lease_cannot_overwrite_the_new_senders_record(synced):
    """Fencing: a slow sender's late result is ignored once another process has claimed the row."""
    lease = dt.timedelta(minutes=5)
    start = dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.timezone.utc)
    with synced.session() as session:
        row, _ = outbox.enqueue(session, key="slow", method="chat.postMessage", payload={"channel": "C1", "text": "x"})
        first = outbox.claim(session, row.id, lease=lease, now=start)
        second = outbox.claim(session, row.id, lease=lease, now=start + lease + dt.timedelta(seconds=1))
        assert (first, second) == (1, 2)
        late = outbox.mark_failed(session, row.id, "internal_error", first)  # the first sender, too late
        assert (late.status, late.attempts) == ("sending", 2)
        done = outbox.mark_sent(session, row.id, {"ok": True, "ts": "1.2"}, second)
        assert done.status == "sent"
        assert outbox.mark_retry(session, row.id, "late", start, first).status == "sent"


def test_a_click_while_the_database_is_locked_is_told_busy_not_lost(synced, http_app, fakeslack):
    from commands.issue_blocks import TAKE
    from tests.conftest import click

    if synced.engine.dialect.name != "sqlite":
        pytest.skip("the lock is taken on the SQLite file")
    report(http_app, fakeslack)
    zeimu = channel_id(fakeslack, "moving-zeimu")
    wait_for(lambda: posts_to(fakeslack, "moving-zeimu") and posts_to(fakeslack, "moving-shimin"))  # its follow-up done:
    # only the click can be told busy below (a follow-up still running would be, and the click then succeed late)
    holder = sqlite3.connect(synced.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert click(http_app, TAKE, "1", user="U02ZEIMU", channel=zeimu, response_url=fakeslack.response_url).status_code == 200
        wait_for(lambda: any("混み合って" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with synced.session() as session:
        issue = session.exec(select(Issue)).one()
        assert issue.assignee_id is None  # nothing half-done; the person was told to try again


def test_follow_ups_run_on_the_couriers_threads_not_the_listeners(synced, http_app, fakeslack, monkeypatch):
    """With `renkei serve`'s courier, a follow-up (here the escalation card) runs on its threads, and one that keeps
    failing is given up on after JOB_ATTEMPTS tries and the person told, through the command's response_url."""
    from bot.gateway import JOB_ATTEMPTS

    threads: list[str] = []
    real = type(synced).run_later

    def spy(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(synced), "run_later", spy)
    synced.gateway.jobs = synced.run_later  # the spy, as bootstrap wires it
    courier = Courier(synced.gateway, workers=2, poll=0.2).start()
    try:
        report(http_app, fakeslack)
        post_slash(http_app, "/issue", "escalate 1 連携項目の追加", user="U02ZEIMU", response_url=fakeslack.response_url)
        until(lambda: posts_to(fakeslack, "moving-it"))  # on the courier's threads, which `wait_for` does not settle
        assert threads and all(name.startswith("courier") for name in threads)
        calls = len(threads)
        monkeypatch.setattr(type(synced), "run_later", lambda self, *args: 1 / 0)
        synced.gateway.jobs = synced.run_later
        report(http_app, fakeslack, text="別の課題 to:zeimu")
        until(lambda: any("エラーが発生しました" in c.params.get("text", "") for c in fakeslack.calls_to("response_url")))
        with synced.session() as session:
            [given_up] = [m for m in outbox.messages(session, failed_only=True) if m.method == "renkei.later"]
        assert given_up.attempts == JOB_ATTEMPTS and "ZeroDivisionError" in (given_up.last_error or "")
        assert len(threads) == calls
    finally:
        courier.stop()
