"""Database engine, sessions and schema upgrades; the same code serves SQLite and PostgreSQL."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot import config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: URL) -> Engine:
    """An engine tuned for several processes sharing one database.

    SQLite: WAL lets readers and one writer work at once; busy_timeout makes writers queue
    instead of failing; foreign keys are off by default in SQLite, so switch them on. Its
    connections are pooled (SQLAlchemy 1.4 opens a new one per session for a file database):
    opening one and setting the pragmas cost more than a typical query.
    """
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            future=True,
            poolclass=QueuePool,
            # Pooled connections move between threads, one at a time.
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@cache
def engine_for(url: URL) -> Engine:
    return make_engine(url)


def session_factory(url: URL | None = None) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url or config.database_url()), future=True, expire_on_commit=False)


def upgrade(url: URL | None = None) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine_for(url or config.database_url())
    command.upgrade(cfg, "head")


def is_reachable(url: URL | None = None) -> bool:
    try:
        with engine_for(url or config.database_url()).connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for a health check
        return False
