"""Sign-in attempts: the audit of who signed in (or failed to) and the throttle's counts.

Revision ID: 0003
Revises: 0002
Create Date: 2025-07-01 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("user_id", sa.Integer()),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
    )
    op.create_index("ix_sign_ins_email_at", "sign_ins", ["email", "at"])
    op.create_index("ix_sign_ins_address_at", "sign_ins", ["address", "at"])


def downgrade() -> None:
    op.drop_table("sign_ins")
