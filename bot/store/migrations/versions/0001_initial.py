"""Initial schema: care plans, their goals, support people, answers and versions; consent.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _plan_id(table: str, *, cascade: bool = True) -> sa.Column:
    foreign_key = sa.ForeignKey(
        "care_plans.id",
        name=op.f(f"fk_{table}_plan_id_care_plans"),
        ondelete="CASCADE" if cascade else None,
    )
    return sa.Column("plan_id", sa.Integer(), foreign_key, nullable=False)


def upgrade() -> None:
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("practice_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("what_matters", sa.JSON(), nullable=False),
        sa.Column("strengths", sa.JSON(), nullable=False),
        sa.Column("concerns", sa.JSON(), nullable=False),
        sa.Column("support_needs", sa.Text()),
        sa.Column("support_from_practice", sa.JSON(), nullable=False),
        sa.Column("contact_preferences", sa.Text()),
        sa.Column("accessibility", sa.Text()),
        sa.Column("share_with", sa.Text()),
        sa.Column("contingency", sa.Text()),
        sa.Column("risk_flags", sa.JSON(), nullable=False),
        sa.Column("handoff_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_care_plans_conversation_id")),
    )
    op.create_index("ix_care_plans_status_updated_at", "care_plans", ["status", "updated_at"])
    op.create_index("ix_care_plans_practice_id_status", "care_plans", ["practice_id", "status"])

    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        _plan_id("goals"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("first_step", sa.Text()),
        sa.Column("timeframe", sa.Text()),
        sa.Column("target_date", sa.Date()),
        sa.Column("confidence", sa.Integer()),
        sa.Column("confidence_boost", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_goals_plan_id_position")),
        sa.CheckConstraint("confidence BETWEEN 0 AND 10", name=op.f("ck_goals_confidence_range")),
    )

    op.create_table(
        "support_people",
        sa.Column("id", sa.Integer(), nullable=False),
        _plan_id("support_people"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text()),
        sa.Column("relationship", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_people")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_support_people_plan_id_position")),
    )

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        _plan_id("answers"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("status", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_answers_plan_id_position")),
    )

    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        _plan_id("plan_versions", cascade=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("plan_id", "version", name=op.f("uq_plan_versions_plan_id_version")),
    )

    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(
        "ix_consent_records_conversation_id_recorded_at",
        "consent_records",
        ["conversation_id", "recorded_at"],
    )


def downgrade() -> None:
    op.drop_table("consent_records")
    op.drop_table("plan_versions")
    op.drop_table("answers")
    op.drop_table("support_people")
    op.drop_table("goals")
    op.drop_table("care_plans")
