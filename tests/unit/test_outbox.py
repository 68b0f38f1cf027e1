"""Nothing lost when the database is down (issue 12; issue 13, item 12): the outbox and its delivery.

The database is made unavailable for real: the SQLite file's folder is moved away (SQLite then
cannot open the file, as when a disk is unmounted), and moved back. The same on a PostgreSQL
server of the test's own, stopped and started: tests/unit/test_outbox_postgres.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.careplan.model import CarePlan, PlanStatus
from bot.safety.risk import RiskCategory, RiskFlag
from bot.services import consents, delivery, drafting, escalation, stored_plans
from bot.store.database import Database, migrate
from bot.store.outbox import Entry, Outbox

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    """A migrated SQLite plan store, and the folder that holds it."""
    folder = tmp_path / "store"
    url = f"sqlite:///{folder / 'whatmatters.db'}"
    migrate(url)
    db = Database.from_url(url)
    yield db, folder
    db.dispose()


@contextmanager
def unavailable(folder: Path) -> Iterator[None]:
    """The database cannot be opened while this lasts (its folder is elsewhere)."""
    away = folder.with_name(folder.name + ".away")
    folder.rename(away)
    try:
        yield
    finally:
        away.rename(folder)


def plan(conversation_id: str = "c-1", good_day: str = "tea in the garden") -> CarePlan:
    return CarePlan(conversation_id=conversation_id, practice_id="p", what_matters={"good_day": good_day})


def flag(message: str = "I want to end it", at: datetime = NOW) -> RiskFlag:
    return RiskFlag(RiskCategory.SUICIDAL_THOUGHTS, message, at)


# --- The outbox file ------------------------------------------------------------------------------


def entry(conversation_id: str = "c-1", database: str = "db", practice_id: str = "p") -> Entry:
    payload = {"plan": {"words": "I feel lost 😔"}}
    return Entry("flag", database, conversation_id, payload, queued_at=NOW, practice_id=practice_id)


def test_an_entry_is_on_disk_readable_by_its_owner_only_and_comes_back_whole(box: Outbox) -> None:
    kept = box.put(entry())
    assert box.path.read_text().count("\n") == 1
    assert stat.S_IMODE(box.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(box.path.parent.stat().st_mode) == 0o700
    assert box.entries() == [kept]
    assert Outbox(box.path).entries() == [kept]  # another process sees it


def test_removing_delivered_entries_keeps_the_others_in_order(box: Outbox) -> None:
    first, second, third = box.put(entry("a")), box.put(entry("b")), box.put(entry("c"))
    box.remove([second.id])
    assert box.entries() == [first, third]
    box.remove([first.id, third.id])
    assert box.entries() == [] and box.is_empty()


def test_entries_are_kept_per_database_and_per_conversation(box: Outbox) -> None:
    mine, other, theirs = box.put(entry("a", "x")), box.put(entry("b", "x")), box.put(entry("a", "y"))
    assert box.entries("x") == [mine, other]
    box.remove_conversation("x", "a", practice_id="p")
    assert box.entries() == [other, theirs]


def test_entries_are_kept_per_practice_too(box: Outbox) -> None:
    """Practices that share a database share conversation ids: a deletion in one keeps the other's."""
    mine, theirs = box.put(entry("a", "x", "practice-a")), box.put(entry("a", "x", "practice-b"))
    assert Outbox(box.path).entries() == [mine, theirs]  # the practice is on disk
    box.remove_conversation("x", "a", practice_id="practice-b")
    assert box.entries() == [mine]


def test_an_entry_written_before_entries_named_their_practice_takes_its_plan_s(box: Outbox) -> None:
    line = {
        "v": 1,
        "id": "e1",
        "kind": "flag",
        "database": "x",
        "conversation_id": "a",
        "queued_at": NOW.isoformat(),
        "payload": {"plan": {"conversation_id": "a", "practice_id": "practice-a"}, "flag": {}},
    }
    box.path.parent.mkdir(parents=True, exist_ok=True)
    box.path.write_text(json.dumps(line) + "\n")
    [old] = box.entries()
    assert (old.practice_id, old.conversation_id) == ("practice-a", "a")
    box.remove_conversation("x", "a", practice_id="practice-b")
    assert box.entries() == [old]
    box.remove_conversation("x", "a", practice_id="practice-a")
    assert box.is_empty()


