"""A care plan's tables: the plan's row, the rows it owns in order (goals, people, answers, notes,
agreed actions, community suggestions), and the snapshot of each version."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.schema import SchemaItem

from bot.store.tables.schema import UTCDateTime, metadata


def _plan_part(name: str, *columns: SchemaItem) -> Table:
    """A list in a plan, one row an item: deleted with its plan, numbered from 0 within it."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("plan_id", Integer, ForeignKey("care_plans.id", ondelete="CASCADE"), nullable=False),
        Column("position", Integer, nullable=False),
        *columns,
        UniqueConstraint("plan_id", "position"),
    )


care_plans = Table(
    "care_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    # A conversation id (a phone number, a chat's sender id) is unique within one practice only:
    # practices that share the database may each have a plan for it (issue 13, item 4; 0005).
    Column("conversation_id", String(255), nullable=False),
    Column("practice_id", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    # Question id -> the person's words, for the sections with several questions.
    Column("what_matters", JSON, nullable=False),
    Column("strengths", JSON, nullable=False),
    Column("concerns", JSON, nullable=False),
    Column("support_needs", Text),
    Column("support_from_practice", JSON, nullable=False),
    Column("contact_preferences", Text),
    Column("accessibility", Text),
    Column("share_with", Text),
    Column("contingency", Text),
    Column("risk_flags", JSON, nullable=False),
    Column("handoff_requested", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Added in migration 0002 for the review console. All nullable (or defaulted) so
    # SQLite can add them in place; approved_by_user_id has no foreign key for the
    # same reason (SQLite would have to rebuild care_plans, cascading into its children).
    Column("patient_name", Text),
    Column("nhs_number", String(10)),
    Column("care_coordinator", Text),
    Column("review_date", Date),
    Column("return_reason", Text),
    Column("approved_by", Text),
    Column("approved_by_role", String(32)),
    Column("approved_by_user_id", Integer),
    Column("approved_at", UTCDateTime),
    # Kept by the repository so the inbox can sort and search in SQL on any database:
    Column("risk_flagged", Boolean, nullable=False, server_default=false()),
    Column("search_text", Text),  # every word in the plan, case-folded
    # The review queue lists plans by status (and practice), newest first.
    Index("ix_care_plans_status_updated_at", "status", "updated_at"),
    Index("ix_care_plans_practice_id_status", "practice_id", "status"),
    UniqueConstraint("practice_id", "conversation_id"),
)

goals = _plan_part(
    "goals",
    Column("description", Text),
    Column("first_step", Text),
    Column("timeframe", Text),
    Column("target_date", Date),
    Column("confidence", Integer),
    Column("confidence_boost", Text),
    CheckConstraint("confidence BETWEEN 0 AND 10", name="confidence_range"),
)

support_people = _plan_part(
    "support_people",
    Column("name", Text),
    Column("relationship", Text),
)

answers = _plan_part(
    "answers",
    Column("question_id", String(100), nullable=False),
    Column("question", Text, nullable=False),
    Column("text", Text),
    Column("status", String(32), nullable=False),
)

# Every version of a plan as it was confirmed, so re-drafting never loses words.
# No ON DELETE CASCADE: deleting a plan must deal with its history on purpose.
plan_versions = Table(
    "plan_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("care_plans.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("plan_id", "version"),
)

# --- The review console (migration 0002) ------------------------------------------------------------

# Professionals' notes on a plan: only ever added to.
plan_notes = _plan_part(
    "plan_notes",
    Column("text", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
)

agreed_actions = _plan_part(
    "agreed_actions",
    Column("description", Text, nullable=False),
    Column("owner", Text),
    Column("due_date", Date),
)

# --- Community suggestions in the plan (migration 0006_community_suggestions, issue 16) -------------

# The local services a plan suggests, from its practice's directory, and what professionals did
# with each. `service_id` is the directory's (the feed's) id; name and contact are copied, so the
# plan still reads right after the directory changes. Replaced whole with each version, like goals.
community_suggestions = _plan_part(
    "community_suggestions",
    Column("service_id", String(255), nullable=False),
    Column("name", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("url", Text),
    Column("contact", Text),
    Column("status", String(16), nullable=False),
    Column("added_by", Text),  # a professional who added it from the directory; NULL: matched
    CheckConstraint("status IN ('suggested', 'offered', 'referred', 'declined')", name="status_known"),
)
