"""Starting and stopping the Rasa server, the action server, the review console and the demo
practice website (with the chat widget) on this machine.

Each server runs in the background with its log in `RUN_DIR/log` and its
process id in `RUN_DIR/run`, so `make stop` (or a test) can stop exactly what
`make run` started. All listen on loopback only.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings
from bot.folders import private_folder

READY_TIMEOUT_SECONDS = 300  # loading the model takes 30-60 s on two cores


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    health_url: str  # http://... answering 200, or tcp://host:port accepting connections
    env: dict[str, str]


def servers(settings: Settings, model: Path) -> list[Server]:
    """`make run`: one of each, plans and conversations in SQLite."""
    rasa = rasa_server(
        settings, model, name="rasa", port=settings.rasa_port, endpoints="endpoints.yml",
        env={"ACTION_ENDPOINT_URL": settings.action_endpoint_url,
             "TRACKER_STORE_DB": str(settings.tracker_store_db)},
    )  # fmt: skip
    return [
        action_server(settings, "actions", settings.action_server_port),
        rasa,
        console_server(settings),
        demo_site_server(settings),
    ]


def action_server(settings: Settings, name: str, port: int) -> Server:
    return Server(
        name=name,
        # Rasa SDK's server, locked with ACTION_SERVER_TOKEN, with the task that writes what was
        # queued while the database was down (bot/action_server.py).
        command=[sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)],
        health_url=f"http://{settings.action_server_host}:{port}/health",  # the one path open without it
        env={
            "SANIC_HOST": settings.action_server_host,
            # The shared secret every call must carry; in the environment, never on a command line.
            "ACTION_SERVER_TOKEN": settings.action_server_token,
        },
    )


def rasa_server(
    settings: Settings, model: Path, name: str, port: int, endpoints: str, env: dict[str, str]
) -> Server:
    return Server(
        name=name,
        command=[
            sys.executable, "-m", "bot.rasa_server", "run",  # Rasa with our fix (bot/rasa_server.py)
            "--model", str(model),
            "--interface", settings.rasa_host, "--port", str(port),
            # No --auth-token: bot.rasa_server hands Rasa RASA_AUTH_TOKEN, so it is not in `ps`.
            "--enable-api",
            "--endpoints", endpoints, "--credentials", "credentials.yml",
        ],
        health_url=f"http://{settings.rasa_host}:{port}/",
        # Rasa's telemetry sends crash reports (with tracebacks) to a third party: never from health software.
        env={
            **settings.messaging,  # credentials.yml's channels, blank when off
            "RASA_AUTH_TOKEN": settings.rasa_auth_token,  # the API's and the REST channel's token
            "ACTION_SERVER_TOKEN": settings.action_server_token,  # endpoints.yml sends it to the actions
            **env,
            "RASA_TELEMETRY_ENABLED": "false",
        },
    )  # fmt: skip


def console_server(settings: Settings) -> Server:
    # In the environment, not the command line, where anyone on the machine could read a password.
    env = {"DATABASE_URL": settings.database_url, "TRACKER_STORE_DB": str(settings.tracker_store_db),
           "CONSOLE_HOST": settings.console_host, "CONSOLE_PORT": str(settings.console_port)}  # fmt: skip
    return _bot_server("console", settings.console_url, env)


def demo_site_server(settings: Settings) -> Server:
    """A made-up practice's website with the chat widget on it (bot/demo_site), on its own origin."""
    env = {"DEMO_SITE_HOST": settings.demo_site_host, "DEMO_SITE_PORT": str(settings.demo_site_port),
           "RASA_HOST": settings.rasa_host, "RASA_PORT": str(settings.rasa_port)}  # fmt: skip
    return _bot_server("demo-site", settings.demo_site_url, env)


def _bot_server(name: str, url: str, env: dict[str, str]) -> Server:
    """`python -m bot <name>`, answering at <url>/health."""
    return Server(name=name, command=[sys.executable, "-m", "bot", name], health_url=f"{url}/health", env=env)


