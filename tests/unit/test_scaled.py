"""The scaled-out topology's pieces that need no running server: settings to Rasa's endpoint
values, nginx's configuration (checked by nginx itself), and clear refusals."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from bot import rasa_server, servers
from bot.config import Settings
from bot.scaled import deployment, nginx, postgres
from bot.scaled.backing_services import backing_services, with_own_passwords

POSTGRES = "postgresql+psycopg2://carer:s3cret@db.example:6543/plans"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(
        Settings.from_env(), database_url=POSTGRES, redis_url="redis://:pw@cache.example:6380/3",
        run_dir=tmp_path, rasa_port=15005, action_server_port=15055,
        scaled_rasa_ports=(15006, 15007), scaled_action_ports=(15056, 15057),
        rasa_auth_token="token", console_secret_key="key",
    )  # fmt: skip


def test_rasa_replicas_get_the_shared_stores_from_database_url_and_redis_url(settings: Settings) -> None:
    env = deployment.rasa_endpoint_env(settings)
    assert (env["TRACKER_STORE_HOST"], env["TRACKER_STORE_PORT"], env["TRACKER_STORE_NAME"]) == (
        "db.example", "6543", "plans",
    )  # fmt: skip
    assert (env["TRACKER_STORE_USER"], env["TRACKER_STORE_PASSWORD"]) == ("carer", "s3cret")
    assert (env["LOCK_STORE_HOST"], env["LOCK_STORE_PORT"], env["LOCK_STORE_DB"]) == (
        "cache.example",
        "6380",
        "3",
    )
    assert env["LOCK_STORE_PASSWORD"] == "pw"


def test_the_topology_puts_every_replica_behind_nginx_and_no_password_on_a_command_line(
    settings: Settings,
) -> None:
    topology = deployment.topology(settings, Path("models/m.tar.gz"), "/usr/sbin/nginx")
    names = [server.name for server in topology]
    assert names == ["actions-1", "actions-2", "rasa-1", "rasa-2", "nginx", "console", "demo-site"]
    rasa_1 = topology[2]
    assert "endpoints.production.yml" in rasa_1.command and "15006" in rasa_1.command
    assert all("s3cret" not in " ".join(server.command) for server in topology)


def test_sqlite_is_refused_with_what_to_set(settings: Settings) -> None:
    with pytest.raises(SystemExit, match="DATABASE_URL=postgresql"):
        postgres.postgres_url(replace(settings, database_url="sqlite:///var/x.db"))


# These need real nginx, PostgreSQL or Redis: marked e2e, so in CI (where .ci/run provides them) a skip fails.
@pytest.mark.e2e
@pytest.mark.skipif(
    not shutil.which("nginx", path="/usr/sbin:/usr/bin"),
    reason="nginx is not installed (apt-get install nginx; .ci/run installs it)",
)
def test_nginx_accepts_the_generated_configuration(settings: Settings) -> None:
    conf = nginx.write_nginx_conf(settings)
    text = conf.read_text()
    assert "server 127.0.0.1:15006" in text and "server 127.0.0.1:15057" in text
    assert "listen 127.0.0.1:15005" in text and "hash $remote_addr consistent" in text
    (settings.run_dir / "log").mkdir()
    checked = subprocess.run(
        [nginx.find_nginx(), "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_stop_takes_the_balancer_down_before_the_servers_behind_it(settings: Settings) -> None:
    run = settings.run_dir / "run"
    run.mkdir()
    for name in ("actions-1", "redis", "rasa-2", "console", "nginx", "rasa-1"):
        (run / f"{name}.pid").write_text("999999999")  # no such process: nothing is signalled
    order = [path.stem for path in sorted(run.glob("*.pid"), key=servers._stop_rank)]
    assert order == ["console", "nginx", "rasa-1", "rasa-2", "actions-1", "redis"]
    assert servers.stop(settings) == [] and not list(run.glob("*.pid"))


def test_a_server_is_running_while_the_process_its_pid_file_names_lives(settings: Settings) -> None:
    run = settings.run_dir / "run"
    run.mkdir()
    (run / "redis.pid").write_text(str(os.getpid()))  # this test's own process: alive
    (run / "postgres.pid").write_text("999999999")  # no such process
    (run / "rasa.pid").write_text("not a number")
    assert servers.running_pid(settings, "redis") == os.getpid()
    assert [servers.running_pid(settings, name) for name in ("postgres", "rasa", "console")] == [None] * 3


@pytest.mark.e2e
def test_nothing_is_started_for_services_that_answer_and_a_remote_one_that_does_not_is_named(
    settings: Settings,
) -> None:
    local = replace(settings, database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/test",
                    redis_url="redis://127.0.0.1:6379/1")  # fmt: skip
    if not (servers.port_answers("tcp://127.0.0.1:5432") and servers.port_answers("tcp://127.0.0.1:6379")):
        pytest.skip("needs PostgreSQL and Redis on loopback, as on our machines and CI")
    assert backing_services(local, postgres.postgres_url(local)) == []
    # db.example does not resolve: nothing answers there, and it is not ours to start.
    with pytest.raises(SystemExit, match=r"PostgreSQL does not answer at db\.example:6543"):
        backing_services(settings, postgres.postgres_url(settings))


@pytest.mark.e2e
@pytest.mark.skipif(
    not shutil.which("redis-server"), reason="redis-server is not installed (apt-get install redis-server)"
)
def test_a_silent_redis_on_loopback_is_started_under_run_dir(settings: Settings) -> None:
    port = _free_port()
    local = replace(settings, database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/test",
                    redis_url=f"redis://127.0.0.1:{port}/1")  # fmt: skip
    if not servers.port_answers("tcp://127.0.0.1:5432"):
        pytest.skip("needs PostgreSQL on loopback, as on our machines and CI")
    [redis] = backing_services(local, postgres.postgres_url(local))
    try:
        servers.launch(local, [redis])
        assert servers.port_answers(f"tcp://127.0.0.1:{port}")
    finally:
        servers.stop(local)
    assert not servers.port_answers(f"tcp://127.0.0.1:{port}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_token_that_begins_with_a_dash_reaches_rasa_as_the_token(settings: Settings) -> None:
    """secrets.token_urlsafe begins with "-" one time in 64: `--auth-token -x...` stopped Rasa's CLI."""
    from rasa.__main__ import create_argument_parser

    token = "-srrx0123456789abcdef"
    server = servers.rasa_server(
        replace(settings, rasa_auth_token=token), Path("m.tar.gz"), "rasa", 5005, "e.yml", {}
    )
    # As bot.rasa_server hands them to Rasa, with the token from the server's environment.
    given = rasa_server.rasa_arguments(server.command[3:], server.env)
    arguments = create_argument_parser().parse_args(given)
    assert arguments.auth_token == token


