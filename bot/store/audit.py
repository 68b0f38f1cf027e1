"""Storing the audit trail of changes made to plans in the console and the API."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from bot.careplan.review import ActorKind, AuditAction, AuditEntry
from bot.store.tables.audit import audit_log


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> None:
        values = {
            "plan_id": entry.plan_id,
            "plan_version": entry.plan_version,
            "action": AuditAction(entry.action).value,
            "field": entry.field,
            "before": entry.before,
            "after": entry.after,
            "actor_kind": ActorKind(entry.actor_kind).value,
            "actor_id": entry.actor_id,
            "actor_name": entry.actor_name,
            "at": entry.at,
        }
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
    return AuditEntry(
        id=row["id"],
        plan_id=row["plan_id"],
        plan_version=row["plan_version"],
        action=AuditAction(row["action"]),
        field=row["field"],
        before=row["before"],
        after=row["after"],
        actor_kind=ActorKind(row["actor_kind"]),
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        at=row["at"],
    )
