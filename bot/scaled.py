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

Balancing: REST requests go to the least busy replica (the lock store keeps
one conversation's turns in order on any replica). socket.io needs one client
to stay on one replica (its session lives in that process): nginx open source
has no sticky cookie, so its location hashes the client's address.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot import servers
from bot.config import Settings
from bot.servers import Server, port_answers
from bot.store.database import migrate

LOOPBACK = ("127.0.0.1", "localhost", "::1")
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


def backing_services(settings: Settings, database: URL) -> list[Server]:
    """PostgreSQL and Redis servers to start here: none when both answer already."""
    redis = make_url(settings.redis_url)
    to_start = []
    postgres_at = (database.host or "127.0.0.1", database.port or 5432)
    if _needs_starting("PostgreSQL", *postgres_at):
        to_start.append(_postgres_server(settings, *postgres_at, user=database.username or "postgres"))
    redis_at = (redis.host or "127.0.0.1", redis.port or 6379)
    if _needs_starting("Redis", *redis_at):
        to_start.append(_redis_server(settings, *redis_at))
    return to_start


def _needs_starting(service: str, host: str, port: int) -> bool:
    if port_answers(f"tcp://{host}:{port}"):
        return False
    if host not in LOOPBACK:
        raise SystemExit(f"{service} does not answer at {host}:{port}.")
    return True


def _postgres_server(settings: Settings, host: str, port: int, user: str) -> Server:
    # Debian keeps PostgreSQL's programs off PATH, under /usr/lib/postgresql/<version>/bin.
    postgres = _program("PostgreSQL", ["postgres", *sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))])
    data = settings.run_dir / "postgres"
    if not (data / "PG_VERSION").exists():
        initdb = str(Path(postgres).with_name("initdb"))
        subprocess.run([initdb, "-D", str(data), "-U", user, "--auth=trust"], check=True)
    command = [postgres, "-D", str(data), "-h", host, "-p", str(port), "-k", str(data.resolve())]
    return Server("postgres", command, f"tcp://{host}:{port}", {})


def _redis_server(settings: Settings, host: str, port: int) -> Server:
    redis = _program("Redis", ["redis-server"])
    data = settings.run_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    # Locks last seconds: nothing to keep on disk.
    command = [redis, "--bind", host, "--port", str(port), "--dir", str(data), "--save", ""]
    return Server("redis", command, f"tcp://{host}:{port}", {})


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
