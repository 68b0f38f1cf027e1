"""Bad input to the console (issue 13, item 9): bodies are capped and read only after their
sender is known, lists are capped, and bidirectional control characters never reach a plan."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import PRACTICE_A, Browser, Team, seed_plan
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot import account_services
from bot.careplan.model import CarePlan
from bot.console.schemas import MAX_LIST_ITEMS
from bot.store.database import Database

MIB = 1024 * 1024
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture
def plan(console_db: Database) -> CarePlan:
    return seed_plan(console_db, "conversation-a", PRACTICE_A)


@pytest.fixture
def clinician(signed_in: Any, team: Team) -> Browser:
    return signed_in(team.clinician_a)


@pytest.fixture
def write_token(console_db: Database) -> str:
    return account_services.create_token(
        console_db, name="EMIS", practice_id=PRACTICE_A, scope="write"
    ).secret


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def stored(client: TestClient, token: str, plan: CarePlan) -> dict[str, Any]:
    return client.get(f"/api/plans/{plan.id}", headers=bearer(token)).json()


def call(app: FastAPI, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, int]:
    """One request straight to the app (no HTTP client in between): its status, and how many
    times the app asked for the body."""
    asked = 0
    chunks = [body]

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if chunks:
            return {"type": "http.request", "body": chunks.pop(), "more_body": False}
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "http",
        "method": method, "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return next(message["status"] for message in sent if message["type"] == "http.response.start"), asked


# --- Sizes ----------------------------------------------------------------------------------------


def test_a_body_over_the_cap_is_refused_413_before_the_app_reads_it(
    client: TestClient, write_token: str, plan: CarePlan
) -> None:
    big_form = {"email": "x@a.example", "password": "p" * (2 * MIB)}
    big_patch = json.dumps({"contingency": "x" * (2 * MIB)})

    sign_in = client.post("/login", data=big_form)
    patch = client.patch(f"/api/plans/{plan.id}", content=big_patch, headers=bearer(write_token))

    assert (sign_in.status_code, sign_in.json()) == (413, {"detail": "The request is too large."})
    assert patch.status_code == 413
    assert sign_in.headers["Content-Security-Policy"]  # a refusal is a response like any other
    assert stored(client, write_token, plan)["version"] == 1


def test_a_streamed_body_is_cut_off_at_the_cap(client: TestClient, write_token: str, plan: CarePlan) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked, as a client may send it
        yield b'{"contingency": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    response = client.patch(
        f"/api/plans/{plan.id}",
        content=chunks(),
        headers=bearer(write_token, **{"Content-Type": "application/json"}),
    )

    assert response.status_code == 413
    assert stored(client, write_token, plan)["version"] == 1


def test_a_body_under_the_cap_is_taken(client: TestClient, write_token: str, plan: CarePlan) -> None:
    response = client.patch(
        f"/api/plans/{plan.id}", json={"contingency": "Call Sarah " * 1000}, headers=bearer(write_token)
    )

    assert response.status_code == 200


# --- Authentication before the body --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "/api/plans/{id}"), ("POST", "/api/plans/{id}/notes"), ("POST", "/api/plans/{id}/return")],
)
def test_an_api_body_from_no_one_is_never_read(app: FastAPI, plan: CarePlan, method: str, path: str) -> None:
    headers = {"content-type": "application/json", "content-length": "9"}

    status, asked = call(app, method, path.format(id=plan.id), headers, b"{not json")

    assert (status, asked) == (401, 0)


def test_an_api_body_with_a_bad_token_is_never_read(app: FastAPI, plan: CarePlan) -> None:
    headers = {"content-type": "application/json", "content-length": "2", **bearer("wm_not-a-token")}

    assert call(app, "POST", f"/api/plans/{plan.id}/notes", headers, b"{}") == (401, 0)


def test_a_browsers_api_change_without_its_csrf_token_is_refused_unread(
    app: FastAPI, clinician: Browser, plan: CarePlan
) -> None:
    cookie = "; ".join(f"{name}={value}" for name, value in clinician.client.cookies.items())
    headers = {"content-type": "application/json", "content-length": "2", "cookie": cookie}

    assert call(app, "POST", f"/api/plans/{plan.id}/notes", headers, b"{}") == (403, 0)


def test_malformed_json_from_no_one_is_a_401_not_a_422(client: TestClient, plan: CarePlan) -> None:
    response = client.post(
        f"/api/plans/{plan.id}/notes", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_known_caller_still_gets_422_for_malformed_json(
    client: TestClient, write_token: str, plan: CarePlan
) -> None:
    response = client.post(
        f"/api/plans/{plan.id}/notes",
        content=b"{not json",
        headers=bearer(write_token, **{"Content-Type": "application/json"}),
    )

    assert response.status_code == 422


# --- Lists ----------------------------------------------------------------------------------------


def test_the_support_form_refuses_5000_roles(clinician: Browser, write_token: str, plan: CarePlan) -> None:
    roles = ", ".join(f"role {number}" for number in range(5000))

    response = clinician.post_form(f"/plans/{plan.id}/edit/support", {"version": "1", "from_practice": roles})

    assert response.status_code == 422
    assert f"Name at most {MAX_LIST_ITEMS} roles from the practice." in response.text
    assert stored(clinician.client, write_token, plan)["version"] == 1


def test_the_support_form_takes_a_few_roles(clinician: Browser, write_token: str, plan: CarePlan) -> None:
    response = clinician.post_form(
        f"/plans/{plan.id}/edit/support", {"version": "1", "from_practice": "Health coach, Social prescriber"}
    )

    assert response.status_code == 200
    assert stored(clinician.client, write_token, plan)["support"]["from_practice"] == [
        "Health coach",
        "Social prescriber",
    ]


@pytest.mark.parametrize(
    "patch",
    [
        {"support": {"from_practice": [f"role {number}" for number in range(5000)]}},
        {"support": {"people": [{"name": f"Friend {number}"} for number in range(MAX_LIST_ITEMS + 1)]}},
        {"what_matters": {f"q{number}": "words" for number in range(5000)}},
    ],
)
def test_the_api_refuses_over_long_lists(
    client: TestClient, write_token: str, plan: CarePlan, patch: dict
) -> None:
    response = client.patch(f"/api/plans/{plan.id}", json=patch, headers=bearer(write_token))

    assert response.status_code == 422
    assert stored(client, write_token, plan)["version"] == 1


# --- Bidirectional control characters ----------------------------------------------------------------


def test_bidi_controls_never_reach_a_plan_through_the_forms(
    clinician: Browser, write_token: str, plan: CarePlan
) -> None:
    clinician.post_form(
        f"/plans/{plan.id}/edit/coordination", {"version": "1", "care_coordinator": f"Dr {RLO}nevE"}
    )
    clinician.post_form(f"/plans/{plan.id}/notes", {"version": "2", "text": f"Seen{BIDI} today"})
    clinician.post_form(
        f"/plans/{plan.id}/edit/goals", {"version": "3", "goal-1-description": f"Walk{RLO} to the park"}
    )

    saved = stored(clinician.client, write_token, plan)

    assert saved["version"] == 4
    assert saved["care_coordinator"] == "Dr nevE"
    assert saved["notes"][-1]["text"] == "Seen today"
    assert saved["goals"][0]["description"] == "Walk to the park"


def test_bidi_controls_never_reach_a_plan_through_the_api(
    client: TestClient, signed_in: Any, team: Team, write_token: str, plan: CarePlan
) -> None:
    patch = {
        "patient_name": f"Mary {RLO}htimS",
        "what_matters": {"what_matters_good_day": f"Tea{BIDI} in the garden"},
        "support": {
            "needs": f"{RLO}Shopping",
            "people": [{"name": f"Sa{RLO}rah"}],
            "from_practice": [f"Coach{RLO}"],
        },
        "goals": [{"description": f"Walk{RLO}", "first_step": "Out of the door"}],
    }
    edited = client.patch(f"/api/plans/{plan.id}", json=patch, headers=bearer(write_token))
    noted = client.post(
        f"/api/plans/{plan.id}/notes", json={"text": f"Called{RLO} her"}, headers=bearer(write_token)
    )
    coach = signed_in(team.coach_a)
    returned = coach.client.post(
        f"/api/plans/{plan.id}/return",
        json={"reason": f"Check{RLO} goals"},
        headers={"X-CSRF-Token": coach.csrf},
    )

    assert [edited.status_code, noted.status_code, returned.status_code] == [200, 200, 200]
    saved = stored(client, write_token, plan)
    assert saved["patient_name"] == "Mary htimS"
    assert saved["what_matters"]["what_matters_good_day"] == "Tea in the garden"
    assert saved["support"]["needs"] == "Shopping"
    assert saved["support"]["people"][0]["name"] == "Sarah"
    assert saved["support"]["from_practice"] == ["Coach"]
    assert saved["goals"][0]["description"] == "Walk"
    assert saved["notes"][-1]["text"] == "Called her"
    assert saved["return_reason"] == "Check goals"
    assert not any(character in json.dumps(saved, ensure_ascii=False) for character in BIDI)
