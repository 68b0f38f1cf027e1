"""The login form's limit on guessing passwords (issue 13, item 2), by the app's clock: no sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import PASSWORD, T0, Team, console_settings, form_token
from fastapi.testclient import TestClient

from bot import account_services
from bot.console.app import create_app
from bot.store.database import Database

WRONG = "guess-number-1-secret"


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limited(database_file: str, console_db: Database, tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    """The console with 5 free attempts an account and 10 an address (TestClient's is 'testclient')."""
    settings = replace(
        console_settings(database_file, tmp_path / "tracker.db"),
        console_login_free_attempts=5,
        console_login_free_attempts_per_address=10,
        console_login_max_lockout_minutes=60,
    )
    with TestClient(create_app(settings, db=console_db, clock=clock)) as client:
        yield client


def _sign_in(client: TestClient, email: str, password: str) -> httpx.Response:
    token = form_token(client.get("/login").text)
    form = {"email": email, "password": password, "csrf_token": token, "next": "/"}
    return client.post("/login", data=form, follow_redirects=False)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(limited: TestClient, team: Team) -> None:
    statuses = [_sign_in(limited, team.clinician_a, WRONG).status_code for _ in range(30)]

    response = _sign_in(limited, team.clinician_a, PASSWORD)

    assert statuses == [401] * 5 + [429] * 25
    assert response.status_code == 429
    assert "Too many attempts, try again in 1 minute" in response.text
    assert response.headers["Retry-After"] == "60"
    assert limited.get("/", follow_redirects=False).headers["location"] == "/login"


def test_once_the_wait_has_passed_the_right_password_signs_in(
    limited: TestClient, team: Team, clock: Clock
) -> None:
    for _ in range(6):
        _sign_in(limited, team.clinician_a, WRONG)

    clock.now = T0 + timedelta(minutes=1)
    response = _sign_in(limited, team.clinician_a, PASSWORD)

    assert response.status_code == 303
    assert limited.get("/").status_code == 200


def test_one_address_guessing_many_accounts_is_stopped(limited: TestClient, team: Team) -> None:
    for n in range(10):
        assert _sign_in(limited, f"someone{n}@a.example", WRONG).status_code == 401

    response = _sign_in(limited, team.coach_a, PASSWORD)

    assert response.status_code == 429
    assert "Too many attempts, try again in 1 minute" in response.text


def test_a_failed_sign_in_is_in_the_audit_without_the_password(
    limited: TestClient, team: Team, console_db: Database, database_file: str
) -> None:
    _sign_in(limited, team.clinician_a, WRONG)

    [attempt] = account_services.sign_in_log(console_db)

    assert (attempt.at, attempt.email, attempt.address, attempt.succeeded) == (
        T0,
        team.clinician_a,
        "testclient",
        False,
    )
    assert WRONG.encode() not in Path(database_file.removeprefix("sqlite:///")).read_bytes()
