"""Reading a conversation's messages from Rasa's SQL tracker store, read-only.

Rasa keeps every event of every conversation in the `events` table of its
tracker store (`TRACKER_STORE_DB`, an SQLite file): one row per event, with
`sender_id`, `type_name` ("user", "bot", "action", "slot"...), a Unix
`timestamp` and the event as JSON in `data`. A professional reviewing a plan
needs only what was said, so only user and bot messages with text are read.
The file is opened read-only: the console can never change a conversation.
Scaled out (`make run-scaled`), the tracker store is a PostgreSQL database,
given by its URL, and read in read-only transactions.

Our tracker store keeps a conversation under its practice and sender id
(bot/store/conversation_keys.py), so a transcript is the practice's own even
where practices share the database; rows stored before that (under the sender id
alone, and not yet claimed by a practice's Rasa) are read while the practice has
no row of its own.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Float, Integer, String, Text, column, create_engine, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.careplan.transcripts import TranscriptLine
from bot.store.conversation_keys import conversation_key

_events = table(
    "events",
    column("id", Integer),
    column("sender_id", String),
    column("type_name", String),
    column("timestamp", Float),
    column("data", Text),
)
_SPEAKERS = {"user": "person", "bot": "assistant"}


class TranscriptReader:
    def __init__(self, tracker: Path | str, practice_id: str | None = None) -> None:
        """`tracker`: the SQLite file's path, or a database server's SQLAlchemy URL.
        `practice_id`: whose conversations are read unless `read` is told; `PRACTICE_ID` unless given."""
        self.tracker = tracker
        if practice_id is None:
            from bot.config import Settings

            practice_id = Settings.from_env().practice_id
        self.practice_id = practice_id
        self._engine: Engine | None = None

    def read(self, sender_id: str, practice_id: str | None = None) -> list[TranscriptLine]:
        """What the person and the assistant said at the practice (the reader's unless given),
        oldest first; empty if nothing is stored."""
        if isinstance(self.tracker, Path) and not self.tracker.is_file():
            return []
        key = conversation_key(practice_id or self.practice_id, sender_id)
        query = (
            select(_events.c.sender_id, _events.c.type_name, _events.c.timestamp, _events.c.data)
            .where(_events.c.sender_id.in_([key, sender_id]), _events.c.type_name.in_(list(_SPEAKERS)))
            .order_by(_events.c.id)
        )
        try:
            with self._connect().connect() as connection:
                rows = connection.execute(query).all()
        except OperationalError:  # Rasa has not created its tables yet
            return []
        # The practice's own rows; the old rows only while it has none.
        ours = [row for row in rows if row.sender_id == key] or rows
        lines = (_line(row.type_name, row.timestamp, row.data) for row in ours)
        return [line for line in lines if line is not None]

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _connect(self) -> Engine:
        if self._engine is None and isinstance(self.tracker, str):
            self._engine = create_engine(
                self.tracker, future=True, pool_pre_ping=True, hide_parameters=True,
                execution_options={"postgresql_readonly": True},
            )  # fmt: skip
        if self._engine is None:
            uri = f"{Path(self.tracker).resolve().as_uri()}?mode=ro"
            self._engine = create_engine(
                "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                hide_parameters=True,
            )  # fmt: skip
        return self._engine


def _line(type_name: str, timestamp: float | None, data: str | None) -> TranscriptLine | None:
    try:
        event = json.loads(data or "{}")
    except json.JSONDecodeError:
        return None
    text = event.get("text") if isinstance(event, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None  # e.g. a reply that was only buttons or an image
    at = datetime.fromtimestamp(timestamp or event.get("timestamp") or 0, tz=timezone.utc)
    return TranscriptLine(speaker=_SPEAKERS[type_name], text=text, at=at)
