"""Migration 0012 (meeting participants) on SQLite and PostgreSQL: meetings stored before it keep reaching every
department, none becomes regular, and it goes back down cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from storage.db import make_engine
from storage.meetings import is_regular, participant_ids
from storage.migrate import alembic_config, upgrade
from storage.models import Meeting


def test_meetings_stored_before_participants_stay_every_departments_and_the_migration_goes_down(database_url):
    engine = make_engine(database_url)
    upgrade(engine, "0011")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO project (slug, name, purpose, leads_channel_name, phase) "
                "VALUES ('moving', '引越しワンストップ化', '', 'moving-leads', 'prepare')"
            )
        )
        project_id = connection.execute(text("SELECT id FROM project WHERE slug = 'moving'")).scalar_one()
        for title, cron, source in [("定例会議", "0 10 * * wed", "config"), ("転出連携の打合せ", "0 10 * * wed", "command")]:
            connection.execute(
                text(
                    "INSERT INTO meeting (project_id, title, cron, remind_before, source, created_by, cancelled) "
                    "VALUES (:project, :title, :cron, '1d,15m', :source, 'U02ZEIMU', false)"
                ),
                {"project": project_id, "title": title, "cron": cron, "source": source},
            )
    upgrade(engine, "0012")
    with engine.connect() as connection:  # raw rows: the model may have grown columns of later migrations since
        rows = connection.execute(text("SELECT project_id, title, source, regular, participants FROM meeting")).all()
    meetings = {row.title: Meeting(**row._mapping) for row in rows}
    regular, added = meetings["定例会議"], meetings["転出連携の打合せ"]
    assert [bool(m.regular) for m in (regular, added)] == [False, False]  # the column's default for old rows
    assert [m.participants for m in (regular, added)] == [None, None]
    assert (is_regular(regular), participant_ids(regular)) == (True, None)  # renkei.yml's: regular by its source
    assert (is_regular(added), participant_ids(added)) == (False, None)  # an added one: every department, as before
    command.downgrade(alembic_config(engine), "0011")
    assert {"regular", "participants"}.isdisjoint(c["name"] for c in inspect(engine).get_columns("meeting"))
    upgrade(engine, "0012")
    assert {"regular", "participants"} <= {c["name"] for c in inspect(engine).get_columns("meeting")}
    engine.dispose()
