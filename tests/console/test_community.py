"""Community support to discuss (issue 16): the plan's suggestions from the practice's directory on the
review page and the prep sheet, marked offered, referred or declined by a professional."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from community import CHOIR, MONEY, SHOPPING, WALKING, plan_with_suggestions
from conftest import PRACTICE_B, Browser, Team, seed_plan
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from bot import directory_services
from bot.careplan.model import CarePlan
from bot.store.database import Database


@pytest.fixture
def plan(console_db: Database) -> CarePlan:
    return plan_with_suggestions(console_db)


@pytest.fixture
def clinician(signed_in: Any, team: Team) -> Browser:
    return signed_in(team.clinician_a)


def _section(html: str) -> str:
    start = html.index('id="community"')
    return html[start : html.index("</section>", start)]


def _mark(browser: Browser, plan_id: int, service_id: str, status: str, **extra: str) -> Any:
    data = {"version": "1", "service_id": service_id, "status": status, **extra}
    return browser.post_form(f"/plans/{plan_id}/suggestions", data, follow_redirects=False)


def test_the_review_page_lists_the_suggestions_with_why(clinician: Browser, plan: CarePlan) -> None:
    section = _section(clinician.client.get(f"/plans/{plan.id}").text)

    assert "Community support to discuss" in section
    assert "Walking for Health &lt;b&gt;Ashby&lt;/b&gt;" in section  # escaped, as everything is
    assert "Money Matters Debt Advice" in section and "Good Neighbours Shopping Help" in section
    assert "Vale Voices Community Choir" not in section  # nothing they said fits it
    assert "Why:" in section and "&#34;walk&#34;" in section.replace("&quot;", "&#34;")
    assert "01632 960100" in section and "https://walks.example" in section
    assert section.count("To discuss") == 3
    assert 'aria-label="Mark Money Matters Debt Advice referred"' in section


def test_the_prep_sheet_lists_them_too(clinician: Browser, plan: CarePlan) -> None:
    section = _section(clinician.client.get(f"/plans/{plan.id}/prep").text)

    assert "Community support to discuss" in section
    assert "Money Matters Debt Advice" in section and "Why:" in section
    assert 'name="back" value="prep"' in section and 'class="marks screen-only"' in section


def test_marking_a_suggestion_referred_is_a_new_version_in_the_audit_and_the_fhir_export(
    clinician: Browser, plan: CarePlan
) -> None:
    response = _mark(clinician, plan.id, MONEY, "referred")
    page = clinician.client.get(response.headers["location"]).text

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/plans/{plan.id}?saved=1#community",
    )
    assert "Saved." in page and "Version 2" in page
    money = re.search(r"Money Matters Debt Advice</strong>\s*<span class=\"badge (\w+)\">(\w+)<", page)
    assert money and money.groups() == ("referred", "Referred")
    audit = page[page.index('id="audit"') :]
    assert "Dr Asha Patel" in audit and "Edited: Community support" in audit
    assert "Status: suggested" in audit and "Status: referred" in audit
    assert clinician.client.get(f"/api/plans/{plan.id}").json()["status"] == "draft"  # status unchanged

    bundle = clinician.client.get(f"/api/plans/{plan.id}/fhir").json()
    Bundle.parse_obj(bundle)
    requests = {
        r["performer"][0]["identifier"]["value"]: r["status"]
        for r in (entry["resource"] for entry in bundle["entry"])
        if r["resourceType"] == "ServiceRequest"
    }
    assert requests[MONEY] == "active" and requests[WALKING] == "draft"


def test_marking_from_the_prep_sheet_goes_back_to_it(clinician: Browser, plan: CarePlan) -> None:
    offered = _mark(clinician, plan.id, WALKING, "offered", back="prep")
    declined = clinician.post_form(
        f"/plans/{plan.id}/suggestions",
        {"version": "2", "service_id": SHOPPING, "status": "declined", "back": "prep"},
    )

    assert offered.headers["location"] == f"/plans/{plan.id}/prep?saved=1#community"
    section = _section(declined.text)
    assert "Saved." in declined.text and "Consultation prep sheet" in declined.text
    assert "Offered" in section and "Declined" in section
    json_plan = clinician.client.get(f"/api/plans/{plan.id}").json()
    statuses = {s["service_id"]: s["status"] for s in json_plan["community_suggestions"]}
    assert statuses == {WALKING: "offered", MONEY: "suggested", SHOPPING: "declined"}


def test_an_edit_in_the_console_works_them_out_again_keeping_the_marks(
    clinician: Browser, plan: CarePlan
) -> None:
    _mark(clinician, plan.id, WALKING, "referred")

    clinician.post_form(
        f"/plans/{plan.id}/edit/concerns",
        {"version": "2", "q-concerns_health": "My knees", "q-concerns_life": "I miss singing with others"},
    )

    statuses = {
        s["service_id"]: s["status"]
        for s in clinician.client.get(f"/api/plans/{plan.id}").json()["community_suggestions"]
    }
    assert statuses[CHOIR] == "suggested" and statuses[WALKING] == "referred"
    assert MONEY not in statuses  # they no longer mention money, and nobody had marked it


@pytest.mark.parametrize(
    ("data", "status_code", "message"),
    [
        ({"status": "suggested"}, 422, "Mark a suggestion offered, referred or declined."),
        ({"status": "sent"}, 422, "Mark a suggestion offered, referred or declined."),
        ({"service_id": CHOIR}, 422, "not among this plan&#39;s community suggestions"),
        ({"service_id": ""}, 422, "Choose a suggestion and how to mark it."),
        ({"version": "7"}, 409, "Someone else changed this plan since you opened it"),
    ],
)
def test_a_mark_that_cannot_be_made_is_explained_and_changes_nothing(
    clinician: Browser, plan: CarePlan, data: dict[str, str], status_code: int, message: str
) -> None:
    form = {"version": "1", "service_id": MONEY, "status": "referred", **data}

    response = clinician.post_form(f"/plans/{plan.id}/suggestions", form)

    assert response.status_code == status_code
    assert message in response.text
    assert "Version 1" in response.text


def test_marking_needs_the_csrf_token(clinician: Browser, plan: CarePlan) -> None:
    for token in (None, "forged"):
        data = {"version": "1", "service_id": MONEY, "status": "referred"} | (
            {"csrf_token": token} if token else {}
        )
        assert clinician.client.post(f"/plans/{plan.id}/suggestions", data=data).status_code == 403

    assert "Version 1" in clinician.client.get(f"/plans/{plan.id}").text


def test_an_admin_sees_the_suggestions_but_cannot_mark_them(
    signed_in: Any, team: Team, plan: CarePlan
) -> None:
    admin = signed_in(team.admin_a)

    section = _section(admin.client.get(f"/plans/{plan.id}").text)
    response = _mark(admin, plan.id, MONEY, "referred")

    assert "Money Matters Debt Advice" in section and "<form" not in section
    assert response.status_code == 403
    assert "The admin role cannot change plans." in response.text


def test_another_practices_plan_cannot_be_marked(signed_in: Any, team: Team, plan: CarePlan) -> None:
    other = signed_in(team.clinician_b)

    assert _mark(other, plan.id, MONEY, "referred").status_code == 404


def test_a_practice_without_a_directory_has_nothing_to_discuss(
    clinician: Browser, signed_in: Any, team: Team, console_db: Database
) -> None:
    theirs = seed_plan(console_db, "bea-conversation", PRACTICE_B)
    ours = seed_plan(console_db, "no-directory-yet")

    section = _section(clinician.client.get(f"/plans/{ours.id}").text)

    assert "None: nothing in the practice's directory fits what they said." in section
    assert (
        signed_in(team.clinician_b).client.get(f"/api/plans/{theirs.id}").json()["community_suggestions"]
        == []
    )


def test_the_console_loads_the_matching_as_it_starts(
    app: FastAPI, console_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    called = threading.Event()
    practices: list[str | None] = []

    def prepare(db: Database, practice_id: str | None) -> bool:
        practices.append(practice_id)
        called.set()
        return True

    monkeypatch.setattr(directory_services, "prepare_matching", prepare)
    with TestClient(app):
        assert called.wait(10)

    assert practices == [None]  # every practice's directory: the console serves them all


def test_a_service_found_in_the_directory_is_added_to_discuss(clinician: Browser, plan: CarePlan) -> None:
    found = clinician.client.get(f"/plans/{plan.id}", params={"find": "singing"}).text
    section = _section(found)
    assert 'aria-label="Add Vale Voices Community Choir"' in section
    assert 'aria-label="Add Money Matters Debt Advice"' not in section  # in the plan already

    response = clinician.post_form(
        f"/plans/{plan.id}/suggestions/add", {"version": "1", "service_id": CHOIR}, follow_redirects=False
    )
    page = clinician.client.get(response.headers["location"]).text

    assert response.headers["location"] == f"/plans/{plan.id}?saved=1#community"
    section = _section(page)
    assert "Vale Voices Community Choir" in section and "Added from the directory by Dr Asha Patel" in section
    assert "Version 2" in page and "Edited: Community support" in page[page.index('id="audit"') :]
    added = clinician.client.get(f"/api/plans/{plan.id}").json()["community_suggestions"][-1]
    assert (added["service_id"], added["added_by"], added["status"]) == (CHOIR, "Dr Asha Patel", "suggested")


def test_a_search_that_finds_nothing_says_so(clinician: Browser, plan: CarePlan) -> None:
    section = _section(clinician.client.get(f"/plans/{plan.id}", params={"find": "<b>zebra</b>"}).text)

    assert "Nothing in the directory fits “&lt;b&gt;zebra&lt;/b&gt;”." in section


def test_adding_needs_the_csrf_token_and_a_service_of_the_practice(
    clinician: Browser, signed_in: Any, team: Team, plan: CarePlan
) -> None:
    forged = clinician.client.post(
        f"/plans/{plan.id}/suggestions/add", data={"version": "1", "service_id": CHOIR, "csrf_token": "x"}
    )
    unknown = clinician.post_form(f"/plans/{plan.id}/suggestions/add", {"version": "1", "service_id": "nope"})
    admin = signed_in(team.admin_a)
    admin_page = _section(admin.client.get(f"/plans/{plan.id}", params={"find": "singing"}).text)

    assert forged.status_code == 403
    assert unknown.status_code == 422 and "not in the practice&#39;s directory" in unknown.text
    assert "Add one from the directory" not in admin_page and "Vale Voices" not in admin_page
    assert admin.post_form(f"/plans/{plan.id}/suggestions/add", {"service_id": CHOIR}).status_code == 403
