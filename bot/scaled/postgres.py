"""Our own PostgreSQL (plans and conversations, shared by every replica): its cluster, with
scram-sha-256 passwords only, run as the `postgres` user under root, and the schemas made once."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot.config import Settings
from bot.folders import private_folder
from bot.scaled.programs import find_program
from bot.servers import Server
from bot.store.database import migrate

# PostgreSQL refuses to run as root: as root, its programs run as this system user.
POSTGRES_SYSTEM_USER = "postgres"


def postgres_url(settings: Settings) -> URL:
    url = make_url(settings.database_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(
            "make run-scaled keeps plans and conversations in PostgreSQL, which every replica shares.\n"
            "Set DATABASE_URL in .env, e.g. "
            "DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/whatmatters"
        )
    return url


def postgres_server(settings: Settings, host: str, port: int, user: str, password: str) -> Server:
    """Our own PostgreSQL, made (initdb) the first time: scram-sha-256 passwords on every
    connection (loopback and its socket), `user` its superuser with `password`.

    A cluster made before passwords (trust, issue 13) or whose password file was lost gets
    `password` and password authentication before it starts.
    """
    # Debian keeps PostgreSQL's programs off PATH, under /usr/lib/postgresql/<version>/bin.
    postgres = find_program(
        "PostgreSQL", ["postgres", *sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))]
    )
    system_user, data = postgres_runner(settings)
    as_user = _as(system_user)
    if not (data / "PG_VERSION").exists():
        initdb = str(Path(postgres).with_name("initdb"))
        with _password_file(private_folder(data.parent), password, system_user) as pwfile:
            # As another user the environment is emptied, its locale with it: UTF-8 all the same.
            encoding = ["-E", "UTF8", "--locale=C.UTF-8"] if system_user else []
            _run([*as_user, initdb, "-D", str(data), "-U", user, "--auth=scram-sha-256", f"--pwfile={pwfile}",
                  *encoding], data.parent, "initdb", password)  # fmt: skip
    else:
        _require_passwords(postgres, data, as_user, user, password)
    command = [*as_user, postgres, "-D", str(data), "-h", host, "-p", str(port), "-k", str(data)]
    return Server("postgres", command, f"tcp://{host}:{port}", {})


def postgres_runner(settings: Settings) -> tuple[pwd.struct_passwd | None, Path]:
    """The system user PostgreSQL's programs run as here (None: this one), and its data folder.

    As a user: as that user, in RUN_DIR/postgres. As root (which PostgreSQL refuses): as the
    `postgres` system user, in a folder of that user's home named after RUN_DIR, since
    RUN_DIR (0700, root's) is closed to it.
    """
    if os.geteuid() != 0:
        return None, (settings.run_dir / "postgres").resolve()
    try:
        system_user = pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        raise SystemExit(
            f"PostgreSQL refuses to run as root, and there is no {POSTGRES_SYSTEM_USER!r} user to run it as: "
            "run make run-scaled as another user, or install PostgreSQL's package (which adds that user)."
        ) from None
    folder = f"what-matters-{hashlib.sha256(str(settings.run_dir.resolve()).encode()).hexdigest()[:12]}"
    return system_user, Path(system_user.pw_dir) / folder


def _as(system_user: pwd.struct_passwd | None) -> list[str]:
    """The command prefix that runs a program as `system_user`.

    setpriv (util-linux) sets the user and execs the program: no process of that user ever
    holds our environment, with .env's secrets in it (--reset-env), and the server's process
    id is PostgreSQL's own.
    """
    if system_user is None:
        return []
    setpriv = shutil.which("setpriv") or shutil.which("setpriv", path="/usr/bin:/bin")
    if not setpriv:
        raise SystemExit("PostgreSQL refuses to run as root, and setpriv (util-linux) is not installed.")
    return [setpriv, f"--reuid={system_user.pw_uid}", f"--regid={system_user.pw_gid}", "--init-groups",
            "--reset-env", "--"]  # fmt: skip


@contextlib.contextmanager
def _password_file(folder: Path, password: str, system_user: pwd.struct_passwd | None) -> Iterator[Path]:
    """initdb's --pwfile: 0600, readable by the user initdb runs as, removed at once after."""
    descriptor, name = tempfile.mkstemp(prefix=".initdb-", dir=folder)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(password + "\n")
        if system_user is not None:
            os.chown(name, system_user.pw_uid, system_user.pw_gid)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


HBA_TRUST = re.compile(r"^(\s*(?:local|host\S*)\s.*\s)trust(\s*(?:#.*)?)$", re.MULTILINE)


def _require_passwords(postgres: str, data: Path, as_user: list[str], user: str, password: str) -> None:
    """Give `user` `password` (on standard input, never a command line), and turn any `trust`
    line of pg_hba.conf into scram-sha-256: the password file is the truth, whatever happened."""
    quoted_user, quoted_password = user.replace('"', '""'), password.replace("'", "''")
    statement = "SET password_encryption = 'scram-sha-256'; "
    statement += f"ALTER ROLE \"{quoted_user}\" PASSWORD '{quoted_password}';\n"
    # log_min_error_statement: a failed statement, password and all, is never written out.
    _run([*as_user, postgres, "--single", "-D", str(data), "-c", "log_min_error_statement=panic", "postgres"],
         data.parent, "setting its password", password, statement)  # fmt: skip
    hba = data / "pg_hba.conf"  # written in place: as root, it stays the postgres user's file
    hba.write_text(HBA_TRUST.sub(r"\1scram-sha-256\2", hba.read_text()))


def _run(command: list[str], cwd: Path, what: str, password: str, given: str | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, input=given, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or "ERROR:" in done.stdout + done.stderr:
        said = (done.stdout + done.stderr).replace(password, "***")[-2000:]
        raise SystemExit(f"PostgreSQL could not be prepared ({what}):\n{said}")


def prepare_databases(database: URL) -> None:
    """Create the database, our tables and Rasa's, once, before any replica starts.

    Replicas starting at once on an empty database race to create Rasa's table.
    """
    _create_database_if_missing(database)
    migrate(database.render_as_string(hide_password=False))
    from bot.store.tracker_store import ErasableSQLTrackerStore  # Rasa is slow to import

    ErasableSQLTrackerStore(
        dialect="postgresql", host=database.host, port=database.port, db=database.database,
        username=database.username, password=database.password,
    ).engine.dispose()  # fmt: skip


def _create_database_if_missing(database: URL) -> None:
    engine = create_engine(
        database.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True, hide_parameters=True
    )
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database.database}
            ).first()
            if not found:
                connection.execute(text(f'CREATE DATABASE "{database.database}"'))
    finally:
        engine.dispose()
