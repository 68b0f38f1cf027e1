"""The audit trail: every change made to a plan in the console or the API (migration 0002)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text

from bot.store.tables.schema import UTCDateTime, metadata

# Who, when, what before and after. No ON DELETE CASCADE, like plan_versions: the trail must
# outlive careless deletes.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("care_plans.id"), nullable=False),
    Column("plan_version", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("field", String(64)),
    Column("before", JSON),
    Column("after", JSON),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", Integer),
    Column("actor_name", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_audit_log_plan_id_at", "plan_id", "at"),
)
