"""The directory of local services per practice, for social prescribing suggestions (issue 16).

Revision ID: 0004_directory
Revises: 0003
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_directory"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.String(255), nullable=False),
        sa.Column("service_id", sa.String(255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("email", sa.Text()),
        sa.Column("phone", sa.Text()),
        sa.Column("area", sa.Text()),
        sa.Column("schedule", sa.Text()),
        sa.Column("cost", sa.Text()),
        sa.Column("eligibility", sa.Text()),
        sa.Column("organization", sa.Text()),
        sa.Column("minimum_age", sa.Integer()),
        sa.Column("maximum_age", sa.Integer()),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_services")),
        sa.UniqueConstraint(
            "practice_id", "service_id", name=op.f("uq_directory_services_practice_id_service_id")
        ),
    )
    op.create_index(
        "ix_directory_services_practice_id_status", "directory_services", ["practice_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("directory_services")
