"""The plan store for an entrypoint, opened even while the database is down, and migrated
once it answers (before anything queued is delivered to it)."""

from __future__ import annotations

import logging
from weakref import WeakSet

from bot.store.database import Database, migrate
from bot.store.unit_of_work import is_unavailable

logger = logging.getLogger(__name__)

_unmigrated: WeakSet[Database] = WeakSet()  # opened while the database was down


def open_plan_store(url: str) -> Database:
    """The plan store for an entrypoint, even when the database is down at start-up.

    Migrates when the database answers (as `open_database` does). When it does
    not, the Database is returned all the same, so that `flag_risk` can queue;
    the migration then runs before the first delivery, once the database answers.
    Other errors (a wrong URL, a failed migration) raise."""
    try:
        migrate(url)
    except Exception as error:
        if not is_unavailable(error):
            raise
        logger.error("the plan store is unavailable at start-up (%s)", type(error).__name__)
        db = Database.from_url(url)
        _unmigrated.add(db)
        return db
    return Database.from_url(url)


def migrate_if_opened_down(db: Database) -> BaseException | None:
    """Migrate a store `open_plan_store` opened while the database was down, now that it may
    answer; the error when it still does not. Other errors (a failed migration) raise."""
    if db not in _unmigrated:
        return None
    try:
        migrate(db.engine.url.render_as_string(hide_password=False))
    except Exception as error:
        if is_unavailable(error):
            return error
        raise
    _unmigrated.discard(db)
    return None
