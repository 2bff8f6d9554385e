"""Rules that no other test held: each test below fails when its rule is broken.

1. The leads' board canvas guard: a write from an older read never overwrites a newer one.
2. The board's version is taken before its read: a change made during a read makes that read the older one.
3. A form submission's replay key includes the view's hash: a changed resubmission of the same view runs, an identical
   replay does not.
4. A hearing answer for a department outside the hearing's project is refused, and nothing is stored.
5. Waiting-issue aging pings nobody on a closed day, even for an issue already past its thresholds: it is nudged (and
   the leads told) on the next business day.

Every test states its own clock (time_machine); the board's two refreshes are interleaved by hand, in one thread.
On SQLite and PostgreSQL, through the real services and fakeslack (signed requests where a person acts).
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import requests
import time_machine
from sqlmodel import select

from commands import board
from commands.issue_blocks import MODAL_CALLBACK
from reminders.jobs.aging import LEADS, NUDGE
from storage.enums import Role, RoleSource
from storage.hearings import create_hearing
from storage.models import (
    Department,
    HearingAnswer,
    Issue,
    IssueEvent,
    Project,
    ProjectDepartment,
    Requirement,
    RoleAssignment,
)
from tests.conftest import channel_id, post_slash, sign, wait_for
from tests.test_aging import posted, run_on, waiting_issue
from tests.test_hearing import dms, press
from tests.test_hearing import submit as submit_answers
from tests.test_replay import _submission, count

TOKYO = ZoneInfo("Asia/Tokyo")
THURSDAY = dt.datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)  # a business day
NEW_REQUIREMENT = "窓口の待ち時間表示"


@pytest.fixture
def app(synced, http_app):
    return http_app


# --- 1 and 2: the board's canvas, written by two refreshes that overlap ------------------------------------------------


@pytest.fixture
def board_clock(synced, fakeslack, monkeypatch):
    """A stopped clock on a business day, and a board canvas already written once (both refreshes below edit it).

    The process's record of canvas writes starts empty: an earlier test's write (at another moment) is not this one's.
    """
    monkeypatch.setattr(board, "_written", {})
    with time_machine.travel(THURSDAY, tick=False) as clock:
        refresh_board(synced)
        assert fakeslack.channel_named("moving-leads").canvas is not None
        assert fakeslack.calls_to("canvases.edit") == []
        clock.shift(dt.timedelta(seconds=1))
        yield clock


def refresh_board(services) -> None:
    with services.work() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
        board.refresh(services.context(session, user_id="U10LEAD", channel_id=None), project.id)


def add_requirement(services, text: str) -> None:
    with services.session() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
        session.add(Requirement(project_id=project.id, text=text, effect="", proposed_by="U10LEAD"))
        session.commit()


def canvas(fakeslack) -> str:
    return fakeslack.canvases[fakeslack.channel_named("moving-leads").canvas]


def newer_refresh(services, fakeslack, clock, seen: dict[str, str]) -> None:
    """While the older refresh is held: a second later a requirement is added and a whole refresh reads and writes
    it; a second after that the older refresh goes on."""
    clock.shift(dt.timedelta(seconds=1))
    add_requirement(services, NEW_REQUIREMENT)
    refresh_board(services)
    seen["after the newer refresh"] = canvas(fakeslack)
    clock.shift(dt.timedelta(seconds=1))


def test_canvas_guard_a_write_from_an_older_read_never_overwrites_a_newer_one(synced, fakeslack, board_clock, monkeypatch):
    """Rule 1, the board's canvas guard: a refresh that read first but writes last is dropped; the canvas keeps the
    newest read (here the older refresh has read everything and made its canvas text when the newer one runs)."""
    real_markdown, seen = board.markdown, {}

    def older_refresh_held_before_its_write(*args, **kwargs) -> str:
        content = real_markdown(*args, **kwargs)
        if "older read" not in seen:  # the first refresh: read, not yet written
            seen["older read"] = content
            newer_refresh(synced, fakeslack, board_clock, seen)
        return content

    monkeypatch.setattr(board, "markdown", older_refresh_held_before_its_write)
    refresh_board(synced)

    assert NEW_REQUIREMENT not in seen["older read"]
    assert NEW_REQUIREMENT in seen["after the newer refresh"]
    assert NEW_REQUIREMENT in canvas(fakeslack), "a write from an older read overwrote the newer board"
    assert len(fakeslack.calls_to("canvases.edit", ok_only=True)) == 1  # the newer refresh's; the older one dropped


def test_the_canvas_keeps_being_written_after_the_wall_clock_goes_back(synced, fakeslack, monkeypatch):
    """The canvas guard orders this process's reads by a clock that only goes forward (time.monotonic_ns): a board
    written while the wall clock read 2031 (a wrong clock, since corrected) does not stop every later write."""
    monkeypatch.setattr(board, "_written", {})
    with time_machine.travel(dt.datetime(2031, 6, 17, 10, 0, tzinfo=TOKYO), tick=False):
        refresh_board(synced)  # the canvas made and written, at a wall clock years ahead
    with time_machine.travel(THURSDAY, tick=False):
        add_requirement(synced, "時計が戻った後の要件")
        refresh_board(synced)
    edits = fakeslack.calls_to("canvases.edit")
    assert edits, "the canvas was never written again after the clock went back"
    assert "時計が戻った後の要件" in json.dumps(edits[-1].params, ensure_ascii=False)


def test_board_version_is_taken_before_the_read_so_a_change_during_a_read_makes_that_read_older(
    synced, fakeslack, board_clock, monkeypatch
):
    """Rule 2, the board's version is taken BEFORE reading the data: a change committed (and written by a newer
    refresh) while a refresh was reading leaves that refresh's read the older one, and its write is dropped."""
    real_table, seen = board.requirements_table, {}

    def a_change_during_the_read(session, project_id):
        table = real_table(session, project_id)
        if "older read" not in seen:  # the first refresh, in the middle of its read (the hearing is still to read)
            seen["older read"] = json.dumps([row.text for row in table.rows], ensure_ascii=False)
            newer_refresh(synced, fakeslack, board_clock, seen)
        return table

    monkeypatch.setattr(board, "requirements_table", a_change_during_the_read)
    refresh_board(synced)

    assert NEW_REQUIREMENT not in seen["older read"]
    assert NEW_REQUIREMENT in seen["after the newer refresh"]
    assert NEW_REQUIREMENT in canvas(fakeslack), "a read that a change overtook counted as the newer one"
    assert len(fakeslack.calls_to("canvases.edit", ok_only=True)) == 1


