"""A plan's community suggestions under review: professionals mark and add them, and when they are
worked out again what professionals decided stays."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime

from bot.careplan.accounts import Actor, Permission
from bot.careplan.audit import AuditAction, entries_between
from bot.careplan.errors import InvalidEdit
from bot.careplan.model import CarePlan, CommunitySuggestion, SuggestionStatus
from bot.careplan.review import Change, next_version, require


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
    return next_version(plan, marked, AuditAction.EDITED, actor, now)


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
    return next_version(plan, changed, AuditAction.EDITED, actor, now)


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
