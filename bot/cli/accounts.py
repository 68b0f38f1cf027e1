"""`users` and `tokens`: the people who may use the review console and the API tokens of other systems."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot import account_services
from bot.account_services import AccountError
from bot.cli.output import fail, minute, print_table
from bot.config import Settings
from bot.store.database import open_database


def create_user(args: argparse.Namespace, url: str) -> int:
    password = _read_password(args.password_stdin)
    practice = args.practice or Settings.from_env().practice_id
    try:
        user = account_services.create_user(
            open_database(url),
            email=args.email,
            name=args.name,
            role=args.role,
            practice_id=practice,
            password=password,
        )
    except AccountError as error:
        return fail(error)
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


def list_users(args: argparse.Namespace, url: str) -> int:
    users = account_services.list_users(open_database(url), args.practice)
    header = ("ID", "EMAIL", "NAME", "ROLE", "PRACTICE", "ACTIVE")
    rows = [
        (str(u.id), u.email, u.name, u.role.value, u.practice_id, "yes" if u.active else "no") for u in users
    ]
    print_table(header, rows, "No users yet.")
    return 0


def deactivate_user(args: argparse.Namespace, url: str) -> int:
    if not account_services.deactivate_user(open_database(url), args.email):
        return fail(f"No user with the email {args.email}.")
    print(f"{args.email} can no longer sign in.")
    return 0


def create_token(args: argparse.Namespace, url: str) -> int:
    practice = args.practice or Settings.from_env().practice_id
    try:
        made = account_services.create_token(
            open_database(url), name=args.name, practice_id=practice, scope=args.scope
        )
    except AccountError as error:
        return fail(error)
    print(f"Token {made.token.id} ({made.token.scope.value}) for {made.token.name} at practice {practice}:")
    print(made.secret)
    print(
        "Send it as 'Authorization: Bearer <token>'. It is shown only now: store it safely.", file=sys.stderr
    )
    return 0


def list_tokens(_args: argparse.Namespace, url: str) -> int:
    tokens = account_services.list_tokens(open_database(url))
    header = ("ID", "NAME", "PRACTICE", "SCOPE", "CREATED (UTC)", "REVOKED")
    rows = [
        (str(t.id), t.name, t.practice_id, t.scope.value, minute(t.created_at), minute(t.revoked_at) or "-")
        for t in tokens
    ]
    print_table(header, rows, "No tokens yet.")
    return 0


def revoke_token(args: argparse.Namespace, url: str) -> int:
    if not account_services.revoke_token(open_database(url), args.token_id):
        return fail(f"No token {args.token_id} in use.")
    print(f"Token {args.token_id} revoked.")
    return 0
