"""Reviewing plans in the console and the API: the service layer beside `bot.services`.

Every function takes the `Actor` making the request and only ever sees that
actor's practice: a plan of another practice is `PlanNotFound`, exactly as
if it did not exist. Every change is one transaction that stores the plan's
next version, its snapshot and its audit entries together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.careplan import review, suggestions
from bot.careplan.accounts import Actor, Permission
from bot.careplan.audit import AuditEntry
from bot.careplan.errors import InvalidEdit, VersionConflict
from bot.careplan.model import CarePlan, PlanNotFound, PlanStatus, SuggestionStatus
from bot.careplan.review import Change
from bot.careplan.transcripts import TranscriptLine
from bot.clock import utc
from bot.directory import plans as plans_from_directory
from bot.directory.model import Service
from bot.directory.plans import community_suggestions
from bot.store.database import Database
from bot.store.plans import PlanRepository, PlanSearch
from bot.store.transcripts import TranscriptReader
from bot.store.unit_of_work import Conflict, unit_of_work

__all__ = [
    "Inbox",
    "PlanSearch",
    "add_note",
    "add_suggestion",
    "approve_plan",
    "audit_trail",
    "edit_plan",
    "find_services",
    "inbox",
    "mark_suggestion",
    "plan_for_review",
    "return_plan",
    "transcript",
]


@dataclass(frozen=True)
class Inbox:
    """One page of plans, how many match in all, and how many the practice has of each status."""

    plans: list[CarePlan]
    total: int
    counts: dict[PlanStatus, int]


# --- Reading ----------------------------------------------------------------------------------------


def inbox(db: Database, actor: Actor, search: PlanSearch) -> Inbox:
    review.require(actor, Permission.VIEW)
    with unit_of_work(db) as work:
        found, total = work.plans.search(actor.practice_id, search)
        return Inbox(found, total, work.plans.count_by_status(actor.practice_id))


def plan_for_review(db: Database, actor: Actor, plan_id: int) -> CarePlan:
    review.require(actor, Permission.VIEW)
    with unit_of_work(db) as work:
        return _practice_plan(work.plans, actor, plan_id)


def audit_trail(db: Database, actor: Actor, plan_id: int) -> list[AuditEntry]:
    """Who changed what in the plan, newest first."""
    review.require(actor, Permission.VIEW)
    with unit_of_work(db) as work:
        _practice_plan(work.plans, actor, plan_id)
        return work.audit.for_plan(plan_id)


def transcript(db: Database, reader: TranscriptReader, actor: Actor, plan_id: int) -> list[TranscriptLine]:
    """The conversation the plan came from, read from Rasa's tracker store."""
    plan = plan_for_review(db, actor, plan_id)
    return reader.read(plan.conversation_id, plan.practice_id)  # the plan's own practice's conversation


# --- Changing ---------------------------------------------------------------------------------------


def edit_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CarePlan:
    """Change sections of the plan (see `review.EDITABLE_FIELDS`); returns the new version.

    The plan's community suggestions are worked out again from its words as edited, keeping
    the statuses professionals gave them.
    """
    moment = utc(now)

    def make_change(plan: CarePlan, directory: list[Service]) -> Change:
        change = review.edit(plan, changes, actor, moment)
        fresh = community_suggestions(change.plan, directory)
        return suggestions.with_suggestions(plan, change, fresh, actor, moment)

    return _change(db, actor, plan_id, expected_version, make_change, with_directory=True)


def find_services(db: Database, actor: Actor, words: str) -> list[Service]:
    """The practice's services that fit a professional's search, to add to a plan."""
    review.require(actor, Permission.EDIT)
    with unit_of_work(db) as work:
        services = work.active_services(actor.practice_id)
    return plans_from_directory.find_services(words, services)


def add_suggestion(
    db: Database,
    actor: Actor,
    plan_id: int,
    service_id: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CarePlan:
    """Add a service from the practice's directory to the plan's community support: a new version."""
    moment = utc(now)

    def make_change(plan: CarePlan, directory: list[Service]) -> Change:
        found = [s for s in directory if s.service_id == service_id and s.fits_age(None)]
        if not found:
            raise InvalidEdit("That service is not in the practice's directory, or is not running.")
        suggestion = plans_from_directory.from_service(found[0], f"Added from the directory by {actor.name}")
        return suggestions.add_suggestion(plan, suggestion, actor, moment)

    return _change(db, actor, plan_id, expected_version, make_change, with_directory=True)


def mark_suggestion(
    db: Database,
    actor: Actor,
    plan_id: int,
    service_id: str,
    status: SuggestionStatus | str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CarePlan:
    """Mark one of the plan's community suggestions offered, referred or declined: a new version."""
    moment = utc(now)
    return _change(
        db,
        actor,
        plan_id,
        expected_version,
        lambda p: suggestions.mark_suggestion(p, service_id, status, actor, moment),
    )


def add_note(
    db: Database,
    actor: Actor,
    plan_id: int,
    text: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CarePlan:
    moment = utc(now)
    return _change(db, actor, plan_id, expected_version, lambda p: review.add_note(p, text, actor, moment))


def approve_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CarePlan:
    moment = utc(now)
    return _change(db, actor, plan_id, expected_version, lambda p: review.approve(p, actor, moment))


def return_plan(
    db: Database,
    actor: Actor,
    plan_id: int,
    reason: str,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CarePlan:
    moment = utc(now)
    return _change(
        db, actor, plan_id, expected_version, lambda p: review.return_for_changes(p, reason, actor, moment)
    )


def _change(
    db: Database,
    actor: Actor,
    plan_id: int,
    expected_version: int | None,
    make_change: Callable[..., Change],
    *,
    with_directory: bool = False,
) -> CarePlan:
    """`make_change(plan)`; with `with_directory`, `make_change(plan, the practice's active services)`.
    The change is stored as the plan's next version with its audit entries, as a draft is."""
    try:
        with unit_of_work(db) as work:
            directory = work.active_services(actor.practice_id) if with_directory else []
            plan = _practice_plan(work.plans, actor, plan_id, for_update=True)
            if expected_version is not None and expected_version != plan.version:
                raise _conflict(plan.version)
            change = make_change(plan, directory) if with_directory else make_change(plan)
            return work.save_version(change.plan, lambda _saved: change.entries)
    except Conflict as error:
        # SQLite has no row locks: another change took this version number first.
        raise _conflict(None) from error


def _practice_plan(
    plans: PlanRepository, actor: Actor, plan_id: int, *, for_update: bool = False
) -> CarePlan:
    plan = plans.get(plan_id, practice_id=actor.practice_id, for_update=for_update)
    if plan is None:
        raise PlanNotFound(f"There is no plan {plan_id}.")
    return plan


def _conflict(current_version: int | None) -> VersionConflict:
    now_at = f" (it is now at version {current_version})" if current_version else ""
    return VersionConflict(
        f"Someone else changed this plan since you opened it{now_at}: reload it and try again."
    )
