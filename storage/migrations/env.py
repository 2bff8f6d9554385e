"""Alembic environment: uses the engine handed over by storage.migrate."""

from alembic import context
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # not run by storage.migrate: the URL alone
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("no engine and no sqlalchemy.url: run the migrations through storage.migrate")
        engine = make_engine(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        )
        context.run_migrations()


run_migrations_online()
