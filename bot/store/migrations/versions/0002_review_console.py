"""The review console: users, their sessions, API tokens, the audit log, notes,
agreed actions, and the review fields on care plans.

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-01 00:00:00

New care_plans columns are added in place, never with batch mode: on SQLite a
batch rebuild drops care_plans, and with foreign keys on that would cascade
into its goals, answers and people. So every new column is nullable (or has
a server default) and carries no constraint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_NEW_PLAN_COLUMNS = (
    sa.Column("patient_name", sa.Text()),
    sa.Column("nhs_number", sa.String(10)),
    sa.Column("care_coordinator", sa.Text()),
    sa.Column("review_date", sa.Date()),
    sa.Column("return_reason", sa.Text()),
    sa.Column("approved_by", sa.Text()),
    sa.Column("approved_by_role", sa.String(32)),
    sa.Column("approved_by_user_id", sa.Integer()),
    sa.Column("approved_at", sa.DateTime(timezone=True)),
    sa.Column("risk_flagged", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("search_text", sa.Text()),
)


def upgrade() -> None:
    for column in _NEW_PLAN_COLUMNS:
        op.add_column("care_plans", column.copy())
    _create_plan_children()
    _create_people_and_access()
    _create_audit_log()
    _backfill_plans(op.get_bind())


def downgrade() -> None:
    for table in ("audit_log", "api_tokens", "console_sessions", "users", "agreed_actions", "plan_notes"):
        op.drop_table(table)
    for column in reversed(_NEW_PLAN_COLUMNS):
        op.drop_column("care_plans", column.name)  # SQLite 3.35+ drops a plain column in place


def _plan_id(table: str) -> sa.Column:
    foreign_key = sa.ForeignKey(
        "care_plans.id", name=op.f(f"fk_{table}_plan_id_care_plans"), ondelete="CASCADE"
    )
    return sa.Column("plan_id", sa.Integer(), foreign_key, nullable=False)


def _create_plan_children() -> None:
    op.create_table(
        "plan_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        _plan_id("plan_notes"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_notes")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_plan_notes_plan_id_position")),
    )
    op.create_table(
        "agreed_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        _plan_id("agreed_actions"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text()),
        sa.Column("due_date", sa.Date()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreed_actions")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_agreed_actions_plan_id_position")),
    )


def _create_people_and_access() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("practice_id", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.CheckConstraint("role IN ('clinician', 'coach', 'admin')", name=op.f("ck_users_role_known")),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name=op.f("fk_console_sessions_user_id_users"), ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_sessions_token_hash")),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("practice_id", sa.String(255), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f("ck_api_tokens_scope_known")),
    )


def _create_audit_log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("care_plans.id", name=op.f("fk_audit_log_plan_id_care_plans")),
            nullable=False,
        ),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("field", sa.String(64)),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_plan_id_at", "audit_log", ["plan_id", "at"])


# --- Filling the new columns for plans stored before this migration -----------------------------
# A frozen copy of what the repository writes (migrations must not import code that changes later).

_plans = sa.table(
    "care_plans",
    sa.column("id", sa.Integer()),
    sa.column("conversation_id", sa.String()),
    sa.column("what_matters", sa.JSON()),
    sa.column("strengths", sa.JSON()),
    sa.column("concerns", sa.JSON()),
    sa.column("support_needs", sa.Text()),
    sa.column("support_from_practice", sa.JSON()),
    sa.column("contact_preferences", sa.Text()),
    sa.column("accessibility", sa.Text()),
    sa.column("share_with", sa.Text()),
    sa.column("contingency", sa.Text()),
    sa.column("risk_flags", sa.JSON()),
    sa.column("risk_flagged", sa.Boolean()),
    sa.column("search_text", sa.Text()),
)
_CHILD_WORDS = {
    "goals": ("description", "first_step", "timeframe", "confidence_boost"),
    "support_people": ("name", "relationship"),
    "answers": ("text",),
}


def _backfill_plans(connection: sa.engine.Connection) -> None:
    for plan in connection.execute(sa.select(_plans)).mappings().all():
        words = [
            plan["conversation_id"],
            *plan["what_matters"].values(),
            *plan["strengths"].values(),
            *plan["concerns"].values(),
            plan["support_needs"],
            *plan["support_from_practice"],
            plan["contact_preferences"],
            plan["accessibility"],
            plan["share_with"],
            plan["contingency"],
            *_child_words(connection, plan["id"]),
        ]
        values = {
            "risk_flagged": bool(plan["risk_flags"]),
            "search_text": "\n".join(w for w in words if w).casefold(),
        }
        connection.execute(sa.update(_plans).where(_plans.c.id == plan["id"]).values(**values))


def _child_words(connection: sa.engine.Connection, plan_id: int) -> list[str]:
    words: list[str] = []
    for table_name, columns in _CHILD_WORDS.items():
        table = sa.table(table_name, sa.column("plan_id", sa.Integer()), *(sa.column(c) for c in columns))
        query = sa.select(*(table.c[c] for c in columns)).where(table.c.plan_id == plan_id)
        for row in connection.execute(query):
            words += [word for word in row if word]
    return words
