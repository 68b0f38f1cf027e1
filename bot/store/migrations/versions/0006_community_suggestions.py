"""Community suggestions in the plan: the local services it suggests and what was done with each (issue 16).

A new table, one row per suggestion, replaced whole with each version of the plan (as goals
are); each version's snapshot in plan_versions holds them too. Existing plans have none until
they are drafted or edited again. The downgrade drops the table (the snapshots keep theirs).

Revision ID: 0006_community_suggestions
Revises: 0005_practice_conversation
Create Date: 2026-12-03 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_community_suggestions"
down_revision = "0005_practice_conversation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("contact", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("added_by", sa.Text()),
        sa.CheckConstraint(
            "status IN ('suggested', 'offered', 'referred', 'declined')",
            name=op.f("ck_community_suggestions_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["care_plans.id"],
            name=op.f("fk_community_suggestions_plan_id_care_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_suggestions")),
        sa.UniqueConstraint("plan_id", "position", name=op.f("uq_community_suggestions_plan_id_position")),
    )


def downgrade() -> None:
    op.drop_table("community_suggestions")
