"""Reviewing a draft plan: who may do what, and what each change does to the plan.

Pure functions over plain objects. Each change returns the plan's next version
and one audit entry per field it changed (the value before and after, as in
`plan_to_dict`). The service layer stores both; nothing here knows about SQL
or the web.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.careplan.accounts import Actor, ActorKind, Permission
from bot.careplan.audit import AuditAction, AuditEntry, entries_between
from bot.careplan.errors import InvalidEdit, InvalidTransition, NotAllowed
from bot.careplan.exports import plan_to_dict
from bot.careplan.interview import SECTIONS
from bot.careplan.model import (
    Approval,
    CarePlan,
    CommunitySuggestion,
    PlanStatus,
    ProfessionalNote,
    SuggestionStatus,
)
from bot.careplan.validation import clean_value, required_text


@dataclass(frozen=True)
class Change:
    """A plan's next version and the audit entries that explain it."""

    plan: CarePlan
    entries: list[AuditEntry]


# What a professional may change, by the plan's field name (as in `plan_to_dict`).
EDITABLE_FIELDS = (
    "patient_name",
    "nhs_number",
    *SECTIONS,
    "agreed_actions",
    "care_coordinator",
    "review_date",
)
# What a professional added that a new draft from the conversation must not wipe out.
KEPT_ON_REDRAFT = ("patient_name", "nhs_number", "notes", "agreed_actions", "care_coordinator", "review_date")


def edit(plan: CarePlan, changes: Mapping[str, Any], actor: Actor, now: datetime) -> Change:
    """Change some of the plan's sections; values are domain objects (lists of `Goal`, a `date`...).

    Fields given with the value they already have are left out of the audit.
    Editing reopens an approved or returned plan for review; an urgent review
    stays urgent until someone decides on it.
    """
    require(actor, Permission.EDIT)
    if not changes:
        raise InvalidEdit("Nothing to change.")
    cleaned = {name: _cleaned(name, value, plan, now) for name, value in changes.items()}
    edited = replace(copy.deepcopy(plan), **cleaned)
    if plan_to_dict(edited) == plan_to_dict(plan):
        raise InvalidEdit("Nothing changed: the plan already says that.")
    if plan.status != PlanStatus.URGENT_REVIEW:
        edited = replace(edited, status=PlanStatus.IN_REVIEW, approval=None, return_reason=None)
    return _next_version(plan, edited, AuditAction.EDITED, actor, now)


def add_note(plan: CarePlan, text: str, actor: Actor, now: datetime) -> Change:
    """A professional's note, kept with their name; the plan's status does not change."""
    require(actor, Permission.EDIT)
    text = required_text("note", text)
    note = ProfessionalNote(text=text, author=actor.name, written_at=now)
    noted = replace(copy.deepcopy(plan), notes=[*copy.deepcopy(plan.notes), note])
    return _next_version(plan, noted, AuditAction.NOTE_ADDED, actor, now)


def mark_suggestion(
    plan: CarePlan, service_id: str, status: SuggestionStatus | str, actor: Actor, now: datetime
) -> Change:
    """A professional marks a community suggestion offered, referred or declined.

    Like a note, it does not change the plan's status: it records what was done with the person.
    """
    require(actor, Permission.EDIT)
    try:
        status = SuggestionStatus(status)
    except ValueError:
        status = None
    if status is None or status == SuggestionStatus.SUGGESTED:
        raise InvalidEdit("Mark a suggestion offered, referred or declined.")
    suggestions = copy.deepcopy(plan.community_suggestions)
    found = [s for s in suggestions if s.service_id == service_id]
    if not found:
        raise InvalidEdit("That service is not among this plan's community suggestions: reload the page.")
    if found[0].status == status:
        raise InvalidEdit(f"{found[0].name} is already marked {status.value}.")
    found[0].status = status
    marked = replace(copy.deepcopy(plan), community_suggestions=suggestions)
    return _next_version(plan, marked, AuditAction.EDITED, actor, now)


MAX_SUGGESTIONS = 20


def add_suggestion(plan: CarePlan, suggestion: CommunitySuggestion, actor: Actor, now: datetime) -> Change:
    """A professional adds a service from the practice's directory to discuss; it stays on the plan."""
    require(actor, Permission.EDIT)
    if any(s.service_id == suggestion.service_id for s in plan.community_suggestions):
        raise InvalidEdit(f"{suggestion.name} is already in the plan's community support.")
    if len(plan.community_suggestions) >= MAX_SUGGESTIONS:
        raise InvalidEdit(f"A plan can have at most {MAX_SUGGESTIONS} community suggestions.")
    added = replace(suggestion, status=SuggestionStatus.SUGGESTED, added_by=actor.name)
    changed = replace(
        copy.deepcopy(plan), community_suggestions=[*copy.deepcopy(plan.community_suggestions), added]
    )
    return _next_version(plan, changed, AuditAction.EDITED, actor, now)


