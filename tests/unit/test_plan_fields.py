"""The plan's fields are written once, in bot/careplan/model.py; every other mapping is checked here.

The JSON dict (codec.py) and the row (plan_rows.py) follow the dataclass by themselves. The
mappings that must stay by hand (the Markdown's wording, FHIR's resources, the console's
schemas and forms, the interview's sections) each list here what they show and what they
leave out, and why: a field added to `CarePlan` fails these tests until each mapping has
been told of it.
"""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date, datetime, timezone

import pytest
from starlette.datastructures import FormData

from bot.careplan import interview, model, review
from bot.careplan.codec import plan_to_dict
from bot.careplan.fhir import plan_to_fhir_bundle
from bot.careplan.markdown_export import plan_to_markdown
from bot.careplan.model import CarePlan
from bot.console import forms, schemas
from bot.store import plan_rows

PLAN_FIELDS = {field.name for field in fields(CarePlan)}
AT = datetime(2025, 3, 5, 13, 30, tzinfo=timezone.utc)


@pytest.fixture
def full_plan(sample_plan: CarePlan) -> CarePlan:
    """Every field set, each to words of its own (not the answers' words), so a mapping that
    shows a field can be seen to."""
    values = {
        "conversation_id": "conversation-words",
        "practice_id": "practice-words",
        "what_matters": {"what_matters_good_day": "what-matters-words"},
        "strengths": {"strengths_good_at": "strengths-words"},
        "concerns": {"concerns_health": "concerns-words"},
        "goals": [
            model.Goal(
                "goal-words", "first-step-words", "timeframe-words", date(2025, 4, 1), 4, "boost-words"
            )
        ],
        "support": model.Support(
            "needs-words", [model.SupportPerson("Person-words", "sister")], ["practice-role-words"]
        ),
        "contact_preferences": "contact-words",
        "accessibility": "accessibility-words",
        "share_with": "share-words",
        "contingency": "contingency-words",
        "answers": sample_plan.answers,
        "risk_flags": [
            {"category": "self_harm", "words": "flag-words", "detected_at": "2025-03-05T13:00:00Z"}
        ],
        "handoff_requested": True,
        "community_suggestions": [
            model.CommunitySuggestion(
                "svc-1", "Service-words", "why-words", status=model.SuggestionStatus.OFFERED
            )
        ],
        "patient_name": "Patient-words",
        "nhs_number": "9434765919",
        "notes": [model.ProfessionalNote("note-words", "Note-author", AT)],
        "agreed_actions": [model.AgreedAction("action-words", "Action-owner", date(2025, 4, 2))],
        "care_coordinator": "Coordinator-words",
        "review_date": date(2025, 4, 3),
        "return_reason": "return-words",
        "approval": model.Approval("Approver-words", "clinician", AT, 3),
        "status": model.PlanStatus.APPROVED,
        "version": 7,
        "id": 42,
        "created_at": AT,
        "updated_at": AT,
    }
    assert set(values) == PLAN_FIELDS, "give the new field a value of its own here"
    return replace(sample_plan, **values)


def test_the_dict_and_the_row_hold_every_field_with_no_line_of_their_own(full_plan: CarePlan) -> None:
    assert set(plan_to_dict(full_plan)) == PLAN_FIELDS
    stored = set(plan_rows.COLUMNS) | set(plan_rows.LISTS) | set(plan_rows.STORED_OTHERWISE)
    assert stored == PLAN_FIELDS, "a new field needs a column (and a migration) or a table"


# What the Markdown shows of each field, and what it leaves out.
IN_MARKDOWN = {
    "conversation_id": "conversation-words",
    "what_matters": "what-matters-words",
    "strengths": "strengths-words",
    "concerns": "concerns-words",
    "goals": "goal-words",
    "support": "needs-words",
    "contact_preferences": "contact-words",
    "accessibility": "accessibility-words",
    "share_with": "share-words",
    "contingency": "contingency-words",
    "answers": "What a good day looks like",  # the answers name the questions and say what was skipped
    "risk_flags": "Needs prompt review",
    "handoff_requested": "Asked to talk to someone",
    "community_suggestions": "Service-words",
    "status": "Approved",
    "version": "**Version:** 7",
    "created_at": "**Created:** 5 March 2025",
    "updated_at": "**Last updated:** 5 March 2025",
}
# The draft for checking with the person: the practice's own additions and the store's ids are not in it.
NOT_IN_MARKDOWN = {
    "id", "practice_id", "patient_name", "nhs_number", "notes", "agreed_actions", "care_coordinator",
    "review_date", "return_reason", "approval",
}  # fmt: skip


