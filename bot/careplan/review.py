"""Reviewing a draft plan: who may do what, and what each change does to the plan.

Pure functions over plain objects. Each change returns the plan's next version
and one audit entry per field it changed (the value before and after, as in
`plan_to_dict`). The service layer stores both; nothing here knows about SQL
or the web.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from bot.careplan.codec import plan_to_dict
from bot.careplan.interview import SECTIONS
from bot.careplan.model import (
    AgreedAction,
    Approval,
    CarePlan,
    CommunitySuggestion,
    Goal,
    PlanStatus,
    ProfessionalNote,
    SuggestionStatus,
    Support,
)

MAX_TEXT_LENGTH = 20_000  # far more than anyone types; stops a form from filling the database
MAX_SHORT_TEXT_LENGTH = 200  # names, roles, owners
MAX_GOALS = 10
MAX_AGREED_ACTIONS = 20


# --- People and what they may do ------------------------------------------------------------------


class Role(str, enum.Enum):
    CLINICIAN = "clinician"  # GP, nurse, pharmacist
    COACH = "coach"  # health and wellbeing coach, social prescribing link worker
    ADMIN = "admin"  # practice administrator: manages the console, makes no clinical decisions


class Permission(str, enum.Enum):
    VIEW = "view"
    EDIT = "edit"  # sections, notes, agreed actions, care coordinator, review date
    DECIDE = "decide"  # approve, or return with a reason: only a named professional


class TokenScope(str, enum.Enum):
    """What a system holding an API token may do. A system never approves: a person does."""

    READ = "read"
    WRITE = "write"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset(Permission),
    Role.COACH: frozenset(Permission),
    Role.ADMIN: frozenset({Permission.VIEW}),
}
SCOPE_PERMISSIONS: dict[TokenScope, frozenset[Permission]] = {
    TokenScope.READ: frozenset({Permission.VIEW}),
    TokenScope.WRITE: frozenset({Permission.VIEW, Permission.EDIT}),
}


@dataclass
class User:
    """A professional (or administrator) at one practice."""

    email: str
    name: str
    role: Role
    practice_id: str
    password_hash: str = field(repr=False)
    active: bool = True
    id: int | None = None
    created_at: datetime | None = None


@dataclass
class ApiToken:
    """A system's key to the API. Only a hash of the token itself is ever kept."""

    name: str
    practice_id: str
    scope: TokenScope
    token_hash: str = field(repr=False)
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class SignIn:
    """One attempt to sign in to the console, kept for the audit and the throttle; never the password.

    `email` is the name as typed (lower-case) only if it looks like an email address: a
    password typed into the wrong box must not be kept either. `address` is the client's.
    """

    at: datetime
    address: str
    succeeded: bool
    email: str | None = None
    user_id: int | None = None
    id: int | None = None


class ActorKind(str, enum.Enum):
    USER = "user"
    TOKEN = "token"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Actor:
    """Whoever is making a request: a signed-in user, a system with a token, or the assistant."""

    kind: ActorKind
    name: str
    practice_id: str
    role: str  # a Role's value, a token's scope, or "assistant"
    permissions: frozenset[Permission]
    id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        permissions = ROLE_PERMISSIONS[user.role]
        return cls(ActorKind.USER, user.name, user.practice_id, user.role.value, permissions, user.id)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        permissions = SCOPE_PERMISSIONS[token.scope]
        return cls(ActorKind.TOKEN, token.name, token.practice_id, token.scope.value, permissions, token.id)

    @classmethod
    def assistant(cls, practice_id: str) -> Actor:
        return cls(ActorKind.ASSISTANT, "What Matters assistant", practice_id, "assistant", frozenset())

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


# --- Errors -----------------------------------------------------------------------------------------


class ReviewError(Exception):
    """A change that cannot be made; the message says why, in words for the professional."""


class NotAllowed(ReviewError):
    """The actor's role or token does not allow this."""


class InvalidEdit(ReviewError):
    """A value that cannot go into a plan (too long, not a date, a confidence of 11...)."""


class InvalidTransition(ReviewError):
    """The plan's status does not allow this now (e.g. approving an approved plan)."""


class VersionConflict(ReviewError):
    """Someone else changed the plan since this change was prepared."""


# --- The audit trail --------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Change:
    """A plan's next version and the audit entries that explain it."""

    plan: CarePlan
    entries: list[AuditEntry]


@dataclass(frozen=True)
class TranscriptLine:
    """One message of the conversation, as the person or the assistant wrote it."""

    speaker: str  # "person" or "assistant"
    text: str
    at: datetime


