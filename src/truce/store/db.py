"""Engines and migrations: SQLite (a file, by default) or PostgreSQL, by URL.

SQLite runs in WAL mode with full sync, and every transaction that may write starts with ``BEGIN IMMEDIATE``
so that concurrent writers queue on the busy timeout instead of failing on a stale snapshot. A transaction
made on an engine with the :func:`read_only_options` starts with a plain ``BEGIN``: it reads one snapshot and
takes no lock, so readers neither queue behind writers nor make them wait (PostgreSQL is told it is read-only,
and refuses a write in it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

ENV_URL = "TRUCE_DATABASE_URL"
DEFAULT_FILE = "truce.db"
MIGRATIONS = Path(__file__).parent / "migrations"
READ_ONLY = {"truce_read_only": True, "postgresql_readonly": True}  # execution options of a reading transaction


def read_only_options(engine: Engine) -> dict[str, Any]:
    """The execution options of a transaction that only reads: :data:`READ_ONLY`, and on PostgreSQL the
    REPEATABLE READ level, under which its statements all see one snapshot. (At PostgreSQL's default level each
    statement sees what was committed before it began, so a read of the talks in several statements could put
    one version's number beside an earlier version's text. SQLite's transaction keeps the snapshot of its first
    read to its end, and takes no isolation level by that name.) A transaction that only reads never fails to
    serialise at that level, so nothing has to be retried."""
    if engine.dialect.name == "postgresql":
        return {**READ_ONLY, "isolation_level": "REPEATABLE READ"}
    return dict(READ_ONLY)


def database_url(db: str | None) -> str:
    """The URL to use: ``db`` (a URL or a file path), else ``$TRUCE_DATABASE_URL``, else ``truce.db`` here."""
    value = db or os.environ.get(ENV_URL) or DEFAULT_FILE
    if "://" in value:
        url = make_url(value)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{Path(value).resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)


def private_sqlite_file(database: str | None) -> None:
    """Make the database file readable by its owner only (0600), before SQLite opens it.

    SQLite gives the WAL and shared-memory files it makes beside the database the database file's own mode, so
    they are private too. A file made earlier with wider permissions is narrowed (when it is ours to change)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists() and path.parent.is_dir():  # (a missing folder is SQLite's to report)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            if each.is_file() and each.stat().st_mode & 0o077:  # a folder given by mistake is left alone
                each.chmod(0o600)
        except OSError:
            pass  # not ours (read by someone else, e.g. to verify it): leave it as its owner set it


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("truce_read_only") else "BEGIN IMMEDIATE")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def revisions() -> list[str]:
    """The schema's revisions this code knows, oldest first (the last is the one it reads)."""
    script = ScriptDirectory.from_config(_config())
    return [each.revision for each in reversed(list(script.walk_revisions()))]


def schema_revision(engine: Engine) -> str | None:
    """The revision a database's schema is at (``None``: it has none), read in a transaction that only reads."""
    with engine.execution_options(**read_only_options(engine)).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to date, or to ``revision`` (Alembic, run programmatically)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
