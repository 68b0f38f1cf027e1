"""Writing conversations with Rasa's own SQL tracker store, exactly as the Rasa server stores them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def write_conversation(tracker_db: Path, sender_id: str, turns: list[tuple[str, str]]) -> None:
    """Stores `turns` ("person" or "assistant", text) for `sender_id` in an SQLite tracker store."""
    # Imported here: Rasa takes seconds to import, and only these tests need it.
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_session_start"), SlotSet("consent_given", True)]
    for speaker, text in turns:
        if speaker == "person":
            events += [
                ActionExecuted("action_listen"),
                UserUttered(text, {"name": "inform", "confidence": 1.0}),
            ]
        else:
            events += [ActionExecuted("utter_reply"), BotUttered(text)]
    events.append(BotUttered(None, data={"buttons": [{"title": "Yes", "payload": "/affirm"}]}))  # no text
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    tracker = DialogueStateTracker.from_events(sender_id, events)
    try:
        # On a thread of its own: Playwright's sync API keeps an event loop running on this one.
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(asyncio.run, store.save(tracker)).result()
    finally:
        store.engine.dispose()
