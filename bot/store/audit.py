"""Storing the audit trail of changes made to plans in the console and the API."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping

from bot.careplan.accounts import ActorKind
from bot.careplan.audit import AuditAction, AuditEntry
from bot.store.repository import Repository, from_row, to_row
from bot.store.tables.audit import audit_log


class AuditRepository(Repository):
    def add(self, entry: AuditEntry) -> None:
        values = to_row(
            entry, action=AuditAction(entry.action).value, actor_kind=ActorKind(entry.actor_kind).value
        )
        self.session.execute(insert(audit_log).values(**values))

    def for_plan(self, plan_id: int) -> list[AuditEntry]:
        """A plan's audit trail, newest first."""
        query = (
            select(audit_log)
            .where(audit_log.c.plan_id == plan_id)
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        )
        return [_entry(row) for row in self.session.execute(query).mappings()]


def _entry(row: RowMapping) -> AuditEntry:
    return from_row(
        AuditEntry, row, action=AuditAction(row["action"]), actor_kind=ActorKind(row["actor_kind"])
    )
