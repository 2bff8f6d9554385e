"""Everyone named, at any hour (issue 23, point 8): every person renkei.yml lists is looked up when the project is
synced and twice a day after, and the digest and the workbook ask Slack for any name they lack before they are
written — whether someone is named no longer depends on whether an earlier job happened to look them up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from openpyxl import load_workbook
from sqlmodel import select

from bot.bootstrap import bootstrap
from bot.scheduler import name_everyone
from commands.channels import sync_channels
from commands.people import MAX_LOOKUPS, refresh_names
from commands.report import digest_for, make_report
from storage.models import Department, Person, Project
from storage.people import cached_names
from storage.projectfile import load_project_file
from storage.standups import save_answer
from tests.conftest import SAMPLE

TOKYO = ZoneInfo("Asia/Tokyo")
FRIDAY = dt.datetime(2026, 11, 27, 16, 0, tzinfo=TOKYO)
NAMES = {
    "U01SHIMIN": "佐藤 花子",
    "U02ZEIMU": "鈴木 一郎",
    "U03KOKUHO": "高橋 美咲",
    "U04FUKUSHI": "田中 健太",
    "U05KOSODATE": "伊藤 由美",
    "U09IT": "渡辺 誠",
    "U10LEAD": "山本 直子",
    "U20BOSS": "中村 浩",
    "U99ADMIN": "小林 亮",
}


@pytest.fixture
def unnamed(settings, fakeslack, tmp_path):
    """The sample project with no `people:`: every name is Slack's to give."""
    project = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    project.pop("people", None)
    config = tmp_path / "renkei.yml"
    config.write_text(yaml.safe_dump(project, allow_unicode=True), encoding="utf-8")
    fakeslack.users.update({user: (name, False) for user, name in NAMES.items()})
    services = bootstrap(settings, project_file=load_project_file(config))
    yield services
    services.close()


def test_sync_and_the_twice_daily_refresh_name_everyone_listed(unnamed, fakeslack):
    with unnamed.session() as session:
        sync_channels(session, unnamed.gateway, unnamed.translator())
        assert cached_names(session) == {}  # the channels alone name nobody
    name_everyone(unnamed)  # what `renkei serve` runs at its start and every twelve hours
    with unnamed.session() as session:
        assert {user: name for user, (name, _) in cached_names(session).items()} == NAMES
    asked = len(fakeslack.calls_to("users.info"))
    name_everyone(unnamed)  # cached for a day: nobody is asked twice
    assert len(fakeslack.calls_to("users.info")) == asked


def test_the_digest_and_the_workbook_name_a_liaison_nothing_looked_up_before(unnamed, fakeslack, tmp_path):
    """子育て支援課's liaison named a blocker in her stand-up; no job had asked Slack her name: the digest job and the
    report job ask it first, so both name her."""
    with unnamed.session() as session:
        sync_channels(session, unnamed.gateway, unnamed.translator())
        project = session.exec(select(Project)).one()
        with time_machine.travel(FRIDAY - dt.timedelta(days=1), tick=False):
            kosodate = session.exec(select(Department).where(Department.slug == "kosodate")).one()
            save_answer(
                session,
                project_id=project.id,
                department_id=kosodate.id,
                user_id="U05KOSODATE",
                day=FRIDAY.date() - dt.timedelta(days=1),
                answers={"answer": "困っていること: 児童手当の様式が届かない"},
            )
        with time_machine.travel(FRIDAY, tick=False):
            text, _ = digest_for(
                session,
                project,
                project_file=unnamed.project_file,
                calendar=unnamed.calendar,
                t=unnamed.translator(),
                slack=unnamed.gateway,
            )
            assert "伊藤 由美" in text and "U05KOSODATE" not in text
            path = make_report(
                session,
                project,
                start=dt.date(2026, 11, 1),
                end=dt.date(2026, 11, 27),
                out=tmp_path / "report.xlsx",
                calendar=unnamed.calendar,
                project_file=unnamed.project_file,
                t=unnamed.translator(),
                slack=unnamed.gateway,
            )
    cells = [str(c.value) for sheet in load_workbook(path) for row in sheet.iter_rows() for c in row if c.value]
    assert cells and not any("名前未登録" in c or "U05KOSODATE" in c for c in cells)


def test_a_refresh_asks_at_most_its_bound_the_longest_unnamed_first(unnamed, fakeslack):
    many = {f"U{n:08d}" for n in range(MAX_LOOKUPS + 5)}
    with unnamed.session() as session:
        with time_machine.travel(FRIDAY - dt.timedelta(days=3), tick=False):
            refresh_names(session, unnamed.gateway, {"U01SHIMIN"})  # named three days ago: stale, but named
        with time_machine.travel(FRIDAY, tick=False):
            refresh_names(session, unnamed.gateway, many | {"U01SHIMIN"})
        asked = [c.params["user"] for c in fakeslack.calls_to("users.info")][1:]
        assert len(asked) == MAX_LOOKUPS and "U01SHIMIN" not in asked  # the never-named first
        assert session.exec(select(Person).where(Person.user_id == "U01SHIMIN")).one().name == "佐藤 花子"


def test_renkei_sync_names_everyone_listed(env, tmp_path, fakeslack):
    """`renkei sync` (the CLI) makes the channels and asks Slack the names renkei.yml does not give."""
    from sqlalchemy import create_engine, text

    from tests.conftest import BOT_TOKEN, SIGNING_SECRET, run

    project = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    project.pop("people", None)
    config = tmp_path / "renkei.yml"
    config.write_text(yaml.safe_dump(project, allow_unicode=True), encoding="utf-8")
    fakeslack.users.update({user: (name, False) for user, name in NAMES.items()})
    env = {
        **env,
        "RENKEI_CONFIG": str(config),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fakeslack.url,
    }
    assert run(["sync"], env, tmp_path).returncode == 0
    engine = create_engine(env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            named = dict(connection.execute(text("SELECT user_id, name FROM person")).all())
    finally:
        engine.dispose()
    assert named == NAMES
