"""The PostgreSQL and Redis that `make run-scaled` starts ask for passwords (issue 13, item 13).

Started here the way `python -m bot servers start --scaled` starts them (bot.scaled.deployment: the
passwords, then the backing services, launched by bot.servers), on free loopback ports with a
RUN_DIR of the test's own, and without Rasa. As root, which is how this project's machines
run it, that is the path a root user gets: PostgreSQL's programs run as the `postgres` user.
Skipped, saying why, where initdb or redis-server is missing; in CI (CI=true) that skip is a
failure (the `e2e` and `postgres` marks, tests/conftest.py).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from bot import servers
from bot.config import Settings
from bot.scaled import deployment, postgres

MARKER = "wm-marker-secret-never-in-postgres-environment"
TOPOLOGY = deployment.topology  # the servers start() would go on to start, which these tests leave out


def _initdb() -> str | None:
    found = shutil.which("initdb") or sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings as .env gives them to make run-scaled: loopback URLs without a password."""
    if _initdb() is None:
        pytest.skip("PostgreSQL's initdb is not on this machine (apt-get install postgresql)")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not on this machine (apt-get install redis-server)")
    own = replace(
        Settings.from_env(),
        database_url=f"postgresql+psycopg2://whatmatters@127.0.0.1:{_free_port()}/whatmatters",
        redis_url=f"redis://127.0.0.1:{_free_port()}/1",
        run_dir=tmp_path / "var",
        rasa_auth_token="token", console_secret_key="key", action_server_token="secret",
    )  # fmt: skip
    try:
        yield own
    finally:
        servers.stop(own)
        shutil.rmtree(postgres.postgres_runner(own)[1], ignore_errors=True)  # as root, outside tmp_path


def _start(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, list[servers.Server]]:
    """bot.scaled.deployment.start, as `make run-scaled` calls it, with Rasa, nginx and the console left out:
    the settings and the servers it would then start (not started)."""
    monkeypatch.setenv("WM_TEST_SECRET", MARKER)  # as .env's secrets are, in our environment
    # No password but the URL's: none from the environment or ~/.pgpass.
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", os.devnull)
    given: list[tuple[Settings, list[servers.Server]]] = []
    monkeypatch.setattr(deployment, "find_nginx", lambda: "/usr/sbin/nginx")
    # The database is made with the password; our tables and Rasa's (slow to import) are not.
    monkeypatch.setattr(deployment, "prepare_databases", postgres._create_database_if_missing)
    monkeypatch.setattr(
        deployment,
        "topology",
        lambda started, model, nginx: given.append((started, TOPOLOGY(started, model, nginx))) or [],
    )
    deployment.start(settings, Path("models/m.tar.gz"))
    return given[0]