def test_a_corrupt_line_does_not_lose_the_others(box: Outbox) -> None:
    first = box.put(entry("a"))
    with box.path.open("a") as file:
        file.write('{"id": "half a line, as a crash leaves it"\n')
        file.write("\x00\x00 not json at all\n")
        file.write('{"kind": "flag"}\n')  # JSON, but not an entry
    second = box.put(entry("b"))
    with box.path.open("a") as file:
        file.write('{"id": "cut off by a crash, no newline"')
    third = box.put(entry("c"))  # starts on a line of its own all the same
    assert box.entries() == [first, second, third]
    box.remove([second.id])
    assert box.entries() == [first, third]
    set_aside = box.corrupt_path.read_text().splitlines()
    assert len(set_aside) == 4 and "half a line" in set_aside[0]  # kept for an operator, not deleted
    assert "half a line" not in box.path.read_text()


def test_only_one_drainer_at_a_time(box: Outbox) -> None:
    with box.draining() as first, box.draining() as second:
        assert (first, second) == (True, False)
    with box.draining() as again:
        assert again is True


# --- Flags and drafts while the database is down ---------------------------------------------------


def test_a_flag_while_the_database_is_down_is_queued_not_raised_then_stored_once(box, store) -> None:
    db, folder = store
    escalation.flag_risk(db, plan(), flag("first, stored"), now=NOW)
    assert delivery.queued(db, "c-1", practice_id="p") is False
    with unavailable(folder):
        returned = escalation.flag_risk(db, plan(), flag("second, queued"), now=NOW)
        # The plan as it would have been stored, flagged for urgent review.
        assert returned.status == PlanStatus.URGENT_REVIEW
        assert [f["message"] for f in returned.risk_flags] == ["second, queued"]
        assert delivery.queued(db, "c-1", practice_id="p") is True
        assert delivery.queued(db, "someone-else", practice_id="p") is False
        assert delivery.deliver_pending(db) == 0  # still down: kept
    assert delivery.deliver_pending(db) == 1
    assert delivery.queued(db, "c-1", practice_id="p") is False
    stored = stored_plans.get_plan(db, "c-1", practice_id="p")
    assert [f["message"] for f in stored.risk_flags] == ["first, stored", "second, queued"]
    assert stored.status == PlanStatus.URGENT_REVIEW


def test_a_flag_delivered_twice_is_stored_once(box, store) -> None:
    db, folder = store
    with unavailable(folder):
        escalation.flag_risk(db, plan(), flag(), now=NOW)
    before = box.path.read_bytes()
    assert delivery.deliver_pending(db) == 1
    box.path.write_bytes(before)  # as if the process died after writing, before forgetting
    assert delivery.deliver_pending(db) == 1  # found already there
    stored = stored_plans.get_plan(db, "c-1", practice_id="p")
    assert len(stored.risk_flags) == 1 and stored.version == 1
    assert len(stored_plans.plan_history(db, "c-1", practice_id="p")) == 1


def test_several_flags_queued_in_one_turn_all_arrive(box, store) -> None:
    db, folder = store
    with unavailable(folder):
        returned = escalation.flag_risk(db, plan(), flag("one"), now=NOW)
        returned = escalation.flag_risk(db, returned, flag("two"), now=NOW)  # as the action does
        assert [f["message"] for f in returned.risk_flags] == ["one", "two"]
    delivery.deliver_pending(db)
    assert [f["message"] for f in stored_plans.get_plan(db, "c-1", practice_id="p").risk_flags] == [
        "one",
        "two",
    ]


def test_a_queued_flag_is_delivered_by_the_next_call_that_touches_the_database(box, store) -> None:
    db, folder = store
    with unavailable(folder):
        escalation.flag_risk(db, plan(), flag(), now=NOW)
    assert stored_plans.list_plans(db)[0].risk_flags[0]["message"] == "I want to end it"


