"""Practices that share a tracker store keep their own conversations (issue 13).

Rasa keys a conversation by its sender id alone; `make run-scaled` keeps Rasa's tracker store in
the plan database, which practices may share. Our tracker store keeps each conversation under
(practice, sender id), so one sender id (a phone number texting two practices) is two
conversations: two trackers, two transcripts, and "delete my data" at one leaves the other's.
Rows stored before (under the sender id alone) are still found, and claimed by the first
practice to meet that sender id. Each test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import review_services
from bot.careplan.accounts import Actor, Role
from bot.careplan.model import CarePlan
from bot.services import drafting
from bot.store.accounts import User
from bot.store.conversation_keys import conversation_key
from bot.store.database import Database
from bot.store.tracker_store import ERASE_SLOT, ErasableSQLTrackerStore
from bot.store.transcripts import TranscriptReader

PHONE = "+447700900123"  # the same person, texting two practices
DOMAIN = Domain.from_dict({"slots": {ERASE_SLOT: {"type": "bool", "mappings": [{"type": "custom"}]}}})


def turns(*lines: tuple[str, str]) -> list:
    events: list = [ActionExecuted("action_session_start")]
    for speaker, words in lines:
        if speaker == "person":
            events += [
                ActionExecuted("action_listen"),
                UserUttered(words, {"name": "inform", "confidence": 1.0}),
            ]
        else:
            events += [ActionExecuted("utter_reply"), BotUttered(words)]
    return events


def said(tracker: DialogueStateTracker | None) -> list[str]:
    assert tracker is not None
    return [event.text for event in tracker.events if isinstance(event, (UserUttered, BotUttered))]


def transcript(reader: TranscriptReader, sender_id: str = PHONE, practice_id: str | None = None) -> list[str]:
    return [line.text for line in reader.read(sender_id, practice_id)]


@pytest.fixture
def stores(database_url: str) -> Iterator[Callable[[str], ErasableSQLTrackerStore]]:
    """Our tracker store for a practice, on the test's database (SQLite or PostgreSQL)."""
    opened: list[SQLTrackerStore] = []

    def store(practice_id: str) -> ErasableSQLTrackerStore:
        opened.append(ErasableSQLTrackerStore(DOMAIN, host=database_url, practice_id=practice_id))
        return opened[-1]

    yield store
    for each in opened:
        each.engine.dispose()


@pytest.fixture
def reader_for(database_url: str) -> Iterator[Callable[[str], TranscriptReader]]:
    """The console's transcript reader for a practice, as the console opens it."""
    opened: list[TranscriptReader] = []
    url = make_url(database_url)
    tracker: Path | str = Path(url.database or "") if url.get_backend_name() == "sqlite" else database_url

    def reader(practice_id: str) -> TranscriptReader:
        opened.append(TranscriptReader(tracker, practice_id))
        return opened[-1]

    yield reader
    for each in opened:
        each.dispose()


def save(store: SQLTrackerStore, events: list, sender_id: str = PHONE) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(sender_id, events, DOMAIN.slots)
    asyncio.run(store.save(tracker))
    return tracker


def retrieve(store: SQLTrackerStore, sender_id: str = PHONE) -> DialogueStateTracker | None:
    return asyncio.run(store.retrieve(sender_id))


def stored_keys(database_url: str) -> list[str]:
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(text("SELECT DISTINCT sender_id FROM events ORDER BY 1")).scalars()
            )
    finally:
        engine.dispose()


# --- Two practices, one sender id ------------------------------------------------------------------


def test_two_practices_get_two_trackers_for_one_sender_id(stores, database_url: str) -> None:
    practice_a, practice_b = stores("practice-a"), stores("practice-b")
    save(practice_a, turns(("assistant", "What matters to you?"), ("person", "My garden, at A")))
    save(practice_b, turns(("person", "My choir, at B")))

    at_a, at_b = retrieve(practice_a), retrieve(practice_b)

    assert said(at_a) == ["What matters to you?", "My garden, at A"]
    assert said(at_b) == ["My choir, at B"]
    assert at_a is not None and at_a.sender_id == PHONE  # Rasa sees the sender id alone
    assert stored_keys(database_url) == sorted(
        [conversation_key("practice-a", PHONE), conversation_key("practice-b", PHONE)]
    )
    assert list(asyncio.run(practice_a.keys())) == [PHONE]


def test_a_conversation_carried_on_stores_each_event_once(stores) -> None:
    practice_a, practice_b = stores("practice-a"), stores("practice-b")
    first = turns(("person", "Hello"))
    save(practice_a, first)
    save(practice_b, turns(("person", "Hello B"), ("assistant", "Hi"), ("person", "More at B")))

    tracker = retrieve(practice_a)
    assert tracker is not None
    tracker.update(BotUttered("What does a good day look like?"))
    asyncio.run(practice_a.save(tracker))

    assert said(retrieve(practice_a)) == ["Hello", "What does a good day look like?"]
    assert said(retrieve(practice_b)) == ["Hello B", "Hi", "More at B"]


