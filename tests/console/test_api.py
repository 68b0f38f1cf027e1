"""The JSON API: access control across practices, tokens, CSRF, the review flow and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PRACTICE_A, PRACTICE_B, Browser, Team, seed_plan
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from bot import account_services
from bot.careplan.model import CarePlan
from bot.store.database import Database

JSON = {"Content-Type": "application/json"}
PLAN_ROUTES = [
    ("GET", "/api/plans/{id}", None),
    ("PATCH", "/api/plans/{id}", {"care_coordinator": "Chris"}),
    ("POST", "/api/plans/{id}/notes", {"text": "Hello"}),
    ("POST", "/api/plans/{id}/approve", {}),
    ("POST", "/api/plans/{id}/return", {"reason": "Not ready"}),
    ("GET", "/api/plans/{id}/fhir", None),
    ("GET", "/api/plans/{id}/audit", None),
]


@pytest.fixture
def plan_a(console_db: Database) -> CarePlan:
    return seed_plan(console_db, "conversation-a", PRACTICE_A)


@pytest.fixture
def plan_b(console_db: Database) -> CarePlan:
    return seed_plan(console_db, "conversation-b", PRACTICE_B, urgent=True)


@pytest.fixture
def clinician(signed_in: Any, team: Team) -> Browser:
    return signed_in(team.clinician_a)


def api(browser: Browser, method: str, url: str, body: Any = None) -> Any:
    """A call as the console's own pages would make it: session cookie plus CSRF header."""
    return browser.client.request(method, url, json=body, headers={"X-CSRF-Token": browser.csrf})


def bearer(client: TestClient, token: str, method: str, url: str, body: Any = None) -> Any:
    return client.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})


# --- Who may call it ------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), [("GET", "/api/plans", None), *PLAN_ROUTES])
def test_every_route_needs_a_session_or_a_token(
    client: TestClient, plan_a: CarePlan, method: str, path: str, body: Any
) -> None:
    response = client.request(method, path.format(id=plan_a.id), json=body)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Sign in, or send an API token" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), PLAN_ROUTES)
def test_another_practices_plan_is_404_on_every_route(
    clinician: Browser, plan_b: CarePlan, method: str, path: str, body: Any
) -> None:
    response = api(clinician, method, path.format(id=plan_b.id), body)

    assert response.status_code == 404
    assert response.json() == {"detail": f"There is no plan {plan_b.id}."}


def test_a_list_never_shows_another_practices_plans(
    clinician: Browser, plan_a: CarePlan, plan_b: CarePlan
) -> None:
    everything = api(clinician, "GET", "/api/plans").json()
    by_conversation = api(clinician, "GET", "/api/plans?conversation_id=conversation-b").json()
    by_words = api(clinician, "GET", "/api/plans?q=conversation-b").json()

    assert [plan["id"] for plan in everything["items"]] == [plan_a.id]
    assert everything["total"] == 1
    assert by_conversation == {"items": [], "total": 0, "limit": 25, "offset": 0}
    assert by_words["total"] == 0


def test_the_other_practice_sees_only_its_own(
    signed_in: Any, team: Team, plan_a: CarePlan, plan_b: CarePlan
) -> None:
    other = signed_in(team.clinician_b)

    assert [p["id"] for p in api(other, "GET", "/api/plans").json()["items"]] == [plan_b.id]
    assert api(other, "GET", f"/api/plans/{plan_a.id}").status_code == 404


def test_a_read_token_reads_its_practice_only(
    client: TestClient, console_db: Database, plan_a: CarePlan, plan_b: CarePlan
) -> None:
    token = account_services.create_token(console_db, name="EMIS", practice_id=PRACTICE_A).secret

    listed = bearer(client, token, "GET", "/api/plans").json()
    theirs = bearer(client, token, "GET", f"/api/plans/{plan_b.id}")
    change = bearer(client, token, "PATCH", f"/api/plans/{plan_a.id}", {"care_coordinator": "x"})

    assert [p["id"] for p in listed["items"]] == [plan_a.id]
    assert theirs.status_code == 404
    assert (change.status_code, change.json()["detail"]) == (403, "A read token cannot change plans.")


def test_a_write_token_edits_but_cannot_approve(
    client: TestClient, console_db: Database, plan_a: CarePlan
) -> None:
    token = account_services.create_token(
        console_db, name="EMIS", practice_id=PRACTICE_A, scope="write"
    ).secret

    edited = bearer(client, token, "PATCH", f"/api/plans/{plan_a.id}", {"care_coordinator": "Chris"})
    approval = bearer(client, token, "POST", f"/api/plans/{plan_a.id}/approve")

    assert edited.status_code == 200
    audit = bearer(client, token, "GET", f"/api/plans/{plan_a.id}/audit").json()["items"]
    assert (audit[0]["actor_kind"], audit[0]["actor_name"]) == ("token", "EMIS")
    assert (approval.status_code, approval.json()["detail"]) == (
        403,
        "A write token cannot approve or return plans.",
    )


