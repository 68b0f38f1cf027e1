"""The person's say over what is kept: their answers to the consent question, and erasing all
of a conversation at their request."""

from __future__ import annotations

from datetime import datetime

from bot.careplan.model import Consent
from bot.clock import utc
from bot.services.delivery import database_key, deliver_first, outbox
from bot.store.database import Database
from bot.store.unit_of_work import unit_of_work


def record_consent(
    db: Database,
    conversation_id: str,
    given: bool,
    wording: str,
    *,
    practice_id: str,
    now: datetime | None = None,
) -> Consent:
    """Keep the person's answer to the consent question with the exact wording they saw."""
    deliver_first(db)
    with unit_of_work(db) as work:
        return work.consents.record(conversation_id, given, wording, utc(now), practice_id=practice_id)


def latest_consent(db: Database, conversation_id: str, *, practice_id: str) -> Consent | None:
    """The consent answer in force for a practice's conversation, if it has been asked."""
    deliver_first(db)
    with unit_of_work(db) as work:
        return work.consents.latest(conversation_id, practice_id=practice_id)


def delete_conversation_data(db: Database, conversation_id: str, *, practice_id: str) -> None:
    """The person asked to delete their answers: their plan, every version and consent record go,
    at this practice; another practice's plan for the same conversation id stays.

    Never queued: when the database cannot be reached this raises and nothing is
    deleted. What waits in the outbox for the conversation is delivered first and
    then deleted with the rest, so it cannot bring the plan back later."""
    down = deliver_first(db)
    if down is not None:
        raise down
    with unit_of_work(db) as work:
        work.plans.delete_conversation(conversation_id, practice_id=practice_id)
        work.consents.delete_conversation(conversation_id, practice_id=practice_id)
    outbox().remove_conversation(database_key(db), conversation_id, practice_id=practice_id)