def test_generated_passwords_go_only_to_the_servers_run_scaled_starts(settings: Settings) -> None:
    """issue 13, item 13: our own PostgreSQL and Redis get a password made once (0600 in RUN_DIR);
    a server someone else runs, one whose URL has a password, or a remote one keep .env's URL."""
    free_postgres, free_redis = _free_port(), _free_port()
    local = replace(settings, database_url=f"postgresql+psycopg2://carer@127.0.0.1:{free_postgres}/plans",
                    redis_url=f"redis://127.0.0.1:{free_redis}/1")  # fmt: skip
    given = with_own_passwords(local)
    postgres_password = (settings.run_dir / "postgres.password").read_text().strip()
    redis_password = (settings.run_dir / "redis.password").read_text().strip()
    for name in ("postgres.password", "redis.password"):
        assert (settings.run_dir / name).stat().st_mode & 0o777 == 0o600
    assert (
        postgres_password != redis_password and postgres_password.isalnum() and postgres_password[0].isalpha()
    )
    assert (
        given.database_url
        == f"postgresql+psycopg2://carer:{postgres_password}@127.0.0.1:{free_postgres}/plans"
    )
    assert given.redis_url == f"redis://:{redis_password}@127.0.0.1:{free_redis}/1"
    assert with_own_passwords(local) == given  # made once
    assert deployment.rasa_endpoint_env(given)["LOCK_STORE_PASSWORD"] == redis_password

    assert with_own_passwords(settings) == settings  # remote, and with passwords of their own
    with socket.socket() as someone_elses:  # a server on loopback that an earlier run did not start
        someone_elses.bind(("127.0.0.1", 0))
        someone_elses.listen()
        port = someone_elses.getsockname()[1]
        theirs = replace(local, database_url=f"postgresql+psycopg2://carer@127.0.0.1:{port}/plans")
        assert with_own_passwords(theirs).database_url == theirs.database_url
