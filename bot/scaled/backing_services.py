"""Which PostgreSQL and Redis make run-scaled starts itself, and the passwords the settings then carry."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.engine import URL, make_url

from bot import servers
from bot.config import Settings
from bot.scaled.passwords import own_password, write_pgpass
from bot.scaled.postgres import postgres_server, postgres_url
from bot.scaled.redis_server import redis_server
from bot.servers import Server, port_answers

LOOPBACK = ("127.0.0.1", "localhost", "::1")


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


def _ours(settings: Settings, name: str, host: str | None, port: int) -> bool:
    if (host or "127.0.0.1") not in LOOPBACK:
        return False
    about_to_start = not port_answers(f"tcp://{host or '127.0.0.1'}:{port}")
    return about_to_start or servers.running_pid(settings, name) is not None


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
            redis_server(settings, *redis_at, password=redis.password or own_password(settings, "redis"))
        )
    return to_start


def _needs_starting(service: str, host: str, port: int) -> bool:
    if port_answers(f"tcp://{host}:{port}"):
        return False
    if host not in LOOPBACK:
        raise SystemExit(f"{service} does not answer at {host}:{port}.")
    return True
