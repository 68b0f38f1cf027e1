"""What every repository shares: the caller's session, never committed (the unit of work owns it),
copying between rows and the domain's dataclasses, and the key of a conversation's rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.orm import Session

T = TypeVar("T")


class Repository:
    """Works inside the session it is given and never commits: the caller owns the transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session


def to_row(item: Any, **converted: Any) -> dict[str, Any]:
    """The columns of a dataclass's row: each field under its own name, but `id`, which the
    database gives; `converted` holds the fields stored as something else (an enum's value)."""
    values = {field.name: getattr(item, field.name) for field in fields(item) if field.name != "id"}
    return {**values, **converted}


def from_row(kind: type[T], row: Mapping[str, Any], **converted: Any) -> T:
    """A dataclass from a row whose columns bear its fields' names; `converted` holds the
    fields that are more than the column's value (an enum, a bool, a tuple)."""
    values = {field.name: row[field.name] for field in fields(kind) if field.name not in converted}
    return kind(**values, **converted)


def conversation_rows(table: Table, practice_id: str, conversation_id: str) -> tuple[Any, Any]:
    """The key of a conversation's rows: (practice, conversation), never the conversation alone."""
    if not practice_id:
        raise ValueError("a conversation is found by its practice too: practice_id is empty")
    return table.c.practice_id == practice_id, table.c.conversation_id == conversation_id
