"""The action server's shared secret wherever an action server runs (issue 13, item 1): `make run`,
`make run-scaled`, Docker Compose and Kubernetes all start ours (bot/action_server.py), give it
ACTION_SERVER_TOKEN, and give Rasa the same secret to send. The server itself is tested running,
in tests/e2e/test_action_server.py.

The deploy files are checked as files (Docker and Helm cannot run here): the Helm values by
their fields, against what the chart's endpoints template writes (it renders only
`additionalEndpoints` as given, and its own `action_endpoint` has a URL and nothing else).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot import servers
from bot.config import Settings
from bot.scaled.deployment import topology as scaled_topology

ROOT = Path(__file__).resolve().parents[2]
SECRET = "-the-action-servers-secret"  # a dash first, as secrets.token_urlsafe gives one time in 64
BEARER = "Bearer ${ACTION_SERVER_TOKEN}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return replace(
        Settings.from_env(), database_url="postgresql+psycopg2://u:p@db.example:5432/plans", run_dir=tmp_path,
        rasa_auth_token="token", console_secret_key="key", action_server_token=SECRET,
    )  # fmt: skip


def _action_servers_and_rasa(topology: list[servers.Server]) -> tuple[list, list]:
    return (
        [server for server in topology if server.name.startswith("actions")],
        [server for server in topology if server.name.startswith("rasa")],
    )


@pytest.mark.parametrize("shape", ["make run", "make run-scaled"])
def test_every_action_server_we_start_is_ours_and_has_the_secret_rasa_sends(
    settings: Settings, shape: str
) -> None:
    if shape == "make run":
        topology = servers.servers(settings, Path("m.tar.gz"))
    else:
        topology = scaled_topology(settings, Path("m.tar.gz"), "/usr/sbin/nginx")
    actions, rasa = _action_servers_and_rasa(topology)
    assert actions and rasa
    for server in actions:
        assert server.command[1:3] == ["-m", "bot.action_server"], server.command
        assert server.env["ACTION_SERVER_TOKEN"] == SECRET
    for server in rasa:
        assert server.env["ACTION_SERVER_TOKEN"] == SECRET  # endpoints.yml reads it from there
    assert all(SECRET not in " ".join(server.command) for server in topology)  # never in `ps`


def test_no_server_starts_without_the_secret(settings: Settings) -> None:
    with pytest.raises(SystemExit, match="ACTION_SERVER_TOKEN"):
        servers.check_secrets(replace(settings, action_server_token=""))
    from bot.action_server import create_app

    with pytest.raises(SystemExit, match="ACTION_SERVER_TOKEN"):
        create_app("actions", "", 1000)


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_rasa_s_endpoints_send_the_secret(endpoints: str) -> None:
    action_endpoint = yaml.safe_load((ROOT / endpoints).read_text())["action_endpoint"]
    assert action_endpoint["headers"] == {"Authorization": BEARER}


def test_docker_compose_gives_the_secret_to_every_service_and_requires_it() -> None:
    compose_text = (ROOT / "deploy" / "docker-compose.yml").read_text()
    compose = yaml.safe_load(compose_text)
    # x-app is merged into Rasa, the action servers, the migration and the console.
    assert compose["x-app"]["environment"]["ACTION_SERVER_TOKEN"].startswith("${ACTION_SERVER_TOKEN:?")
    for name in ("rasa-1", "rasa-2", "actions-1", "actions-2"):
        assert "ACTION_SERVER_TOKEN" in compose["services"][name]["environment"], name
    dockerfile = (ROOT / "deploy" / "Dockerfile.actions").read_text()
    [command] = re.findall(r"^CMD (.*)$", dockerfile, re.M)
    assert '"bot.action_server"' in command and "rasa_sdk" not in command
    assert "endpoints.production.yml" in (ROOT / "deploy" / "Dockerfile.rasa").read_text()


def test_kubernetes_gives_rasa_an_action_endpoint_with_the_secret_and_the_servers_the_secret() -> None:
    values = yaml.safe_load((ROOT / "deploy" / "k8s" / "values.yaml").read_text())
    endpoints = values["applicationSettings"]["endpoints"]
    ours = endpoints["additionalEndpoints"]["action_endpoint"]
    assert ours["headers"] == {"Authorization": BEARER}
    assert ours["url"].startswith("http://whatmatters-actions:5055/")
    # The chart's own action_endpoint (no headers) is written only with its action server or an
    # external one on: both off, or Rasa's endpoints would have two action_endpoint keys.
    chart_action_server = values["rasa-action-server"]
    assert chart_action_server["install"] is False and chart_action_server["external"]["enabled"] is False
    rasa_env = {item["name"]: item for item in values["extraEnv"]}
    assert rasa_env["ACTION_SERVER_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "whatmatters"

    [deployment] = [  # a StatefulSet: each replica keeps its outbox on its own volume
        doc for doc in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "actions.yaml").read_text())
        if doc["kind"] == "StatefulSet"
    ]  # fmt: skip
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    reference = env["ACTION_SERVER_TOKEN"]["valueFrom"]["secretKeyRef"]
    # Not optional: no pod starts without it.
    assert reference == {"name": "whatmatters", "key": "ACTION_SERVER_TOKEN"}
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"  # the one path open without it


def test_env_example_documents_the_settings() -> None:
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^ACTION_SERVER_TOKEN=$", example, re.M)  # blank: make writes one
    assert re.search(r"^ACTION_SERVER_MAX_BODY_BYTES=\d+$", example, re.M)
