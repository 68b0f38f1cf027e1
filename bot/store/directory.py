"""Storing and loading the practices' directories of local services (issue 16), inside the unit
of work `bot.directory_services` opens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping

from bot.directory.model import Service, ServiceStatus, SourceFormat, StoredService
from bot.store.repository import Repository, from_row, to_row
from bot.store.tables.directory import directory_services as table


class DirectoryRepository(Repository):
    def get(self, row_id: int) -> StoredService | None:
        row = self.session.execute(select(table).where(table.c.id == row_id)).mappings().first()
        return _stored(row) if row else None

    def list(self, practice_id: str | None = None, *, active_only: bool = False) -> list[StoredService]:
        """A practice's services (or every practice's), by practice then name."""
        query = select(table)
        if practice_id is not None:
            query = query.where(table.c.practice_id == practice_id)
        if active_only:
            query = query.where(table.c.status == ServiceStatus.ACTIVE.value)
        query = query.order_by(table.c.practice_id, table.c.name, table.c.id)
        return [_stored(row) for row in self.session.execute(query).mappings()]

    def for_update(self, practice_id: str) -> dict[str, StoredService]:
        """A practice's services by their feed's id, locked (on PostgreSQL) until the import commits."""
        query = select(table).where(table.c.practice_id == practice_id).with_for_update()
        return {row["service_id"]: _stored(row) for row in self.session.execute(query).mappings()}

    def add(
        self, practice_id: str, source: str, format: SourceFormat, service: Service, now: datetime
    ) -> None:
        values = {
            **service_values(service),
            "practice_id": practice_id,
            "source": source,
            "format": format.value,
            "imported_at": now,
            "updated_at": now,
            "withdrawn_at": None,
        }
        self.session.execute(insert(table).values(**values))

    def replace(
        self, row_id: int, source: str, format: SourceFormat, service: Service, now: datetime
    ) -> None:
        values = {
            **service_values(service),
            "source": source,
            "format": format.value,
            "updated_at": now,
            "withdrawn_at": None,
        }
        self.session.execute(update(table).where(table.c.id == row_id).values(**values))

    def withdraw(self, row_ids: Iterable[int], now: datetime) -> None:
        """Gone from the feed: kept, but inactive, so it is never suggested again."""
        self.session.execute(
            update(table)
            .where(table.c.id.in_(list(row_ids)))
            .values(status=ServiceStatus.INACTIVE.value, withdrawn_at=now, updated_at=now)
        )

    def delete(self, row_ids: Iterable[int]) -> int:
        return self.session.execute(delete(table).where(table.c.id.in_(list(row_ids)))).rowcount


def service_values(service: Service) -> dict[str, Any]:
    """The columns a `Service` fills in: the same for a new row and an updated one."""
    return to_row(
        service,
        status=ServiceStatus(service.status).value,
        categories=list(service.categories),
        record=dict(service.record),
    )


def _stored(row: RowMapping) -> StoredService:
    service = from_row(
        Service,
        row,
        status=ServiceStatus(row["status"]),
        categories=tuple(row["categories"]),
        record=dict(row["record"]),
    )
    return from_row(StoredService, row, format=SourceFormat(row["format"]), service=service)
