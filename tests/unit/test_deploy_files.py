"""The deploy files keep the hardening (issue 13, item 3): our channels, every secret required,
and nothing published but what the public needs (`/webhooks/` and `/socket.io/`).

- **Helm** (deploy/k8s/values.yaml). There is no `helm` binary here and no network to fetch the
  chart, so the chart is not rendered: the values file's fields are checked against what the
  templates of Rasa's chart (github.com/RasaHQ/helm-charts, charts/rasa and charts/rasa-common) do
  with them. `secret.yaml` writes `default "UNSET"` for an empty `token` and JWT secret, and
  `deployment.yaml`'s default arguments (used whenever `args` is empty) pass them as `--auth-token
  "$(RASA_TOKEN)"` and `--jwt-secret "$(JWT_SECRET)"`, with `--cors '*'`; `config-map.yaml` writes
  `additionalChannelCredentials` and `additionalEndpoints` as given; `_postgresql.tpl` and
  `_redis.tpl` read DB_PASSWORD and REDIS_PASSWORD from `existingSecret` or from a Secret with
  the chart's well-known passwords; `ingress.yaml` has one `path`; the nginx sidecar
  (`nginx.enabled`, on by default) forwards every path.
- **Docker Compose** (deploy/docker-compose.yml) is parsed with PyYAML, and, where Docker's
  compose plugin is installed, rendered for real with `docker compose config`, with every secret
  and without each one (skipped, with the reason, where it is not).
- **nginx** (deploy/nginx.conf): its `server` and `location` blocks are parsed with a small regex
  and a request path is routed as nginx routes it (exact, then longest prefix; the file has no
  regex locations, and a test keeps it so). Where nginx is installed, the same file is also run,
  on loopback in front of a stand-in for Rasa, and asked for each path.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# What the public uses: the channels' webhooks (REST, the widget's files, Twilio, Telegram) and
# the widget's socket.io.
PUBLIC = [
    "/webhooks/rest/webhook",
    "/webhooks/webchat/widget.js",
    "/webhooks/twilio/webhook",
    "/webhooks/telegram/webhook",
    "/socket.io/?EIO=4&transport=polling",
]
# Rasa's HTTP API and the rest: never from the public.
NOT_PUBLIC = [
    "/",
    "/conversations/447700900123/tracker",
    "/conversations/447700900123/messages",
    "/model",
    "/model/parse",
    "/status",
    "/version",
    "/domain",
    "/model/train",
    "/conversations/447700900123/tracker/events",
    "/webhooksx/rest/webhook",
]
# Secrets compose and the pods must be given (never a default, never empty).
COMPOSE_SECRETS = {"RASA_AUTH_TOKEN", "CONSOLE_SECRET_KEY", "ACTION_SERVER_TOKEN", "POSTGRES_PASSWORD"}
COMPOSE_SECRETS |= {"REDIS_PASSWORD"}
SECRET_NAME = re.compile(r"TOKEN|PASSWORD|SECRET|_KEY$|_SID$")
SECRET_FIELD = re.compile(r"token|password|secret|jwt|authorization", re.I)
ENV_REFERENCE = re.compile(r"(?:Bearer )?\$\{[A-Z0-9_]+\}")
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return _yaml(DEPLOY / "k8s" / "values.yaml")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _yaml(DEPLOY / "docker-compose.yml")


# --- Helm: deploy/k8s/values.yaml -----------------------------------------------------------


def test_helm_values_use_our_channels_as_credentials_yml_does(values: dict[str, Any]) -> None:
    settings = values["applicationSettings"]
    assert settings["credentials"]["enabled"] is True
    assert not settings.get("rasaX", {}).get("enabled")  # which would add a `rasa` channel
    channels = settings["credentials"]["additionalChannelCredentials"]
    # Rasa's stock `socketio` takes any sender id, any room, any origin; its `rest` anyone.
    assert not {"socketio", "rest", "rasa.core.channels.socketio.SocketIOInput"} & set(channels)
    assert channels == _yaml(ROOT / "credentials.yml")
    from rasa.core.channels.channel import InputChannel

    for path in channels:
        module, _, name = path.rpartition(".")
        channel = getattr(importlib.import_module(module), name)
        assert issubclass(channel, InputChannel), path
    assert "bot.channels.webchat.WebchatInput" in channels


def test_helm_values_give_rasa_neither_the_chart_s_token_nor_a_jwt_secret(values: dict[str, Any]) -> None:
    args = [str(arg) for arg in values.get("args") or []]
    # Empty `args`: the chart's own, with --auth-token "$(RASA_TOKEN)" and --jwt-secret
    # "$(JWT_SECRET)", both `UNSET` when left empty (anyone could sign an admin JWT).
    assert args, "the chart's default arguments pass its own token and JWT secret"
    command_line = " ".join([*map(str, values.get("command") or []), *args])
    for forbidden in ("--auth-token", "--jwt-secret", "$(RASA_TOKEN)", "$(JWT_SECRET)", "--cors"):
        assert forbidden not in command_line, forbidden
    assert values["command"] == ["python", "-m", "bot.rasa_server"]
    assert args[0] == "run" and "--enable-api" in args
    # Where the chart mounts its ConfigMap: our channels and endpoints, not the image's files.
    assert args[args.index("--credentials") + 1] == "/app/credentials.yml"
    assert args[args.index("--endpoints") + 1] == "/app/endpoints.yml"
    # Nothing reads the chart's Secret: not the files Rasa reads, not our environment.
    assert not re.search(r"\b(RASA_TOKEN|JWT_SECRET)\b", yaml.safe_dump(values))
    # The token Rasa's API asks for is RASA_AUTH_TOKEN, given inside the process.
    from bot.rasa_server import rasa_arguments

    assert rasa_arguments(args, {"RASA_AUTH_TOKEN": "-a-token"})[-1] == "--auth-token=-a-token"


def _fields(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _fields(value, (*path, str(key)))
    elif isinstance(tree, list):
        for index, item in enumerate(tree):
            yield from _fields(item, (*path, str(index)))
    else:
        yield path, tree


def test_helm_values_hold_no_secret_and_leave_none_empty(values: dict[str, Any]) -> None:
    """A secret field is a reference to the environment (`${VAR}`, which extraEnv fills from a
    Secret) or names a Secret (`existingSecret...`): never a value, never empty (`UNSET`)."""
    secret_fields = [(path, value) for path, value in _fields(values) if SECRET_FIELD.search(path[-1])]
    assert secret_fields
    for path, value in secret_fields:
        where = ".".join(path)
        if path[-1].startswith("existingSecret"):
            assert isinstance(value, str) and value, where
        else:
            assert isinstance(value, str) and ENV_REFERENCE.fullmatch(value), f"{where}: {value!r}"
    settings = values["applicationSettings"]
    for chart_secret in ("token", "jwtSecret"):  # the chart's own: unused, so unset
        assert chart_secret not in settings and chart_secret not in settings.get("rasaX", {})


def _chart_env(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The variables the chart sets itself for the tracker and lock stores (_postgresql.tpl,
    _redis.tpl), with where each password comes from."""
    env: dict[str, dict[str, Any]] = {}
    postgresql, redis = values["postgresql"], values["redis"]
    endpoints = values["applicationSettings"]["endpoints"]
    if endpoints["trackerStore"]["enabled"] and (postgresql["install"] or postgresql["external"]["enabled"]):
        database = values.get("global", {}).get("postgresql", {})
        secret = {"name": database.get("existingSecret") or "<release>-postgresql"}
        secret["key"] = postgresql.get("existingSecretKey") or "postgresql-password"
        env |= {name: {"value": "(the chart)"} for name in ("DB_USER", "DB_HOST", "DB_PORT", "DB_DATABASE")}
        env["DB_PASSWORD"] = {"valueFrom": {"secretKeyRef": secret}}
    if endpoints["lockStore"]["enabled"] and (redis["install"] or redis.get("external", {}).get("enabled")):
        secret = {"name": redis.get("existingSecret") or "<release>-redis"}
        secret["key"] = redis.get("existingSecretPasswordKey") or "redis-password"
        env |= {name: {"value": "(the chart)"} for name in ("REDIS_HOST", "REDIS_PORT")}
        env["REDIS_PASSWORD"] = {"valueFrom": {"secretKeyRef": secret}}
    return env


