"""A plan's next version, built from a draft and stored with its audit entries: the one way
drafts, risk flags and the outbox's deliveries write a conversation's plan."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime

from bot.careplan.audit import drafted
from bot.careplan.model import CarePlan, CommunitySuggestion, PlanStatus
from bot.careplan.review import KEPT_ON_REDRAFT
from bot.careplan.suggestions import merge_suggestions
from bot.clock import utc
from bot.directory.plans import community_suggestions
from bot.store.database import Database
from bot.store.unit_of_work import Conflict, UnitOfWork, unit_of_work


def stored_plan(db: Database, conversation_id: str, *, practice_id: str) -> CarePlan | None:
    """A practice's plan for a conversation as stored, if there is one (nothing delivered first)."""
    with unit_of_work(db) as work:
        return work.plans.get_by_conversation(conversation_id, practice_id=practice_id)


def merged_flags(*lists: list[dict]) -> list[dict]:
    """Risk flags, in order, each once."""
    merged: list[dict] = []
    for flags in lists:
        for flag in flags or []:
            if flag not in merged:
                merged.append(copy.deepcopy(flag))
    return merged


def store_draft(db: Database, plan: CarePlan, now: datetime | None, *, suggest: bool = True) -> CarePlan:
    """Store the plan's next version. With `suggest`, its community suggestions are worked out
    from the practice's directory; a risk flag's write does not wait for that (it keeps them)."""
    now = utc(now)
    try:
        return _draft_once(db, plan, now, suggest)
    except Conflict:
        # Another process stored this conversation's plan (or version) between our
        # read and our write: build on what it stored.
        return _draft_once(db, plan, now, suggest)


def _draft_once(db: Database, plan: CarePlan, now: datetime, suggest: bool) -> CarePlan:
    """One try at storing the draft as the conversation's next version, with its audit entries."""
    with unit_of_work(db) as work:
        # Before the plan's row is locked: the matching reads only this draft's words.
        fresh = community_suggestions(plan, work.active_services(plan.practice_id)) if suggest else None
        previous = work.plans.get_by_conversation(
            plan.conversation_id, practice_id=plan.practice_id, for_update=True
        )
        if previous is not None and not _has_snapshot(work, previous):
            work.plans.add_version(previous)  # e.g. stored by hand, without a snapshot
        stored = _drafted_version(previous, plan, now, fresh)
        # The audit entries show a reviewer what the person changed.
        return work.save_version(stored, lambda saved: drafted(previous, saved, now))


def _has_snapshot(work: UnitOfWork, plan: CarePlan) -> bool:
    """Whether the stored plan's version has its snapshot (nothing to keep without an id): a re-draft
    never loses the version before it."""
    return plan.id is None or work.plans.has_version(plan.id, plan.version)


def _drafted_version(
    previous: CarePlan | None, plan: CarePlan, now: datetime, fresh: list[CommunitySuggestion] | None
) -> CarePlan:
    """The draft as the conversation's next version. Professionals' statuses are kept for services
    still suggested (and for any they marked); `fresh` None keeps the stored plan's as they are."""
    stored = _first_version(plan, now) if previous is None else _next_version(previous, plan, now)
    kept = previous.community_suggestions if previous is not None else []
    stored.community_suggestions = merge_suggestions(kept, fresh)
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
