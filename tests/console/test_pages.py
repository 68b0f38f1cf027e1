"""The console's pages through FastAPI's TestClient: sign-in, CSRF, the inbox, the review page, printing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import PASSWORD, PRACTICE_B, Browser, Team, form_token, seed_plan, sign_in
from conversations import write_conversation
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot import account_services
from bot.careplan.model import CarePlan
from bot.store.database import Database

SCRIPT = "<script>alert('boo')</script><b>bold</b>"


@pytest.fixture
def plan(console_db: Database) -> CarePlan:
    return seed_plan(console_db, "mary-conversation", urgent=True)


@pytest.fixture
def clinician(signed_in: Any, team: Team) -> Browser:
    return signed_in(team.clinician_a)


# --- Signing in -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/plans/1", "/plans/1/prep", "/plans/1/print", "/?status=draft"])
def test_every_page_needs_a_signed_in_user(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == (
        "/login" if path == "/" else f"/login?next={quote(path, safe='')}"
    )


@pytest.mark.parametrize("path", ["/plans/1/edit/goals", "/plans/1/notes", "/plans/1/approve", "/logout"])
def test_every_form_needs_a_signed_in_user(client: TestClient, path: str) -> None:
    response = client.post(path, data={"csrf_token": "x"}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_signing_in_goes_where_you_were_going(client: TestClient, team: Team, plan: CarePlan) -> None:
    login = client.get(f"/login?next=/plans/{plan.id}")
    data = {"email": team.clinician_a, "password": PASSWORD, "csrf_token": form_token(login.text)}

    response = client.post("/login", data={**data, "next": f"/plans/{plan.id}"}, follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, f"/plans/{plan.id}")
    cookie = response.headers["set-cookie"]
    assert "wm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example", "/\\evil.example"])
def test_signing_in_never_sends_you_to_another_site(client: TestClient, team: Team, next_path: str) -> None:
    token = form_token(client.get("/login").text)
    data = {"email": team.clinician_a, "password": PASSWORD, "csrf_token": token, "next": next_path}

    response = client.post("/login", data=data, follow_redirects=False)

    assert response.headers["location"] == "/"


def test_a_wrong_password_says_so_and_signs_nobody_in(client: TestClient, team: Team) -> None:
    token = form_token(client.get("/login").text)

    response = client.post(
        "/login", data={"email": team.clinician_a, "password": "wrong", "csrf_token": token}
    )

    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert "wm_session" not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_sign_in_without_its_csrf_token_is_refused(client: TestClient, team: Team) -> None:
    client.get("/login")  # sets the login cookie; the forged form lacks the matching token

    response = client.post(
        "/login", data={"email": team.clinician_a, "password": PASSWORD, "csrf_token": "forged"}
    )

    assert response.status_code == 401
    assert "Your sign-in form expired" in response.text
    assert "wm_session" not in client.cookies


def test_signing_out_ends_the_session_for_good(app: FastAPI, clinician: Browser) -> None:
    stolen = clinician.client.cookies["wm_session"]

    response = clinician.post_form("/logout", {}, follow_redirects=False)

    assert (response.status_code, response.headers["location"]) == (303, "/login")
    with TestClient(app, cookies={"wm_session": stolen}) as thief:
        assert thief.get("/", follow_redirects=False).status_code == 303
        assert thief.get("/api/plans").status_code == 401


def test_signing_out_needs_the_csrf_token(clinician: Browser) -> None:
    response = clinician.client.post("/logout", data={"csrf_token": "forged"})

    assert response.status_code == 403
    assert clinician.client.get("/").status_code == 200  # still signed in


def test_a_deactivated_users_session_ends(
    app: FastAPI, clinician: Browser, console_db: Database, team: Team
) -> None:
    account_services.deactivate_user(console_db, team.clinician_a)

    assert clinician.client.get("/", follow_redirects=False).status_code == 303


# --- The inbox --------------------------------------------------------------------------------------


def test_the_inbox_lists_urgent_plans_first_with_their_status(
    clinician: Browser, console_db: Database
) -> None:
    seed_plan(console_db, "quiet")
    urgent = seed_plan(console_db, "urgent", urgent=True)
    seed_plan(console_db, "elsewhere", practice_id=PRACTICE_B, urgent=True)

    page = clinician.client.get("/").text

    links = re.findall(r'<a href="/plans/(\d+)">', page)
    assert links[0] == str(urgent.id) and len(links) == 2
    assert "Conversation elsewhere" not in page
    assert "Urgent review (1)" in page and "Draft (1)" in page and "Risk flagged" in page


def test_the_inbox_filters_by_status_and_searches(clinician: Browser, console_db: Database) -> None:
    seed_plan(console_db, "quiet", what_matters_good_day="Painting by the sea")
    seed_plan(console_db, "urgent", urgent=True)

    drafts = clinician.client.get("/?status=draft").text
    found = clinician.client.get("/?q=painting+SEA").text
    nothing = clinician.client.get("/?q=<b>nothing</b>").text

    assert "Conversation quiet" in drafts and "Conversation urgent" not in drafts
    assert "Conversation quiet" in found and "Conversation urgent" not in found
    assert "No plans match “&lt;b&gt;nothing&lt;/b&gt;”" in nothing


def test_the_inbox_pages(clinician: Browser, console_db: Database) -> None:
    for n in range(21):
        seed_plan(console_db, f"c{n:02}")

    first = clinician.client.get("/").text
    second = clinician.client.get("/?page=2").text

    assert "Page 1 of 2 · 21 plans" in first and len(re.findall(r'<a href="/plans/\d+">', first)) == 20
    assert "Page 2 of 2" in second and len(re.findall(r'<a href="/plans/\d+">', second)) == 1
    assert clinician.client.get("/?page=0").status_code == 422


def test_the_inbox_finds_a_patient_by_name(clinician: Browser, plan: CarePlan) -> None:
    clinician.post_form(f"/plans/{plan.id}/edit/patient", {"patient_name": "Mary Smith", "version": "1"})

    page = clinician.client.get("/?q=mary+smith").text

    assert f'<a href="/plans/{plan.id}">Mary Smith</a>' in page


# --- The review page --------------------------------------------------------------------------------


def test_the_review_page_shows_the_plan_beside_the_conversation(
    clinician: Browser, plan: CarePlan, tmp_path: Path
) -> None:
    write_conversation(
        tmp_path / "tracker.db",
        "mary-conversation",
        [("assistant", "What matters to you?"), ("person", "My dog")],
    )

    page = clinician.client.get(f"/plans/{plan.id}").text

    assert "Tea in the garden and a walk with the dog" in page
    assert "Risk disclosed in conversation: self harm: “I have been hurting myself”" in page
    assert re.search(r"Assistant · .*?What matters to you\?", page, re.S)
    assert re.search(r"Patient · .*?My dog", page, re.S)
    audit = page[page.index('id="audit"') :]
    assert re.search(r"What Matters assistant</td>\s*<td>Drafted from the conversation</td>", audit)


def test_editing_a_goal_makes_a_new_version_shown_in_the_audit(clinician: Browser, plan: CarePlan) -> None:
    form = {"version": "1", "goal-1-description": "Walk to the park and back", "goal-1-confidence": "7"}

    response = clinician.post_form(f"/plans/{plan.id}/edit/goals", form, follow_redirects=False)
    page = clinician.client.get(response.headers["location"]).text

    assert (response.status_code, response.headers["location"]) == (303, f"/plans/{plan.id}?saved=1#goals")
    assert "Saved." in page and "Version 2" in page
    audit = page[page.index('id="audit"') :]
    assert "Dr Asha Patel" in audit and "Edited: Goals" in audit
    assert "Walk to the park" in audit and "Walk to the park and back" in audit


def test_a_form_without_the_csrf_token_changes_nothing(clinician: Browser, plan: CarePlan) -> None:
    for token in (None, "forged"):
        data = {"version": "1", "care_coordinator": "Mallory"} | ({"csrf_token": token} if token else {})
        response = clinician.client.post(f"/plans/{plan.id}/edit/coordination", data=data)
        assert response.status_code == 403
        assert "security token is missing or out of date" in response.text

    assert "Mallory" not in clinician.client.get(f"/plans/{plan.id}").text


def test_another_browsers_csrf_token_does_not_work(signed_in: Any, team: Team, plan: CarePlan) -> None:
    mine, theirs = signed_in(team.clinician_a), signed_in(team.coach_a)

    response = mine.client.post(
        f"/plans/{plan.id}/edit/coordination", data={"csrf_token": theirs.csrf, "care_coordinator": "x"}
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("part", "form", "message"),
    [
        ("goals", {"goal-1-description": "Walk", "goal-1-confidence": "eleven"}, "not &#39;eleven&#39;"),
        ("goals", {"goal-1-description": "Walk", "goal-1-confidence": "²"}, "whole number from 0 to 10"),
        ("goals", {"goal-1-description": "Walk", "goal-1-target_date": "soon"}, "is not a date"),
        ("coordination", {"review_date": "2001-02-03"}, "cannot be in the past"),
        ("patient", {"nhs_number": "123"}, "An NHS number has 10 digits."),
        ("agreed_actions", {"action-1-owner": "Chris"}, "needs a description"),
        ("nonsense", {}, "There is no part of the plan called"),
        ("goals", {"version": "x1"}, "version is not a number"),
    ],
)
def test_bad_form_input_is_explained_on_the_page(
    clinician: Browser, plan: CarePlan, part: str, form: dict, message: str
) -> None:
    response = clinician.post_form(f"/plans/{plan.id}/edit/{part}", {"version": "1", **form})

    assert response.status_code == 422
    assert message in response.text
    assert "Version 1" in response.text  # nothing was stored


def test_a_stale_form_is_a_conflict(clinician: Browser, plan: CarePlan) -> None:
    clinician.post_form(f"/plans/{plan.id}/edit/coordination", {"version": "1", "care_coordinator": "Chris"})

    response = clinician.post_form(
        f"/plans/{plan.id}/edit/coordination", {"version": "1", "care_coordinator": "Sam"}
    )

    assert response.status_code == 409
    assert "Someone else changed this plan since you opened it" in response.text


def test_approving_and_returning_from_the_page(clinician: Browser, console_db: Database) -> None:
    first, second = seed_plan(console_db, "first"), seed_plan(console_db, "second")
    coordination = {"version": "1", "care_coordinator": "Chris Coach", "review_date": "2030-01-31"}
    clinician.post_form(f"/plans/{first.id}/edit/coordination", coordination)

    approved = clinician.post_form(f"/plans/{first.id}/approve", {"version": "2"})
    returned = clinician.post_form(
        f"/plans/{second.id}/return", {"version": "1", "reason": "Ask about <money>"}
    )

    assert "Approved by Dr Asha Patel (clinician)" in approved.text
    assert 'Returned: <span class="words">Ask about &lt;money&gt;</span>' in returned.text


def test_notes_are_added_with_their_author(clinician: Browser, plan: CarePlan) -> None:
    page = clinician.post_form(
        f"/plans/{plan.id}/notes", {"version": "1", "text": "Rang Mary, no answer"}
    ).text

    assert "Rang Mary, no answer" in page and "Dr Asha Patel, " in page
    assert "Added a note: Notes" in page


def test_an_admin_sees_no_forms_and_cannot_post_them(signed_in: Any, team: Team, plan: CarePlan) -> None:
    admin = signed_in(team.admin_a)

    page = admin.client.get(f"/plans/{plan.id}").text
    response = admin.post_form(f"/plans/{plan.id}/approve", {"version": "1"})

    assert "Edit goals" not in page and "Approve plan" not in page and "Add note" not in page
    assert response.status_code == 403
    assert "The admin role cannot approve or return plans." in response.text


def test_another_practices_plan_is_not_found(signed_in: Any, team: Team, plan: CarePlan) -> None:
    outsider = signed_in(team.clinician_b)

    for path in (f"/plans/{plan.id}", f"/plans/{plan.id}/prep", f"/plans/{plan.id}/print"):
        response = outsider.client.get(path)
        assert response.status_code == 404
        assert f"There is no plan {plan.id}." in response.text
    approve = outsider.post_form(f"/plans/{plan.id}/approve", {})
    assert approve.status_code == 404


# --- Nothing a person types can become markup --------------------------------------------------------


def test_a_persons_html_is_shown_as_text_everywhere(
    clinician: Browser, console_db: Database, tmp_path: Path
) -> None:
    plan = seed_plan(console_db, "xss", what_matters_good_day=SCRIPT, goal_1_description=SCRIPT)
    write_conversation(tmp_path / "tracker.db", "xss", [("person", SCRIPT)])

    for path in ("/", f"/plans/{plan.id}", f"/plans/{plan.id}/prep", f"/plans/{plan.id}/print"):
        page = clinician.client.get(path).text
        assert "<script>alert" not in page and "<b>bold</b>" not in page, path
        assert "&lt;script&gt;alert(&#39;boo&#39;)&lt;/script&gt;" in page, path


def test_pages_forbid_inline_and_third_party_scripts(clinician: Browser, plan: CarePlan) -> None:
    response = clinician.client.get(f"/plans/{plan.id}")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert not re.search(r'(src|href)="(https?:)?//', response.text)  # nothing loaded from elsewhere


# --- The printable pages ----------------------------------------------------------------------------


def test_the_prep_sheet_has_what_a_coach_needs(clinician: Browser, plan: CarePlan) -> None:
    page = clinician.client.get(f"/plans/{plan.id}/prep").text

    assert '<link rel="stylesheet" href="/static/print.css">' in page
    for heading in ("Flags", "What matters to them", "Goals", "Support", "Concerns", "Questions to explore"):
        assert f"<h2>{heading}</h2>" in page
    assert "<strong>5/10</strong>" in page
    assert "How are you feeling today?" in page
    assert "confidence 5/10. What would make it a point higher?" in page


def test_the_patients_copy_says_it_is_a_draft_until_approved(clinician: Browser, plan: CarePlan) -> None:
    page = clinician.client.get(f"/plans/{plan.id}/print").text

    assert "My care and support plan" in page and "DRAFT – not yet agreed with your practice" in page
    assert "Risk disclosed" not in page  # flags are for professionals
    assert "Walk to the end of the road" in page


def test_the_print_stylesheet_hides_the_screen_furniture(client: TestClient) -> None:
    css = client.get("/static/print.css")

    assert css.status_code == 200
    assert "@media print" in css.text and ".site-header" in css.text


def test_health_answers_without_signing_in(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_sign_in_helper_works_for_the_other_practice(client: TestClient, team: Team) -> None:
    browser = sign_in(client, team.clinician_b)

    assert "Dr Bea Other (clinician, practice-b)" in browser.client.get("/").text