def test_every_variable_rasa_reads_is_set_and_every_secret_comes_from_a_secret_it_must_have(
    values: dict[str, Any],
) -> None:
    settings = values["applicationSettings"]
    read = set(VARIABLE.findall(yaml.safe_dump([settings["credentials"], settings["endpoints"]])))
    # Rasa stops on a variable its files name and the environment lacks; our channels read these too.
    read |= {"RASA_AUTH_TOKEN", "PRACTICE_ID", "WIDGET_ALLOWED_ORIGINS"}
    extra = [item["name"] for item in values["extraEnv"]]
    assert len(extra) == len(set(extra)), "a name twice: Kubernetes keeps the last"
    chart = _chart_env(values)
    assert not set(extra) & set(chart), "the chart sets these itself"
    env = chart | {item["name"]: item for item in values["extraEnv"]}
    assert read <= set(env), sorted(read - set(env))
    for name in sorted(read):
        if SECRET_NAME.search(name):
            reference = env[name].get("valueFrom", {}).get("secretKeyRef")
            assert reference, f"{name} is a secret: from a Secret, never a value"
            assert not reference.get("optional"), f"{name}: no pod may start without it"
            assert reference["name"] in {"whatmatters", "whatmatters-rasa"}, (name, reference)
            assert reference["key"], name
    # The same secret as the action servers (deploy/k8s/actions.yaml).
    assert env["ACTION_SERVER_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "whatmatters"
    # A Secret key may hold '': Rasa then stops, as our REST channel refuses an empty token.
    from rasa.shared.exceptions import RasaException

    from bot.channels.rest import TokenRestInput

    with pytest.raises(RasaException, match="RASA_AUTH_TOKEN"):
        TokenRestInput.from_credentials({"token": ""})
    origins = env["WIDGET_ALLOWED_ORIGINS"]["value"]
    assert "*" not in origins and origins.startswith("https://")
    # Neither store's password is left to the chart: PostgreSQL is not the chart's to install
    # (its password would be in values), and the chart's Redis reads the Secret Rasa reads.
    assert values["postgresql"]["install"] is False
    redis = values["redis"]
    if redis["install"]:
        assert redis["auth"]["enabled"] is True
        assert redis["auth"]["existingSecret"] == redis["existingSecret"]
        assert redis["auth"]["existingSecretPasswordKey"] == redis["existingSecretPasswordKey"]


def test_the_ingress_serves_only_webhooks_and_socket_io(values: dict[str, Any]) -> None:
    # The chart's nginx sidecar forwards every path ("location /"): off, ingress-nginx is the entry.
    assert values.get("nginx", {}).get("enabled") is False
    assert values["service"]["type"] == "ClusterIP"
    ingress = values["ingress"]
    assert ingress["enabled"] is True
    assert not ingress.get("extraPaths")
    assert ingress["annotations"].get("nginx.ingress.kubernetes.io/use-regex") == "true"
    assert ingress.get("pathType") == "ImplementationSpecific"  # how ingress-nginx takes a regex
    # ingress-nginx writes it as `location ~* "^<path>"`: anchored, a prefix, any case.
    location = re.compile("^" + ingress.get("path", "/"), re.IGNORECASE)
    assert [path for path in PUBLIC if not location.match(path)] == []
    assert [path for path in NOT_PUBLIC if location.match(path)] == []


# --- Docker Compose: deploy/docker-compose.yml ------------------------------------------------


def _published(port: str | int | dict[str, Any]) -> tuple[str, str]:
    """(host address, container port) of a `ports` entry; "" for every interface."""
    if isinstance(port, dict):
        return str(port.get("host_ip", "")), str(port["target"])
    parts = str(port).rsplit(":", 2)
    address = parts[0] if len(parts) == 3 else ""
    return address.strip("[]"), parts[-1].split("/")[0]


def test_compose_publishes_nothing_on_every_interface_and_no_rasa_port(compose: dict[str, Any]) -> None:
    published = {}
    for name, service in compose["services"].items():
        assert service.get("network_mode") != "host", name
        for port in service.get("ports", []):
            address, target = _published(port)
            assert address in {"127.0.0.1", "::1"}, f"{name} publishes {port} on every interface"
            published.setdefault(name, set()).add(target)
    for name, service in compose["services"].items():
        if service.get("image") in {"whatmatters-rasa", "whatmatters-actions"}:
            assert name not in published, f"{name}: only nginx is an entry"
    # nginx's public server only (test_nginx_forwards_only_webhooks_and_socket_io), and the console.
    assert published == {"balancer": {"5005"}, "console": {"8000"}}


def test_compose_requires_every_secret(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    # An unbraced $VAR cannot be required; $$ is a literal $ for the container's shell.
    unbraced = re.findall(r"(?<!\$)\$(?!\$)([A-Za-z_][A-Za-z0-9_]*)", body)
    assert unbraced == [], unbraced
    uses = re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)([^}]*)\}", body)
    secrets = {name for name, _ in uses if SECRET_NAME.search(name)}
    assert secrets >= COMPOSE_SECRETS, sorted(COMPOSE_SECRETS - secrets)
    for name, modifier in uses:
        if SECRET_NAME.search(name):
            assert modifier.startswith(":?"), f"${{{name}{modifier}}}: compose would start without it"
    # No secret in any service's environment is a value or empty: each is required from deploy/.env.
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(variable):
                assert re.search(r"\$\{[A-Z0-9_]+:\?", str(value)), f"{name}: {variable}={value!r}"
    rasa = compose["services"]["rasa-1"]["environment"]
    for variable in (
        "RASA_AUTH_TOKEN",
        "ACTION_SERVER_TOKEN",
        "TRACKER_STORE_PASSWORD",
        "LOCK_STORE_PASSWORD",
    ):
        assert variable in rasa, variable
    assert "CONSOLE_SECRET_KEY" in compose["services"]["console"]["environment"]
    redis = compose["services"]["redis"]
    assert "requirepass $$REDIS_PASSWORD" in " ".join(redis["command"])  # from its environment, not argv
    assert "REDIS_PASSWORD" in redis["environment"]


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return [str(shutil.which("docker-compose"))]
    if docker:
        pytest.skip("docker is installed but has no compose plugin (`docker compose version` fails)")
    pytest.skip("docker is not installed")


