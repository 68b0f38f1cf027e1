"""Reading a conversation back from a tracker store that Rasa itself wrote."""

from __future__ import annotations

from pathlib import Path

import pytest
from conversations import write_conversation
from sqlalchemy.exc import OperationalError

from bot.store.transcripts import TranscriptReader


def test_the_transcript_is_what_the_person_and_the_assistant_said(tmp_path: Path) -> None:
    tracker_db = tmp_path / "tracker.db"
    write_conversation(
        tracker_db,
        "mary",
        [("assistant", "What does a good day look like?"), ("person", "Tea in the garden\nthen a walk")],
    )
    write_conversation(tracker_db, "someone-else", [("person", "Not Mary's words")])

    lines = TranscriptReader(tracker_db).read("mary")

    assert [(line.speaker, line.text) for line in lines] == [
        ("assistant", "What does a good day look like?"),
        ("person", "Tea in the garden\nthen a walk"),
    ]
    assert all(line.at.tzinfo is not None for line in lines)


def test_no_tracker_store_yet_means_no_transcript(tmp_path: Path) -> None:
    reader = TranscriptReader(tmp_path / "missing.db")

    assert reader.read("mary") == []
    assert not (tmp_path / "missing.db").exists()  # read-only: never creates the file


def test_a_tracker_store_without_tables_means_no_transcript(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")

    assert TranscriptReader(empty).read("mary") == []


def test_the_reader_cannot_write(tmp_path: Path) -> None:
    tracker_db = tmp_path / "tracker.db"
    write_conversation(tracker_db, "mary", [("person", "Hello")])
    reader = TranscriptReader(tracker_db)
    reader.read("mary")

    with reader._connect().connect() as connection, pytest.raises(OperationalError, match="readonly"):
        connection.exec_driver_sql("DELETE FROM events")

    assert [line.text for line in reader.read("mary")] == ["Hello"]
