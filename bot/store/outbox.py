"""A durable outbox: what could not be written to the database, kept on local disk until it can.

When the plan store cannot be reached, a risk flag (and a confirmed draft) must not be lost
(issue 12, issue 13 item 12). The service layer (bot/services/delivery.py) appends it here, and
delivers it when the database answers again.

The outbox is one file of JSON lines (`OUTBOX_PATH`, default `var/outbox.jsonl`), readable by
its owner only: it holds people's words. Each line is one entry, written whole and fsynced
before the call returns. Processes that share the file (two action servers of `make
run-scaled`, sanic workers) take turns through a lock file beside it, which is never replaced.
Delivered entries are removed by writing the rest to a new file and renaming it over the old
one, so a crash leaves either the old file or the new, never half of one.

A line that cannot be read (a crash mid-write, a disk fault, an edit by hand) never loses the
others: it is moved whole to `<outbox>.corrupt`, beside it, for an operator to look at, and
logged by count only.

An entry is a practice's, as plans are (issue 13, item 4): practices that share a database share
conversation ids, so a deletion in one practice removes only that practice's waiting entries.
Lines written before entries named their practice (format 1) take it from the plan they carry.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.folders import private_folder

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: the practice_id of the conversation
_PRIVATE_FILE = 0o600
_REQUIRED = ("id", "kind", "database", "conversation_id", "queued_at", "payload")


@dataclass(frozen=True)
class Entry:
    """One piece of work waiting for the database."""

    kind: str  # "flag" or "draft"
    database: str  # which database it belongs to (its URL, without any password)
    conversation_id: str
    payload: dict[str, Any]
    queued_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    practice_id: str = ""  # whose conversation: with conversation_id, the key of its plan

    def to_line(self) -> str:
        data = {
            "v": FORMAT_VERSION,
            "id": self.id,
            "kind": self.kind,
            "database": self.database,
            "practice_id": self.practice_id,
            "conversation_id": self.conversation_id,
            "queued_at": self.queued_at.isoformat(),
            "payload": self.payload,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Entry:
        """The entry a line holds; ValueError (or KeyError, TypeError) if it is not one."""
        data = json.loads(line)
        if not isinstance(data, dict) or any(key not in data for key in _REQUIRED):
            raise ValueError("not an outbox entry")
        queued_at = datetime.fromisoformat(data["queued_at"])
        if queued_at.tzinfo is None or not isinstance(data["payload"], dict):
            raise ValueError("not an outbox entry")
        return cls(
            kind=str(data["kind"]),
            database=str(data["database"]),
            conversation_id=str(data["conversation_id"]),
            payload=data["payload"],
            queued_at=queued_at,
            id=str(data["id"]),
            practice_id=str(data.get("practice_id") or _plan_practice(data["payload"])),
        )


class Outbox:
    """Entries kept in one JSON-lines file until they are delivered."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._drain_lock_path = self.path.with_name(self.path.name + ".drain")
        self.corrupt_path = self.path.with_name(self.path.name + ".corrupt")

    def put(self, entry: Entry) -> Entry:
        """Keep `entry` on disk (fsynced) before returning it."""
        with self._locked():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, _PRIVATE_FILE)
            try:
                if _ends_without_newline(fd):
                    os.write(fd, b"\n")  # a line cut short by a crash must not swallow this one
                os.write(fd, entry.to_line().encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

    def is_empty(self) -> bool:
        """Cheap enough for every service call: no lock, one stat."""
        try:
            return self.path.stat().st_size == 0
        except FileNotFoundError:
            return True

    def entries(self, database: str | None = None) -> list[Entry]:
        """What is waiting (for `database` alone, if given), oldest first."""
        if self.is_empty():
            return []
        with self._locked():
            entries, _ = self._read()
        return [e for e in entries if database is None or e.database == database]

    def remove(self, ids: Iterable[str]) -> None:
        """Forget delivered entries; corrupt lines go to `corrupt_path`."""
        done = set(ids)
        self._rewrite(lambda entry: entry.id not in done)

    def remove_conversation(self, database: str, conversation_id: str, *, practice_id: str) -> None:
        """Forget everything waiting for one practice's conversation (the person deleted their
        data there); the same conversation id at another practice keeps its entries."""
        key = (database, practice_id, conversation_id)
        self._rewrite(lambda e: (e.database, e.practice_id, e.conversation_id) != key)

    @contextmanager
    def draining(self) -> Iterator[bool]:
        """Whether this caller may deliver now: one drainer at a time, across processes.
        Never waits: a caller that finds another draining goes on with its own work."""
        private_folder(self.path.parent)
        fd = os.open(self._drain_lock_path, os.O_RDWR | os.O_CREAT, _PRIVATE_FILE)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # --- the file -----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        private_folder(self.path.parent)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, _PRIVATE_FILE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _read(self) -> tuple[list[Entry], list[str]]:
        """Entries, and the lines that are not entries. Call with the lock held."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return [], []
        entries, corrupt = [], []
        for line in raw.decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                entries.append(Entry.from_line(line))
            except (ValueError, KeyError, TypeError):
                corrupt.append(line)
        return entries, corrupt

    def _rewrite(self, keep: Any) -> None:
        if self.is_empty():
            return
        with self._locked():
            entries, corrupt = self._read()
            kept = [entry for entry in entries if keep(entry)]
            if corrupt:
                self._set_aside(corrupt)
            if len(kept) == len(entries) and not corrupt:
                return
            temporary = self.path.with_name(self.path.name + ".new")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE_FILE)
            try:
                os.write(fd, "".join(entry.to_line() for entry in kept).encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
            _fsync_folder(self.path.parent)

    def _set_aside(self, lines: list[str]) -> None:
        fd = os.open(self.corrupt_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _PRIVATE_FILE)
        try:
            os.write(fd, "".join(line + "\n" for line in lines).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        # Never the line itself: it holds a person's words.
        logger.error("outbox: %d unreadable line(s) moved to %s", len(lines), self.corrupt_path)


def _plan_practice(payload: dict[str, Any]) -> str:
    """A format 1 line's practice: the one of the plan it carries (every entry carries one)."""
    plan = payload.get("plan")
    return str(plan.get("practice_id") or "") if isinstance(plan, dict) else ""


def _ends_without_newline(fd: int) -> bool:
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