def test_docker_compose_config_renders_with_every_secret_and_refuses_without_each(tmp_path: Path) -> None:
    command = _compose_command()
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    for name in ("docker-compose.yml", "nginx.conf"):
        shutil.copy(DEPLOY / name, deploy / name)
    environ = {key: value for key, value in os.environ.items() if key not in COMPOSE_SECRETS}

    def config(secrets: set[str]) -> subprocess.CompletedProcess[str]:
        (deploy / ".env").write_text("".join(f"{name}=test-{name.lower()}\n" for name in sorted(secrets)))
        return subprocess.run(
            [*command, "-f", str(deploy / "docker-compose.yml"), "config"],
            capture_output=True, text=True, env=environ, timeout=60,
        )  # fmt: skip

    rendered = config(COMPOSE_SECRETS)
    assert rendered.returncode == 0, rendered.stderr
    services = yaml.safe_load(rendered.stdout)["services"]
    assert [port.get("host_ip") for port in services["balancer"]["ports"]] == ["127.0.0.1"]
    assert services["rasa-1"]["environment"]["RASA_AUTH_TOKEN"] == "test-rasa_auth_token"
    for missing in sorted(COMPOSE_SECRETS):
        refused = config(COMPOSE_SECRETS - {missing})
        assert refused.returncode != 0, f"rendered without {missing}"
        assert missing in refused.stderr


