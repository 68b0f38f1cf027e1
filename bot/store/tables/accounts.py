"""The console's accounts: users, their signed-in sessions, the API's tokens, and sign-in attempts."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from bot.store.tables.schema import UTCDateTime, metadata

# --- The review console (migration 0002) ------------------------------------------------------------

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
