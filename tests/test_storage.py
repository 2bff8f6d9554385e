"""Storage on a real SQLite file and a real PostgreSQL server: migrations, pragmas, guards, directory."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from storage import outbox
from storage.db import backup_sqlite, database_writable, make_engine, new_session, normalise_url
from storage.directory import LEAD, LIAISON, apply_project_file, project_overview, users_with_role
from storage.migrate import upgrade
from storage.models import Delivery, Department, ProjectDepartment, RoleAssignment, utcnow
from storage.projectfile import load_project_file
from storage.upsert import insert_if_absent
from tests.conftest import SAMPLE

TABLES = {
    "department",
    "project",
    "projectdepartment",
    "roleassignment",
    "issue",
    "issueevent",
    "win",
    "standupanswer",
    "meeting",
    "delivery",
    "outboxmessage",
    "heldcommand",
    "alembic_version",
}


def test_migrations_create_every_table_and_match_the_models(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == [], f"models changed without a migration: {diff}"
    upgrade(engine)  # a second upgrade is a no-op
    engine.dispose()


def test_sqlite_gets_wal_and_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()


def test_plain_postgresql_urls_use_psycopg3():
    assert normalise_url("postgresql://u:p@h/db").startswith("postgresql+psycopg://u:p@h/db")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_delivery_is_claimed_once_per_job_and_time(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    when = utcnow().replace(microsecond=0)
    values = {"job_id": "standup:moving", "scheduled_at": when, "claimed_by": "a", "status": "claimed", "created_at": when}
    with new_session(engine) as session:
        first = insert_if_absent(session, Delivery, values, ["job_id", "scheduled_at"])
        second = insert_if_absent(session, Delivery, {**values, "claimed_by": "b"}, ["job_id", "scheduled_at"])
        session.commit()
        rows = session.exec(select(Delivery)).all()
    assert (first, second) == (True, False)
    assert [r.claimed_by for r in rows] == ["a"]
    engine.dispose()


def test_outbox_enqueue_is_idempotent(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    with new_session(engine) as session:
        row, created = outbox.enqueue(session, key="k1", method="chat.postMessage", payload={"channel": "C1", "text": "日本語"})
        again, created_again = outbox.enqueue(session, key="k1", method="chat.postMessage", payload={"channel": "C2"})
    assert (created, created_again) == (True, False)
    assert again.id == row.id and '"C1"' in again.payload and "日本語" in again.payload
    engine.dispose()


def test_applying_the_project_file_twice_changes_nothing(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    project_file = load_project_file(SAMPLE)
    with new_session(engine) as session:
        apply_project_file(session, project_file)
        session.add(RoleAssignment(user_id="U77SELF", role=LIAISON, department_id=1, source="approved"))
        session.add(RoleAssignment(user_id="U78OLD", role=LIAISON, department_id=1, source="self"))  # made by hand once
        session.commit()
        apply_project_file(session, project_file)
        departments = session.exec(select(Department)).all()
        links = session.exec(select(ProjectDepartment)).all()
        overview = project_overview(session)
        roles = session.exec(select(RoleAssignment)).all()
        leads = users_with_role(session, LEAD, project_id=1)
    assert len(departments) == 6 and len(links) == 6
    assert [d.slug for d in overview[0].departments] == ["shimin", "zeimu", "kokuho", "fukushi", "kosodate", "it"]
    assert overview[0].departments[0].liaisons == ["U01SHIMIN", "U77SELF"]  # an approved role is kept, a self-made one
    # (from before joining needed approval) is neither listed nor trusted
    assert overview[0].departments[1].channel_name == "moving-zeimu"
    assert leads == ["U10LEAD"]
    assert len([r for r in roles if r.source == "config"]) == 1 + 6 + 1 + 1  # admin, liaisons, lead, manager
    engine.dispose()


def test_health_check_needs_a_database_it_can_write(tmp_path):
    path = tmp_path / "ok.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    assert database_writable(engine)
    # read-only (as a full disk or a read-only mount would make it; chmod does not stop root)
    assert not database_writable(make_engine(f"sqlite:///file:{path}?mode=ro&uri=true"))
    assert not database_writable(make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"))
    assert not database_writable(make_engine("postgresql://nobody:wrong@127.0.0.1:1/none"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        assert not database_writable(make_engine(f"sqlite:///{path}", lock_wait_ms=100))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert database_writable(engine)
    engine.dispose()


def test_backup_copies_a_live_database(sqlite_url, tmp_path):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with new_session(engine) as session:
        apply_project_file(session, load_project_file(SAMPLE))
        with engine.connect() as open_reader:  # a reader holds the WAL open during the copy
            open_reader.execute(text("SELECT count(*) FROM department")).scalar()
            copy = backup_sqlite(engine, tmp_path / "backup.db")
    with sqlite3.connect(copy) as connection:
        assert connection.execute("SELECT count(*) FROM department").fetchone()[0] == 6
    engine.dispose()
