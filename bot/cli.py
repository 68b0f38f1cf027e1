"""The command line: stored plans, the database, and running the assistant.

    python -m bot plans list [--status STATUS] [--format table|json]
    python -m bot plans show --conversation SENDER_ID [--format json|markdown]
    python -m bot db upgrade
    python -m bot model train            train the Rasa model if its inputs changed
    python -m bot servers start|stop     the Rasa server and the action server
    python -m bot chat [--sender ID]     chat with the running assistant here

The database is `DATABASE_URL` (or the default SQLite file) unless
`--database-url` says otherwise; it is brought up to date before use.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot import __version__, chat, servers, training
from bot.careplan.exports import plan_to_dict, plan_to_markdown
from bot.careplan.model import CarePlan, PlanStatus
from bot.config import Settings
from bot.services import get_plan, list_plans
from bot.store.database import Database, migrate, open_database

Handler = Callable[[argparse.Namespace, str], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = args.database_url or Settings.from_env().database_url
    try:
        return args.handler(args, url)
    except SQLAlchemyError as error:
        print(f"Database error ({_safe_url(url)}): {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="What Matters: stored care plans.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_database_option(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_plans_commands(commands.add_parser("plans", help="list or show the drafted plans"))
    _add_db_commands(commands.add_parser("db", help="manage the database"))
    _add_running_commands(commands)
    return parser


def _add_plans_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="plans_command", metavar="ACTION", required=True)
    listing = _leaf(commands, "list", "list plans, most recently updated first", _list_plans)
    listing.add_argument("--status", choices=[status.value for status in PlanStatus])
    listing.add_argument("--format", choices=("table", "json"), default="table")
    showing = _leaf(commands, "show", "show one conversation's plan", _show_plan)
    showing.add_argument("--conversation", required=True, metavar="SENDER_ID", help="the Rasa sender id")
    showing.add_argument("--format", choices=("json", "markdown"), default="json")


def _add_db_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    _leaf(commands, "upgrade", "bring the database schema up to date", _upgrade)


def _add_running_commands(commands: argparse._SubParsersAction) -> None:
    model = commands.add_parser("model", help="the trained Rasa model")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    _leaf(model_commands, "train", "train the model if its inputs changed", _train_model)
    running = commands.add_parser("servers", help="start or stop the assistant's servers")
    running_commands = running.add_subparsers(dest="servers_command", metavar="ACTION", required=True)
    _leaf(running_commands, "start", "start the Rasa and action servers on loopback", _start_servers)
    _leaf(running_commands, "stop", "stop them", _stop_servers)
    chatting = _leaf(commands, "chat", "chat with the running assistant in this terminal", _chat)
    chatting.add_argument("--sender", help="conversation id (default: a new one)")


def _leaf(
    commands: argparse._SubParsersAction, name: str, summary: str, handler: Handler
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=summary)
    _add_database_option(parser, default=argparse.SUPPRESS)  # may also come after the command
    parser.set_defaults(handler=handler)
    return parser


def _add_database_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--database-url",
        default=default,
        metavar="URL",
        help="SQLAlchemy URL of the database (default: DATABASE_URL, or the local SQLite file)",
    )


def _list_plans(args: argparse.Namespace, url: str) -> int:
    plans = list_plans(_database(url), status=args.status)
    if args.format == "json":
        _print_json([plan_to_dict(plan) for plan in plans])
    elif not plans:
        print(f"No plans yet with status {args.status}." if args.status else "No plans yet.")
    else:
        print(_table(plans))
    return 0


def _show_plan(args: argparse.Namespace, url: str) -> int:
    plan = get_plan(_database(url), args.conversation)
    if plan is None:
        print(f"No plan found for conversation {args.conversation!r}.", file=sys.stderr)
        return 1
    if args.format == "markdown":
        sys.stdout.write(plan_to_markdown(plan))
    else:
        _print_json(plan_to_dict(plan))
    return 0


def _upgrade(_args: argparse.Namespace, url: str) -> int:
    migrate(url)
    print(f"Database {_safe_url(url)} is up to date.")
    return 0


def _train_model(_args: argparse.Namespace, _url: str) -> int:
    print(training.ensure_model())
    return 0


def _start_servers(_args: argparse.Namespace, url: str) -> int:
    settings = Settings.from_env()
    model = training.ensure_model()
    migrate(url)  # before the action server starts, so its first request finds the tables
    servers.start(settings, model)
    print(
        f"""
What Matters is running (plans in {_safe_url(url)}).
  Chat in this terminal:  make shell
  Or over HTTP:           curl -s {settings.rasa_url}/webhooks/rest/webhook \\
                            -H 'Content-Type: application/json' -d '{{"sender": "me", "message": "hello"}}'
  See a draft plan:       .venv/bin/python -m bot plans show --conversation me --format markdown
  Stop:                   make stop
Logs are in {settings.run_dir / "log"}."""
    )
    return 0


def _stop_servers(_args: argparse.Namespace, _url: str) -> int:
    stopped = servers.stop(Settings.from_env())
    print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")
    return 0


def _chat(args: argparse.Namespace, _url: str) -> int:
    chat.chat(Settings.from_env(), args.sender)
    return 0


def _database(url: str) -> Database:
    # Migrating first: a brand-new machine gets "No plans yet", not a missing table.
    return open_database(url)


def _table(plans: Sequence[CarePlan]) -> str:
    header = ("ID", "CONVERSATION", "STATUS", "VERSION", "UPDATED (UTC)", "GOALS")
    rows = [
        (
            str(plan.id),
            plan.conversation_id,
            plan.status.value,
            str(plan.version),
            plan.updated_at.strftime("%Y-%m-%d %H:%M") if plan.updated_at else "",
            str(len(plan.goals)),
        )
        for plan in plans
    ]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    )


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # unparsable, and it may hold a password: don't echo it
        return "<unreadable URL>"