def test_a_draft_while_the_database_is_down_raises_and_is_written_when_it_is_back(box, store) -> None:
    db, folder = store
    with unavailable(folder), pytest.raises(OperationalError):
        drafting.draft_plan(db, plan(good_day="a walk to the allotment"), now=NOW)
    assert delivery.queued(db, "c-1", practice_id="p") is True
    assert delivery.deliver_pending(db) == 1
    stored = stored_plans.get_plan(db, "c-1", practice_id="p")
    assert stored.what_matters == {"good_day": "a walk to the allotment"}
    assert stored.status == PlanStatus.DRAFT and stored.updated_at == NOW  # when the person confirmed


def test_a_draft_delivered_twice_is_one_version(box, store) -> None:
    db, folder = store
    with unavailable(folder), pytest.raises(OperationalError):
        drafting.draft_plan(db, plan(), now=NOW)
    before = box.path.read_bytes()
    delivery.deliver_pending(db)
    box.path.write_bytes(before)
    delivery.deliver_pending(db)
    assert stored_plans.get_plan(db, "c-1", practice_id="p").version == 1


def test_a_queued_draft_never_overwrites_a_later_one(box, store) -> None:
    db, folder = store
    with unavailable(folder), pytest.raises(OperationalError):
        drafting.draft_plan(db, plan(good_day="older words"), now=NOW)
    # Another action server, its database back first, stored a later draft of the conversation.
    other = Outbox(box.path.with_name("other.jsonl"))
    delivery.use_outbox(other)
    drafting.draft_plan(db, plan(good_day="later words"), now=NOW + timedelta(minutes=5))
    delivery.use_outbox(box)
    assert delivery.deliver_pending(db) == 1
    stored = stored_plans.get_plan(db, "c-1", practice_id="p")
    assert stored.what_matters == {"good_day": "later words"} and stored.version == 1


def test_a_queued_flag_is_added_to_a_later_plan_without_undoing_it(box, store) -> None:
    db, folder = store
    with unavailable(folder):
        escalation.flag_risk(db, plan(good_day="older words"), flag(), now=NOW)
    delivery.use_outbox(Outbox(box.path.with_name("other.jsonl")))
    drafting.draft_plan(db, plan(good_day="later words"), now=NOW + timedelta(minutes=5))
    delivery.use_outbox(box)
    delivery.deliver_pending(db)
    stored = stored_plans.get_plan(db, "c-1", practice_id="p")
    assert stored.what_matters == {"good_day": "later words"}
    assert stored.status == PlanStatus.URGENT_REVIEW and len(stored.risk_flags) == 1


def test_a_handoff_while_the_database_is_down_is_queued_too(box, store) -> None:
    db, folder = store
    with unavailable(folder), pytest.raises(OperationalError):
        escalation.request_handoff(db, plan(), now=NOW)
    delivery.deliver_pending(db)
    assert stored_plans.get_plan(db, "c-1", practice_id="p").handoff_requested is True


def test_deletion_is_never_queued_and_takes_what_was_queued_with_it(box, store) -> None:
    db, folder = store
    drafting.draft_plan(db, plan(), now=NOW)
    with unavailable(folder):
        escalation.flag_risk(db, plan(), flag(), now=NOW)
        with pytest.raises(OperationalError):
            consents.delete_conversation_data(db, "c-1", practice_id="p")
        assert [e.kind for e in box.entries()] == ["flag"]  # no deletion waits: the person was told
    consents.delete_conversation_data(db, "c-1", practice_id="p")
    assert stored_plans.get_plan(db, "c-1", practice_id="p") is None
    assert delivery.queued(db, "c-1", practice_id="p") is False
    delivery.deliver_pending(db)
    assert stored_plans.get_plan(db, "c-1", practice_id="p") is None  # nothing brings it back


