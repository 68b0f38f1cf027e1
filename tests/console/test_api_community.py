"""Community support through the JSON API (issue 16): marking a plan's suggestions and adding one from
the practice's directory, with the page's rules, audit and versions, on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from community import CHOIR, MONEY, SHOPPING, WALKING, plan_with_suggestions
from conftest import PRACTICE_A, PRACTICE_B, T0, Browser, Team, add_team
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from bot import account_services, directory_services
from bot.careplan.model import CarePlan
from bot.directory.model import Directory, Service, SourceFormat
from bot.store.database import Database

THEIRS = "their-bowls-5"  # a service in practice B's directory only


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_file(request: pytest.FixtureRequest, tmp_path: Path, template_database: Path) -> str:
    """The console's database (the conftest's `app` and `console_db` use it) on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "console.db"
        shutil.copyfile(template_database, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    add_team(url)
    return url


@pytest.fixture
def plan(console_db: Database) -> CarePlan:
    theirs = Service(THEIRS, "Vale Bowls Club", "Bowls and singing on the green.", categories=("Singing",))
    directory_services.import_directory(
        console_db, Directory("theirs.csv", SourceFormat.CSV, (theirs,)), PRACTICE_B, now=T0
    )
    return plan_with_suggestions(console_db)


@pytest.fixture
def clinician(signed_in: Any, team: Team) -> Browser:
    return signed_in(team.clinician_a)


def api(browser: Browser, method: str, url: str, body: Any = None) -> Any:
    """A call as the console's own pages would make it: session cookie plus CSRF header."""
    return browser.client.request(method, url, json=body, headers={"X-CSRF-Token": browser.csrf})


def _statuses(plan: dict[str, Any]) -> dict[str, str]:
    return {s["service_id"]: s["status"] for s in plan["community_suggestions"]}


def _unchanged(browser: Browser, plan: CarePlan) -> bool:
    """The plan is as drafted: version 1, its suggestions all still only suggested."""
    stored = api(browser, "GET", f"/api/plans/{plan.id}").json()
    drafted = {s.service_id: "suggested" for s in plan.community_suggestions}
    return stored["version"] == 1 and _statuses(stored) == drafted


def test_marking_referred_is_a_new_audited_version_and_an_active_service_request(
    clinician: Browser, plan: CarePlan
) -> None:
    url = f"/api/plans/{plan.id}"

    marked = api(
        clinician,
        "POST",
        f"{url}/suggestions",
        {"service_id": MONEY, "status": "referred", "expected_version": 1},
    )

    assert marked.status_code == 200, marked.text
    body = marked.json()
    assert (body["version"], body["status"]) == (2, "draft")  # a mark never changes the plan's status
    assert _statuses(body) == {WALKING: "suggested", MONEY: "referred", SHOPPING: "suggested"}
    newest = api(clinician, "GET", f"{url}/audit").json()["items"][0]
    assert (newest["plan_version"], newest["action"], newest["field"], newest["actor_name"]) == (
        2,
        "edited",
        "community_suggestions",
        "Dr Asha Patel",
    )
    assert [s["status"] for s in newest["before"] if s["service_id"] == MONEY] == ["suggested"]
    assert [s["status"] for s in newest["after"] if s["service_id"] == MONEY] == ["referred"]
    bundle = api(clinician, "GET", f"{url}/fhir").json()
    Bundle.parse_obj(bundle)
    requests = {
        r["performer"][0]["identifier"]["value"]: r["status"]
        for r in (entry["resource"] for entry in bundle["entry"])
        if r["resourceType"] == "ServiceRequest"
    }
    assert requests == {WALKING: "draft", MONEY: "active", SHOPPING: "draft"}


def test_the_review_page_shows_what_the_api_marked(clinician: Browser, plan: CarePlan) -> None:
    api(clinician, "POST", f"/api/plans/{plan.id}/suggestions", {"service_id": WALKING, "status": "declined"})

    page = clinician.client.get(f"/plans/{plan.id}").text

    assert "Version 2" in page and '<span class="badge declined">Declined<' in page


def test_a_service_found_in_the_directory_is_added(clinician: Browser, plan: CarePlan) -> None:
    found = api(clinician, "GET", "/api/directory?q=singing").json()["items"]

    added = api(
        clinician,
        "POST",
        f"/api/plans/{plan.id}/suggestions/add",
        {"service_id": CHOIR, "expected_version": 1},
    )
    again = api(clinician, "POST", f"/api/plans/{plan.id}/suggestions/add", {"service_id": CHOIR})

    assert [s["service_id"] for s in found][:1] == [CHOIR]
    assert THEIRS not in {s["service_id"] for s in found}  # practice B's, and B's only
    assert found[0]["categories"] == ["Singing", "Music"] and found[0]["audience"] is None
    assert added.status_code == 200, added.text
    choir = added.json()["community_suggestions"][-1]
    assert (choir["service_id"], choir["status"], choir["added_by"]) == (CHOIR, "suggested", "Dr Asha Patel")
    assert choir["why"] == "Added from the directory by Dr Asha Patel"
    assert added.json()["version"] == 2
    newest = api(clinician, "GET", f"/api/plans/{plan.id}/audit").json()["items"][0]
    assert (newest["field"], newest["plan_version"]) == ("community_suggestions", 2)
    assert (again.status_code, again.json()["detail"]) == (
        422,
        "Vale Voices Community Choir is already in the plan's community support.",
    )


MARK_REFUSED = [
    ({"status": "suggested"}, 422, "Mark a suggestion offered, referred or declined."),
    ({"status": "sent"}, 422, "Mark a suggestion offered, referred or declined."),
    ({"service_id": CHOIR}, 422, "That service is not among this plan's community suggestions"),
    ({"service_id": "no-such-service"}, 422, "That service is not among this plan's community suggestions"),
    ({"expected_version": 7}, 409, "Someone else changed this plan since you opened it"),
    ({"status": 3}, 422, "str type expected"),
    ({"service_id": ""}, 422, "ensure this value has at least 1 characters"),
    ({"colour": "red"}, 422, "extra fields not permitted"),
]


@pytest.mark.parametrize(("change", "status_code", "message"), MARK_REFUSED)
def test_a_mark_that_cannot_be_made_says_why_and_changes_nothing(
    clinician: Browser, plan: CarePlan, change: dict[str, Any], status_code: int, message: str
) -> None:
    body = {"service_id": MONEY, "status": "referred", **change}

    response = api(clinician, "POST", f"/api/plans/{plan.id}/suggestions", body)

    assert response.status_code == status_code
    assert message in str(response.json()["detail"])
    assert _unchanged(clinician, plan)


@pytest.mark.parametrize(
    ("service_id", "message"),
    [
        ("no-such-service", "That service is not in the practice's directory, or is not running."),
        (THEIRS, "That service is not in the practice's directory, or is not running."),
    ],
    ids=["unknown", "another-practices"],
)
def test_only_a_service_of_the_practices_directory_can_be_added(
    clinician: Browser, plan: CarePlan, service_id: str, message: str
) -> None:
    response = api(clinician, "POST", f"/api/plans/{plan.id}/suggestions/add", {"service_id": service_id})

    assert (response.status_code, response.json()["detail"]) == (422, message)
    assert _unchanged(clinician, plan)


def test_a_write_token_marks_and_adds_a_read_token_cannot(
    client: TestClient, console_db: Database, plan: CarePlan
) -> None:
    write = account_services.create_token(console_db, name="EMIS", practice_id=PRACTICE_A, scope="write")
    read = account_services.create_token(console_db, name="Reports", practice_id=PRACTICE_A)
    url = f"/api/plans/{plan.id}/suggestions"

    def call(token: str, method: str, path: str, body: Any = None) -> Any:
        return client.request(method, path, json=body, headers={"Authorization": f"Bearer {token.secret}"})

    refused = [
        call(read, "POST", url, {"service_id": MONEY, "status": "offered"}),
        call(read, "POST", f"{url}/add", {"service_id": CHOIR}),
        call(read, "GET", "/api/directory?q=singing"),
    ]
    marked = call(write, "POST", url, {"service_id": MONEY, "status": "offered"})
    added = call(write, "POST", f"{url}/add", {"service_id": CHOIR, "expected_version": 2})

    assert [(r.status_code, r.json()["detail"]) for r in refused] == [
        (403, "A read token cannot change plans.")
    ] * 3
    assert (marked.status_code, added.status_code) == (200, 200)
    assert _statuses(added.json())[MONEY] == "offered" and _statuses(added.json())[CHOIR] == "suggested"
    audit = call(write, "GET", f"/api/plans/{plan.id}/audit").json()["items"]
    assert [(e["plan_version"], e["actor_kind"], e["actor_name"]) for e in audit[:2]] == [
        (3, "token", "EMIS"),
        (2, "token", "EMIS"),
    ]


def test_an_admin_and_another_practice_cannot(signed_in: Any, team: Team, plan: CarePlan) -> None:
    admin, other = signed_in(team.admin_a), signed_in(team.clinician_b)
    mark = {"service_id": MONEY, "status": "referred"}

    assert api(admin, "POST", f"/api/plans/{plan.id}/suggestions", mark).status_code == 403
    assert api(admin, "GET", "/api/directory?q=singing").json() == {
        "detail": "The admin role cannot change plans."
    }
    for path, body in (("suggestions", mark), ("suggestions/add", {"service_id": THEIRS})):
        theirs = api(other, "POST", f"/api/plans/{plan.id}/{path}", body)
        assert (theirs.status_code, theirs.json()) == (404, {"detail": f"There is no plan {plan.id}."})
    assert _unchanged(signed_in(team.clinician_a), plan)


def test_a_session_needs_the_csrf_header_and_a_caller_is_needed(
    client: TestClient, clinician: Browser, plan: CarePlan
) -> None:
    body = {"service_id": MONEY, "status": "referred"}

    no_header = clinician.client.post(f"/api/plans/{plan.id}/suggestions", json=body)
    nobody = client.post(f"/api/plans/{plan.id}/suggestions/add", json={"service_id": CHOIR})
    no_search = client.get("/api/directory?q=singing")

    assert no_header.status_code == 403 and "security token" in no_header.json()["detail"]
    assert (nobody.status_code, no_search.status_code) == (401, 401)
    assert _unchanged(clinician, plan)


@pytest.mark.parametrize("query", ["", "q=", f"q={'x' * 201}", "q=a%00b"])
def test_a_bad_search_is_422(clinician: Browser, query: str) -> None:
    response = api(clinician, "GET", f"/api/directory?{query}")

    assert response.status_code == 422 and response.json()["detail"]
