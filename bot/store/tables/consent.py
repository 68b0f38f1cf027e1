"""The consent records: each answer to "may I keep your answers?", per practice and conversation."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from bot.store.tables.schema import UTCDateTime, metadata

# Kept apart from plans: consent is asked before any plan exists, and may be refused.
# Per practice, as plans are (migration 0005): one practice's consent or deletion never
# touches another's record for the same conversation id.
consent_records = Table(
    "consent_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("given", Boolean, nullable=False),
    Column("wording", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("practice_id", String(255), nullable=False),
    Index(
        "ix_consent_records_practice_id_conversation_id_recorded_at",
        "practice_id",
        "conversation_id",
        "recorded_at",
    ),
)
