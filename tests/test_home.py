"""App Home: built by a pure function (tested as data) and published on app_home_opened."""

from __future__ import annotations

import datetime as dt
import json
import time
from zoneinfo import ZoneInfo

import requests
import time_machine
from sqlmodel import select

from bot.i18n import Translator
from commands.home import MAX_BLOCKS, build_home
from storage.home import HomeData, HomeDepartment, HomeIssue, HomeMeeting, HomeWin, home_data
from storage.models import Department, Issue, Project, Win
from tests.conftest import sign, wait_for
from words.names import Names

TOKYO = ZoneInfo("Asia/Tokyo")
EMPTY = HomeData(departments=[], issues=[], more_issues=0, meetings=[], wins=[])


def texts(view: dict) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if "text" in b)


def test_a_newcomer_sees_what_to_do_first():
    view = build_home(Translator("ja"), EMPTY, Names(Translator("ja"), {}, in_slack=True))
    assert view["type"] == "home"
    body = texts(view)
    assert "はじめに" in body and "/dept join" in body and "/issue" in body and "/win" in body
    assert "まだどの部署の連絡担当でもありません" in body


def test_the_home_shows_departments_issues_meetings_and_wins_escaped():
    data = HomeData(
        departments=[HomeDepartment("引越し", "税務課", "C123")],
        issues=[HomeIssue(7, "<!channel> 住基連携の仕様", "open", "市民課", True)],
        more_issues=3,
        meetings=[HomeMeeting(dt.datetime(2026, 12, 2, 10, 0, tzinfo=TOKYO), "定例会議", "引越し")],
        wins=[HomeWin("転出届の入力が半分に & 早く", "市民課", "U01SHIMIN")],
    )
    body = texts(build_home(Translator("ja"), data, Names(Translator("ja"), {"U01SHIMIN": "佐藤 <花子>"}, in_slack=True)))
    assert "税務課（引越し）<#C123>" in body
    assert "#7 &lt;!channel&gt; 住基連携の仕様 ［未対応］← 市民課の回答待ち" in body and "<!channel>" not in body
    assert "ほか 3 件" in body
    assert "12/02(水) 10:00 定例会議（引越し）" in body
    assert "転出届の入力が半分に &amp; 早く — 市民課・佐藤 &lt;花子&gt;" in body  # a name is user text
    assert "はじめに" not in body


def test_huge_data_stays_within_slack_limits():
    many = HomeData(
        departments=[HomeDepartment("p" * 100, "d" * 100, "C1")] * 200,
        issues=[HomeIssue(n, "件名" * 100, "open", None, False) for n in range(200)],
        more_issues=999,
        meetings=[],
        wins=[HomeWin("w" * 3000, "d", "U1")] * 50,
    )
    view = build_home(Translator("en"), many, Names(Translator("en"), {}, in_slack=True))
    assert len(view["blocks"]) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b["type"] == "section")
    assert len(json.dumps(view)) < 250_000


def test_home_data_gathers_from_storage(services):
    with services.session() as session:
        zeimu = session.exec(select(Department).where(Department.slug == "zeimu")).one()
        shimin = session.exec(select(Department).where(Department.slug == "shimin")).one()
        project = session.exec(select(Project)).one()
        session.add(
            Issue(
                project_id=project.id,
                department_id=shimin.id,
                waiting_on_id=zeimu.id,
                title="税情報の連携",
                reporter_id="U01SHIMIN",
            )
        )
        session.add(
            Issue(project_id=project.id, department_id=shimin.id, title="済んだ件", reporter_id="U02ZEIMU", status="resolved")
        )
        session.add(Win(project_id=project.id, department_id=shimin.id, reporter_id="U01SHIMIN", text="窓口の待ち時間が減った"))
        session.commit()
        with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=TOKYO), tick=False):
            data = home_data(session, "U02ZEIMU", now=dt.datetime.now(dt.timezone.utc), timezone="Asia/Tokyo")
    assert [d.department for d in data.departments] == ["税務課"]
    assert [(i.title, i.waiting_on_me) for i in data.issues] == [("税情報の連携", True)]
    assert data.meetings[0].title == "定例会議"
    assert data.meetings[0].starts_at == dt.datetime(2026, 12, 2, 10, 0, tzinfo=TOKYO)  # next Wednesday 10:00
    assert [w.text for w in data.wins] == ["窓口の待ち時間が減った"]


def test_opening_the_home_tab_publishes_the_view(http_app, fakeslack):
    event = {
        "token": "legacy",
        "team_id": "T000TEST",
        "api_app_id": "A000TEST",
        "type": "event_callback",
        "event_id": "Ev01",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": "U03KOKUHO",
            "channel": "D01",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event)
    headers = {**sign(body), "Content-Type": "application/json"}
    assert requests.post(f"{http_app.url}/slack/events", data=body.encode(), headers=headers, timeout=5).status_code == 200
    wait_for(lambda: fakeslack.calls_to("views.publish"))  # the home tab is published after the ack
    [call] = fakeslack.calls_to("views.publish")
    assert call.params["user_id"] == "U03KOKUHO"
    view = json.loads(call.params["view"])
    assert view["type"] == "home" and "国民健康保険課（引越しワンストップ化）" in texts(view)
