"""A practice's stored plans, read back: one conversation's, a list, and a plan's kept versions."""

from __future__ import annotations

from bot.careplan.codec import plan_from_dict
from bot.careplan.model import CarePlan, PlanNotFound, PlanStatus
from bot.services.delivery import deliver_first
from bot.services.versions import stored_plan
from bot.store.database import Database
from bot.store.unit_of_work import unit_of_work


def get_plan(db: Database, conversation_id: str, *, practice_id: str) -> CarePlan | None:
    """A practice's plan for a conversation, if there is one."""
    deliver_first(db)
    return stored_plan(db, conversation_id, practice_id=practice_id)


def list_plans(
    db: Database, status: PlanStatus | str | None = None, practice_id: str | None = None
) -> list[CarePlan]:
    """Plans, most recently updated first."""
    status = PlanStatus(status) if status is not None else None
    deliver_first(db)
    with unit_of_work(db) as work:
        return work.plans.list(status=status, practice_id=practice_id)


def plan_history(db: Database, conversation_id: str, *, practice_id: str) -> list[CarePlan]:
    """Every kept version of a practice's plan for a conversation, oldest first."""
    deliver_first(db)
    with unit_of_work(db) as work:
        plan = work.plans.get_by_conversation(conversation_id, practice_id=practice_id)
        if plan is None or plan.id is None:
            raise PlanNotFound(f"no plan for conversation {conversation_id!r} at practice {practice_id!r}")
        return [plan_from_dict(snapshot) for snapshot in work.plans.versions(plan.id)]
