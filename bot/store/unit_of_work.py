"""One transaction on the store: its session, its repositories, and what its errors mean (issue 15).

The service modules (`bot.services`, `bot.review_services`, `bot.account_services`) work
through this and never through SQLAlchemy. A write that breaks one of the store's unique
rules (another process wrote the same plan version first, an email already in use) comes
out as `Conflict`; `is_unavailable` tells an outage, worth retrying later, from a bug.

Every new version of a plan, whoever makes it (the assistant drafting or flagging a risk, a
professional editing, approving, returning or marking a community suggestion), is written
by `UnitOfWork.save_version`: the plan's row, its version's snapshot and the audit entries
that explain it, in one transaction, so no version is ever kept without its audit.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.careplan.audit import AuditEntry
from bot.careplan.model import CarePlan
from bot.directory.model import Service
from bot.store.accounts import UserRepository
from bot.store.audit import AuditRepository
from bot.store.consent import ConsentRepository
from bot.store.database import Database
from bot.store.directory import DirectoryRepository
from bot.store.plans import PlanRepository

__all__ = ["Conflict", "Explain", "UnitOfWork", "is_unavailable", "unit_of_work"]

# Given the plan as stored (a first version has just been given its id), the audit entries
# that say who changed what in it.
Explain = Callable[[CarePlan], Iterable[AuditEntry]]


class Conflict(Exception):
    """The store refused a write that breaks one of its unique rules: another process wrote
    the same plan version first, or a user with that email exists. Whether to build on what
    is stored or to tell the person is the caller's choice, so it is raised, never retried here."""


class UnitOfWork:
    """The repositories of one transaction, all on its session, and the one write of a version."""

    def __init__(self, session: Session) -> None:
        # Each only holds the session: making them all costs nothing and keeps one name for each.
        self.plans = PlanRepository(session)
        self.audit = AuditRepository(session)
        self.consents = ConsentRepository(session)
        self.directory = DirectoryRepository(session)
        self.users = UserRepository(session)

    def active_services(self, practice_id: str) -> list[Service]:
        """The practice's running services: what suggestions are matched from and searched in."""
        return [stored.service for stored in self.directory.list(practice_id, active_only=True)]

    def save_version(self, plan: CarePlan, explain: Explain) -> CarePlan:
        """Store `plan` as its version: added when it has no id yet (its first), else updated;
        its snapshot kept, so no version is lost; and `explain(plan)`'s audit entries written."""
        if plan.id is None:
            self.plans.add(plan)
        else:
            self.plans.update(plan)
        self.plans.add_version(plan)
        for entry in explain(plan):
            self.audit.add(entry)
        return plan


@contextmanager
def unit_of_work(db: Database) -> Iterator[UnitOfWork]:
    """One transaction: committed when the block ends, rolled back if it raises. A broken
    unique rule comes out as `Conflict` (the database's error as its cause); others as they are."""
    try:
        with db.session() as session:
            yield UnitOfWork(session)
    except IntegrityError as error:
        raise Conflict("another write to the same record was stored first") from error


def is_unavailable(error: BaseException) -> bool:
    """The database could not be reached, or did not answer in time: worth retrying later.
    Not a bug, a constraint or bad data, which retrying would not mend."""
    if isinstance(error, InterfaceError) and isinstance(error.orig, sqlite3.InterfaceError):
        return False  # SQLite's is a value it cannot bind: a bug, not an outage
    if isinstance(error, (OperationalError, InterfaceError, PoolTimeout)):
        return True  # connection refused or lost, timeouts; SQLite: file unopenable, read-only, locked
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (ConnectionError, TimeoutError, socket.timeout))
