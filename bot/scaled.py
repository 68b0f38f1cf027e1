"""The assistant scaled out on one machine: `make run-scaled`.

Rasa scales out by itself: Rasa servers that share a tracker store (PostgreSQL)
and a lock store (Redis) can each take any conversation's next message, and
action servers keep no state. This starts that shape on loopback:

    nginx on RASA_PORT           -> the Rasa replicas (SCALED_RASA_PORTS)
    nginx on ACTION_SERVER_PORT  -> the action servers (SCALED_ACTION_PORTS)
    the review console, as `make run` starts it

so every URL `make run` prints works the same. PostgreSQL and Redis are the
ones DATABASE_URL and REDIS_URL name; on loopback they are started under
RUN_DIR if they do not answer and are installed.

The PostgreSQL and Redis started here each ask for a password (issue 13, item
13): PostgreSQL's cluster takes scram-sha-256 passwords only, Redis has
`requirepass`. Each password is generated once, kept in RUN_DIR (0600, beside
the data it protects, so a new .env never locks us out of our own cluster),
and reaches the servers in their environment or in a 0600 file: never on a
command line, never printed (RUN_DIR/postgres.pgpass serves commands run by
hand). PostgreSQL refuses to run as root: as root, its programs run as the
`postgres` user (setpriv, with an emptied environment), with the cluster in that
user's home, since RUN_DIR (0700) is root's alone. tests/unit/test_scaled_passwords.py
runs this path as make run-scaled does.

Balancing: REST requests go to the least busy replica (the lock store keeps
one conversation's turns in order on any replica). socket.io needs one client
to stay on one replica (its session lives in that process): nginx open source
has no sticky cookie, so its location hashes the client's address.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot import servers
from bot.config import Settings
from bot.folders import private_folder
from bot.servers import Server, port_answers
from bot.store.database import migrate

LOOPBACK = ("127.0.0.1", "localhost", "::1")
# PostgreSQL refuses to run as root: as root, its programs run as this system user.
POSTGRES_SYSTEM_USER = "postgres"
NGINX_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
INSTALL_HINTS = {
    "nginx": "install nginx (Debian/Ubuntu: sudo apt-get install nginx; macOS: brew install nginx)",
    "PostgreSQL": "install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql; "
    "macOS: brew install postgresql@15), or point DATABASE_URL at a running server",
    "Redis": "install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), "
    "or point REDIS_URL at a running server",
}


def start(settings: Settings, model: Path) -> None:
    """PostgreSQL and Redis if needed, the schemas, then the replicas, nginx and the console."""
    servers.check_secrets(settings)
    settings = with_own_passwords(settings)
    database = postgres_url(settings)
    nginx = find_nginx()
    servers.launch(settings, backing_services(settings, database))
    prepare_databases(database)
    write_nginx_conf(settings)
    servers.launch(settings, topology(settings, model, nginx))


def postgres_url(settings: Settings) -> URL:
    url = make_url(settings.database_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(
            "make run-scaled keeps plans and conversations in PostgreSQL, which every replica shares.\n"
            "Set DATABASE_URL in .env, e.g. "
            "DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/whatmatters"
        )
    return url


def topology(settings: Settings, model: Path, nginx: str) -> list[Server]:
    """The action servers, the Rasa replicas, nginx in front of both, the console and the demo site."""
    actions = [
        servers.action_server(settings, f"actions-{number}", port)
        for number, port in enumerate(settings.scaled_action_ports, start=1)
    ]
    for action in actions:
        # With the password of our own PostgreSQL, which .env's DATABASE_URL does not carry.
        action.env["DATABASE_URL"] = settings.database_url
    rasa_env = rasa_endpoint_env(settings)
    replicas = [
        servers.rasa_server(settings, model, f"rasa-{number}", port, "endpoints.production.yml", rasa_env)
        for number, port in enumerate(settings.scaled_rasa_ports, start=1)
    ]
    balancer = Server(
        name="nginx",
        command=[nginx, "-p", str(_nginx_dir(settings)), "-c", str(_nginx_dir(settings) / "nginx.conf")],
        health_url=f"{settings.rasa_url}/",
        env={},
    )
    console = servers.console_server(settings)
    # Rasa's conversations are in the plans' database: the console reads them there.
    console.env["TRACKER_STORE_URL"] = settings.database_url
    # The demo practice website talks to nginx (RASA_PORT), whichever replica answers.
    return [*actions, *replicas, balancer, console, servers.demo_site_server(settings)]


def rasa_endpoint_env(settings: Settings) -> dict[str, str]:
    """endpoints.production.yml's values, from DATABASE_URL and REDIS_URL.

    Conversations go in the plans' database (Rasa's one table, `events`, is
    apart from ours). Passed in the environment, where other users of the
    machine cannot read a password.
    """
    database = postgres_url(settings)
    redis = make_url(settings.redis_url)
    return {
        "ACTION_ENDPOINT_URL": settings.action_endpoint_url,
        "TRACKER_STORE_HOST": database.host or "127.0.0.1",
        "TRACKER_STORE_PORT": str(database.port or 5432),
        "TRACKER_STORE_NAME": database.database or "",
        "TRACKER_STORE_USER": database.username or "",
        "TRACKER_STORE_PASSWORD": database.password or "",
        "LOCK_STORE_HOST": redis.host or "127.0.0.1",
        "LOCK_STORE_PORT": str(redis.port or 6379),
        "LOCK_STORE_DB": redis.database or "0",
        "LOCK_STORE_PASSWORD": redis.password or "",
        "LOCK_STORE_KEY_PREFIX": settings.lock_store_key_prefix,
    }


# --- PostgreSQL and Redis --------------------------------------------------------


def with_own_passwords(settings: Settings) -> Settings:
    """`settings` with the passwords of the PostgreSQL and Redis that run-scaled runs here.

    A server is ours when its URL names loopback without a password and nothing answers there
    (it is about to be started), or an earlier run started it and it is still running. A server
    someone else runs keeps the URL .env gives it.
    """
    database, redis = postgres_url(settings), make_url(settings.redis_url)
    if database.password is None and _ours(settings, "postgres", database.host, database.port or 5432):
        database = database.set(password=own_password(settings, "postgres"))
        write_pgpass(settings, database)
    if redis.password is None and _ours(settings, "redis", redis.host, redis.port or 6379):
        # redis://:password@host: SQLAlchemy writes no password without a user name.
        redis = redis.set(username=redis.username or "", password=own_password(settings, "redis"))
    return replace(
        settings,
        database_url=database.render_as_string(hide_password=False),
        redis_url=redis.render_as_string(hide_password=False),
    )


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


def _ours(settings: Settings, name: str, host: str | None, port: int) -> bool:
    if (host or "127.0.0.1") not in LOOPBACK:
        return False
    pid = servers._read_pid(settings.run_dir / "run" / f"{name}.pid")
    return not port_answers(f"tcp://{host or '127.0.0.1'}:{port}") or (
        pid is not None and servers._alive(pid)
    )


def backing_services(settings: Settings, database: URL) -> list[Server]:
    """PostgreSQL and Redis servers to start here: none when both answer already.

    Give it `with_own_passwords(settings)` and its database URL: a server started here asks
    for the password those carry.
    """
    redis = make_url(settings.redis_url)
    to_start = []
    postgres_at = (database.host or "127.0.0.1", database.port or 5432)
    if _needs_starting("PostgreSQL", *postgres_at):
        password = database.password or own_password(settings, "postgres")
        to_start.append(postgres_server(settings, *postgres_at, user=database.username or "postgres",
                                        password=str(password)))  # fmt: skip
    redis_at = (redis.host or "127.0.0.1", redis.port or 6379)
    if _needs_starting("Redis", *redis_at):
        to_start.append(
            _redis_server(settings, *redis_at, password=redis.password or own_password(settings, "redis"))
        )
    return to_start


def _needs_starting(service: str, host: str, port: int) -> bool:
    if port_answers(f"tcp://{host}:{port}"):
        return False
    if host not in LOOPBACK:
        raise SystemExit(f"{service} does not answer at {host}:{port}.")
    return True


def postgres_server(settings: Settings, host: str, port: int, user: str, password: str) -> Server:
    """Our own PostgreSQL, made (initdb) the first time: scram-sha-256 passwords on every
    connection (loopback and its socket), `user` its superuser with `password`.

    A cluster made before passwords (trust, issue 13) or whose password file was lost gets
    `password` and password authentication before it starts.
    """
    # Debian keeps PostgreSQL's programs off PATH, under /usr/lib/postgresql/<version>/bin.
    postgres = _program("PostgreSQL", ["postgres", *sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))])
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


def _redis_server(settings: Settings, host: str, port: int, password: str) -> Server:
    """Redis, with `requirepass` in a 0600 configuration file (a command line is in `ps`)."""
    redis = _program("Redis", ["redis-server"])
    data = private_folder(settings.run_dir / "redis", tighten=True)
    conf = data / "redis.conf"
    conf.unlink(missing_ok=True)
    descriptor = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        # Locks last seconds: nothing to keep on disk.
        file.write(f'bind {host}\nport {port}\ndir "{data.resolve()}"\nsave ""\nrequirepass {password}\n')
    return Server("redis", [redis, str(conf.resolve())], f"tcp://{host}:{port}", {})


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


# --- nginx ------------------------------------------------------------------------


def write_nginx_conf(settings: Settings) -> Path:
    folder = _nginx_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    conf = NGINX_TEMPLATE.read_text().format(
        folder=folder.resolve(),
        log_dir=(settings.run_dir / "log").resolve(),
        rasa_servers=_upstream_lines(settings.rasa_host, settings.scaled_rasa_ports),
        action_servers=_upstream_lines(settings.action_server_host, settings.scaled_action_ports),
        rasa_listen=f"{settings.rasa_host}:{settings.rasa_port}",
        actions_listen=f"{settings.action_server_host}:{settings.action_server_port}",
    )
    (folder / "nginx.conf").write_text(conf)
    return folder / "nginx.conf"


def _upstream_lines(host: str, ports: tuple[int, ...]) -> str:
    # A replica that refuses a connection is left alone for 5 s; the request goes to another.
    return "\n".join(f"        server {host}:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def find_nginx() -> str:
    return _program("nginx", ["nginx", "/usr/sbin/nginx"])  # Debian keeps it off a user's PATH


def _nginx_dir(settings: Settings) -> Path:
    return settings.run_dir / "nginx"


def _program(service: str, candidates: list[str]) -> str:
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    raise SystemExit(f"{service} is needed for make run-scaled but was not found: {INSTALL_HINTS[service]}.")
