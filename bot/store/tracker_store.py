"""Rasa's SQL tracker store, able to erase a conversation when the person asks.

Rasa saves a conversation's new events at the end of each turn, so deleting
its rows from inside an action would be undone a moment later. Instead the
action sets the slot `erase_conversation`, and this store, seeing it among
the turn's events, deletes every stored event of that conversation instead
of saving. Configured in endpoints.yml.

Its engine hides statements' values from its errors, as every engine of ours does
(bot/store/database.py): a failed save would otherwise log the person's words.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete

ERASE_SLOT = "erase_conversation"


class ErasableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rasa builds the engine itself; its errors read this attribute (issue 13, item 5).
        self.engine.hide_parameters = True

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erase_requested(tracker):
            self.erase(tracker.sender_id)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> None:
        with self.session_scope() as session:
            session.execute(delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id))
            session.commit()


def erase_requested(tracker: DialogueStateTracker) -> bool:
    """Whether this turn (the events since the person's last message) asked for erasure."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value is True:
            return True
    return False
