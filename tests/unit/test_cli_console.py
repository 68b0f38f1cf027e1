"""`python -m bot` for the review console: users, API tokens, the FHIR export, the servers it starts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from cli_runner import run_cli
from fhir.resources.R4B.bundle import Bundle

from bot import account_services, servers
from bot.careplan.model import CarePlan
from bot.config import Settings
from bot.services import drafting
from bot.store.database import open_database

PASSWORD = "a long enough password"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'whatmatters.db'}"


def test_the_first_admin_is_created_on_the_command_line(url: str) -> None:
    args = ("users", "create", "--email", "Admin@Example.org", "--name", "Ada Admin", "--role", "admin")

    created = run_cli(*args, "--practice", "p1", "--password-stdin", database_url=url, stdin=PASSWORD + "\n")
    listed = run_cli("users", "list", database_url=url)

    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "Created admin Ada Admin <admin@example.org> at practice p1."
    assert listed.stdout.split("\n")[1].split() == [
        "1",
        "admin@example.org",
        "Ada",
        "Admin",
        "admin",
        "p1",
        "yes",
    ]
    db = open_database(url)
    try:
        assert account_services.authenticate(db, "admin@example.org", PASSWORD) is not None
    finally:
        db.dispose()


def test_a_bad_user_is_refused_with_the_reason(url: str) -> None:
    args = (
        "users",
        "create",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--role",
        "coach",
        "--password-stdin",
    )

    result = run_cli(*args, database_url=url, stdin="short\n")

    assert result.returncode == 1
    assert "at least 12 characters" in result.stderr


def test_without_a_terminal_the_password_must_come_from_stdin(url: str) -> None:
    result = run_cli(
        "users", "create", "--email", "a@example.org", "--name", "A", "--role", "coach", database_url=url
    )

    assert result.returncode != 0
    assert "use --password-stdin" in result.stderr


def test_a_token_is_shown_once_works_and_can_be_revoked(url: str) -> None:
    created = run_cli("tokens", "create", "--name", "EMIS export", "--practice", "p1", database_url=url)
    secret = created.stdout.strip().splitlines()[-1]
    db = open_database(url)
    try:
        assert account_services.actor_for_token(db, secret).practice_id == "p1"

        listed = run_cli("tokens", "list", database_url=url)
        revoked = run_cli("tokens", "revoke", "1", database_url=url)
        again = run_cli("tokens", "revoke", "1", database_url=url)

        assert account_services.actor_for_token(db, secret) is None
    finally:
        db.dispose()
    assert created.returncode == 0 and secret.startswith("wm_")
    assert secret not in listed.stdout and "EMIS export" in listed.stdout
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "Token 1 revoked.")
    assert (again.returncode, again.stderr.strip()) == (1, "No token 1 in use.")


def test_plans_show_prints_a_fhir_bundle(url: str, sample_plan: CarePlan) -> None:
    db = open_database(url)
    try:
        drafting.draft_plan(db, sample_plan)
    finally:
        db.dispose()

    show = ("plans", "show", "--conversation", "sender-123", "--practice", sample_plan.practice_id)
    result = run_cli(*show, "--format", "fhir", database_url=url)

    assert result.returncode == 0, result.stderr
    bundle = Bundle.parse_obj(json.loads(result.stdout))
    assert bundle.entry[0].resource.resource_type == "CarePlan"


def test_make_run_starts_the_console_beside_rasa(tmp_path: Path) -> None:
    settings = replace(Settings.from_env(), console_port=8123, console_host="127.0.0.1")

    console = {server.name: server for server in servers.servers(settings, tmp_path / "model.tar.gz")}[
        "console"
    ]

    assert console.command[-2:] == ["bot", "console"]
    assert console.health_url == "http://127.0.0.1:8123/health"
    assert console.env["CONSOLE_PORT"] == "8123"
    assert servers.STOP_ORDER[0] == "console"  # `make stop` stops it too, first
