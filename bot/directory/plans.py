"""A plan's community suggestions: the practice's services that fit what the person said (issue 16).

Worked out when the assistant writes a draft (`bot.services.versions`) and when a professional edits the
plan (`bot.review_services`); `bot.careplan.suggestions.merge_suggestions` keeps what professionals
decided. A failure here never stops a plan being stored: it is logged (never the person's
words) and the plan keeps the suggestions it had.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from bot.careplan.model import CarePlan, CommunitySuggestion, PlanStatus, SuggestionStatus
from bot.directory.matching import Matcher, Said, Suggestion, words_from_plan
from bot.directory.model import Service, ServiceStatus

logger = logging.getLogger(__name__)

LIMIT = 5  # suggestions a plan holds at most, best first
MENTION_AT_MOST = 3  # groups named to the person at the end of the conversation


@functools.lru_cache(maxsize=1)
def shared_matcher() -> Matcher:
    """One matcher per process: it loads spaCy's pipeline and reads needs.yml once."""
    return Matcher()


def community_suggestions(
    plan: CarePlan, services: Sequence[Service], *, matcher: Matcher | None = None
) -> list[CommunitySuggestion] | None:
    """The services (the practice's, active) that fit the plan's words, best first; None if it failed."""
    said = words_from_plan(plan)
    if not services or not said:
        return []
    try:
        found = (matcher or shared_matcher()).suggest(said, services, limit=LIMIT)
    except Exception as error:  # the plan is stored all the same, with the suggestions it had
        logger.error("community suggestions could not be worked out (%s)", type(error).__name__)
        return None
    return [as_plan_suggestion(suggestion) for suggestion in found]


def groups_to_mention(plan: CarePlan, *, risk_signalled: bool) -> list[str]:
    """The names of up to three of a stored plan's suggestions, best first, that the person may
    hear of at the end of the conversation. None after any sign of risk (`risk_signalled`: in
    the conversation, even one checked and answered no) or a flag on the plan: then the team's
    conversation comes first. None a professional has marked declined."""
    if risk_signalled or plan.risk_flags or plan.status is PlanStatus.URGENT_REVIEW:
        return []
    kept = [s.name for s in plan.community_suggestions if s.status is not SuggestionStatus.DECLINED]
    return kept[:MENTION_AT_MOST]


def find_services(
    words: str, services: Sequence[Service], *, limit: int = 10, matcher: Matcher | None = None
) -> list[Service]:
    """A professional's search of the directory: names holding the words first, then the matching's
    best by meaning. Never a service not running, nor one for children only (the people are adults)."""
    words = " ".join(words.split())
    usable = [s for s in services if s.status is ServiceStatus.ACTIVE and s.fits_age(None)]
    if not words or not usable:
        return []
    named = [s for s in usable if words.casefold() in s.name.casefold()]
    try:
        found = (matcher or shared_matcher()).suggest([Said("search", words)], usable, limit=limit)
    except Exception as error:  # the names still answer
        logger.error("searching the directory failed (%s)", type(error).__name__)
        found = []
    ranked = list({s.service_id: s for s in [*named, *(f.service for f in found)]}.values())
    return ranked[:limit]


def as_plan_suggestion(suggestion: Suggestion) -> CommunitySuggestion:
    return from_service(suggestion.service, suggestion.why_text)


def from_service(service: Service, why: str) -> CommunitySuggestion:
    if audience := service.audience():
        why += f"; for people {audience}"
    return CommunitySuggestion(
        service_id=service.service_id,
        name=service.name,
        why=why,
        url=service.url,
        contact=service.contact,
    )
