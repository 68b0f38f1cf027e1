"""`python -m bot`'s argument parser, every command, option and help text, and `main`, which runs one."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.careplan.accounts import Role, TokenScope
from bot.careplan.model import PlanStatus
from bot.cli.accounts import create_token, create_user, deactivate_user, list_tokens, list_users, revoke_token
from bot.cli.db import upgrade
from bot.cli.directory import import_directory, list_directory, remove_service, show_service, suggest
from bot.cli.output import safe_url
from bot.cli.plans import list_plans, show_plan
from bot.cli.running import chat_here, run_console, serve_demo_site, start_servers, stop_servers, train_model
from bot.config import Settings

Handler = Callable[[argparse.Namespace, str], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = args.database_url or Settings.from_env().database_url
    try:
        return args.handler(args, url)
    except SQLAlchemyError as error:
        print(f"Database error ({safe_url(url)}): {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="What Matters: stored care plans.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_database_option(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_plans_commands(commands.add_parser("plans", help="list or show the drafted plans"))
    _add_db_commands(commands.add_parser("db", help="manage the database"))
    _add_users_commands(commands.add_parser("users", help="people who may use the review console"))
    _add_tokens_commands(commands.add_parser("tokens", help="API tokens for other systems"))
    _add_directory_commands(
        commands.add_parser("directory", help="the practice's directory of local services")
    )
    _add_running_commands(commands)
    return parser


def _add_plans_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="plans_command", metavar="ACTION", required=True)
    listing = _leaf(commands, "list", "list plans, most recently updated first", list_plans)
    listing.add_argument("--status", choices=[status.value for status in PlanStatus])
    listing.add_argument("--format", choices=("table", "json"), default="table")
    showing = _leaf(commands, "show", "show one conversation's plan", show_plan)
    showing.add_argument("--conversation", required=True, metavar="SENDER_ID", help="the Rasa sender id")
    # A conversation id is a practice's: practices sharing a database may each have a plan for it.
    showing.add_argument("--practice", help="whose conversation it is (default: PRACTICE_ID)")
    showing.add_argument("--format", choices=("json", "markdown", "fhir"), default="json")


def _add_db_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    _leaf(commands, "upgrade", "bring the database schema up to date", upgrade)


def _add_users_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    creating = _leaf(commands, "create", "add a user (asks for their password)", create_user)
    creating.add_argument("--email", required=True)
    creating.add_argument("--name", required=True, help="as it appears on approvals, e.g. 'Dr Asha Patel'")
    creating.add_argument("--role", required=True, choices=[role.value for role in Role])
    creating.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    creating.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = _leaf(commands, "list", "list users", list_users)
    listing.add_argument("--practice", help="only this practice's users")
    deactivating = _leaf(
        commands, "deactivate", "stop a user signing in, ending their sessions", deactivate_user
    )
    deactivating.add_argument("--email", required=True)


def _add_tokens_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    creating = _leaf(
        commands, "create", "make a token (shown once) for a system to call the API", create_token
    )
    creating.add_argument("--name", required=True, help="which system uses it, e.g. 'EMIS export'")
    creating.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    creating.add_argument("--scope", choices=[scope.value for scope in TokenScope], default="read")
    _leaf(commands, "list", "list tokens (never their secrets)", list_tokens)
    revoking = _leaf(commands, "revoke", "stop a token working, at once", revoke_token)
    revoking.add_argument("token_id", type=int, metavar="ID", help="the id shown by `tokens list`")


def _add_directory_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    importing = _leaf(
        commands, "import", "import local services from an ORUK feed (3.0 or 1.0) or a CSV", import_directory
    )
    importing.add_argument(
        "location",
        metavar="FILE_OR_URL",
        help="an ORUK API's address (its /services pages are all read), or a .json or .csv file",
    )
    importing.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    importing.add_argument(
        "--replace", action="store_true", help="make this the practice's whole directory: delete the rest"
    )
    listing = _leaf(commands, "list", "list the services in the directories", list_directory)
    listing.add_argument("--practice", help="only this practice's services")
    listing.add_argument("--active", action="store_true", help="only the services that can be suggested")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    showing = _leaf(commands, "show", "show one service", show_service)
    showing.add_argument("service_id", type=int, metavar="ID", help="the id shown by `directory list`")
    showing.add_argument("--format", choices=("text", "json"), default="text")
    removing = _leaf(commands, "remove", "delete one service from its practice's directory", remove_service)
    removing.add_argument("service_id", type=int, metavar="ID", help="the id shown by `directory list`")
    suggesting = _leaf(
        commands, "suggest", "the services that fit a person's words, best first, with why", suggest
    )
    suggesting.add_argument("words", nargs="+", help="what the person said (what matters, concerns, goals)")
    suggesting.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    suggesting.add_argument("--age", type=int, help="the person's age, if known (default: an adult)")
    suggesting.add_argument("--limit", type=int, default=5)


def _add_running_commands(commands: argparse._SubParsersAction) -> None:
    model = commands.add_parser("model", help="the trained Rasa model")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    _leaf(model_commands, "train", "train the model if its inputs changed", train_model)
    servers = commands.add_parser("servers", help="start or stop the assistant's servers")
    servers_commands = servers.add_subparsers(dest="servers_command", metavar="ACTION", required=True)
    starting = _leaf(
        servers_commands,
        "start",
        "start the Rasa and action servers, the console and the demo site on loopback",
        start_servers,
    )
    starting.add_argument(
        "--scaled",
        action="store_true",
        help="several Rasa and action servers behind nginx, on PostgreSQL and Redis (make run-scaled)",
    )
    _leaf(servers_commands, "stop", "stop them", stop_servers)
    console = _leaf(commands, "console", "run the review console alone, in the foreground", run_console)
    console.add_argument("--port", type=int, help="default: CONSOLE_PORT (8000)")
    console.add_argument(
        "--openapi", type=Path, metavar="FILE", help="write the API's OpenAPI document and exit"
    )
    _leaf(commands, "demo-site", "serve a demo practice website with the chat widget", serve_demo_site)
    chatting = _leaf(commands, "chat", "chat with the running assistant in this terminal", chat_here)
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
