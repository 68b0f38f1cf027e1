"""Secrets and health data stay with their owner: .env is 0600, var/ is 0700, and
Rasa's master token is never on a command line (issue 13, item 6)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot import rasa_server, servers
from bot.config import Settings
from bot.scaled.deployment import topology as scaled_topology
from bot.store.database import ensure_sqlite_folder

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent  # the project's virtualenv, as make would use it
TOKEN = "-rasa-master-token-0123456789"  # a dash first, as secrets.token_urlsafe gives one time in 64
ACTION_TOKEN = "-action-server-secret-0123456789"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (022), which makes new files readable by everyone: what we must not rely on."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(
        Settings.from_env(), run_dir=tmp_path / "var", tracker_store_db=tmp_path / "var" / "tracker.db",
        database_url="postgresql+psycopg2://carer:s3cret@db.example:6543/plans",
        rasa_auth_token=TOKEN, console_secret_key="key", action_server_token=ACTION_TOKEN,
    )  # fmt: skip


def make(folder: Path, *targets: str) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # -o: the virtualenv is there already; this is about .env only.
    command = ["make", "-s", "-f", str(ROOT / "Makefile"), f"VENV={VENV}", "-o", str(VENV / ".installed")]
    subprocess.run(
        [*command, *targets], cwd=folder, check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022)
    )


def test_make_writes_env_readable_by_its_owner_only(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path)
    make(tmp_path, ".env", "console-key")
    assert mode(tmp_path / ".env") == 0o600
    written = (tmp_path / ".env").read_text()
    assert "RASA_AUTH_TOKEN=\n" not in written  # it got its token
    assert re.search(r"^ACTION_SERVER_TOKEN=[A-Za-z0-9_-]{40,}$", written, re.M)  # and the action server's


def test_make_tightens_an_env_written_before(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RASA_AUTH_TOKEN=old\nCONSOLE_SECRET_KEY=old\n")
    (tmp_path / ".env").chmod(0o644)
    make(tmp_path, "console-key")
    assert mode(tmp_path / ".env") == 0o600
    # Written before the action server had a secret: it gets one (issue 13, item 1).
    assert re.search(r"^ACTION_SERVER_TOKEN=[A-Za-z0-9_-]{40,}$", (tmp_path / ".env").read_text(), re.M)


def test_the_runtime_folder_is_readable_by_its_owner_only(settings: Settings, loose_umask: None) -> None:
    servers.launch(settings, [])
    for folder in (settings.run_dir, settings.run_dir / "log", settings.run_dir / "run"):
        assert mode(folder) == 0o700, folder


def test_a_runtime_folder_made_before_is_tightened(settings: Settings, loose_umask: None) -> None:
    settings.run_dir.mkdir(mode=0o755)
    servers.launch(settings, [])
    assert mode(settings.run_dir) == 0o700


def test_a_new_folder_for_the_sqlite_plans_is_private(tmp_path: Path, loose_umask: None) -> None:
    ensure_sqlite_folder(f"sqlite:///{tmp_path / 'var' / 'whatmatters.db'}")
    assert mode(tmp_path / "var") == 0o700


def test_no_server_we_start_has_the_rasa_token_on_its_command_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    argvs: list[list[str]] = []

    def record(command: list[str], **_: Any) -> SimpleNamespace:  # a started process, as far as we care
        argvs.append(list(command))
        return SimpleNamespace(pid=os.getpid())

    monkeypatch.setattr(servers.subprocess, "Popen", record)
    monkeypatch.setattr(servers, "running_pid", lambda *_: None)
    monkeypatch.setattr(servers, "_wait_until_ready", lambda *_: None)
    servers.start(settings, Path("model.tar.gz"))  # make run
    servers.launch(settings, scaled_topology(settings, Path("model.tar.gz"), "nginx"))  # make run-scaled

    assert len(argvs) == 4 + 7
    assert not [argv for argv in argvs if any(TOKEN in arg or ACTION_TOKEN in arg for arg in argv)]


def test_rasa_gets_the_token_from_its_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.__main__ import create_argument_parser

    [rasa] = [server for server in servers.servers(settings, Path("m.tar.gz")) if server.name == "rasa"]
    parsed: list[Any] = []
    monkeypatch.setattr(rasa_server, "apply_fix", lambda: None)  # not this test's business
    monkeypatch.setattr(rasa_server, "limit_request_size", lambda *_: None)  # nor this
    monkeypatch.setattr("rasa.__main__.main", lambda: parsed.append(create_argument_parser().parse_args()))
    monkeypatch.setattr(sys, "argv", ["bot/rasa_server.py", *rasa.command[3:]])
    for name, value in rasa.env.items():
        monkeypatch.setenv(name, value)

    rasa_server.main()
    assert parsed[0].auth_token == TOKEN and parsed[0].enable_api


def test_a_token_given_on_the_command_line_is_left_alone() -> None:
    given = ["run", "--enable-api", "--auth-token=mine"]
    assert rasa_server.rasa_arguments(given, {"RASA_AUTH_TOKEN": TOKEN}) == given
    without_api = ["run"]
    assert rasa_server.rasa_arguments(without_api, {"RASA_AUTH_TOKEN": TOKEN}) == without_api