# Stopped in this order (a name stands for itself and its numbered replicas, e.g.
# rasa-1): what people talk to first, the services everything else calls last.
STOP_ORDER = ("console", "demo-site", "nginx", "rasa", "actions", "redis", "postgres")


def start(settings: Settings, model: Path) -> None:
    """Start the servers (unless already running) and wait until they answer."""
    check_secrets(settings)
    private_folder(settings.tracker_store_db.parent)
    launch(settings, servers(settings, model))


def check_secrets(settings: Settings) -> None:
    if not settings.rasa_auth_token:
        raise SystemExit("RASA_AUTH_TOKEN is empty: set it in .env (make run writes one).")
    if not settings.console_secret_key:
        raise SystemExit("CONSOLE_SECRET_KEY is empty: set it in .env (make run writes one).")
    if not settings.action_server_token:
        raise SystemExit("ACTION_SERVER_TOKEN is empty: set it in .env (make run writes one).")


def launch(settings: Settings, topology: list[Server]) -> None:
    """Start each server of `topology` that is not running, then wait until all answer."""
    private_folder(settings.run_dir, tighten=True)
    private_folder(settings.run_dir / "log")
    private_folder(settings.run_dir / "run")
    for server in topology:
        if running_pid(settings, server.name) is None:
            _launch(settings, server)
    for server in topology:
        _wait_until_ready(settings, server)


def stop(settings: Settings) -> list[str]:
    """Stop whatever `start` (or bot.scaled) left running; returns the names of those stopped."""
    stopped = []
    for pid_file in sorted((settings.run_dir / "run").glob("*.pid"), key=_stop_rank):
        name = pid_file.stem
        if stop_one(settings, name):
            stopped.append(name)
    return stopped


def stop_one(settings: Settings, name: str) -> bool:
    """Stop one server (and its children); whether it was running."""
    pid = running_pid(settings, name)
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        _wait_for_exit(pid)
    _pid_file(settings, name).unlink(missing_ok=True)
    return pid is not None


def _stop_rank(pid_file: Path) -> tuple[int, str]:
    kind = re.sub(r"-\d+$", "", pid_file.stem)  # rasa-2 is a rasa server
    return (STOP_ORDER.index(kind) if kind in STOP_ORDER else len(STOP_ORDER), pid_file.stem)


def _launch(settings: Settings, server: Server) -> None:
    log = open(_log_file(settings, server.name), "ab")  # noqa: SIM115 - handed to the child process
    process = subprocess.Popen(
        server.command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **server.env},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() ends its children too
    )
    _pid_file(settings, server.name).write_text(str(process.pid))


def _wait_until_ready(settings: Settings, server: Server) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    print(f"Waiting for the {server.name} server", end="", file=sys.stderr, flush=True)
    while time.monotonic() < deadline:
        if _answers(server.health_url):
            print(" ready.", file=sys.stderr)
            return
        if running_pid(settings, server.name) is None:
            raise SystemExit(f"\nThe {server.name} server stopped: see {_log_file(settings, server.name)}")
        print(".", end="", file=sys.stderr, flush=True)
        time.sleep(2)
    raise SystemExit(
        f"\nThe {server.name} server did not start in time: see {_log_file(settings, server.name)}"
    )


def _answers(url: str) -> bool:
    """A 200 from an http:// URL, or a connection accepted at tcp://host:port (PostgreSQL, Redis)."""
    if url.startswith("tcp://"):
        return port_answers(url)
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def port_answers(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return True
    except OSError:
        return False


def running_pid(settings: Settings, name: str) -> int | None:
    """The process id of the server `name` that `start` (or bot.scaled) left running, or None."""
    pid = _read_pid(_pid_file(settings, name))
    return pid if pid is not None and _alive(pid) else None


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A finished child of ours stays as a zombie until reaped: not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, IndexError):
        return True


def _wait_for_exit(pid: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)


def _pid_file(settings: Settings, name: str) -> Path:
    return settings.run_dir / "run" / f"{name}.pid"


def _log_file(settings: Settings, name: str) -> Path:
    return settings.run_dir / "log" / f"{name}.log"
