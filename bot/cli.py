"""The command line: stored plans, the database, and running the assistant.

    python -m bot plans list [--status STATUS] [--format table|json]
    python -m bot plans show --conversation SENDER_ID [--practice P] [--format json|markdown|fhir]
    python -m bot db upgrade
    python -m bot users create --email E --name N --role clinician|coach|admin [--practice P]
                               [--password-stdin]
    python -m bot users list | users deactivate --email E
    python -m bot tokens create --name N [--practice P] [--scope read|write] | tokens list | tokens revoke ID
    python -m bot directory import FILE_OR_URL [--practice P] [--replace]   local services (ORUK or CSV)
    python -m bot directory list [--practice P] | directory show ID | directory remove ID
    python -m bot directory suggest "the person's words" [--practice P] [--age N]
    python -m bot console [--port PORT] [--openapi FILE]   the review console alone
    python -m bot model train            train the Rasa model if its inputs changed
    python -m bot servers start|stop     the Rasa server, the action server, the console, the demo site
    python -m bot demo-site              a demo practice website with the chat widget on it
    python -m bot servers start --scaled  Rasa replicas and action servers behind nginx (PostgreSQL, Redis)
    python -m bot chat [--sender ID]     chat with the running assistant here

The database is `DATABASE_URL` (or the default SQLite file) unless
`--database-url` says otherwise; it is brought up to date before use.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot import __version__, account_services, chat, scaled, servers, training
from bot.account_services import AccountError
from bot.careplan.accounts import Role, TokenScope
from bot.careplan.codec import plan_to_dict
from bot.careplan.fhir import plan_to_fhir_bundle
from bot.careplan.markdown_export import plan_to_markdown
from bot.careplan.model import CarePlan, PlanStatus
from bot.config import Settings
from bot.directory.model import DirectoryError, StoredService
from bot.services import get_plan, list_plans
from bot.store.database import Database, migrate, open_database

if TYPE_CHECKING:
    from fastapi import FastAPI

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
    _add_users_commands(commands.add_parser("users", help="people who may use the review console"))
    _add_tokens_commands(commands.add_parser("tokens", help="API tokens for other systems"))
    _add_directory_commands(
        commands.add_parser("directory", help="the practice's directory of local services")
    )
    _add_running_commands(commands)
    return parser


def _add_plans_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="plans_command", metavar="ACTION", required=True)
    listing = _leaf(commands, "list", "list plans, most recently updated first", _list_plans)
    listing.add_argument("--status", choices=[status.value for status in PlanStatus])
    listing.add_argument("--format", choices=("table", "json"), default="table")
    showing = _leaf(commands, "show", "show one conversation's plan", _show_plan)
    showing.add_argument("--conversation", required=True, metavar="SENDER_ID", help="the Rasa sender id")
    # A conversation id is a practice's: practices sharing a database may each have a plan for it.
    showing.add_argument("--practice", help="whose conversation it is (default: PRACTICE_ID)")
    showing.add_argument("--format", choices=("json", "markdown", "fhir"), default="json")


def _add_db_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    _leaf(commands, "upgrade", "bring the database schema up to date", _upgrade)


def _add_users_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    creating = _leaf(commands, "create", "add a user (asks for their password)", _create_user)
    creating.add_argument("--email", required=True)
    creating.add_argument("--name", required=True, help="as it appears on approvals, e.g. 'Dr Asha Patel'")
    creating.add_argument("--role", required=True, choices=[role.value for role in Role])
    creating.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    creating.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = _leaf(commands, "list", "list users", _list_users)
    listing.add_argument("--practice", help="only this practice's users")
    deactivating = _leaf(commands, "deactivate", "stop a user signing in, ending their sessions", _deactivate)
    deactivating.add_argument("--email", required=True)


def _add_tokens_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    creating = _leaf(
        commands, "create", "make a token (shown once) for a system to call the API", _create_token
    )
    creating.add_argument("--name", required=True, help="which system uses it, e.g. 'EMIS export'")
    creating.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    creating.add_argument("--scope", choices=[scope.value for scope in TokenScope], default="read")
    _leaf(commands, "list", "list tokens (never their secrets)", _list_tokens)
    revoking = _leaf(commands, "revoke", "stop a token working, at once", _revoke_token)
    revoking.add_argument("token_id", type=int, metavar="ID", help="the id shown by `tokens list`")


def _add_directory_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    importing = _leaf(
        commands, "import", "import local services from an ORUK feed (3.0 or 1.0) or a CSV", _import_directory
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
    listing = _leaf(commands, "list", "list the services in the directories", _list_directory)
    listing.add_argument("--practice", help="only this practice's services")
    listing.add_argument("--active", action="store_true", help="only the services that can be suggested")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    showing = _leaf(commands, "show", "show one service", _show_service)
    showing.add_argument("service_id", type=int, metavar="ID", help="the id shown by `directory list`")
    showing.add_argument("--format", choices=("text", "json"), default="text")
    removing = _leaf(commands, "remove", "delete one service from its practice's directory", _remove_service)
    removing.add_argument("service_id", type=int, metavar="ID", help="the id shown by `directory list`")
    suggesting = _leaf(
        commands, "suggest", "the services that fit a person's words, best first, with why", _suggest
    )
    suggesting.add_argument("words", nargs="+", help="what the person said (what matters, concerns, goals)")
    suggesting.add_argument("--practice", help="practice id (default: PRACTICE_ID)")
    suggesting.add_argument("--age", type=int, help="the person's age, if known (default: an adult)")
    suggesting.add_argument("--limit", type=int, default=5)


def _add_running_commands(commands: argparse._SubParsersAction) -> None:
    model = commands.add_parser("model", help="the trained Rasa model")
    model_commands = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    _leaf(model_commands, "train", "train the model if its inputs changed", _train_model)
    running = commands.add_parser("servers", help="start or stop the assistant's servers")
    running_commands = running.add_subparsers(dest="servers_command", metavar="ACTION", required=True)
    starting = _leaf(
        running_commands,
        "start",
        "start the Rasa and action servers, the console and the demo site on loopback",
        _start_servers,
    )
    starting.add_argument(
        "--scaled",
        action="store_true",
        help="several Rasa and action servers behind nginx, on PostgreSQL and Redis (make run-scaled)",
    )
    _leaf(running_commands, "stop", "stop them", _stop_servers)
    console = _leaf(commands, "console", "run the review console alone, in the foreground", _console)
    console.add_argument("--port", type=int, help="default: CONSOLE_PORT (8000)")
    console.add_argument(
        "--openapi", type=Path, metavar="FILE", help="write the API's OpenAPI document and exit"
    )
    _leaf(commands, "demo-site", "serve a demo practice website with the chat widget", _demo_site)
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
    practice = args.practice or Settings.from_env().practice_id
    plan = get_plan(_database(url), args.conversation, practice_id=practice)
    if plan is None:
        print(
            f"No plan found for conversation {args.conversation!r} at practice {practice!r}.", file=sys.stderr
        )
        return 1
    if args.format == "markdown":
        sys.stdout.write(plan_to_markdown(plan))
    elif args.format == "fhir":
        _print_json(plan_to_fhir_bundle(plan))
    else:
        _print_json(plan_to_dict(plan))
    return 0


def _upgrade(_args: argparse.Namespace, url: str) -> int:
    migrate(url)
    print(f"Database {_safe_url(url)} is up to date.")
    return 0


def _create_user(args: argparse.Namespace, url: str) -> int:
    password = _read_password(args.password_stdin)
    practice = args.practice or Settings.from_env().practice_id
    try:
        user = account_services.create_user(
            _database(url),
            email=args.email,
            name=args.name,
            role=args.role,
            practice_id=practice,
            password=password,
        )
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Created {user.role.value} {user.name} <{user.email}> at practice {user.practice_id}.")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise SystemExit("No terminal to ask for a password: use --password-stdin.")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise SystemExit("The passwords differ.")
    return password


def _list_users(args: argparse.Namespace, url: str) -> int:
    users = account_services.list_users(_database(url), args.practice)
    header = ("ID", "EMAIL", "NAME", "ROLE", "PRACTICE", "ACTIVE")
    rows = [
        (str(u.id), u.email, u.name, u.role.value, u.practice_id, "yes" if u.active else "no") for u in users
    ]
    print(_columns(header, rows) if rows else "No users yet.")
    return 0


def _deactivate(args: argparse.Namespace, url: str) -> int:
    if not account_services.deactivate_user(_database(url), args.email):
        print(f"No user with the email {args.email}.", file=sys.stderr)
        return 1
    print(f"{args.email} can no longer sign in.")
    return 0


def _create_token(args: argparse.Namespace, url: str) -> int:
    practice = args.practice or Settings.from_env().practice_id
    try:
        made = account_services.create_token(
            _database(url), name=args.name, practice_id=practice, scope=args.scope
        )
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Token {made.token.id} ({made.token.scope.value}) for {made.token.name} at practice {practice}:")
    print(made.secret)
    print(
        "Send it as 'Authorization: Bearer <token>'. It is shown only now: store it safely.", file=sys.stderr
    )
    return 0


def _list_tokens(_args: argparse.Namespace, url: str) -> int:
    tokens = account_services.list_tokens(_database(url))
    header = ("ID", "NAME", "PRACTICE", "SCOPE", "CREATED (UTC)", "REVOKED")
    rows = [
        (str(t.id), t.name, t.practice_id, t.scope.value, _minute(t.created_at), _minute(t.revoked_at) or "-")
        for t in tokens
    ]
    print(_columns(header, rows) if rows else "No tokens yet.")
    return 0


def _revoke_token(args: argparse.Namespace, url: str) -> int:
    if not account_services.revoke_token(_database(url), args.token_id):
        print(f"No token {args.token_id} in use.", file=sys.stderr)
        return 1
    print(f"Token {args.token_id} revoked.")
    return 0


def _import_directory(args: argparse.Namespace, url: str) -> int:
    from bot import directory_services

    practice = args.practice or Settings.from_env().practice_id
    try:
        result = directory_services.import_from(_database(url), args.location, practice, replace=args.replace)
    except DirectoryError as error:
        print(f"Nothing imported: {error}", file=sys.stderr)
        return 1
    print(f"Imported {result}")
    return 0


def _list_directory(args: argparse.Namespace, url: str) -> int:
    from bot import directory_services

    stored = directory_services.list_services(_database(url), args.practice, active_only=args.active)
    if args.format == "json":
        _print_json([_service_dict(s) for s in stored])
        return 0
    header = ("ID", "PRACTICE", "NAME", "STATUS", "AGES", "CATEGORIES")
    rows = [
        (
            str(s.id),
            s.practice_id,
            _shorten(s.service.name, 48),
            s.service.status.value,
            _ages(s),
            _shorten(", ".join(s.service.categories), 50),
        )
        for s in stored
    ]
    print(_columns(header, rows) if rows else "No services in the directory yet.")
    return 0


def _show_service(args: argparse.Namespace, url: str) -> int:
    from bot import directory_services

    stored = directory_services.get_service(_database(url), args.service_id)
    if stored is None:
        print(f"No service {args.service_id} in the directory.", file=sys.stderr)
        return 1
    if args.format == "json":
        _print_json({**_service_dict(stored), "record": stored.service.record})
        return 0
    service = stored.service
    lines = [
        (service.name, None),
        (
            "Status",
            service.status.value
            + (f" (gone from its feed {_minute(stored.withdrawn_at)})" if stored.withdrawn_at else ""),
        ),
        ("Practice", stored.practice_id),
        ("Service id", f"{service.service_id} ({stored.format.value}, from {stored.source})"),
        ("Organisation", service.organization),
        ("Categories", ", ".join(service.categories)),
        ("Ages", _ages(stored) if _ages(stored) != "-" else None),
        ("Eligibility", service.eligibility),
        ("Where", service.area),
        ("When", service.schedule),
        ("Cost", service.cost),
        ("Contact", service.contact),
        ("Web", service.url),
        ("Updated (UTC)", _minute(stored.updated_at)),
    ]
    for label, value in lines:
        if value is None and label == service.name:
            print(label)
        elif value:
            print(f"  {label}: {value}")
    if service.description:
        print()
        print(service.description)
    return 0


def _remove_service(args: argparse.Namespace, url: str) -> int:
    from bot import directory_services

    removed = directory_services.remove_service(_database(url), args.service_id)
    if removed is None:
        print(f"No service {args.service_id} in the directory.", file=sys.stderr)
        return 1
    print(f"Removed {removed.service.name!r} from practice {removed.practice_id}'s directory.")
    return 0


def _suggest(args: argparse.Namespace, url: str) -> int:
    from bot import directory_services
    from bot.directory.matching import Said

    practice = args.practice or Settings.from_env().practice_id
    said = [Said("said", " ".join(args.words))]
    suggestions = directory_services.suggest(_database(url), practice, said, age=args.age, limit=args.limit)
    if not suggestions:
        print(f"Nothing in practice {practice}'s directory fits those words.")
    for number, suggestion in enumerate(suggestions, start=1):
        service = suggestion.service
        print(f"{number}. {service.name} (score {suggestion.score:.1f})")
        for reason in suggestion.why:
            print(f"     why: {reason}")
        if audience := service.audience():
            print(f"     for people {audience}")
    return 0


def _service_dict(stored: StoredService) -> dict[str, object]:
    service = stored.service
    return {
        "id": stored.id,
        "practice_id": stored.practice_id,
        "service_id": service.service_id,
        "name": service.name,
        "status": service.status.value,
        "description": service.description,
        "categories": list(service.categories),
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "eligibility": service.eligibility,
        "area": service.area,
        "schedule": service.schedule,
        "cost": service.cost,
        "phone": service.phone,
        "email": service.email,
        "url": service.url,
        "organization": service.organization,
        "source": stored.source,
        "format": stored.format.value,
        "updated_at": stored.updated_at.isoformat(),
        "withdrawn_at": stored.withdrawn_at.isoformat() if stored.withdrawn_at else None,
    }


def _ages(stored: StoredService) -> str:
    low, high = stored.service.minimum_age, stored.service.maximum_age
    if low is None and high is None:
        return "-"
    return f"{low if low is not None else 0}-{high if high is not None else ''}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _console(args: argparse.Namespace, url: str) -> int:
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


def _train_model(_args: argparse.Namespace, _url: str) -> int:
    print(training.ensure_model())
    return 0


def _start_servers(args: argparse.Namespace, url: str) -> int:
    settings = Settings.from_env()
    model = training.ensure_model()
    if args.scaled:
        scaled.start(settings, model)  # migrates once, before any replica starts
    else:
        migrate(url)  # before the action server starts, so its first request finds the tables
        servers.start(settings, model)
    print(
        f"""
Chat at {settings.demo_site_url}/  (a demo practice website with the chat widget on it)

What Matters is running (plans in {_safe_url(url)}).
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


def _stop_servers(_args: argparse.Namespace, _url: str) -> int:
    stopped = servers.stop(Settings.from_env())
    print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")
    return 0


def _demo_site(_args: argparse.Namespace, _url: str) -> int:
    from bot import demo_site

    settings = Settings.from_env()
    print(f"The demo practice website is at {settings.demo_site_url}/", file=sys.stderr)
    demo_site.serve(settings)
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
            _minute(plan.updated_at),
            str(len(plan.goals)),
        )
        for plan in plans
    ]
    return _columns(header, rows)


def _minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
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
