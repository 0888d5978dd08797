"""Backups of the database: `python -m bot backup` and `python -m bot restore FILE`.

SQLite (`make run`): sqlite3's online backup API copies a consistent snapshot page by page while
the assistant keeps running (a plain file copy during a write could catch a torn page or miss
the WAL). Restore copies a backup back the same way; stop the assistant first, since the servers
would otherwise keep writing into what is being replaced.

PostgreSQL (production) is backed up with its own tools, which this does not reimplement:
`pg_dump --format=custom` and `pg_restore --clean` (see the README's "Backups"), or the hosting
provider's point-in-time recovery.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL

from bot import config


class NotSQLite(SystemExit):
    """The database is not SQLite: say which tool to use instead."""


def _sqlite_path(url: URL) -> Path:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise NotSQLite(
            f"DATABASE_URL is {url.get_backend_name()}; back PostgreSQL up with pg_dump "
            '(pg_dump --format=custom --file=concierge.dump "$PGURL") and restore with '
            'pg_restore --clean --if-exists --dbname "$PGURL" concierge.dump (see README, Backups)'
        )
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def backup(url: URL | None = None, target: Path | None = None) -> Path:
    """A consistent copy of the SQLite database; by default `VAR_DIR/backups/concierge-<UTC time>.db`."""
    source = _sqlite_path(url or config.database_url())
    if not source.exists():
        raise SystemExit(f"There is no database at {source} to back up.")
    if target is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = config.var_dir() / "backups" / f"concierge-{stamp}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise SystemExit(f"{target} exists already; choose another file.")
    _copy(source, target)
    target.chmod(0o600)  # customer data
    return target


def restore(source: Path, url: URL | None = None) -> Path:
    """Replace the SQLite database's content with a backup's (the assistant must be stopped)."""
    target = _sqlite_path(url or config.database_url())
    if not source.is_file():
        raise SystemExit(f"No backup at {source}.")
    with sqlite3.connect(source) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise SystemExit(f"{source} is not an intact SQLite database; nothing was restored.")
    check.close()
    _copy(source, target)
    return target