def test_a_revoked_or_unknown_token_is_refused(
    client: TestClient, console_db: Database, plan_a: CarePlan
) -> None:
    made = account_services.create_token(console_db, name="EMIS", practice_id=PRACTICE_A)
    account_services.revoke_token(console_db, made.token.id)

    for token in (made.secret, "wm_made-up", ""):
        response = bearer(client, token, "GET", "/api/plans")
        assert response.status_code == 401, token


def test_an_admin_may_read_but_not_change(signed_in: Any, team: Team, plan_a: CarePlan) -> None:
    admin = signed_in(team.admin_a)

    assert api(admin, "GET", f"/api/plans/{plan_a.id}").status_code == 200
    refused = api(admin, "PATCH", f"/api/plans/{plan_a.id}", {"care_coordinator": "x"})
    assert (refused.status_code, refused.json()["detail"]) == (403, "The admin role cannot change plans.")


# --- CSRF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "not-the-token"])
def test_a_session_change_without_the_csrf_token_is_refused(
    clinician: Browser, plan_a: CarePlan, header: str | None
) -> None:
    headers = {} if header is None else {"X-CSRF-Token": header}

    response = clinician.client.patch(
        f"/api/plans/{plan_a.id}", json={"care_coordinator": "x"}, headers=headers
    )

    assert response.status_code == 403
    assert "security token" in response.json()["detail"]
    assert api(clinician, "GET", f"/api/plans/{plan_a.id}").json()["care_coordinator"] is None


def test_reading_with_a_session_needs_no_csrf_token(clinician: Browser, plan_a: CarePlan) -> None:
    assert clinician.client.get(f"/api/plans/{plan_a.id}").status_code == 200


# --- The review flow ------------------------------------------------------------------------------


def test_edit_approve_and_export(clinician: Browser, plan_a: CarePlan) -> None:
    url = f"/api/plans/{plan_a.id}"
    goal = {"description": "Walk to the park and back", "confidence": 7, "target_date": "2030-05-01"}

    too_soon = api(clinician, "POST", f"{url}/approve")
    edited = api(
        clinician,
        "PATCH",
        url,
        {
            "goals": [goal],
            "care_coordinator": "Chris Coach",
            "review_date": "2030-06-01",
            "expected_version": 1,
        },
    )
    approved = api(clinician, "POST", f"{url}/approve", {"expected_version": 2})
    again = api(clinician, "POST", f"{url}/approve")
    bundle = api(clinician, "GET", f"{url}/fhir")

    assert (too_soon.status_code, too_soon.json()["detail"]) == (
        409,
        "Before approving, set a named care coordinator and a review date.",
    )
    assert edited.status_code == 200
    assert edited.json()["goals"][0] == {
        "description": "Walk to the park and back",
        "first_step": None,
        "timeframe": None,
        "target_date": "2030-05-01",
        "confidence": 7,
        "confidence_boost": None,
    }
    assert (approved.json()["status"], approved.json()["version"]) == ("approved", 3)
    assert approved.json()["approval"]["by"] == "Dr Asha Patel"
    assert (again.status_code, again.json()["detail"]) == (409, "This plan is already approved.")
    assert bundle.headers["content-type"] == "application/fhir+json"
    care_plan = Bundle.parse_obj(bundle.json()).entry[0].resource
    assert (care_plan.status, care_plan.intent, care_plan.author.display) == (
        "active",
        "plan",
        "Dr Asha Patel",
    )


def test_the_audit_shows_who_changed_what(clinician: Browser, plan_a: CarePlan) -> None:
    api(clinician, "PATCH", f"/api/plans/{plan_a.id}", {"contingency": "Call 111"})
    api(clinician, "POST", f"/api/plans/{plan_a.id}/notes", {"text": "Phoned Mary"})

    items = api(clinician, "GET", f"/api/plans/{plan_a.id}/audit").json()["items"]

    assert [(e["action"], e["field"], e["plan_version"]) for e in items] == [
        ("note_added", "notes", 3),
        ("edited", "contingency", 2),
        ("edited", "status", 2),
        ("drafted", None, 1),
    ]
    contingency = items[1]
    assert (contingency["before"], contingency["after"]) == ("Call Sarah", "Call 111")
    assert (contingency["actor_kind"], contingency["actor_name"]) == ("user", "Dr Asha Patel")


def test_return_needs_a_reason_and_records_it(signed_in: Any, team: Team, plan_a: CarePlan) -> None:
    coach = signed_in(team.coach_a)

    empty = api(coach, "POST", f"/api/plans/{plan_a.id}/return", {"reason": "   "})
    returned = api(coach, "POST", f"/api/plans/{plan_a.id}/return", {"reason": "Goals need talking through"})

    assert (empty.status_code, empty.json()["detail"]) == (422, "The reason cannot be empty.")
    assert (returned.json()["status"], returned.json()["return_reason"]) == (
        "returned",
        "Goals need talking through",
    )