def merge_suggestions(
    previous: list[CommunitySuggestion], fresh: list[CommunitySuggestion] | None
) -> list[CommunitySuggestion]:
    """The suggestions worked out again (`fresh`, best first), keeping what professionals decided.

    A service suggested again keeps the status a professional gave it. One no longer suggested
    goes, unless a professional marked it (offered, referred, declined) or added it: that
    decision stays on the plan. `fresh` None (the matching failed) keeps the previous suggestions
    as they were.
    """
    if fresh is None:
        return copy.deepcopy(previous)
    earlier = {s.service_id: s for s in previous}
    merged = [_kept(s, earlier[s.service_id]) if s.service_id in earlier else replace(s) for s in fresh]
    again = {s.service_id for s in fresh}
    decided = [
        replace(s)
        for s in previous
        if s.service_id not in again and (s.status != SuggestionStatus.SUGGESTED or s.added_by)
    ]
    return merged + decided


def _kept(fresh: CommunitySuggestion, earlier: CommunitySuggestion) -> CommunitySuggestion:
    """A service suggested again: today's words for it, and what professionals did with it."""
    if earlier.added_by:
        return replace(earlier)  # a professional's choice, with their reason
    return replace(fresh, status=earlier.status)


def with_suggestions(
    before: CarePlan, change: Change, fresh: list[CommunitySuggestion] | None, actor: Actor, now: datetime
) -> Change:
    """A change with the plan's community suggestions worked out again, and audited with it."""
    merged = merge_suggestions(change.plan.community_suggestions, fresh)
    plan = replace(change.plan, community_suggestions=merged)
    action = change.entries[0].action if change.entries else AuditAction.EDITED
    return Change(plan=plan, entries=entries_between(before, plan, action, actor, now))


def approve(plan: CarePlan, actor: Actor, now: datetime) -> Change:
    """A named professional signs the plan off; it needs a care coordinator and a review date first."""
    require(actor, Permission.DECIDE)
    if plan.status == PlanStatus.APPROVED:
        raise InvalidTransition("This plan is already approved.")
    missing = _missing_for_approval(plan)
    if missing:
        raise InvalidTransition(f"Before approving, set {' and '.join(missing)}.")
    approval = Approval(by=actor.name, role=actor.role, at=now, user_id=actor.id)
    approved = replace(copy.deepcopy(plan), status=PlanStatus.APPROVED, approval=approval, return_reason=None)
    return _next_version(plan, approved, AuditAction.APPROVED, actor, now)


def return_for_changes(plan: CarePlan, reason: str, actor: Actor, now: datetime) -> Change:
    """Send the plan back with a reason, e.g. to talk it through with the person again."""
    require(actor, Permission.DECIDE)
    if plan.status == PlanStatus.APPROVED:
        raise InvalidTransition("This plan is approved: edit it to reopen it before returning it.")
    if plan.status == PlanStatus.RETURNED:
        raise InvalidTransition("This plan has already been returned.")
    reason = required_text("reason", reason)
    returned = replace(copy.deepcopy(plan), status=PlanStatus.RETURNED, return_reason=reason)
    return _next_version(plan, returned, AuditAction.RETURNED, actor, now)


def require(actor: Actor, permission: Permission) -> None:
    """Raise `NotAllowed`, saying why, unless the actor has the permission."""
    if not actor.can(permission):
        doing = {
            Permission.VIEW: "see plans",
            Permission.EDIT: "change plans",
            Permission.DECIDE: "approve or return plans",
        }[permission]
        who = f"a {actor.role} token" if actor.kind == ActorKind.TOKEN else f"the {actor.role} role"
        raise NotAllowed(f"{who[0].upper()}{who[1:]} cannot {doing}.")


def _missing_for_approval(plan: CarePlan) -> list[str]:
    """NHS England's criteria: a plan names its care coordinator and when it will be reviewed."""
    needed = {"a named care coordinator": plan.care_coordinator, "a review date": plan.review_date}
    return [label for label, value in needed.items() if not value]


def _next_version(
    before: CarePlan, after: CarePlan, action: AuditAction, actor: Actor, now: datetime
) -> Change:
    if before.id is None:
        raise InvalidEdit("The plan has not been stored yet.")
    after = replace(after, version=before.version + 1, updated_at=now)
    return Change(plan=after, entries=entries_between(before, after, action, actor, now))


def _cleaned(name: str, value: Any, plan: CarePlan, now: datetime) -> Any:
    if name not in EDITABLE_FIELDS:
        raise InvalidEdit(f"{name!r} cannot be edited; editable: {', '.join(EDITABLE_FIELDS)}.")
    return clean_value(name, value, plan, now)
