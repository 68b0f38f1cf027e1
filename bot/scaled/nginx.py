"""nginx in front of the Rasa replicas and the action servers: its configuration and its program."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.scaled.programs import find_program

NGINX_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def write_nginx_conf(settings: Settings) -> Path:
    folder = nginx_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    conf = NGINX_TEMPLATE.read_text().format(
        folder=folder.resolve(),
        log_dir=(settings.run_dir / "log").resolve(),
        rasa_servers=_upstream_lines(settings.rasa_host, settings.scaled_rasa_ports),
        action_servers=_upstream_lines(settings.action_server_host, settings.scaled_action_ports),
        rasa_listen=f"{settings.rasa_host}:{settings.rasa_port}",
        actions_listen=f"{settings.action_server_host}:{settings.action_server_port}",
    )
    (folder / "nginx.conf").write_text(conf)
    return folder / "nginx.conf"


def _upstream_lines(host: str, ports: tuple[int, ...]) -> str:
    # A replica that refuses a connection is left alone for 5 s; the request goes to another.
    return "\n".join(f"        server {host}:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def find_nginx() -> str:
    return find_program("nginx", ["nginx", "/usr/sbin/nginx"])  # Debian keeps it off a user's PATH


def nginx_dir(settings: Settings) -> Path:
    return settings.run_dir / "nginx"
