"""A disclosure's flag, written by the Rasa server when the action server could not (issue 12).

A clear disclosure gets the static crisis reply from Rasa itself (bot/core/safety_first.py), so
help reaches the person even when the action server is down. The flag that puts the plan at the
top of the practice's urgent queue is written by `action_respond_to_risk` on the action server;
when that call fails, Rasa logs it and goes on, and nobody would see the flag. So at the end of
every turn (the tracker store's save) this looks at the turn: a clear disclosure whose action did
not complete (it always sets `risk_to_check` first) gets its flags written here, through the
same service, on the plan as the conversation stands. Should the database be down as well, the
service keeps them in the outbox, as the action server would.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Reversible
from datetime import datetime, timezone

from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.careplan.interview import build_plan
from bot.config import Settings
from bot.core.turns import this_turn
from bot.safety.risk import RiskFlag, Tier, category_named
from bot.services import escalation, plan_store
from bot.store.database import Database

RESPOND_TO = "action_respond_to_risk"
DONE_MARK = "risk_to_check"  # the slot the action always sets first when it has run

logger = logging.getLogger(__name__)


def missed_disclosure(events: Reversible[Event]) -> UserUttered | None:
    """The turn's clear disclosure, if the action that flags it did not complete."""
    turn = this_turn(events)
    if not turn or not isinstance(turn[0], UserUttered):
        return None
    message, after = turn[0], turn[1:]
    if ((message.parse_data or {}).get("risk") or {}).get("tier") != Tier.CLEAR.value:
        return None
    ran = [i for i, e in enumerate(after) if isinstance(e, ActionExecuted) and e.action_name == RESPOND_TO]
    if not ran:
        return message  # never ran at all: flag it all the same (fail closed)
    return None if _marked_done(after[ran[-1] + 1 :]) else message


def _marked_done(events: list[Event]) -> bool:
    for event in events:
        if isinstance(event, ActionExecuted):
            return False  # the next action began with nothing from ours
        if isinstance(event, SlotSet) and event.key == DONE_MARK:
            return True
    return False


async def flag_what_the_action_missed(
    tracker: DialogueStateTracker, turn: list[Event], practice_id: str
) -> None:
    """Writes the turn's flags (`turn`: this_turn's events) when the action server did not.

    Never raises: the turn is saved."""
    message = missed_disclosure(turn)
    if message is None:
        return
    logger.warning("the action server did not flag a disclosure: the Rasa server writes the flag")
    try:
        await asyncio.to_thread(_flag, tracker, message, practice_id)
    except Exception as error:  # never the person's words in the log
        logger.error("the flag could not be written or queued: %s", type(error).__name__)


def _flag(tracker: DialogueStateTracker, message: UserUttered, practice_id: str) -> None:
    risk = (message.parse_data or {}).get("risk") or {}
    plan = build_plan(
        tracker.current_slot_values(), conversation_id=tracker.sender_id, practice_id=practice_id
    )
    now = datetime.now(timezone.utc)
    for category in risk.get("categories") or ["unspecified"]:
        plan = escalation.flag_risk(
            _database(), plan, RiskFlag(category_named(category), message.text or "", now)
        )


@functools.lru_cache(maxsize=1)
def _database() -> Database:
    return plan_store.open_plan_store(Settings.from_env().database_url)
