"""The moment of a service call, by one rule for every service module (issue 15)."""

from __future__ import annotations

from datetime import datetime, timezone


def utc(now: datetime | None = None) -> datetime:
    """`now` in UTC, or the current time when it is None.

    Tests and the outbox's delivery pass the moment a change belongs to. A naive time is
    refused: its zone would be a guess, and the store keeps every moment in UTC."""
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(timezone.utc)
