"""What the product does with plans, for the Rasa actions, the CLI and the web console.

Each function is one unit of work (one transaction). Entrypoints call these
and never touch the repositories or SQL themselves.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from bot.careplan.exports import plan_from_dict
from bot.careplan.model import CarePlan, Consent, PlanNotFound, PlanStatus
from bot.careplan.review import KEPT_ON_REDRAFT, drafted
from bot.safety.risk import RiskFlag
from bot.store.audit import AuditRepository
from bot.store.database import Database
from bot.store.repository import ConsentRepository, PlanRepository

__all__ = [
    "PlanNotFound",
    "delete_conversation_data",
    "draft_plan",
    "flag_risk",
    "get_plan",
    "latest_consent",
    "list_plans",
    "plan_history",
    "record_consent",
    "request_handoff",
]


def draft_plan(db: Database, plan: CarePlan, *, now: datetime | None = None) -> CarePlan:
    """Store the plan the person has just confirmed, and return it as stored.

    The first plan of a conversation becomes version 1; confirming again
    updates the same plan as the next version. Every version's snapshot is
    kept, so nothing the person said is ever lost. The caller's plan is not
    changed.
    """
    now = _utc(now)
    try:
        return _draft_once(db, plan, now)
    except IntegrityError:
        # Another process stored this conversation's plan (or version) between our
        # read and our write: build on what it stored.
        return _draft_once(db, plan, now)


def record_consent(
    db: Database, conversation_id: str, given: bool, wording: str, *, now: datetime | None = None
) -> Consent:
    """Keep the person's answer to the consent question with the exact wording they saw."""
    with db.session() as session:
        return ConsentRepository(session).record(conversation_id, given, wording, _utc(now))


def latest_consent(db: Database, conversation_id: str) -> Consent | None:
    """The consent answer in force for a conversation, if it has been asked."""
    with db.session() as session:
        return ConsentRepository(session).latest(conversation_id)


def flag_risk(db: Database, plan: CarePlan, flag: RiskFlag, *, now: datetime | None = None) -> CarePlan:
    """A disclosure of risk: the plan as it stands is written at once, for urgent
    review, with this flag added to any earlier ones, even mid-conversation."""
    earlier = get_plan(db, plan.conversation_id)
    flags = [*(earlier.risk_flags if earlier else []), flag.as_dict()]
    return draft_plan(db, replace(plan, risk_flags=flags, status=PlanStatus.URGENT_REVIEW), now=now)


def request_handoff(db: Database, plan: CarePlan, *, now: datetime | None = None) -> CarePlan:
    """The person asked to talk to a person: the plan as it stands says so."""
    return draft_plan(db, replace(plan, handoff_requested=True), now=now)


def delete_conversation_data(db: Database, conversation_id: str) -> None:
    """The person asked to delete their answers: their plan, every version and consent record go."""
    with db.session() as session:
        PlanRepository(session).delete_conversation(conversation_id)
        ConsentRepository(session).delete_conversation(conversation_id)


def get_plan(db: Database, conversation_id: str) -> CarePlan | None:
    with db.session() as session:
        return PlanRepository(session).get_by_conversation(conversation_id)


def list_plans(
    db: Database, status: PlanStatus | str | None = None, practice_id: str | None = None
) -> list[CarePlan]:
    """Plans, most recently updated first."""
    status = PlanStatus(status) if status is not None else None
    with db.session() as session:
        return PlanRepository(session).list(status=status, practice_id=practice_id)


def plan_history(db: Database, conversation_id: str) -> list[CarePlan]:
    """Every kept version of a conversation's plan, oldest first."""
    with db.session() as session:
        plans = PlanRepository(session)
        plan = plans.get_by_conversation(conversation_id)
        if plan is None or plan.id is None:
            raise PlanNotFound(f"no plan for conversation {conversation_id!r}")
        return [plan_from_dict(snapshot) for snapshot in plans.versions(plan.id)]


def _draft_once(db: Database, plan: CarePlan, now: datetime) -> CarePlan:
    with db.session() as session:
        plans = PlanRepository(session)
        previous = plans.get_by_conversation(plan.conversation_id, for_update=True)
        if previous is None:
            stored = _first_version(plan, now)
            plans.add(stored)
        else:
            if previous.id is not None and not plans.has_version(previous.id, previous.version):
                plans.add_version(previous)  # e.g. stored by hand, without a snapshot
            stored = _next_version(previous, plan, now)
            plans.update(stored)
        plans.add_version(stored)
        audit = AuditRepository(session)
        for entry in drafted(previous, stored, now):  # so a reviewer sees what the person changed
            audit.add(entry)
        return stored


def _first_version(plan: CarePlan, now: datetime) -> CarePlan:
    return replace(
        copy.deepcopy(plan),
        id=None,
        version=1,
        status=_draft_status(plan, None),
        created_at=now,
        updated_at=now,
    )


def _next_version(previous: CarePlan, plan: CarePlan, now: datetime) -> CarePlan:
    # A re-drafted plan is built afresh from the conversation: what was flagged
    # earlier must not vanish just because this draft does not repeat it.
    return replace(
        copy.deepcopy(plan),
        id=previous.id,
        version=previous.version + 1,
        status=_draft_status(plan, previous),
        risk_flags=copy.deepcopy(plan.risk_flags or previous.risk_flags),
        handoff_requested=plan.handoff_requested or previous.handoff_requested,
        created_at=previous.created_at,
        updated_at=now,
        # What professionals added in the review console is kept; an approval is not:
        # the person changed their words, so the plan needs reviewing again.
        **{name: copy.deepcopy(getattr(previous, name)) for name in KEPT_ON_REDRAFT},
    )


def _draft_status(plan: CarePlan, previous: CarePlan | None) -> PlanStatus:
    """The assistant only writes drafts, but never downgrades an urgent review."""
    statuses = {plan.status, previous.status if previous else None}
    return PlanStatus.URGENT_REVIEW if PlanStatus.URGENT_REVIEW in statuses else PlanStatus.DRAFT


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(timezone.utc)
