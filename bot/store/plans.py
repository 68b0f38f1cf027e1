"""Storing and loading care plans: a plan with its lists and versions, and the inbox's queries.

Rows are converted to and from `CarePlan` in `bot.store.plan_rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, case, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql import Select

from bot.careplan.codec import plan_to_dict
from bot.careplan.model import CarePlan, PlanNotFound, PlanStatus
from bot.store.plan_rows import CHILD_TABLES, child_values, plan_from_rows, plan_values
from bot.store.repository import Repository, conversation_rows
from bot.store.tables.audit import audit_log
from bot.store.tables.plans import care_plans, plan_versions

# Module-level aliases: inside PlanRepository, `list` is a method.
Plans = list[CarePlan]
Snapshots = list[dict[str, Any]]
PlanIds = Sequence[int] | Select

# The inbox: urgent reviews first, then other plans with risk flags, then the most recently updated.
_INBOX_ORDER = (
    case((care_plans.c.status == PlanStatus.URGENT_REVIEW.value, 0), else_=1),
    case((care_plans.c.risk_flagged, 0), else_=1),
    care_plans.c.updated_at.desc(),
    care_plans.c.id.desc(),
)


@dataclass(frozen=True)
class PlanSearch:
    """What the inbox asks for: a status, a conversation, words to find, and a page."""

    status: PlanStatus | None = None
    conversation_id: str | None = None
    words: str = ""
    limit: int = 25
    offset: int = 0


class PlanRepository(Repository):
    def get(
        self, plan_id: int, *, practice_id: str | None = None, for_update: bool = False
    ) -> CarePlan | None:
        """A plan by id; with `practice_id`, only if it belongs to that practice."""
        query = select(care_plans).where(care_plans.c.id == plan_id)
        if practice_id is not None:
            query = query.where(care_plans.c.practice_id == practice_id)
        return self._one(query.with_for_update() if for_update else query)

    def get_by_conversation(
        self, conversation_id: str, *, practice_id: str, for_update: bool = False
    ) -> CarePlan | None:
        """A practice's plan for a conversation: the same conversation id (a phone number) may
        have a plan at each practice that shares the database (issue 13, item 4).
        `for_update` locks the plan's row (on PostgreSQL) until the transaction ends."""
        query = select(care_plans).where(*conversation_rows(care_plans, practice_id, conversation_id))
        return self._one(query.with_for_update() if for_update else query)

    def add(self, plan: CarePlan) -> CarePlan:
        """Insert a new plan with its goals, people and answers; sets `plan.id`."""
        result = self.session.execute(insert(care_plans).values(**plan_values(plan)))
        plan.id = result.inserted_primary_key[0]
        self._insert_children(plan.id, plan)
        return plan

    def update(self, plan: CarePlan) -> CarePlan:
        """Overwrite a stored plan; its goals, people and answers are replaced whole."""
        if plan.id is None:
            raise PlanNotFound("the plan has no id: add it before updating it")
        values = plan_values(plan)
        del values["created_at"]  # set once, when the plan is first stored
        result = self.session.execute(update(care_plans).where(care_plans.c.id == plan.id).values(**values))
        if result.rowcount == 0:
            raise PlanNotFound(f"no plan with id {plan.id}")
        for table in CHILD_TABLES:
            self.session.execute(delete(table).where(table.c.plan_id == plan.id))
        self._insert_children(plan.id, plan)
        return plan

    def add_version(self, plan: CarePlan) -> None:
        """Keep the plan as it is now as the snapshot of its version."""
        row = {
            "plan_id": plan.id,
            "version": plan.version,
            "snapshot": plan_to_dict(plan),
            "created_at": plan.updated_at,
        }
        self.session.execute(insert(plan_versions).values(**row))

    def has_version(self, plan_id: int, version: int) -> bool:
        query = select(plan_versions.c.id).where(
            plan_versions.c.plan_id == plan_id, plan_versions.c.version == version
        )
        return self.session.execute(query).first() is not None

    def versions(self, plan_id: int) -> Snapshots:
        """Every kept version's snapshot (a `plan_to_dict` dict), oldest first."""
        query = (
            select(plan_versions.c.snapshot)
            .where(plan_versions.c.plan_id == plan_id)
            .order_by(plan_versions.c.version)
        )
        return [dict(snapshot) for snapshot in self.session.execute(query).scalars()]

    def list(self, status: PlanStatus | None = None, practice_id: str | None = None) -> Plans:
        """Plans, most recently updated first, optionally of one status and practice."""
        query = select(care_plans)
        if status is not None:
            query = query.where(care_plans.c.status == PlanStatus(status).value)
        if practice_id is not None:
            query = query.where(care_plans.c.practice_id == practice_id)
        rows = (
            self.session.execute(query.order_by(care_plans.c.updated_at.desc(), care_plans.c.id.desc()))
            .mappings()
            .all()
        )
        # The children are fetched with the same filter, not a long IN (...) list of ids.
        return self._with_children(rows, query.with_only_columns(care_plans.c.id))

    def delete_conversation(self, conversation_id: str, *, practice_id: str) -> None:
        """Remove a practice's plan for a conversation with every version and row that belongs
        to it; another practice's plan for the same conversation id stays."""
        key = conversation_rows(care_plans, practice_id, conversation_id)
        plan_ids = select(care_plans.c.id).where(*key)
        # The audit's before/after hold the person's words too: they go with the plan.
        for table in (audit_log, plan_versions, *CHILD_TABLES):
            self.session.execute(delete(table).where(table.c.plan_id.in_(plan_ids)))
        self.session.execute(delete(care_plans).where(*key))

    def search(self, practice_id: str, criteria: PlanSearch) -> tuple[Plans, int]:
        """One page of a practice's plans, urgent and risk-flagged first, and how many match in all.

        Each word of `criteria.words` must appear somewhere in the plan (its
        sections, answers, notes, the patient's name or the conversation id).
        """
        query = select(care_plans).where(care_plans.c.practice_id == practice_id)
        if criteria.status is not None:
            query = query.where(care_plans.c.status == PlanStatus(criteria.status).value)
        if criteria.conversation_id is not None:
            query = query.where(care_plans.c.conversation_id == criteria.conversation_id)
        for word in criteria.words.casefold().replace("\x00", "").split():
            query = query.where(care_plans.c.search_text.contains(word, autoescape=True))
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        page = query.order_by(*_INBOX_ORDER).limit(criteria.limit).offset(criteria.offset)
        rows = self.session.execute(page).mappings().all()
        return self._with_children(rows, [row["id"] for row in rows]), total

    def count_by_status(self, practice_id: str) -> dict[PlanStatus, int]:
        query = (
            select(care_plans.c.status, func.count())
            .where(care_plans.c.practice_id == practice_id)
            .group_by(care_plans.c.status)
        )
        counts = dict(self.session.execute(query).all())
        return {status: counts.get(status.value, 0) for status in PlanStatus}

    def _one(self, query: Select) -> CarePlan | None:
        row = self.session.execute(query).mappings().first()
        return self._with_children([row], [row["id"]])[0] if row else None

    def _with_children(self, rows: Sequence[RowMapping], plan_ids: PlanIds) -> Plans:
        if not rows:
            return []
        children = {table.name: self._children(table, plan_ids) for table in CHILD_TABLES}
        return [
            plan_from_rows(row, {name: rows_by_plan[row["id"]] for name, rows_by_plan in children.items()})
            for row in rows
        ]

    def _children(self, table: Table, plan_ids: PlanIds) -> dict[int, list[RowMapping]]:
        query = select(table).where(table.c.plan_id.in_(plan_ids)).order_by(table.c.plan_id, table.c.position)
        grouped: dict[int, list[RowMapping]] = defaultdict(list)
        for row in self.session.execute(query).mappings():
            grouped[row["plan_id"]].append(row)
        return grouped

    def _insert_children(self, plan_id: int, plan: CarePlan) -> None:
        for table, values in child_values(plan).items():
            if values:
                numbered = [{**v, "plan_id": plan_id, "position": n} for n, v in enumerate(values)]
                self.session.execute(insert(table), numbered)
