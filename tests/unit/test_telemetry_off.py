"""Rasa's telemetry is off wherever Rasa runs: the images, docker compose, the Helm values,
the servers we start and every Rasa command of ours (issue 13, item 7).

Rasa sends usage events and crash reports (tracebacks, which can hold a person's words)
to third parties unless RASA_TELEMETRY_ENABLED is false.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot import rasa_server, servers, training
from bot.config import Settings
from bot.scaled.deployment import topology as scaled_topology

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OFF = "false"


def test_every_image_has_telemetry_off() -> None:
    for dockerfile in sorted(DEPLOY.glob("Dockerfile.*")):
        env = re.findall(r"^ENV .*\bRASA_TELEMETRY_ENABLED=(\S+)", dockerfile.read_text(), flags=re.MULTILINE)
        assert env == [OFF], dockerfile.name


def test_every_compose_service_of_ours_has_telemetry_off() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    ours = {
        name: service
        for name, service in compose["services"].items()
        if "whatmatters" in service.get("image", "")
    }
    assert {"rasa-1", "rasa-2", "actions-1", "migrate", "console"} <= ours.keys()
    for name, service in ours.items():
        assert service["environment"].get("RASA_TELEMETRY_ENABLED") == OFF, name


def test_the_helm_values_turn_telemetry_off() -> None:
    values = yaml.safe_load((DEPLOY / "k8s" / "values.yaml").read_text())
    # Rasa's chart sets RASA_TELEMETRY_ENABLED from this value in every Rasa pod.
    assert values["applicationSettings"]["telemetry"]["enabled"] is False
    assert values["command"][:3] == ["python", "-m", "bot.rasa_server"]  # which turns it off as well


def test_every_rasa_server_we_start_has_telemetry_off(tmp_path: Path) -> None:
    settings = replace(
        Settings.from_env(), run_dir=tmp_path, rasa_auth_token="token",
        database_url="postgresql+psycopg2://carer:s3cret@db.example:6543/plans",
    )  # fmt: skip
    started = [
        *servers.servers(settings, Path("m.tar.gz")),
        *scaled_topology(settings, Path("m.tar.gz"), "nginx"),
    ]
    rasa = [server for server in started if server.command[1:3] == ["-m", "bot.rasa_server"]]
    assert len(rasa) == 3
    assert all(server.env["RASA_TELEMETRY_ENABLED"] == OFF for server in rasa)


def test_our_rasa_commands_go_through_the_wrapper_that_turns_it_off() -> None:
    assert training.train_command(Path("models"), "m")[:3] == [sys.executable, "-m", "bot.rasa_server"]
    assert "-m bot.rasa_server data validate" in (ROOT / "Makefile").read_text()


def test_the_wrapper_turns_telemetry_off_whatever_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str | None] = []
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "true")
    monkeypatch.setattr(rasa_server, "apply_fix", lambda: None)
    monkeypatch.setattr(rasa_server, "limit_request_size", lambda *_: None)  # not this test's business
    monkeypatch.setattr("rasa.__main__.main", lambda: seen.append(os.environ.get("RASA_TELEMETRY_ENABLED")))
    monkeypatch.setattr(sys, "argv", ["bot/rasa_server.py", "--version"])

    rasa_server.main()
    assert seen == [OFF]
