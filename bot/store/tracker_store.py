"""Rasa's SQL tracker store, with each conversation kept per practice, able to erase it.

Per practice (issue 13): Rasa keys a conversation by its sender id alone, so practices whose
deployments share one database (`make run-scaled` keeps it beside the plans) would share
conversations with the same sender id (a phone number texting both). This store keeps every
event under `<practice>/<sender id>` (bot/store/conversation_keys.py), the practice being
`PRACTICE_ID`, and gives Rasa back trackers under the sender id alone: Rasa never sees the
difference. A prefix rather than a practice column: the `events` table is Rasa's (Rasa creates
it and its index on `sender_id`), and a column of ours would need a migration of Rasa's table
in every tracker store; the key keeps Rasa's schema, its index and its queries as they are.

Rows stored before (under the sender id alone) are still found: when Rasa asks for a sender id
of which the practice has no row, the store claims that sender id's old rows for the practice
(one UPDATE: of practices sharing a database, the first to meet the person takes them), so the
person carries on where they stopped. Only a conversation's first turn pays for the look.

Erasure: Rasa saves a conversation's new events at the end of each turn, so deleting its rows
from inside an action would be undone a moment later. Instead the action sets the slot
`erase_conversation`, and this store, seeing it among the turn's events, deletes every stored
event of that conversation (this practice's only) instead of saving. Configured in
endpoints.yml.

Its engine hides statements' values from its errors, as every engine of ours does
(bot/store/database.py): a failed save would otherwise log the person's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import delete, update

from bot.core.missed_flags import flag_what_the_action_missed
from bot.core.turns import this_turn
from bot.store.conversation_keys import SEPARATOR, conversation_key, key_prefix

ERASE_SLOT = "erase_conversation"


class ErasableSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, practice_id: str | None = None, **kwargs: Any) -> None:
        """`practice_id`: whose conversations these are; `PRACTICE_ID` (bot.config) unless given."""
        if practice_id is None:
            from bot.config import Settings

            practice_id = Settings.from_env().practice_id
        self.practice_id = practice_id
        super().__init__(*args, **kwargs)
        # Rasa builds the engine itself; its errors read this attribute (issue 13, item 5).
        self.engine.hide_parameters = True

    def key(self, sender_id: str) -> str:
        """The sender id's conversation at this practice, as stored."""
        return conversation_key(self.practice_id, sender_id)

    async def keys(self) -> Iterable[str]:
        """This practice's sender ids, and those of rows stored before (which it would claim)."""
        prefix = key_prefix(self.practice_id)
        found = await super().keys()
        ours = [key[len(prefix) :] for key in found if key.startswith(prefix)]
        return ours + [key for key in found if SEPARATOR not in key]

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is None and self.claim(sender_id):
            tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        return tracker

    def _event_query(self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        # Rasa's queries (retrieving, and counting what is already saved), on this practice's key.
        return super()._event_query(session, self.key(sender_id), fetch_events_from_all_sessions)

    def claim(self, sender_id: str) -> bool:
        """Move the sender id's rows stored before per-practice keys to this practice's key."""
        with self.session_scope() as session:
            moved = session.execute(
                update(self.SQLEvent)
                .where(self.SQLEvent.sender_id == sender_id)
                .values(sender_id=self.key(sender_id))
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
        return bool(moved)

    async def save(self, tracker: DialogueStateTracker) -> None:
        turn = this_turn(tracker.events)
        if erase_requested(turn):
            self.erase(tracker.sender_id)
            return
        await flag_what_the_action_missed(tracker, turn, self.practice_id)  # the action server was down
        # Rasa's own save (rasa 3.6), with the event stored under this practice's key.
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=self.key(tracker.sender_id),
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    def erase(self, sender_id: str) -> None:
        """Delete every event of the sender id's conversation at this practice (no other's)."""
        with self.session_scope() as session:
            session.execute(delete(self.SQLEvent).where(self.SQLEvent.sender_id == self.key(sender_id)))
            session.commit()


def erase_requested(turn: list[Event]) -> bool:
    """Whether this turn (turns.this_turn: the events since the person's last message) asked
    for erasure."""
    return any(isinstance(e, SlotSet) and e.key == ERASE_SLOT and e.value is True for e in turn)