def test_a_stale_version_is_a_409(clinician: Browser, plan_a: CarePlan) -> None:
    api(clinician, "PATCH", f"/api/plans/{plan_a.id}", {"contingency": "Call 111"})

    stale = api(
        clinician, "PATCH", f"/api/plans/{plan_a.id}", {"contingency": "Call Sarah", "expected_version": 1}
    )

    assert stale.status_code == 409
    assert "changed this plan since you opened it" in stale.json()["detail"]


def test_the_list_filters_searches_and_pages(clinician: Browser, console_db: Database) -> None:
    seed_plan(console_db, "quiet-1")
    seed_plan(console_db, "urgent-1", urgent=True)
    seed_plan(console_db, "swimmer", what_matters_good_day="Swimming at the lido")

    urgent = api(clinician, "GET", "/api/plans?status=urgent_review").json()
    swimming = api(clinician, "GET", "/api/plans?q=LIDO").json()
    first_page = api(clinician, "GET", "/api/plans?limit=2").json()
    second_page = api(clinician, "GET", "/api/plans?limit=2&offset=2").json()

    assert [p["conversation_id"] for p in urgent["items"]] == ["urgent-1"]
    assert [p["conversation_id"] for p in swimming["items"]] == ["swimmer"]
    assert first_page["items"][0]["conversation_id"] == "urgent-1"
    assert (len(first_page["items"]), len(second_page["items"]), second_page["total"]) == (2, 1, 3)


# --- Bad input is a 4xx that says what is wrong, never a 500 ----------------------------------------

BAD_PATCHES = [
    ({"colour": "blue"}, 422, "extra fields not permitted"),
    ({"goals": [{"confidence": 11}]}, 422, "less than or equal to 10"),
    ({"goals": [{"confidence": "high"}]}, 422, "value is not a valid integer"),
    ({"goals": [{"description": None}]}, 422, "Goal 1 is empty"),
    ({"goals": "walk more"}, 422, "value is not a valid list"),
    ({"goals": [{"description": "x"}] * 11}, 422, "ensure this value has at most 10 items"),
    ({"review_date": "next tuesday"}, 422, "invalid date format"),
    ({"review_date": "2001-01-01"}, 422, "The review date cannot be in the past."),
    ({"nhs_number": "12345"}, 422, "An NHS number has 10 digits."),
    ({"nhs_number": "9434765918"}, 422, "check digit is wrong"),
    ({"what_matters": {"no_such_question": "x"}}, 422, "what_matters has no question 'no_such_question'"),
    ({"contingency": "x" * 20_001}, 422, "ensure this value has at most 20000 characters"),
    ({"contingency": 7}, 422, "str type expected"),
    ({"contingency": "nul \u0000 byte"}, 422, "cannot be stored"),
    ({"agreed_actions": [{"owner": "Chris"}]}, 422, "field required"),
    ({"expected_version": 0}, 422, "greater than or equal to 1"),
    ({}, 422, "Nothing to change."),
    ({"contingency": "Call Sarah"}, 422, "Nothing changed"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_PATCHES)
def test_bad_patches_are_refused_saying_why(
    clinician: Browser, plan_a: CarePlan, body: Any, status: int, message: str
) -> None:
    response = api(clinician, "PATCH", f"/api/plans/{plan_a.id}", body)

    assert response.status_code == status
    assert message in str(response.json()["detail"])


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        (
            "PATCH",
            "/api/plans/{id}",
            {"content": b"{not json", "headers": JSON},
        ),
        ("PATCH", "/api/plans/{id}", {"json": ["a", "list"]}),
        # httpx cannot send half a surrogate pair as text, but JSON can escape one:
        ("PATCH", "/api/plans/{id}", {"content": b'{"contingency": "lone \\ud800"}', "headers": JSON}),
        ("GET", "/api/plans/99999999999999999999", {}),
        ("GET", "/api/plans/-1", {}),
        ("GET", "/api/plans/abc", {}),
        ("GET", "/api/plans?limit=0", {}),
        ("GET", "/api/plans?limit=1000", {}),
        ("GET", "/api/plans?offset=-1", {}),
        ("GET", "/api/plans?status=lost", {}),
        ("GET", "/api/plans?conversation_id=a%00b", {}),
        ("GET", f"/api/plans?q={'x' * 201}", {}),
        ("POST", "/api/plans/{id}/notes", {"json": {"text": ""}}),
        ("POST", "/api/plans/{id}/notes", {"json": {}}),
        ("POST", "/api/plans/{id}/return", {"json": {"reason": 5}}),
        ("POST", "/api/plans/{id}/approve", {"json": {"expected_version": "two"}}),
    ],
)
def test_malformed_requests_are_422(
    clinician: Browser, plan_a: CarePlan, method: str, url: str, kwargs: dict
) -> None:
    headers = {"X-CSRF-Token": clinician.csrf, **kwargs.get("headers", {})}
    body = {key: value for key, value in kwargs.items() if key != "headers"}

    response = clinician.client.request(method, url.format(id=plan_a.id), headers=headers, **body)

    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_unknown_plans_are_404(clinician: Browser) -> None:
    response = api(clinician, "GET", "/api/plans/2147483647")

    assert (response.status_code, response.json()) == (404, {"detail": "There is no plan 2147483647."})
