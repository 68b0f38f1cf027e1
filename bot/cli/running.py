"""`model train`, `servers start|stop`, `console`, `demo-site` and `chat`: running the assistant."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot import chat, servers, training
from bot.cli.output import safe_url
from bot.config import Settings
from bot.scaled import deployment
from bot.store.database import Database, migrate

if TYPE_CHECKING:
    from fastapi import FastAPI


def run_console(args: argparse.Namespace, url: str) -> int:
    import uvicorn  # only this command needs it

    from bot.console.app import create_app

    settings = replace(Settings.from_env(), database_url=url)
    settings = replace(settings, console_port=args.port or settings.console_port)
    if args.openapi:
        settings = replace(settings, console_secret_key=settings.console_secret_key or "unused")
        _write_openapi(create_app(settings, db=Database.from_url("sqlite://")), args.openapi)
        return 0
    if not settings.console_secret_key:
        print("CONSOLE_SECRET_KEY is empty: set it in .env (make run writes one).", file=sys.stderr)
        return 2
    print(f"The review console is at {settings.console_url}/", file=sys.stderr)
    # --ws none: uvicorn's websockets support breaks beside Rasa's websockets 10.4, and we need none.
    # Behind a trusted proxy, the client's own address: the sign-in limit per address needs it.
    uvicorn.run(
        create_app(settings),
        host=settings.console_host,
        port=settings.console_port,
        ws="none",
        forwarded_allow_ips=settings.console_forwarded_allow_ips,
    )
    return 0


def _write_openapi(app: FastAPI, path: Path) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(app.openapi(), sort_keys=False, allow_unicode=True))
    print(f"Wrote {path}.")


def train_model(_args: argparse.Namespace, _url: str) -> int:
    print(training.ensure_model())
    return 0


def start_servers(args: argparse.Namespace, url: str) -> int:
    settings = Settings.from_env()
    model = training.ensure_model()
    if args.scaled:
        deployment.start(settings, model)  # migrates once, before any replica starts
    else:
        migrate(url)  # before the action server starts, so its first request finds the tables
        servers.start(settings, model)
    print(
        f"""
Chat at {settings.demo_site_url}/  (a demo practice website with the chat widget on it)

What Matters is running (plans in {safe_url(url)}).
  Chat in this terminal:  make shell
  Or over HTTP:           curl -s {settings.rasa_url}/webhooks/rest/webhook \\
                            -H "Authorization: Bearer <RASA_AUTH_TOKEN in .env>" \\
                            -H 'Content-Type: application/json' -d '{{"sender": "me", "message": "hello"}}'
  See a draft plan:       .venv/bin/python -m bot plans show --conversation me --format markdown
  Review console:         {settings.console_url}/  (first user: .venv/bin/python -m bot users create --help)
  Stop:                   make stop
Logs are in {settings.run_dir / "log"}."""
    )
    return 0


def stop_servers(_args: argparse.Namespace, _url: str) -> int:
    stopped = servers.stop(Settings.from_env())
    print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")
    return 0


def serve_demo_site(_args: argparse.Namespace, _url: str) -> int:
    from bot import demo_site

    settings = Settings.from_env()
    print(f"The demo practice website is at {settings.demo_site_url}/", file=sys.stderr)
    demo_site.serve(settings)
    return 0


def chat_here(args: argparse.Namespace, _url: str) -> int:
    chat.chat(Settings.from_env(), args.sender)
    return 0