# --- The outbox: on a volume that outlives the container ---------------------------------------
# What waits while PostgreSQL is down (OUTBOX_PATH, bot/store/outbox.py): risk flags and drafts.
# In the container's own layer or an emptyDir it would go with the container.


def _image_outbox() -> PurePosixPath:
    [path] = re.findall(r"^ENV OUTBOX_PATH=(\S+)$", (DEPLOY / "Dockerfile.actions").read_text(), re.M)
    return PurePosixPath(path)


def _on(mount: str, path: PurePosixPath) -> bool:
    return path.is_relative_to(PurePosixPath(mount))


def test_compose_keeps_the_outbox_on_a_named_volume(compose: dict[str, Any]) -> None:
    action_servers = {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == "whatmatters-actions" and "command" not in service  # not `migrate`
    }
    assert sorted(action_servers) == ["actions-1", "actions-2"]
    for name, service in action_servers.items():
        # In `environment`, which wins over env_file (.env.example's is var/outbox.jsonl, in the image).
        outbox = PurePosixPath(service["environment"]["OUTBOX_PATH"])
        assert outbox == _image_outbox(), name  # the folder the image makes, the action server's own
        mounts = [str(volume).split(":") for volume in service.get("volumes", [])]
        [source] = [source for source, target, *_ in mounts if _on(target, outbox.parent)]
        assert source in (compose.get("volumes") or {}), f"{name}: {source} is not a named volume"