def test_the_markdown_shows_or_leaves_out_each_field_on_purpose(full_plan: CarePlan) -> None:
    assert set(IN_MARKDOWN) | NOT_IN_MARKDOWN == PLAN_FIELDS
    markdown = plan_to_markdown(full_plan)
    assert {name: words for name, words in IN_MARKDOWN.items() if words not in markdown} == {}


IN_FHIR = {
    "conversation_id": "conversation-words",
    "what_matters": "what-matters-words",
    "strengths": "strengths-words",
    "goals": "first-step-words",
    "contingency": "contingency-words",
    "answers": "What a good day looks like",
    "risk_flags": '"resourceType": "Flag"',
    "handoff_requested": "asked to talk to someone",
    "community_suggestions": "Service-words",
    "patient_name": "Patient-words",
    "nhs_number": "9434765919",
    "notes": "note-words",
    "agreed_actions": "action-words",
    "care_coordinator": "Coordinator-words",
    "review_date": "2025-04-03",
    "approval": "Approver-words",
    "status": '"status": "active"',
    "id": '"value": "42"',
    "created_at": "2025-03-05T13:30:00",
    "updated_at": "2025-03-05T13:30:00",
}
NOT_IN_FHIR = {
    # The person's own words for these reach FHIR in the QuestionnaireResponse, through `answers`.
    "concerns", "support", "contact_preferences", "accessibility", "share_with",
    # A returned plan is the practice's own business until it is approved.
    "return_reason",
    # Only in the resources' stable ids, hashed: the same version exports the same Bundle.
    "practice_id", "version",
}  # fmt: skip


def test_the_fhir_bundle_shows_or_leaves_out_each_field_on_purpose(full_plan: CarePlan) -> None:
    assert set(IN_FHIR) | NOT_IN_FHIR == PLAN_FIELDS
    bundle = json.dumps(plan_to_fhir_bundle(full_plan))
    assert {name: words for name, words in IN_FHIR.items() if words not in bundle} == {}


# Set by the assistant or the review's own steps, never by an edit.
NOT_EDITABLE = {
    "id", "conversation_id", "practice_id", "answers", "risk_flags", "handoff_requested",
    "community_suggestions", "notes", "return_reason", "approval", "status", "version",
    "created_at", "updated_at",
}  # fmt: skip


def test_the_api_serves_every_field_and_patches_the_editable_ones() -> None:
    assert set(schemas.PlanOut.__fields__) == PLAN_FIELDS
    assert set(review.EDITABLE_FIELDS) | NOT_EDITABLE == PLAN_FIELDS
    assert set(schemas.PlanPatch.__fields__) - {"expected_version"} == set(review.EDITABLE_FIELDS)


# Each part of a plan, and the API's bodies that carry it (in and out, or out only).
API_PARTS = [
    (model.Goal, schemas.GoalIn, schemas.GoalOut),
    (model.Support, schemas.SupportIn, schemas.SupportOut),
    (model.SupportPerson, schemas.SupportPersonIn, schemas.SupportPersonOut),
    (model.AgreedAction, schemas.AgreedActionIn, schemas.AgreedActionOut),
    (model.Answer, schemas.AnswerOut),
    (model.ProfessionalNote, schemas.NoteOut),
    (model.Approval, schemas.ApprovalOut),
    (model.CommunitySuggestion, schemas.CommunitySuggestionOut),
]


@pytest.mark.parametrize("part", API_PARTS, ids=lambda part: part[0].__name__)
def test_each_part_of_the_api_has_the_fields_of_its_dataclass(part: tuple[type, ...]) -> None:
    kind, *bodies = part
    names = {field.name for field in fields(kind)}
    assert {
        body.__name__: set(body.__fields__) ^ names for body in bodies if set(body.__fields__) != names
    } == {}


def test_the_review_page_forms_edit_the_editable_fields(sample_plan: CarePlan) -> None:
    edited = {name for read in forms.PARTS.values() for name in read(FormData(), sample_plan)}
    assert edited == set(review.EDITABLE_FIELDS)


def test_the_goal_form_reads_every_field_of_a_goal(sample_plan: CarePlan) -> None:
    form = FormData(
        {f"goal-1-{field.name}": "3" for field in fields(model.Goal)} | {"goal-1-target_date": "2025-04-01"}
    )
    (goal,) = forms.changes_from_form("goals", form, sample_plan)["goals"]
    assert {name for name, value in vars(goal).items() if value is None} == set()


# The plan's fields the interview does not ask about: who and where, what it keeps of the
# conversation, and what the practice adds.
NOT_ASKED = NOT_EDITABLE | {"patient_name", "nhs_number", "agreed_actions", "care_coordinator", "review_date"}


def test_the_interview_asks_for_each_section_of_the_plan_the_person_fills() -> None:
    assert set(interview.SECTIONS) | NOT_ASKED == PLAN_FIELDS
    assert not set(interview.SECTIONS) & NOT_ASKED