def test_queued_work_is_delivered_and_deleted_per_practice(box, store) -> None:
    """Two practices sharing the database, the same conversation id (issue 13, item 4)."""
    db, folder = store
    at_a, at_b = (
        replace(plan(good_day="tea"), practice_id="a"),
        replace(plan(good_day="cake"), practice_id="b"),
    )
    with unavailable(folder):
        escalation.flag_risk(db, at_a, flag("at a"), now=NOW)
        escalation.flag_risk(db, at_b, flag("at b"), now=NOW)
        assert delivery.queued(db, "c-1", practice_id="a") and delivery.queued(db, "c-1", practice_id="b")
    assert delivery.deliver_pending(db) == 2
    stored_a = stored_plans.get_plan(db, "c-1", practice_id="a")
    stored_b = stored_plans.get_plan(db, "c-1", practice_id="b")
    assert stored_a.id != stored_b.id
    assert (stored_a.what_matters, [f["message"] for f in stored_a.risk_flags]) == (
        {"good_day": "tea"},
        ["at a"],
    )
    assert (stored_b.what_matters, [f["message"] for f in stored_b.risk_flags]) == (
        {"good_day": "cake"},
        ["at b"],
    )

    with unavailable(folder):
        escalation.flag_risk(db, at_a, flag("again at a"), now=NOW)
        escalation.flag_risk(db, at_b, flag("again at b"), now=NOW)
    consents.delete_conversation_data(db, "c-1", practice_id="b")  # delivers both, deletes b's
    assert stored_plans.get_plan(db, "c-1", practice_id="b") is None
    kept = stored_plans.get_plan(db, "c-1", practice_id="a")
    assert [f["message"] for f in kept.risk_flags] == ["at a", "again at a"]


def test_an_entry_for_another_database_is_never_delivered_here(box, store, tmp_path: Path) -> None:
    db, folder = store
    with unavailable(folder):
        escalation.flag_risk(db, plan(), flag(), now=NOW)
    other_url = f"sqlite:///{tmp_path / 'other' / 'whatmatters.db'}"
    migrate(other_url)
    other = Database.from_url(other_url)
    assert delivery.deliver_pending(other) == 0
    assert stored_plans.get_plan(other, "c-1", practice_id="p") is None
    assert delivery.queued(db, "c-1", practice_id="p") is True
    other.dispose()


def test_an_entry_that_fails_for_another_reason_is_kept_and_the_rest_delivered(box, store) -> None:
    db, folder = store
    with unavailable(folder):
        escalation.flag_risk(db, plan("bad"), flag(), now=NOW)
        escalation.flag_risk(db, plan("good"), flag(), now=NOW)
    lines = box.path.read_text().splitlines()
    broken = json.loads(lines[0])
    broken["payload"]["plan"]["status"] = "no such status"  # a bug, not an outage
    box.path.write_text(json.dumps(broken) + "\n" + lines[1] + "\n")
    assert delivery.deliver_pending(db) == 1
    assert stored_plans.get_plan(db, "good", practice_id="p") is not None
    assert [e.conversation_id for e in box.entries()] == ["bad"]  # kept, tried again next time


def test_an_outbox_that_cannot_be_read_never_stops_the_database_work(box, store) -> None:
    db, _ = store
    box.put(entry(database=delivery.database_key(db)))
    os.chmod(box.path, 0)
    box.path.rename(box.path.with_suffix(".gone"))
    box.path.mkdir()  # reading it now fails (IsADirectoryError), whoever we run as
    assert drafting.draft_plan(db, plan(), now=NOW).version == 1


def test_what_counts_as_the_database_being_unavailable() -> None:
    assert delivery.is_unavailable(OperationalError("SELECT 1", {}, Exception("connection refused")))
    assert delivery.is_unavailable(PoolTimeout("QueuePool limit reached, timed out"))
    assert delivery.is_unavailable(TimeoutError())
    assert delivery.is_unavailable(ConnectionRefusedError())
    assert delivery.is_unavailable(InterfaceError("SELECT 1", {}, Exception("connection already closed")))
    assert not delivery.is_unavailable(InterfaceError("INSERT", {}, sqlite3.InterfaceError("binding")))
    assert not delivery.is_unavailable(IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not delivery.is_unavailable(ValueError("a bug"))