def test_k8s_action_servers_keep_the_outbox_on_a_claim_of_their_own() -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "k8s" / "actions.yaml").read_text()))
    assert "emptyDir" not in str(documents)
    [servers] = [
        document
        for document in documents
        if document["kind"] != "Job"
        and any("whatmatters-actions" in c.get("image", "") for c in _containers(document))
    ]
    # A Deployment's replicas would share one ReadWriteOnce claim or have none.
    assert servers["kind"] == "StatefulSet"
    claims = {claim["metadata"]["name"]: claim["spec"] for claim in servers["spec"]["volumeClaimTemplates"]}
    [container] = _containers(servers)
    [outbox] = [PurePosixPath(e["value"]) for e in container["env"] if e["name"] == "OUTBOX_PATH"]
    [mount] = [m for m in container["volumeMounts"] if _on(m["mountPath"], outbox.parent)]
    assert mount["name"] in claims
    assert claims[mount["name"]]["accessModes"] == ["ReadWriteOnce"]
    assert not servers["spec"]["template"]["spec"].get("volumes")  # nothing else named `outbox`
    # The image's user can write the claim (owned by root, given to the pod's fsGroup).
    assert servers["spec"]["template"]["spec"]["securityContext"]["fsGroup"] == 1001


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])


# --- nginx: deploy/nginx.conf -----------------------------------------------------------------

LOCATION = re.compile(r"location\s+(?:(=|\^~|~\*?)\s+)?(\S+)\s*\{([^{}]*)\}")