def _connect(url: URL, query: str = "SELECT current_user") -> str:
    engine = create_engine(url.update_query_dict({"connect_timeout": "5"}), future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar_one()
    finally:
        engine.dispose()


def _without_password(url: URL, **changes: object) -> URL:
    """`url` with no password at all (SQLAlchemy 1.4's URL.set leaves one given None)."""
    fields = {"drivername": url.drivername, "username": url.username, "host": url.host, "port": url.port,
              "database": url.database, "query": url.query, **changes}  # fmt: skip
    return URL.create(**fields)  # type: ignore[arg-type]


def _pid(settings: Settings, name: str) -> int:
    return int((settings.run_dir / "run" / f"{name}.pid").read_text())


def _every_command_line() -> str:
    lines = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            lines.append(Path(cmdline).read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:  # gone meanwhile
            continue
    return "\n".join(lines)


@pytest.mark.e2e
@pytest.mark.postgres
def test_scaled_postgres_takes_the_generated_password_only(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, topology = _start(settings, monkeypatch)
    database = make_url(given.database_url)
    password_file = settings.run_dir / "postgres.password"
    password = password_file.read_text().strip()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert database.password == password and len(password) >= 40
    assert _connect(database) == "whatmatters"  # the app's database, which start made

    # Without the password, a wrong one, or over its socket without one: refused.
    for refused in (_without_password(database), database.set(password="wrong" + password[5:])):
        with pytest.raises(OperationalError, match="password"):
            _connect(refused.set(database="postgres"))
    socket_folder = str(postgres.postgres_runner(settings)[1])
    with pytest.raises(OperationalError, match="password"):
        _connect(
            _without_password(
                database,
                database="postgres",
                host=None,
                query={"host": socket_folder, "port": str(database.port)},
            )
        )

    # A command run by hand (.env's DATABASE_URL, no password) reaches it with libpq's password file.
    pgpass = settings.run_dir / "postgres.pgpass"
    assert stat.S_IMODE(pgpass.stat().st_mode) == 0o600
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert _connect(make_url(settings.database_url)) == "whatmatters"
    monkeypatch.setenv("PGPASSFILE", os.devnull)

    # Never on a command line; the servers get it in their environment (and Rasa's endpoints).
    assert password not in _every_command_line()
    for server in topology:
        assert password not in " ".join(server.command)
        if server.name.startswith(("actions", "console")):
            assert make_url(server.env["DATABASE_URL"]).password == password, server.name
        if server.name.startswith("rasa"):
            assert server.env["TRACKER_STORE_PASSWORD"] == password

    postmaster = Path(f"/proc/{_pid(settings, 'postgres')}")
    if os.geteuid() == 0:
        # The root path: PostgreSQL runs as the postgres user, who never gets our secrets.
        assert postmaster.stat().st_uid == pwd.getpwnam(postgres.POSTGRES_SYSTEM_USER).pw_uid
        assert MARKER.encode() not in (postmaster / "environ").read_bytes()
        # Its emptied environment has no locale: the cluster holds people's words in UTF-8 all the same.
        assert _connect(database.set(database="postgres"), "SHOW server_encoding") == "UTF8"
    else:
        assert postmaster.stat().st_uid == os.geteuid()

    # Started again (the cluster is made once), the password still holds.
    servers.stop(given)
    again, _ = _start(settings, monkeypatch)
    assert again.database_url == given.database_url
    assert _connect(database.set(database="postgres")) == "whatmatters"


@pytest.mark.e2e
@pytest.mark.postgres
def test_scaled_redis_takes_the_generated_password_only(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    given, topology = _start(settings, monkeypatch)
    url = make_url(given.redis_url)
    password = (settings.run_dir / "redis.password").read_text().strip()
    assert url.password == password and len(password) >= 40
    conf = settings.run_dir / "redis" / "redis.conf"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600 and f"requirepass {password}" in conf.read_text()

    with redis.Redis(host=url.host, port=url.port, password=password, socket_timeout=5) as client:
        assert client.ping()
    with (
        redis.Redis(host=url.host, port=url.port, socket_timeout=5) as client,
        pytest.raises(redis.exceptions.AuthenticationError),
    ):
        client.set("wm-test", "1")
    with (
        redis.Redis(host=url.host, port=url.port, password="wrong", socket_timeout=5) as client,
        pytest.raises(redis.exceptions.AuthenticationError),
    ):
        client.ping()

    # Rasa's lock store gets it from endpoints.production.yml's `password: ${LOCK_STORE_PASSWORD}`.
    replicas = [server for server in topology if server.name.startswith("rasa")]
    assert replicas and all(server.env["LOCK_STORE_PASSWORD"] == password for server in replicas)
    assert password not in _every_command_line()


@pytest.mark.e2e
@pytest.mark.postgres
def test_a_cluster_made_with_trust_before_issue_13_is_given_the_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run-scaled made its cluster with --auth=trust: the next start makes it ask for the password."""
    system_user, data = postgres.postgres_runner(settings)
    data.parent.mkdir(parents=True, exist_ok=True)
    old_initdb = [*postgres._as(system_user), _initdb(), "-D", str(data), "-U", "whatmatters", "--auth=trust"]
    subprocess.run(old_initdb, check=True, capture_output=True, cwd=data.parent)
    assert "trust" in (data / "pg_hba.conf").read_text()

    given, _ = _start(settings, monkeypatch)
    database = make_url(given.database_url).set(database="postgres")
    assert _connect(database) == "whatmatters"
    with pytest.raises(OperationalError, match="password"):
        _connect(_without_password(database))
    hba = (data / "pg_hba.conf").read_text()
    rules = [line for line in hba.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert rules and all(line.split()[-1] == "scram-sha-256" for line in rules)
