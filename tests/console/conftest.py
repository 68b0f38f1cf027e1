"""The review console on a real (temporary SQLite) database, with users in two practices.

`client` is FastAPI's TestClient: the real app, the real database, the real
templates, in this process. `signed_in(...)` signs a client in through the
login form, as a browser would, and returns it with that session's CSRF token.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot import account_services
from bot.careplan.interview import build_plan
from bot.careplan.model import CarePlan, PlanStatus, SupportPerson
from bot.config import Settings
from bot.console.app import create_app
from bot.services import drafting
from bot.store.database import Database, open_database

PASSWORD = "a long enough password"
PRACTICE_A = "practice-a"
PRACTICE_B = "practice-b"
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)


def console_settings(database_url: str, tracker_db: Path) -> Settings:
    return replace(
        Settings.from_env(),
        database_url=database_url,
        tracker_store_db=tracker_db,
        console_secret_key="test-secret-key",
        console_secure_cookies=False,
    )


def answers(**overrides: Any) -> dict[str, Any]:
    """The interview's slot values for a short, complete conversation."""
    values: dict[str, Any] = {
        "what_matters_good_day": "Tea in the garden and a walk with the dog",
        "what_matters_do_again": "Dance at my granddaughter's wedding",
        "strengths_good_at": "Baking",
        "strengths_coping": None,
        "concerns_health": "My knees",
        "concerns_life": "Money, maybe",
        "goal_1_description": "Walk to the park",
        "goal_1_first_step": "Walk to the end of the road",
        "goal_1_timeframe": "in 2 weeks",
        "goal_1_confidence": "5",
        "goal_1_confidence_boost": "If my daughter came too",
        "goal_1_more": False,
        "support_needs": "Help with shopping",
        "support_people": "My daughter Sarah",
        "support_from_practice": "A health coach",
        "contact_preferences": "Phone in the mornings",
        "accessibility": "Large print",
        "share_with": "My daughter",
        "contingency": "Call Sarah",
    }
    return {**values, **overrides}


def seed_plan(
    db: Database,
    conversation_id: str,
    practice_id: str = PRACTICE_A,
    *,
    urgent: bool = False,
    now: datetime = T0,
    **overrides: Any,
) -> CarePlan:
    """A plan drafted through the service layer, as the assistant drafts one."""
    plan = build_plan(
        answers(**overrides),
        conversation_id=conversation_id,
        practice_id=practice_id,
        unanswered={"strengths_coping": "skipped"},
        support_people=[SupportPerson("Sarah", "daughter")],
        today=date(2025, 3, 3),
    )
    if urgent:
        flag = {
            "category": "self_harm",
            "message": "I have been hurting myself",
            "detected_at": now.isoformat(),
        }
        plan = replace(plan, status=PlanStatus.URGENT_REVIEW, risk_flags=[flag])
    return drafting.draft_plan(db, plan, now=now)


@dataclass
class Team:
    """Who works where: two practices, so every test can check neither sees the other's plans."""

    clinician_a: str = "clinician@a.example"
    coach_a: str = "coach@a.example"
    admin_a: str = "admin@a.example"
    clinician_b: str = "clinician@b.example"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the team in it, made once: argon2 takes a quarter of a second a user."""
    path = tmp_path_factory.mktemp("template") / "console.db"
    add_team(f"sqlite:///{path}")
    return path


def add_team(database_url: str) -> None:
    """Migrate the database and add the `Team`'s users to it."""
    db = open_database(database_url)
    team = Team()
    people = [
        (team.clinician_a, "Dr Asha Patel", "clinician", PRACTICE_A),
        (team.coach_a, "Chris Coach", "coach", PRACTICE_A),
        (team.admin_a, "Ada Admin", "admin", PRACTICE_A),
        (team.clinician_b, "Dr Bea Other", "clinician", PRACTICE_B),
    ]
    try:
        for email, name, role, practice in people:
            account_services.create_user(
                db, email=email, name=name, role=role, practice_id=practice, password=PASSWORD
            )
    finally:
        db.dispose()


@pytest.fixture
def database_file(tmp_path: Path, template_database: Path) -> str:
    """Each test's own copy of the template database."""
    path = tmp_path / "console.db"
    shutil.copyfile(template_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def console_db(database_file: str) -> Iterator[Database]:
    db = open_database(database_file)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def team() -> Team:
    """Who is in every test's database (see `template_database`)."""
    return Team()


@pytest.fixture
def app(database_file: str, console_db: Database, tmp_path: Path) -> FastAPI:
    return create_app(console_settings(database_file, tmp_path / "tracker.db"), db=console_db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Browser:
    """A signed-in TestClient and the CSRF token its forms carry."""

    client: TestClient
    csrf: str

    def post_form(self, url: str, data: dict[str, str], **kwargs: Any):
        return self.client.post(url, data={"csrf_token": self.csrf, **data}, **kwargs)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Browser:
    login_page = client.get("/login")
    token = form_token(login_page.text)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return Browser(client, form_token(client.get("/").text))


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def signed_in(app: FastAPI, team: Team) -> Iterator[Any]:
    """signed_in(email) -> a Browser; each call is a separate browser with its own cookies."""
    clients: list[TestClient] = []

    def make(email: str) -> Browser:
        test_client = TestClient(app)
        clients.append(test_client)
        return sign_in(test_client, email)

    yield make
    for test_client in clients:
        test_client.close()
