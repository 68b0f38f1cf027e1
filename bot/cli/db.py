"""`db upgrade`: bring the database schema up to date."""

from __future__ import annotations

import argparse

from bot.cli.output import safe_url
from bot.store.database import migrate


def upgrade(_args: argparse.Namespace, url: str) -> int:
    migrate(url)
    print(f"Database {safe_url(url)} is up to date.")
    return 0
