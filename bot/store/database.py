"""Connecting to the database and bringing its schema up to date.

SQLite (the default, one file) and PostgreSQL are both supported; the URL
decides which. SQLAlchemy 1.4 is used in 2.0 style (`future=True`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.folders import private_folder

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any fixed number: PostgreSQL advisory locks are keyed by a bigint.
_MIGRATION_LOCK_KEY = 0x57484154  # "WHAT"
_SQLITE_BUSY_TIMEOUT_SECONDS = 30


class Database:
    """An engine and a session factory: the one object the service layer needs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Plans are handed back after commit, so keep their loaded values.
        self._sessions = sessionmaker(bind=engine, future=True, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(create_database_engine(url))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Migrate, then connect: what every entrypoint should call at start-up."""
    migrate(url)
    return Database.from_url(url)


def create_database_engine(url: str) -> Engine:
    """An engine whose errors never carry the statement's values.

    SQLAlchemy puts a failed statement's parameters in the error's text (a person's
    words, their phone number), and that text is logged and sent on: hide_parameters
    keeps them out (issue 13, item 5). Every engine we build says so.
    """
    parsed = make_url(url)
    if not _is_sqlite(parsed):
        return create_engine(parsed, future=True, pool_pre_ping=True, hide_parameters=True)
    ensure_sqlite_folder(parsed)
    engine = create_engine(
        parsed,
        future=True,
        hide_parameters=True,
        # Blocking calls get pushed onto worker threads (asyncio executors, web servers);
        # the timeout lets a writer wait for another process's write instead of failing.
        connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_SECONDS},
    )
    event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def migrate(url: str) -> None:
    """Run `alembic upgrade head` on the database at `url`.

    Harmless to run at every start, and safe when several processes start at
    once: the upgrade runs in one transaction holding a database-wide lock, so
    a second process waits, then finds the schema already at head.
    """
    engine = migration_engine(url)
    try:
        with engine.begin() as connection:
            _lock_for_migration(connection)
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def alembic_config() -> Config:
    """Alembic's settings, built in code so no alembic.ini is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def ensure_sqlite_folder(url: str | URL) -> None:
    """SQLite creates the file but not its folder (e.g. `var/` on a fresh checkout)."""
    parsed = make_url(url)
    database = parsed.database
    if _is_sqlite(parsed) and database and database != ":memory:" and not database.startswith("file:"):
        private_folder(Path(database).expanduser().parent)  # every plan is in it


def migration_engine(url: str) -> Engine:
    """The engine migrations run on: `migrate()` and the `alembic` command (migrations/env.py)."""
    engine = create_database_engine(url)
    if engine.dialect.name == "sqlite":
        # pysqlite would otherwise run DDL outside any transaction; take SQLite's
        # write lock up front instead, so concurrent upgrades queue behind it.
        event.listen(engine, "connect", _sqlite_manual_transactions)
        event.listen(engine, "begin", _begin_exclusive)
        # SQLite changes a constraint by copying the table and dropping the old one (Alembic's
        # batch mode); enforced foreign keys would make that drop delete the rows that refer
        # to it (a plan's goals, answers, notes). The pragma cannot change inside a
        # transaction, so it is set as the connection opens; a migration that rebuilds a
        # table checks every reference before it ends (e.g. 0005).
        event.listen(engine, "connect", _disable_sqlite_foreign_keys)
    return engine


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Released when the migration's transaction ends.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _disable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_exclusive(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN EXCLUSIVE")