def _servers(text: str) -> list[str]:
    """The bodies of nginx.conf's `server { ... }` blocks, braces matched."""
    text = re.sub(r"#[^\n]*", "", text)
    bodies = []
    for match in re.finditer(r"\bserver\s*\{", text):
        depth = 1
        for index in range(match.end(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                bodies.append(text[match.end() : index])
                break
    return bodies


def _route(locations: list[tuple[str, str, str]], path: str) -> str:
    """The location block nginx picks for a path: an exact match, then the longest prefix."""
    uri = path.split("?")[0]
    exact = [body for modifier, prefix, body in locations if modifier == "=" and prefix == uri]
    if exact:
        return exact[0]
    prefixes = [(prefix, body) for kind, prefix, body in locations if kind != "=" and uri.startswith(prefix)]
    assert prefixes, f"no location for {path}"
    return max(prefixes, key=lambda found: len(found[0]))[1]


def test_nginx_forwards_only_webhooks_and_socket_io(compose: dict[str, Any]) -> None:
    servers = {}
    for body in _servers((DEPLOY / "nginx.conf").read_text()):
        [listen] = re.findall(r"^\s*listen\s+([^;\s]+)", body, re.M)
        servers[listen] = LOCATION.findall(body)
    published = {_published(port)[1] for port in compose["services"]["balancer"]["ports"]}
    assert published == {"5005"}
    assert "5055" in servers  # the action servers': not published
    for port in published:
        locations = servers[port]
        assert not [prefix for kind, prefix, _ in locations if kind.startswith("~")], "regex locations"
        forwarding = {prefix for _, prefix, body in locations if "proxy_pass" in body}
        assert forwarding == {"/webhooks/", "/socket.io/"}, forwarding
        for path in PUBLIC:
            upstream = "rasa_socketio" if path.startswith("/socket.io/") else "rasa"
            assert re.search(rf"proxy_pass\s+http://{upstream};", _route(locations, path)), path
        for path in NOT_PUBLIC:
            body = _route(locations, path)
            assert "proxy_pass" not in body and re.search(r"return\s+404\b", body), path


class _Rasa(BaseHTTPRequestHandler):
    """A stand-in for the Rasa replicas: answers 200 with the path it was asked for."""

    seen: ClassVar[list[str]] = []

    def _answer(self) -> None:
        self.seen.append(self.path)
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_: Any) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ask(url: str, method: str) -> tuple[int, str]:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@pytest.mark.e2e  # a real nginx: in CI (.ci/run installs it) it may not skip
def test_nginx_itself_answers_404_to_rasa_s_api_and_forwards_the_channels(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), _Rasa)
    threading.Thread(target=rasa.serve_forever, daemon=True).start()
    public = _free_port()
    conf = (DEPLOY / "nginx.conf").read_text()
    # The same file, with loopback for the compose network's names and ports.
    conf = re.sub(r"\b(?:rasa|actions)-[12]:\d+", f"127.0.0.1:{rasa.server_address[1]}", conf)
    conf = conf.replace("listen 5005;", f"listen 127.0.0.1:{public};")
    conf = conf.replace("listen 5055;", f"listen 127.0.0.1:{_free_port()};")
    conf = conf.replace("access_log /dev/stdout balanced;", "access_log off;")
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = conf.replace("http {", "http { " + temp, 1)
    (tmp_path / "nginx.conf").write_text(conf)
    server = subprocess.Popen(
        [nginx, "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-g", f"daemon off; pid {tmp_path}/nginx.pid;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else "nginx stopped"
            try:
                socket.create_connection(("127.0.0.1", public), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        base = f"http://127.0.0.1:{public}"
        for path in PUBLIC:
            assert _ask(base + path, "GET") == (200, path), path
        assert _ask(base + "/webhooks/rest/webhook", "POST") == (200, "/webhooks/rest/webhook")
        _Rasa.seen.clear()
        for path in NOT_PUBLIC:
            for method in ("GET", "POST"):
                assert _ask(base + path, method)[0] == 404, (method, path)
        assert _Rasa.seen == [], "nginx forwarded Rasa's API"
    finally:
        server.terminate()
        server.wait(timeout=10)
        rasa.shutdown()
