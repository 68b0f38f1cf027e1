"""What make run-scaled runs, in what order: the backing services and schemas, then the action
servers, the Rasa replicas, nginx in front of both, the console and the demo site."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot import servers
from bot.config import Settings
from bot.scaled.backing_services import backing_services, with_own_passwords
from bot.scaled.nginx import find_nginx, nginx_dir, write_nginx_conf
from bot.scaled.postgres import postgres_url, prepare_databases
from bot.servers import Server


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
        command=[nginx, "-p", str(nginx_dir(settings)), "-c", str(nginx_dir(settings) / "nginx.conf")],
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