# --- 3: a form submission's replay key is its view id and hash ---------------------------------------------------------


@pytest.fixture
def thursday_ticking():
    with time_machine.travel(THURSDAY, tick=True):
        yield


def issue_form(app, fakeslack) -> dict:
    post_slash(app, "/issue", "", channel=channel_id(fakeslack, "moving-zeimu"))
    wait_for(lambda: fakeslack.calls_to("views.open"), timeout=30)
    view = json.loads(fakeslack.calls_to("views.open")[-1].params["view"])
    assert view["callback_id"] == MODAL_CALLBACK
    return view


def issue_submission(view: dict, title: str, *, view_hash: str) -> str:
    """The signed body of the issue form sent as view V0FORM with `view_hash` and this title (tests/test_replay.py's
    submission, with another hash)."""
    payload = _submission(view, title)
    payload["view"]["hash"] = view_hash
    return urlencode({"payload": json.dumps(payload)})


def send(app, body: str) -> requests.Response:
    return requests.post(f"{app.url}/slack/events", data=body.encode(), headers=sign(body), timeout=10)


def issue_titles(services) -> list[str]:
    with services.session() as session:
        return sorted(issue.title for issue in session.exec(select(Issue)))


def cards(fakeslack) -> list[str]:
    """The issue cards in 税務課's channel (the department the form was opened for)."""
    zeimu = channel_id(fakeslack, "moving-zeimu")
    return [c.params["text"] for c in fakeslack.calls_to("chat.postMessage", ok_only=True) if c.params["channel"] == zeimu]


def test_form_replay_key_includes_the_views_hash_a_changed_resubmission_runs_an_identical_replay_does_not(
    app, fakeslack, thursday_ticking
):
    """Rule 3, the form replay key includes the view's hash: the same view id sent again with other values and
    another hash is a new submission and is processed; the identical request sent again is dropped."""
    view = issue_form(app, fakeslack)
    first = send(app, issue_submission(view, "課税データの受け渡し方法", view_hash="1700000000.aaaa"))
    assert first.status_code == 200 and "errors" not in first.text
    assert issue_titles(app.services) == ["課税データの受け渡し方法"]  # the issue is stored before the ack

    changed = issue_submission(view, "転出データの連携仕様", view_hash="1700000001.bbbb")
    assert send(app, changed).status_code == 200
    assert issue_titles(app.services) == ["課税データの受け渡し方法", "転出データの連携仕様"], "a changed form was dropped"

    assert send(app, changed).status_code == 200  # the identical request again
    assert issue_titles(app.services) == ["課税データの受け渡し方法", "転出データの連携仕様"], "a replay was processed"
    wait_for(lambda: len(cards(fakeslack)) >= 2, timeout=30)  # each processed submission's card, after the ack
    assert sorted(cards(fakeslack)) == ["課題 #1: 課税データの受け渡し方法", "課題 #2: 転出データの連携仕様"]


