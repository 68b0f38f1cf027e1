"""Plans and consent records keyed by (practice, conversation), not by conversation alone.

Practices that share a database see the same conversation ids (a phone number is one
person's at every practice they talk to). With `conversation_id` unique on its own,
practice B's draft for that number took over practice A's plan, and B's "delete my data"
deleted it (issue 13, item 4). Now a plan is unique per (practice_id, conversation_id), and
each consent record says whose practice it was given to.

Existing rows are kept. A consent record takes the practice of its conversation's plan
(there was at most one); one without a plan (consent asked, no plan drafted yet, or
refused) takes the practice of the deployment that runs this migration (`PRACTICE_ID`, the
one setting that says which practice a conversation belongs to), as it was that
deployment's conversation as far as anything stored can tell.

SQLite cannot drop a table's unique constraint in place: batch mode copies care_plans to a
new table and renames it. Dropping the old table with foreign keys enforced would cascade
into every goal, answer and note, so this refuses to run unless enforcement is off
(`bot.store.database.migrate` and the `alembic` command both turn it off for migrations)
and checks every reference before it ends.

The downgrade puts the old keys back, and refuses while any conversation id has plans or
consent records in more than one practice: the old schema could keep only one of them.

Revision ID: 0005_practice_conversation
Revises: 0004_directory
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_practice_conversation"
down_revision = "0004_directory"
branch_labels = None
depends_on = None

OLD_PLAN_KEY = "uq_care_plans_conversation_id"
NEW_PLAN_KEY = "uq_care_plans_practice_id_conversation_id"
OLD_CONSENT_INDEX = "ix_consent_records_conversation_id_recorded_at"
NEW_CONSENT_INDEX = "ix_consent_records_practice_id_conversation_id_recorded_at"


def upgrade() -> None:
    _require_sqlite_foreign_keys_off()
    op.add_column("consent_records", sa.Column("practice_id", sa.String(255), nullable=True))
    # While conversation_id is still unique in care_plans, each consent has at most one plan.
    op.execute(
        "UPDATE consent_records SET practice_id = (SELECT care_plans.practice_id FROM care_plans "
        "WHERE care_plans.conversation_id = consent_records.conversation_id)"
    )
    op.get_bind().execute(
        sa.text("UPDATE consent_records SET practice_id = :practice WHERE practice_id IS NULL"),
        {"practice": _this_deployments_practice()},
    )
    op.drop_index(OLD_CONSENT_INDEX, table_name="consent_records")
    with op.batch_alter_table("consent_records") as batch:
        batch.alter_column("practice_id", existing_type=sa.String(255), nullable=False)
    op.create_index(NEW_CONSENT_INDEX, "consent_records", ["practice_id", "conversation_id", "recorded_at"])

    with op.batch_alter_table("care_plans") as batch:
        batch.drop_constraint(OLD_PLAN_KEY, type_="unique")
        batch.create_unique_constraint(NEW_PLAN_KEY, ["practice_id", "conversation_id"])
    _check_sqlite_references()


def downgrade() -> None:
    _require_sqlite_foreign_keys_off()
    _refuse_if_shared_between_practices()
    with op.batch_alter_table("care_plans") as batch:
        batch.drop_constraint(NEW_PLAN_KEY, type_="unique")
        batch.create_unique_constraint(OLD_PLAN_KEY, ["conversation_id"])

    op.drop_index(NEW_CONSENT_INDEX, table_name="consent_records")
    with op.batch_alter_table("consent_records") as batch:
        batch.drop_column("practice_id")
    op.create_index(OLD_CONSENT_INDEX, "consent_records", ["conversation_id", "recorded_at"])
    _check_sqlite_references()


def _this_deployments_practice() -> str:
    from bot.config import Settings  # the practice of the deployment that migrates

    return Settings.from_env().practice_id


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _require_sqlite_foreign_keys_off() -> None:
    """On SQLite, batch mode drops care_plans: with foreign keys on, its children would go too."""
    if _is_sqlite() and op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0005 rebuilds care_plans on SQLite and must run with foreign keys off "
            "(PRAGMA foreign_keys=OFF), or the plans' goals, answers and notes would be deleted: "
            "run it with `python -m bot db upgrade` (bot.store.database.migrate)"
        )


def _check_sqlite_references() -> None:
    """Every goal, answer, note, version and audit entry still belongs to a plan."""
    if _is_sqlite():
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration 0005 left {len(broken)} rows without the row they refer to")


def _refuse_if_shared_between_practices() -> None:
    bind = op.get_bind()
    for table in ("care_plans", "consent_records"):
        shared = bind.execute(
            sa.text(
                f"SELECT COUNT(*) FROM (SELECT conversation_id FROM {table} "
                "GROUP BY conversation_id HAVING COUNT(DISTINCT practice_id) > 1) AS shared"
            )
        ).scalar_one()
        if shared:
            raise RuntimeError(
                f"cannot downgrade below 0005: {shared} conversation id(s) in {table} belong to more "
                "than one practice, and the older schema could keep only one practice's rows"
            )