def test_a_transcript_is_the_practice_s_own_conversation(stores, reader_for) -> None:
    save(stores("practice-a"), turns(("person", "My garden, at A")))
    save(stores("practice-b"), turns(("person", "My choir, at B")))

    assert transcript(reader_for("practice-a")) == ["My garden, at A"]
    assert transcript(reader_for("practice-b")) == ["My choir, at B"]
    # Told the plan's practice, a reader opened for another reads that practice's.
    assert transcript(reader_for("practice-a"), practice_id="practice-b") == ["My choir, at B"]
    assert transcript(reader_for("practice-c")) == []


def test_an_erasure_at_one_practice_leaves_the_other_s_conversation(stores, reader_for) -> None:
    practice_a, practice_b = stores("practice-a"), stores("practice-b")
    save(practice_a, turns(("person", "My garden, at A")))
    save(practice_b, turns(("person", "My choir, at B")))

    tracker = retrieve(practice_a)
    assert tracker is not None
    tracker.update(UserUttered("delete my data", {"name": "delete_my_data", "confidence": 1.0}))
    tracker.update(SlotSet(ERASE_SLOT, True))
    asyncio.run(practice_a.save(tracker))

    assert retrieve(practice_a) is None
    assert transcript(reader_for("practice-a")) == []
    assert said(retrieve(practice_b)) == ["My choir, at B"]
    assert transcript(reader_for("practice-b")) == ["My choir, at B"]


def test_a_practice_id_with_the_separator_shares_no_key_with_another() -> None:
    assert conversation_key("a/b", "c") != conversation_key("a", "b/c")
    assert conversation_key("a%2Fb", "c") != conversation_key("a/b", "c")


# --- Conversations stored before per-practice keys -------------------------------------------------


def test_a_conversation_stored_before_is_found_carried_on_and_kept_by_its_practice(
    stores, reader_for, database_url: str
) -> None:
    # Stored as Rasa's own store (and ours before) did: under the sender id alone.
    rasa_s_own = SQLTrackerStore(DOMAIN, host=database_url)
    try:
        save(rasa_s_own, turns(("assistant", "What matters to you?"), ("person", "My garden")))
    finally:
        rasa_s_own.engine.dispose()
    # The console shows it before the person comes back.
    assert transcript(reader_for("practice-a")) == ["What matters to you?", "My garden"]

    practice_a = stores("practice-a")
    tracker = retrieve(practice_a)
    assert said(tracker) == ["What matters to you?", "My garden"]  # the person carries on where they stopped
    assert tracker is not None
    tracker.update(BotUttered("What does a good day look like?"))
    asyncio.run(practice_a.save(tracker))

    # Every row claimed, none copied.
    assert stored_keys(database_url) == [conversation_key("practice-a", PHONE)]
    carried_on = ["What matters to you?", "My garden", "What does a good day look like?"]
    assert said(retrieve(practice_a)) == carried_on
    assert transcript(reader_for("practice-a")) == carried_on
    # Another practice sharing the database now starts afresh, and never sees them.
    assert retrieve(stores("practice-b")) is None
    assert transcript(reader_for("practice-b")) == []


def test_a_conversation_stored_before_can_be_erased(stores, database_url: str) -> None:
    rasa_s_own = SQLTrackerStore(DOMAIN, host=database_url)
    try:
        save(rasa_s_own, turns(("person", "My garden")))
    finally:
        rasa_s_own.engine.dispose()
    practice_a = stores("practice-a")

    tracker = retrieve(practice_a)  # as Rasa does at the start of every turn
    assert tracker is not None
    tracker.update(UserUttered("delete my data", {"name": "delete_my_data", "confidence": 1.0}))
    tracker.update(SlotSet(ERASE_SLOT, True))
    asyncio.run(practice_a.save(tracker))

    assert stored_keys(database_url) == []


def test_the_practice_is_practice_id_unless_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRACTICE_ID", "A81001")
    store = ErasableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    try:
        assert store.key(PHONE) == conversation_key("A81001", PHONE)
    finally:
        store.engine.dispose()
    assert TranscriptReader(tmp_path / "tracker.db").practice_id == "A81001"


# --- The console: a plan's transcript is its practice's ---------------------------------------------


def test_a_console_shared_by_practices_shows_each_plan_its_own_practice_s_conversation(
    db: Database, sample_plan: CarePlan, stores, reader_for
) -> None:
    save(stores("practice-a"), turns(("person", "My garden, at A")))
    save(stores("practice-b"), turns(("person", "My choir, at B")))
    plan_b = drafting.draft_plan(db, replace(sample_plan, conversation_id=PHONE, practice_id="practice-b"))
    someone_at_b = Actor.for_user(User("dr@b.example.org", "Dr B", Role.CLINICIAN, "practice-b", "h", id=2))

    # One console (PRACTICE_ID practice-a) over the database both practices share.
    lines = review_services.transcript(db, reader_for("practice-a"), someone_at_b, plan_b.id)

    assert [line.text for line in lines] == ["My choir, at B"]