# --- 4: a hearing answer belongs to a department of the hearing's project ----------------------------------------------


def outside_department(services, liaison: str) -> int:
    """総務課, a department of another project only, with `liaison` as its liaison (renkei.yml's kind of role)."""
    with services.session() as session:
        other = Project(slug="other", name="別の事業", leads_channel_name="other-leads")
        soumu = Department(slug="soumu", name="総務課")
        session.add_all([other, soumu])
        session.flush()
        session.add(ProjectDepartment(project_id=other.id, department_id=soumu.id, channel_name="other-soumu"))
        session.add(RoleAssignment(user_id=liaison, role=Role.LIAISON, department_id=soumu.id, source=RoleSource.CONFIG))
        session.commit()
        return soumu.id


def test_a_hearing_answer_for_a_department_outside_the_hearings_project_is_refused_and_nothing_stored(
    app, fakeslack, thursday_ticking
):
    """Rule 4, the hearing's project check: a form naming a department that is not in the hearing's project (even one
    the sender is a liaison of) is refused as such, and no answer is stored; the department's own answer is."""
    soumu = outside_department(app.services, "U01SHIMIN")
    with app.services.session() as session:
        project = session.exec(select(Project).where(Project.slug == "moving")).one()
        number = create_hearing(
            session, project_id=project.id, title="現状の確認", questions=["problems"], started_by="U10LEAD"
        ).id
    view = press(app, fakeslack, number)  # 市民課's liaison opens the form in 市民課's channel
    assert isinstance(view, dict), view

    forged = {**view, "private_metadata": json.dumps({"hearing_id": number, "department_id": soumu, "channel_id": None})}
    assert submit_answers(app, forged, ["総務課として回答"], view_id="V40").status_code == 200
    wait_for(lambda: dms(fakeslack, "U01SHIMIN"), timeout=30)
    assert count(app.services, HearingAnswer) == 0
    assert dms(fakeslack, "U01SHIMIN") == [
        "回答は、ヒアリングが届いた部署のチャンネルの「回答する」ボタンから行ってください。"
    ]  # refused for the department's project, not for the person (who is 総務課's liaison)

    assert submit_answers(app, view, ["市民課として回答"], view_id="V41").status_code == 200
    wait_for(lambda: len(dms(fakeslack, "U01SHIMIN")) == 2, timeout=30)
    with app.services.session() as session:
        [stored] = session.exec(select(HearingAnswer)).all()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
    assert (stored.department_id, json.loads(stored.answers)) == (shimin.id, {"0": "市民課として回答"})


# --- 5: aging pings nobody on a closed day, however long the wait ------------------------------------------------------


def at(day: str, hour: int = 9, minute: int = 5) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TOKYO)


@pytest.mark.parametrize(
    "created,closed_days,steps,days",
    [
        # Mon 11-16: by Sat 11-21 four business days (Tue-Fri), past the nudge (3); Mon 11-23 is 勤労感謝の日
        ("2026-11-16", ["2026-11-21", "2026-11-22", "2026-11-23"], [NUDGE], "5 営業日"),
        # Wed 11-11: by the holiday Mon 11-23 seven business days, past the leads' threshold (7) too
        ("2026-11-11", ["2026-11-23"], [NUDGE, LEADS], "8 営業日"),
    ],
    ids=["first-run-on-a-saturday", "first-run-on-a-holiday"],
)
def test_aging_closed_day_guard_an_issue_past_its_threshold_is_not_nudged_on_a_closed_day_but_the_next_business_day(
    synced, fakeslack, created, closed_days, steps, days
):
    """Rule 5, waiting-issue aging's closed-day guard: an issue already past the nudge (or the leads') threshold when
    the job first runs on a Saturday or a holiday pings nobody that day; it is nudged, and the leads told when due,
    on the next business day (Tue 2026-11-24), once."""
    number = waiting_issue(synced, at(created, 10))
    for day in closed_days:
        assert run_on(synced, at(day)) == [], day
    assert posted(fakeslack, "moving-zeimu") == [] and posted(fakeslack, "moving-leads") == []
    with synced.session() as session:
        assert session.exec(select(IssueEvent).where(IssueEvent.kind.in_(["nudged", "leads_alerted"]))).all() == []

    assert [n.step for n in run_on(synced, at("2026-11-24"))] == steps
    [nudge] = posted(fakeslack, "moving-zeimu")
    assert f"#{number}" in nudge and days in nudge
    assert len(posted(fakeslack, "moving-leads")) == (1 if LEADS in steps else 0)
    assert run_on(synced, at("2026-11-24", 15)) == []  # once
