"""The review rules, as pure functions: who may do what, and what each change does to a plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.careplan import audit, prep, review, validation
from bot.careplan.accounts import Actor, ApiToken, Permission, Role, TokenScope, User
from bot.careplan.audit import AuditAction
from bot.careplan.errors import InvalidEdit, InvalidTransition, NotAllowed
from bot.careplan.model import AgreedAction, Answer, CarePlan, Goal, PlanStatus

NOW = datetime(2025, 3, 5, 9, 30, tzinfo=timezone.utc)


def _user(role: Role, practice: str = "practice-a") -> Actor:
    user = User(
        email="x@example.org", name=f"A {role.value}", role=role, practice_id=practice, password_hash="h"
    )
    return Actor.for_user(replace(user, id=7))


CLINICIAN = _user(Role.CLINICIAN)
COACH = _user(Role.COACH)
ADMIN = _user(Role.ADMIN)


@pytest.fixture
def stored(sample_plan: CarePlan) -> CarePlan:
    """The sample plan as the store hands it back: an id, version 1, times."""
    return replace(sample_plan, id=1, version=1, created_at=NOW - timedelta(days=2), updated_at=NOW)


def _ready(plan: CarePlan) -> CarePlan:
    """A plan with what approval needs."""
    return replace(plan, care_coordinator="Chris Coach", review_date=date(2025, 6, 1))


# --- Who may do what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (CLINICIAN, {Permission.VIEW, Permission.EDIT, Permission.DECIDE}),
        (COACH, {Permission.VIEW, Permission.EDIT, Permission.DECIDE}),
        (ADMIN, {Permission.VIEW}),
    ],
)
def test_roles_grant_their_permissions(actor: Actor, allowed: set[Permission]) -> None:
    assert {p for p in Permission if actor.can(p)} == allowed


def test_a_token_reads_or_edits_but_never_decides() -> None:
    read = Actor.for_token(ApiToken("EMIS", "practice-a", TokenScope.READ, "hash", id=1))
    write = Actor.for_token(ApiToken("EMIS", "practice-a", TokenScope.WRITE, "hash", id=2))

    assert {p for p in Permission if read.can(p)} == {Permission.VIEW}
    assert {p for p in Permission if write.can(p)} == {Permission.VIEW, Permission.EDIT}


def test_an_admin_cannot_edit_and_is_told_why(stored: CarePlan) -> None:
    with pytest.raises(NotAllowed, match="The admin role cannot change plans"):
        review.edit(stored, {"care_coordinator": "Chris"}, ADMIN, NOW)


def test_a_write_token_cannot_approve(stored: CarePlan) -> None:
    token = Actor.for_token(ApiToken("EMIS", "practice-a", TokenScope.WRITE, "hash", id=2))

    with pytest.raises(NotAllowed, match="A write token cannot approve"):
        review.approve(_ready(stored), token, NOW)


# --- Editing --------------------------------------------------------------------------------------


def test_an_edit_makes_the_next_version_with_one_audit_entry_per_field(stored: CarePlan) -> None:
    goals = [replace(stored.goals[0], description="Walk to the park"), stored.goals[1]]

    change = review.edit(stored, {"goals": goals, "care_coordinator": "Chris Coach"}, CLINICIAN, NOW)

    assert (change.plan.version, change.plan.updated_at) == (2, NOW)
    assert change.plan.goals[0].description == "Walk to the park"
    assert change.plan.status == PlanStatus.IN_REVIEW
    by_field = {entry.field: entry for entry in change.entries}
    assert set(by_field) == {"goals", "care_coordinator", "status"}
    goal_entry = by_field["goals"]
    assert goal_entry.before[0]["description"] == "Walk to the allotment again"
    assert goal_entry.after[0]["description"] == "Walk to the park"
    assert (goal_entry.action, goal_entry.actor_name, goal_entry.actor_id) == (
        AuditAction.EDITED,
        "A clinician",
        7,
    )
    assert (goal_entry.plan_id, goal_entry.plan_version, goal_entry.at) == (1, 2, NOW)
    assert (by_field["status"].before, by_field["status"].after) == ("draft", "in_review")


def test_an_edit_leaves_the_plan_it_was_given_alone(stored: CarePlan) -> None:
    before = replace(stored)

    review.edit(stored, {"what_matters": {"what_matters_do_again": "Swim"}}, CLINICIAN, NOW)

    assert stored == before


def test_a_section_keeps_the_questions_not_sent(stored: CarePlan) -> None:
    change = review.edit(stored, {"what_matters": {"what_matters_do_again": "Swim"}}, CLINICIAN, NOW)

    assert change.plan.what_matters == {**stored.what_matters, "what_matters_do_again": "Swim"}


def test_an_urgent_review_stays_urgent_when_edited(stored: CarePlan) -> None:
    urgent = replace(stored, status=PlanStatus.URGENT_REVIEW)

    change = review.edit(urgent, {"care_coordinator": "Chris"}, CLINICIAN, NOW)

    assert change.plan.status == PlanStatus.URGENT_REVIEW


def test_editing_an_approved_plan_reopens_it(stored: CarePlan) -> None:
    approved = review.approve(_ready(stored), CLINICIAN, NOW).plan

    change = review.edit(approved, {"contingency": "Call 111"}, COACH, NOW)

    assert (change.plan.status, change.plan.approval) == (PlanStatus.IN_REVIEW, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, "Nothing to change"),
        ({"contingency": "Call Sarah, then 111"}, "Nothing changed"),
        ({"status": "approved"}, "'status' cannot be edited"),
        ({"what_matters": {"not_a_question": "x"}}, "has no question 'not_a_question'"),
        ({"what_matters": "just text"}, "must map question ids to text"),
        ({"contingency": "x" * 20_001}, "too long"),
        ({"contingency": "null \x00 byte"}, "cannot be stored"),
        ({"contingency": "half \ud800 a pair"}, "cannot be stored"),
        ({"contingency": 42}, "must be text"),
        ({"goals": [Goal("Walk", confidence=11)]}, "confidence must be a whole number from 0 to 10"),
        ({"goals": [Goal(None)]}, "Goal 1 is empty"),
        ({"goals": [Goal("x")] * 11}, "at most 10 goals"),
        ({"goals": "walk"}, "must be a list of goals"),
        ({"agreed_actions": [AgreedAction("   ")]}, "agreed action 1 cannot be empty"),
        ({"review_date": date(2025, 3, 4)}, "cannot be in the past"),
        ({"review_date": "2025-06-01"}, "must be a date"),
        ({"nhs_number": "123"}, "10 digits"),
        ({"nhs_number": "9434765918"}, "check digit is wrong"),
    ],
)
def test_bad_edits_are_refused_saying_why(stored: CarePlan, changes: dict, message: str) -> None:
    with pytest.raises(InvalidEdit, match=message):
        review.edit(stored, changes, CLINICIAN, NOW)


@pytest.mark.parametrize(("typed", "stored_as"), [("943 476 5919", "9434765919"), ("", None), (None, None)])
def test_nhs_numbers_are_checked_and_kept_as_ten_digits(typed: str | None, stored_as: str | None) -> None:
    assert validation.clean_nhs_number(typed) == stored_as


def test_blank_text_clears_a_field(stored: CarePlan) -> None:
    change = review.edit(stored, {"contingency": "   "}, CLINICIAN, NOW)

    assert change.plan.contingency is None


# --- Notes, approval, return ----------------------------------------------------------------------


def test_a_note_is_added_with_its_author_and_time(stored: CarePlan) -> None:
    change = review.add_note(stored, "  Discussed at MDT  ", COACH, NOW)

    note = change.plan.notes[-1]
    assert (note.text, note.author, note.written_at) == ("Discussed at MDT", "A coach", NOW)
    assert change.plan.status == stored.status
    assert [(e.action, e.field) for e in change.entries] == [(AuditAction.NOTE_ADDED, "notes")]


def test_approval_needs_a_care_coordinator_and_a_review_date(stored: CarePlan) -> None:
    with pytest.raises(InvalidTransition, match="set a named care coordinator and a review date"):
        review.approve(stored, CLINICIAN, NOW)


def test_approval_names_the_professional(stored: CarePlan) -> None:
    change = review.approve(_ready(stored), CLINICIAN, NOW)

    assert change.plan.status == PlanStatus.APPROVED
    approval = change.plan.approval
    assert (approval.by, approval.role, approval.at, approval.user_id) == ("A clinician", "clinician", NOW, 7)
    assert {e.action for e in change.entries} == {AuditAction.APPROVED}


def test_an_approved_plan_cannot_be_approved_or_returned_again(stored: CarePlan) -> None:
    approved = review.approve(_ready(stored), CLINICIAN, NOW).plan

    with pytest.raises(InvalidTransition, match="already approved"):
        review.approve(approved, CLINICIAN, NOW)
    with pytest.raises(InvalidTransition, match="edit it to reopen it"):
        review.return_for_changes(approved, "Wrong person", CLINICIAN, NOW)


def test_returning_needs_a_reason_and_keeps_it(stored: CarePlan) -> None:
    with pytest.raises(InvalidEdit, match="reason cannot be empty"):
        review.return_for_changes(stored, "  ", COACH, NOW)

    returned = review.return_for_changes(stored, "Talk the goals through again", COACH, NOW).plan

    assert (returned.status, returned.return_reason) == (PlanStatus.RETURNED, "Talk the goals through again")
    with pytest.raises(InvalidTransition, match="already been returned"):
        review.return_for_changes(returned, "Again", COACH, NOW)


def test_a_first_draft_is_one_audit_entry_by_the_assistant(stored: CarePlan) -> None:
    (entry,) = audit.drafted(None, stored, NOW)

    assert (entry.action, entry.actor_name, entry.field, entry.plan_version) == (
        AuditAction.DRAFTED,
        "What Matters assistant",
        None,
        1,
    )


def test_a_redraft_records_what_the_person_changed(stored: CarePlan) -> None:
    redrafted = replace(stored, version=2, contingency="Call 111", updated_at=NOW + timedelta(hours=1))

    entries = audit.drafted(stored, redrafted, NOW)

    assert [(e.field, e.before, e.after, e.plan_version) for e in entries] == [
        ("contingency", "Call Sarah, then 111", "Call 111", 2)
    ]


def test_a_plan_never_stored_cannot_be_changed(sample_plan: CarePlan) -> None:
    with pytest.raises(InvalidEdit, match="not been stored"):
        review.add_note(sample_plan, "Hello", COACH, NOW)


# --- The prep sheet -------------------------------------------------------------------------------


def test_questions_to_explore_follow_low_confidence_and_gaps(stored: CarePlan) -> None:
    flagged = replace(stored, risk_flags=[{"category": "self_harm", "message": "I hurt myself"}])

    questions = prep.questions_to_explore(flagged)

    assert questions[0].startswith("How are you feeling today?")
    assert any("confidence 6/10. What would make it a point higher?" in q for q in questions)
    assert any("If my daughter came with me" in q for q in questions)
    assert not any("Goal 2" in q for q in questions)  # 8/10, with a first step: nothing to ask
    assert any(q.startswith("They skipped “What helps me cope") for q in questions)
    assert any(q.startswith("They were not sure about “Other things making life harder”") for q in questions)


def test_a_goal_without_confidence_or_first_step_gets_asked_about(stored: CarePlan) -> None:
    plan = replace(stored, goals=[Goal("Swim")], answers=[], contingency=None)

    questions = prep.questions_to_explore(plan)

    assert "Goal 1 (“Swim”): how sure do you feel, from 0 to 10, that you can do it?" in questions
    assert "Goal 1 (“Swim”): what could be a first small step?" in questions
    assert questions[-1].startswith("If things got worse")


def test_flags_list_risk_the_wish_to_talk_and_access_needs(stored: CarePlan) -> None:
    plan = replace(
        stored,
        risk_flags=[{"category": "suicidal_thoughts", "message": "I can't go on"}, {"kind": "self_harm"}],
        handoff_requested=True,
    )

    assert prep.flags(plan) == [
        "Risk disclosed in conversation: suicidal thoughts: “I can't go on”",
        "Risk disclosed in conversation: self harm",
        "The person asked to talk to someone at the practice.",
        "Communication and accessibility needs: Large print please",
    ]


def test_a_gentle_check_answered_no_is_listed_without_making_the_plan_urgent(stored: CarePlan) -> None:
    checked = Answer(
        "risk_check", "Asked gently about risk (safeguarding) after: “he has a temper on him”", "Said no"
    )
    plan = replace(stored, answers=[*stored.answers, checked], accessibility=None)

    assert prep.flags(plan) == [
        "Asked gently about risk (safeguarding) after: “he has a temper on him”: they said no."
    ]
    assert plan.status is not PlanStatus.URGENT_REVIEW and not plan.risk_flags


def test_after_a_disclosure_of_abuse_the_prep_sheet_says_to_contact_them_only_in_their_safe_ways(
    stored: CarePlan,
) -> None:
    abuse = [{"category": "safeguarding", "message": "he reads my texts"}]
    told = replace(stored, risk_flags=abuse, contact_preferences="text only, never phone", accessibility=None)
    not_told = replace(told, contact_preferences=None)

    assert prep.flags(told)[1] == (
        "Before contacting them, use only the ways they said suit them: “text only, never phone”. "
        "Check it is safe to talk."
    )
    assert prep.flags(not_told)[1].startswith("Before contacting them, find a safe way")
    other = replace(told, risk_flags=[{"category": "self_harm", "message": "cut again"}])
    assert not any("Before contacting them" in line for line in prep.flags(other))
