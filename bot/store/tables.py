"""The database schema, as SQLAlchemy Core tables.

The domain classes are not mapped onto these: `repository.py` converts rows to
and from `CarePlan` explicitly, so the domain stays free of SQL. Any change
here needs a new migration in `migrations/versions/`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime, stored and returned in UTC.

    SQLite has no time zones and hands back naive values; PostgreSQL hands
    them back in the session's zone. Either way the domain gets aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _plan_fk() -> Column:
    return Column("plan_id", Integer, ForeignKey("care_plans.id", ondelete="CASCADE"), nullable=False)


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

goals = Table(
    "goals",
    metadata,
    Column("id", Integer, primary_key=True),
    _plan_fk(),
    Column("position", Integer, nullable=False),
    Column("description", Text),
    Column("first_step", Text),
    Column("timeframe", Text),
    Column("target_date", Date),
    Column("confidence", Integer),
    Column("confidence_boost", Text),
    UniqueConstraint("plan_id", "position"),
    CheckConstraint("confidence BETWEEN 0 AND 10", name="confidence_range"),
)

support_people = Table(
    "support_people",
    metadata,
    Column("id", Integer, primary_key=True),
    _plan_fk(),
    Column("position", Integer, nullable=False),
    Column("name", Text),
    Column("relationship", Text),
    UniqueConstraint("plan_id", "position"),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    _plan_fk(),
    Column("position", Integer, nullable=False),
    Column("question_id", String(100), nullable=False),
    Column("question", Text, nullable=False),
    Column("text", Text),
    Column("status", String(32), nullable=False),
    UniqueConstraint("plan_id", "position"),
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


# --- The review console (migration 0002) ------------------------------------------------------------

# Professionals' notes on a plan: only ever added to.
plan_notes = Table(
    "plan_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    _plan_fk(),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("written_at", UTCDateTime, nullable=False),
    UniqueConstraint("plan_id", "position"),
)

agreed_actions = Table(
    "agreed_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    _plan_fk(),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("owner", Text),
    Column("due_date", Date),
    UniqueConstraint("plan_id", "position"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-case
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("practice_id", String(255), nullable=False),
    Column("password_hash", Text, nullable=False),  # argon2id, never the password
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('clinician', 'coach', 'admin')", name="role_known"),
)

# Signed-in browsers. The cookie holds a random token; only its SHA-256 is kept,
# so a copy of the database cannot be used to sign in.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_console_sessions_user_id", "user_id"),
)

# Systems' keys to the API, by hash only (the token is shown once, at creation).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("practice_id", String(255), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    CheckConstraint("scope IN ('read', 'write')", name="scope_known"),
)

# Every change made in the console or the API: who, when, what before and after.
# No ON DELETE CASCADE, like plan_versions: the trail must outlive careless deletes.
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

# --- Signing in (migration 0003) --------------------------------------------------------------------

# Every attempt to sign in to the console, for the audit and for the throttle (bot.account_services):
# counting failures here, not in a process's memory, holds the limit across workers and restarts.
# Never the password; the email only if it looks like one (see `SignIn`).
sign_ins = Table(
    "sign_ins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("email", String(320)),
    Column("user_id", Integer),  # no foreign key: the trail outlives the user, like audit_log's actor
    Column("address", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_sign_ins_email_at", "email", "at"),
    Index("ix_sign_ins_address_at", "address", "at"),
)

# --- The directory of local services (migration 0004_directory, issue 16) ---------------------------

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

# --- Community suggestions in the plan (migration 0006_community_suggestions, issue 16) -------------

# The local services a plan suggests, from its practice's directory, and what professionals did
# with each. `service_id` is the directory's (the feed's) id; name and contact are copied, so the
# plan still reads right after the directory changes. Replaced whole with each version, like goals.
community_suggestions = Table(
    "community_suggestions",
    metadata,
    Column("id", Integer, primary_key=True),
    _plan_fk(),
    Column("position", Integer, nullable=False),
    Column("service_id", String(255), nullable=False),
    Column("name", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("url", Text),
    Column("contact", Text),
    Column("status", String(16), nullable=False),
    Column("added_by", Text),  # a professional who added it from the directory; NULL: matched
    UniqueConstraint("plan_id", "position"),
    CheckConstraint("status IN ('suggested', 'offered', 'referred', 'declined')", name="status_known"),
)