# --- Changes ----------------------------------------------------------------------------------------

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
_QUESTION_SECTIONS = ("what_matters", "strengths", "concerns")
_SHORT_TEXT_FIELDS = ("patient_name", "care_coordinator")
_LONG_TEXT_FIELDS = ("contact_preferences", "accessibility", "share_with", "contingency")


def edit(plan: CarePlan, changes: Mapping[str, Any], actor: Actor, now: datetime) -> Change:
    """Change some of the plan's sections; values are domain objects (lists of `Goal`, a `date`...).

    Fields given with the value they already have are left out of the audit.
    Editing reopens an approved or returned plan for review; an urgent review
    stays urgent until someone decides on it.
    """
    require(actor, Permission.EDIT)
    if not changes:
        raise InvalidEdit("Nothing to change.")
    cleaned = {name: _clean(name, value, plan, now) for name, value in changes.items()}
    edited = replace(copy.deepcopy(plan), **cleaned)
    if plan_to_dict(edited) == plan_to_dict(plan):
        raise InvalidEdit("Nothing changed: the plan already says that.")
    if plan.status != PlanStatus.URGENT_REVIEW:
        edited = replace(edited, status=PlanStatus.IN_REVIEW, approval=None, return_reason=None)
    return _next_version(plan, edited, AuditAction.EDITED, actor, now)


def add_note(plan: CarePlan, text: str, actor: Actor, now: datetime) -> Change:
    """A professional's note, kept with their name; the plan's status does not change."""
    require(actor, Permission.EDIT)
    text = _required_text("note", text)
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
    return Change(plan=plan, entries=_entries(before, plan, action, actor, now))


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
    reason = _required_text("reason", reason)
    returned = replace(copy.deepcopy(plan), status=PlanStatus.RETURNED, return_reason=reason)
    return _next_version(plan, returned, AuditAction.RETURNED, actor, now)


def drafted(previous: CarePlan | None, plan: CarePlan, now: datetime) -> list[AuditEntry]:
    """The assistant's draft as audit entries: one for a first draft; for a re-draft (the person
    confirmed changes, or a risk was flagged) one per field that changed."""
    assistant = Actor.assistant(plan.practice_id)
    if previous is None:
        return [_entry(plan, AuditAction.DRAFTED, assistant, now)]
    return _entries(previous, plan, AuditAction.DRAFTED, assistant, now)


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


# Fields every change moves on, which would only clutter the audit.
_BOOKKEEPING = {"version", "updated_at"}


def _next_version(
    before: CarePlan, after: CarePlan, action: AuditAction, actor: Actor, now: datetime
) -> Change:
    if before.id is None:
        raise InvalidEdit("The plan has not been stored yet.")
    after = replace(after, version=before.version + 1, updated_at=now)
    return Change(plan=after, entries=_entries(before, after, action, actor, now))


def _entries(
    before: CarePlan, after: CarePlan, action: AuditAction, actor: Actor, now: datetime
) -> list[AuditEntry]:
    """One entry per field that differs between two versions, with its value before and after."""
    old, new = plan_to_dict(before), plan_to_dict(after)
    changed = [name for name in old if name not in _BOOKKEEPING and old[name] != new[name]]
    return [_entry(after, action, actor, now, name, old[name], new[name]) for name in changed]


