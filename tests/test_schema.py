"""The tables the code declares are exactly the tables the migrations build, on SQLite and
PostgreSQL: moving a model between modules, or a model module missing from `bot.schema`, shows
up here as a difference (a table to add or drop), as would a model changed without a migration."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import URL

from bot import db, schema


def test_the_models_match_the_migrations(database_url: URL) -> None:
    with db.engine_for(database_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), schema.metadata) == []
