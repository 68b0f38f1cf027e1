"""The audit trail of a plan: one entry per field a change moved, saying who, when, before and after."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.careplan.accounts import Actor, ActorKind
from bot.careplan.codec import plan_to_dict
from bot.careplan.errors import InvalidEdit
from bot.careplan.model import CarePlan


class AuditAction(str, enum.Enum):
    DRAFTED = "drafted"
    EDITED = "edited"
    NOTE_ADDED = "note_added"
    APPROVED = "approved"
    RETURNED = "returned"


@dataclass(frozen=True)
class AuditEntry:
    """Who changed what in which version of a plan, and when; `before` and `after` are JSON values."""

    plan_id: int
    plan_version: int
    action: AuditAction
    actor_kind: ActorKind
    actor_name: str
    at: datetime
    field: str | None = None
    before: Any = None
    after: Any = None
    actor_id: int | None = None
    id: int | None = None


def drafted(previous: CarePlan | None, plan: CarePlan, now: datetime) -> list[AuditEntry]:
    """The assistant's draft as audit entries: one for a first draft; for a re-draft (the person
    confirmed changes, or a risk was flagged) one per field that changed."""
    assistant = Actor.assistant(plan.practice_id)
    if previous is None:
        return [entry(plan, AuditAction.DRAFTED, assistant, now)]
    return entries_between(previous, plan, AuditAction.DRAFTED, assistant, now)


# Fields every change moves on, which would only clutter the audit.
_BOOKKEEPING = {"version", "updated_at"}


def entries_between(
    before: CarePlan, after: CarePlan, action: AuditAction, actor: Actor, now: datetime
) -> list[AuditEntry]:
    """One entry per field that differs between two versions, with its value before and after."""
    old, new = plan_to_dict(before), plan_to_dict(after)
    changed = [name for name in old if name not in _BOOKKEEPING and old[name] != new[name]]
    return [entry(after, action, actor, now, name, old[name], new[name]) for name in changed]


def entry(
    plan: CarePlan,
    action: AuditAction,
    actor: Actor,
    now: datetime,
    field: str | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """One entry for the plan's version as it is now; `field` None for the plan as a whole."""
    if plan.id is None:
        raise InvalidEdit("The plan has not been stored yet.")
    return AuditEntry(
        plan_id=plan.id,
        plan_version=plan.version,
        action=action,
        actor_kind=actor.kind,
        actor_name=actor.name,
        actor_id=actor.id,
        at=now,
        field=field,
        before=before,
        after=after,
    )
