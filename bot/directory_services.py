"""The practices' directories of local services: importing, listing, removing, and suggesting (issue 16).

Each function is one unit of work. An import reads its whole source first (every
page of a feed), then changes the practice's directory in one transaction: a bad
record, or a page that does not come, leaves the directory as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.directory import sources
from bot.directory.matching import Matcher, Said, Suggestion
from bot.directory.model import Directory, StoredService
from bot.store.database import Database
from bot.store.directory import DirectoryRepository, service_values


@dataclass(frozen=True)
class ImportResult:
    """What an import changed in the practice's directory."""

    practice_id: str
    source: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0  # gone from this source's feed: kept, marked inactive
    removed: int = 0  # with `replace`: gone from the directory

    def __str__(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.withdrawn:
            parts.append(f"{self.withdrawn} marked inactive (no longer in the feed)")
        if self.removed:
            parts.append(f"{self.removed} removed")
        return f"{self.source} into practice {self.practice_id}'s directory: {', '.join(parts)}."


def import_from(db: Database, location: str, practice_id: str, *, replace: bool = False) -> ImportResult:
    """Read a file or feed (see `bot.directory.sources.load`), then import it; raises DirectoryError."""
    return import_directory(db, sources.load(location), practice_id, replace=replace)


def import_directory(
    db: Database,
    directory: Directory,
    practice_id: str,
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Add the source's new services and update the ones already there (by the feed's id).

    A service this source gave before and no longer lists is marked inactive (kept, so its
    history and any plan that named it still make sense); services from the practice's other
    sources are left alone. With `replace`, this source becomes the practice's whole
    directory: every service not in it is deleted.
    """
    now = now or datetime.now(timezone.utc)
    added = updated = unchanged = withdrawn = removed = 0
    with db.session() as session:
        repository = DirectoryRepository(session)
        existing = repository.for_update(practice_id)
        for service in directory.services:
            stored = existing.pop(service.service_id, None)
            if stored is None:
                repository.add(practice_id, directory.source, directory.format, service, now)
                added += 1
            elif _same(stored, directory, service):
                unchanged += 1
            else:
                repository.replace(stored.id, directory.source, directory.format, service, now)
                updated += 1
        if replace:
            removed = repository.delete(stored.id for stored in existing.values())
        else:
            gone = [
                stored.id
                for stored in existing.values()
                if stored.source == directory.source and stored.withdrawn_at is None
            ]
            repository.withdraw(gone, now)
            withdrawn = len(gone)
    return ImportResult(practice_id, directory.source, added, updated, unchanged, withdrawn, removed)


def list_services(
    db: Database, practice_id: str | None = None, *, active_only: bool = False
) -> list[StoredService]:
    with db.session() as session:
        return DirectoryRepository(session).list(practice_id, active_only=active_only)


def get_service(db: Database, row_id: int) -> StoredService | None:
    with db.session() as session:
        return DirectoryRepository(session).get(row_id)


def remove_service(db: Database, row_id: int) -> StoredService | None:
    """Delete one service from its practice's directory; the service removed, or None."""
    with db.session() as session:
        repository = DirectoryRepository(session)
        stored = repository.get(row_id)
        if stored is not None:
            repository.delete([row_id])
        return stored


def suggest(
    db: Database,
    practice_id: str,
    said: Sequence[Said],
    *,
    age: int | None = None,
    limit: int = 5,
    matcher: Matcher | None = None,
) -> list[Suggestion]:
    """The practice's active services that fit what the person said, best first, each with why.

    Only this practice's directory is searched. Pass a `matcher` to reuse one (it loads spaCy).
    """
    services = [stored.service for stored in list_services(db, practice_id, active_only=True)]
    return (matcher or Matcher()).suggest(said, services, age=age, limit=limit)


def prepare_matching(db: Database, practice_id: str | None) -> bool:
    """Load the matching now, if the practice (None: every practice) has services to suggest, so
    that the first plan drafted or edited does not wait for it. True if it was loaded.

    Loading is spaCy's pipeline (a second or so) and reading every service's words with it, once
    per process (seconds for a directory of thousands): an edit does the matching while it holds
    the plan's row."""
    from bot.directory.plans import shared_matcher

    services = [stored.service for stored in list_services(db, practice_id, active_only=True)]
    if not services:
        return False
    shared_matcher().suggest([Said("warm-up", "someone to talk to")], services)
    return True


def _same(stored: StoredService, directory: Directory, service: object) -> bool:
    return (
        stored.source == directory.source
        and stored.format is directory.format
        and stored.withdrawn_at is None
        and service_values(stored.service) == service_values(service)
    )
