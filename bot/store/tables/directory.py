"""The directory of local services, each practice's (migration 0004_directory, issue 16)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from bot.store.tables.schema import UTCDateTime, metadata

# Each practice's community services, as imported from an ORUK feed or a CSV (bot.directory).
# `service_id` is the feed's own id: a re-import updates the row it names. A service gone from
# its feed keeps its row with status "inactive" and `withdrawn_at` set, so it is never suggested.
directory_services = Table(
    "directory_services",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("practice_id", String(255), nullable=False),
    Column("service_id", String(255), nullable=False),
    Column("source", Text, nullable=False),  # the file's name or the feed's URL, without paging
    Column("format", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("categories", JSON, nullable=False),
    Column("url", Text),
    Column("email", Text),
    Column("phone", Text),
    Column("area", Text),
    Column("schedule", Text),
    Column("cost", Text),
    Column("eligibility", Text),
    Column("organization", Text),
    Column("minimum_age", Integer),
    Column("maximum_age", Integer),
    Column("record", JSON, nullable=False),  # the feed's whole record, as it came
    Column("imported_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime),
    UniqueConstraint("practice_id", "service_id"),
    Index("ix_directory_services_practice_id_status", "practice_id", "status"),
)
