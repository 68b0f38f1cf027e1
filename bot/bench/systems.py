"""Starting what the benchmark measures, each in its own folder and on free loopback ports.

Two systems (What Matters, and the stock `rasa init` bot as the baseline) in
two configurations:

- sqlite:   one Rasa server with the SQLite tracker store (`make run`'s shape);
- postgres: two Rasa replicas behind nginx on PostgreSQL and Redis (`make run-scaled`'s shape).

The baseline gets the same tracker store, lock store and balancer as ours, so
the ratios compare the bots, not their storage.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import servers, training
from bot.config import PROJECT_ROOT, Settings
from bot.scaled.deployment import topology as scaled_topology
from bot.scaled.nginx import find_nginx, write_nginx_conf
from bot.scaled.postgres import postgres_url, prepare_databases
from bot.store.database import migrate

OURS, BASELINE = "What Matters", "rasa init"
WORK_DIR = PROJECT_ROOT / "var" / "bench"
CONFIGS = ("sqlite", "postgres")
LOCAL_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@contextmanager
def running(system: str, config: str, model: Path, folder: Path) -> Iterator[Settings]:
    """The system started (and stopped afterwards, its database dropped); its settings."""
    settings = _settings(config, folder)
    try:
        servers.launch(settings, _topology(system, config, settings, model))
        yield settings
    finally:
        servers.stop(settings)
        if config == "postgres":
            _drop_database(settings.database_url)


@contextmanager
def action_server(folder: Path) -> Iterator[dict[str, Any]]:
    """Our action server alone, on a SQLite plan store in `folder`: its webhook's URL and the
    header with the secret it requires, as Rasa's EndpointConfig takes them."""
    settings = _settings("sqlite", folder)
    migrate(settings.database_url)
    try:
        servers.launch(settings, [servers.action_server(settings, "actions", settings.action_server_port)])
        yield {
            "url": settings.action_endpoint_url,
            "headers": {"Authorization": f"Bearer {settings.action_server_token}"},
        }
    finally:
        servers.stop(settings)


def peak_rss_mb(settings: Settings) -> dict[str, float]:
    """Each running server's peak resident memory (VmHWM, summed over its processes), in MB."""
    peaks = {}
    for pid_file in sorted((settings.run_dir / "run").glob("*.pid")):
        group = int(pid_file.read_text())
        peaks[pid_file.stem] = sum(_peak_kb(pid) for pid in _processes_in_group(group)) / 1024
    return peaks


def timed(command: list[str], cwd: Path, log: Path) -> float:
    """Seconds `command` took, its output in `log`; it must succeed."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("wb") as output:
        finished = subprocess.run(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
    if finished.returncode != 0:
        raise SystemExit(f"{' '.join(command[1:4])} failed: see {log}")
    return time.perf_counter() - started


def train_ours(folder: Path) -> float:
    """Seconds to train our model from scratch (into `folder`, leaving models/ alone)."""
    return timed([*training.train_command(folder, "bench"), "--force"], PROJECT_ROOT, folder / "training.log")


def _topology(system: str, config: str, settings: Settings, model: Path) -> list[servers.Server]:
    if config == "sqlite":
        migrate(settings.database_url)
        if system == OURS:
            return servers.servers(settings, model)
        env = {"ACTION_ENDPOINT_URL": settings.action_endpoint_url,
               "TRACKER_STORE_DB": str(settings.tracker_store_db)}  # fmt: skip
        return [servers.rasa_server(settings, model, "rasa", settings.rasa_port, "endpoints.yml", env)]
    prepare_databases(postgres_url(settings))
    write_nginx_conf(settings)
    topology = scaled_topology(settings, model, find_nginx())
    if system == OURS:
        return topology
    return [server for server in topology if server.name.startswith(("rasa", "nginx"))]


def _settings(config: str, folder: Path) -> Settings:
    """Settings for one run, through the environment the servers inherit."""
    folder.mkdir(parents=True, exist_ok=True)
    action_port = _free_port()
    os.environ.update({
        "RUN_DIR": str(folder),
        "RASA_PORT": str(_free_port()),
        "RASA_AUTH_TOKEN": secrets.token_urlsafe(16),
        "ACTION_SERVER_PORT": str(action_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "CONSOLE_PORT": str(_free_port()),
        "CONSOLE_SECRET_KEY": secrets.token_urlsafe(16),
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16),
        "TRACKER_STORE_DB": str(folder / "tracker.db"),
        "DATABASE_URL": _database_url(config, folder),
        "LOCK_STORE_KEY_PREFIX": f"bench{uuid.uuid4().hex[:8]}",
        "SCALED_RASA_PORTS": f"{_free_port()},{_free_port()}",
        "SCALED_ACTION_PORTS": f"{_free_port()},{_free_port()}",
    })  # fmt: skip
    return Settings.from_env()


def _database_url(config: str, folder: Path) -> str:
    if config == "sqlite":
        return f"sqlite:///{folder / 'plans.db'}"
    base = make_url(os.environ.get("BENCH_DATABASE_URL") or LOCAL_POSTGRES)
    return base.set(database=f"wm_bench_{uuid.uuid4().hex[:10]}").render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    database = make_url(url)
    engine = create_engine(
        database.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True, hide_parameters=True
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _processes_in_group(group: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == group:  # after the name: state, ppid, pgrp
            members.append(int(stat.parent.name))
    return members


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
