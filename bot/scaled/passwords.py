"""The generated passwords of our own PostgreSQL and Redis, each kept in RUN_DIR (0600), and
libpq's password file for commands run by hand."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import URL

from bot.config import Settings
from bot.folders import private_folder


def own_password(settings: Settings, service: str) -> str:
    """The generated password of our own `service` ("postgres" or "redis"), made once.

    Letters and digits only, beginning with a letter: safe in a URL, a configuration file,
    YAML (never read as a number) and anywhere an option could be looked for.
    """
    path = settings.run_dir / f"{service}.password"
    if not path.exists():
        private_folder(settings.run_dir)
        with contextlib.suppress(FileExistsError):  # another start made it first
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(f"wm{secrets.token_hex(24)}\n")
    path.chmod(0o600)
    return path.read_text().strip()


def write_pgpass(settings: Settings, database: URL) -> Path:
    """RUN_DIR/postgres.pgpass (0600), libpq's password file for our own PostgreSQL: commands run
    by hand, whose DATABASE_URL (.env's) has no password, reach it with
    `PGPASSFILE=var/postgres.pgpass .venv/bin/python -m bot users create ...` (or psql)."""

    def field(value: object) -> str:
        return str(value).replace("\\", "\\\\").replace(":", "\\:")

    path = settings.run_dir / "postgres.pgpass"
    where = (database.host or "127.0.0.1", database.port or 5432, "*", database.username or "postgres")
    line = ":".join(field(value) for value in (*where, database.password))
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(line + "\n")
    return path