def _entry(
    plan: CarePlan,
    action: AuditAction,
    actor: Actor,
    now: datetime,
    field: str | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
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


# --- Checking values --------------------------------------------------------------------------------


def _clean(name: str, value: Any, plan: CarePlan, now: datetime) -> Any:
    if name not in EDITABLE_FIELDS:
        raise InvalidEdit(f"{name!r} cannot be edited; editable: {', '.join(EDITABLE_FIELDS)}.")
    if name in _QUESTION_SECTIONS:
        return _clean_section(name, value, getattr(plan, name))
    if name in _SHORT_TEXT_FIELDS:
        return _optional_text(name, value, MAX_SHORT_TEXT_LENGTH)
    if name in _LONG_TEXT_FIELDS:
        return _optional_text(name, value, MAX_TEXT_LENGTH)
    cleaners = {
        "nhs_number": lambda: clean_nhs_number(value),
        "goals": lambda: _clean_goals(value),
        "support": lambda: _clean_support(value),
        "agreed_actions": lambda: _clean_actions(value),
        "review_date": lambda: _clean_review_date(value, now),
    }
    return cleaners[name]()


def _clean_section(name: str, value: Any, current: Mapping[str, str | None]) -> dict[str, str | None]:
    """Only the questions the section already has; unchanged ones may be left out."""
    if not isinstance(value, Mapping):
        raise InvalidEdit(f"{name} must map question ids to text.")
    unknown = sorted(set(value) - set(current))
    if unknown:
        raise InvalidEdit(f"{name} has no question {', '.join(map(repr, unknown))}.")
    words = {key: _optional_text(f"{name}.{key}", text, MAX_TEXT_LENGTH) for key, text in value.items()}
    return {**current, **words}


def _clean_goals(goals: Any) -> list[Goal]:
    if not isinstance(goals, list) or not all(isinstance(goal, Goal) for goal in goals):
        raise InvalidEdit("goals must be a list of goals.")
    if len(goals) > MAX_GOALS:
        raise InvalidEdit(f"A plan can have at most {MAX_GOALS} goals.")
    return [_clean_goal(number, goal) for number, goal in enumerate(goals, start=1)]


def _clean_goal(number: int, goal: Goal) -> Goal:
    if goal.confidence is not None and not (isinstance(goal.confidence, int) and 0 <= goal.confidence <= 10):
        raise InvalidEdit(f"Goal {number}: confidence must be a whole number from 0 to 10.")
    if goal.target_date is not None and not isinstance(goal.target_date, date):
        raise InvalidEdit(f"Goal {number}: the target date must be a date.")
    texts = ("description", "first_step", "timeframe", "confidence_boost")
    cleaned = {
        name: _optional_text(f"goal {number} {name}", getattr(goal, name), MAX_TEXT_LENGTH) for name in texts
    }
    if not any(cleaned.values()):
        raise InvalidEdit(f"Goal {number} is empty: give it a description, or remove it.")
    return replace(goal, **cleaned)


def _clean_support(support: Any) -> Support:
    if not isinstance(support, Support):
        raise InvalidEdit("support must have needs, people and roles from the practice.")
    people = [
        replace(
            person,
            name=_optional_text("support person's name", person.name, MAX_SHORT_TEXT_LENGTH),
            relationship=_optional_text("relationship", person.relationship, MAX_SHORT_TEXT_LENGTH),
        )
        for person in support.people
    ]
    roles = [_optional_text("practice role", role, MAX_SHORT_TEXT_LENGTH) for role in support.from_practice]
    return Support(
        needs=_optional_text("support needs", support.needs, MAX_TEXT_LENGTH),
        people=[person for person in people if person.name or person.relationship],
        from_practice=[role for role in roles if role],
    )


def _clean_actions(actions: Any) -> list[AgreedAction]:
    if not isinstance(actions, list) or not all(isinstance(action, AgreedAction) for action in actions):
        raise InvalidEdit("agreed_actions must be a list of agreed actions.")
    if len(actions) > MAX_AGREED_ACTIONS:
        raise InvalidEdit(f"A plan can have at most {MAX_AGREED_ACTIONS} agreed actions.")
    return [
        AgreedAction(
            description=_required_text(f"agreed action {number}", action.description),
            owner=_optional_text(f"agreed action {number} owner", action.owner, MAX_SHORT_TEXT_LENGTH),
            due_date=action.due_date,
        )
        for number, action in enumerate(actions, start=1)
    ]


def _clean_review_date(value: Any, now: datetime) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidEdit("The review date must be a date, e.g. 2025-06-30.")
    if value < now.date():
        raise InvalidEdit("The review date cannot be in the past.")
    return value


def clean_nhs_number(value: Any) -> str | None:
    """Ten digits (spaces allowed) whose last is the modulus 11 check digit; None clears it."""
    text = _optional_text("nhs_number", value, MAX_SHORT_TEXT_LENGTH)
    if text is None:
        return None
    digits = text.replace(" ", "")
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise InvalidEdit("An NHS number has 10 digits.")
    weighted = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - weighted % 11) % 11  # 10 is never a valid check digit
    if check == 10 or int(digits[9]) != check:
        raise InvalidEdit(f"{text} is not a valid NHS number (its check digit is wrong).")
    return digits


def _optional_text(name: str, value: Any, max_length: int) -> str | None:
    """Blank means "nothing recorded"; otherwise the words are kept as typed."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEdit(f"{name} must be text.")
    if len(value) > max_length:
        raise InvalidEdit(f"{name} is too long (at most {max_length} characters).")
    if not is_storable(value):
        raise InvalidEdit(f"{name} contains characters that cannot be stored.")
    return value if value.strip() else None


def is_storable(text: str) -> bool:
    """False for text no database takes: a NUL (PostgreSQL) or half a UTF-16 pair (SQLite)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _required_text(name: str, value: Any) -> str:
    text = _optional_text(name, value, MAX_TEXT_LENGTH)
    if text is None:
        raise InvalidEdit(f"The {name} cannot be empty.")
    return text.strip()
