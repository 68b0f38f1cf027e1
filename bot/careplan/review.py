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
from bot.careplan.codec import plan_to_dict
from bot.careplan.errors import InvalidEdit, InvalidTransition, NotAllowed
from bot.careplan.interview import SECTIONS
from bot.careplan.model import Approval, CarePlan, PlanStatus, ProfessionalNote
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
    return next_version(plan, edited, AuditAction.EDITED, actor, now)


def add_note(plan: CarePlan, text: str, actor: Actor, now: datetime) -> Change:
    """A professional's note, kept with their name; the plan's status does not change."""
    require(actor, Permission.EDIT)
    text = required_text("note", text)
    note = ProfessionalNote(text=text, author=actor.name, written_at=now)
    noted = replace(copy.deepcopy(plan), notes=[*copy.deepcopy(plan.notes), note])
    return next_version(plan, noted, AuditAction.NOTE_ADDED, actor, now)


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
    return next_version(plan, approved, AuditAction.APPROVED, actor, now)


def return_for_changes(plan: CarePlan, reason: str, actor: Actor, now: datetime) -> Change:
    """Send the plan back with a reason, e.g. to talk it through with the person again."""
    require(actor, Permission.DECIDE)
    if plan.status == PlanStatus.APPROVED:
        raise InvalidTransition("This plan is approved: edit it to reopen it before returning it.")
    if plan.status == PlanStatus.RETURNED:
        raise InvalidTransition("This plan has already been returned.")
    reason = required_text("reason", reason)
    returned = replace(copy.deepcopy(plan), status=PlanStatus.RETURNED, return_reason=reason)
    return next_version(plan, returned, AuditAction.RETURNED, actor, now)


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


def next_version(
    before: CarePlan, after: CarePlan, action: AuditAction, actor: Actor, now: datetime
) -> Change:
    """The change that makes `after` the version following `before`, with its audit entries."""
    if before.id is None:
        raise InvalidEdit("The plan has not been stored yet.")
    after = replace(after, version=before.version + 1, updated_at=now)
    return Change(plan=after, entries=entries_between(before, after, action, actor, now))


def _cleaned(name: str, value: Any, plan: CarePlan, now: datetime) -> Any:
    if name not in EDITABLE_FIELDS:
        raise InvalidEdit(f"{name!r} cannot be edited; editable: {', '.join(EDITABLE_FIELDS)}.")
    return clean_value(name, value, plan, now)
