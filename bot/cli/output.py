"""How the command line prints: failures, columns, JSON, times to the minute, URLs without passwords."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def fail(message: object) -> int:
    """Says on stderr why a command did nothing, and gives its exit code: 1."""
    print(message, file=sys.stderr)
    return 1


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> None:
    """The rows under their header in aligned columns, or `empty` when there are none."""
    print(columns(header, rows) if rows else empty)


def columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    )


def minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # unparsable, and it may hold a password: don't echo it
        return "<unreadable URL>"
