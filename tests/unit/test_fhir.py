"""The FHIR export: validated by the fhir.resources R4B models, and by our own value-set checks.

fhir.resources checks structure (required elements, types, no empty strings)
but not code value sets: it accepts `status: "nonsense"`. So the codes every
resource uses are checked here against the FHIR R4 value sets too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from bot.careplan.fhir import DIRECTORY_SYSTEM, NHS_NUMBER_SYSTEM, plan_to_fhir_bundle
from bot.careplan.model import (
    AgreedAction,
    Approval,
    CarePlan,
    CommunitySuggestion,
    PlanStatus,
    ProfessionalNote,
    SuggestionStatus,
)

CREATED = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)
APPROVED_AT = datetime(2025, 3, 6, 14, 0, tzinfo=timezone.utc)

# FHIR R4 required value sets for the codes we emit (hl7.org/fhir/R4).
VALUE_SETS: dict[tuple[str, str], set[str]] = {
    ("Bundle", "type"): {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    },
    ("CarePlan", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress",
        "completed",
        "amended",
        "entered-in-error",
        "stopped",
    },
    ("Flag", "status"): {"active", "inactive", "entered-in-error"},
    ("ServiceRequest", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("ServiceRequest", "intent"): {
        "proposal",
        "plan",
        "directive",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    },
}
ACTIVITY_STATUSES = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}


@pytest.fixture
def stored(sample_plan: CarePlan) -> CarePlan:
    return replace(
        sample_plan,
        id=42,
        created_at=CREATED,
        updated_at=CREATED,
        status=PlanStatus.URGENT_REVIEW,
        risk_flags=[
            {
                "category": "self_harm",
                "message": "I have been hurting myself",
                "detected_at": CREATED.isoformat(),
            }
        ],
        patient_name="Mary Smith",
        nhs_number="9434765919",
        notes=[ProfessionalNote("Discussed with Mary by phone", "Dr Asha Patel", CREATED)],
        agreed_actions=[AgreedAction("Refer to the walking group", "Chris Coach", date(2025, 4, 1))],
        care_coordinator="Chris Coach",
        review_date=date(2025, 6, 1),
    )


@pytest.fixture
def approved(stored: CarePlan) -> CarePlan:
    approval = Approval(by="Dr Asha Patel", role="clinician", at=APPROVED_AT, user_id=3)
    return replace(stored, status=PlanStatus.APPROVED, approval=approval, version=3, updated_at=APPROVED_AT)


def test_a_draft_is_a_valid_r4_bundle(stored: CarePlan) -> None:
    bundle = plan_to_fhir_bundle(stored)

    Bundle.parse_obj(bundle)  # raises on any structural error
    _check_value_sets(bundle)
    assert Counter(_types(bundle)) == {
        "CarePlan": 1,
        "Patient": 1,
        "Goal": 2,
        "QuestionnaireResponse": 1,
        "Provenance": 1,
        "Flag": 1,
    }


def test_an_approved_plan_is_a_valid_r4_bundle(approved: CarePlan) -> None:
    bundle = plan_to_fhir_bundle(approved)

    Bundle.parse_obj(bundle)
    _check_value_sets(bundle)
    assert Counter(_types(bundle))["Provenance"] == 2


def test_a_draft_is_a_proposal_until_approved(stored: CarePlan) -> None:
    care_plan = _one(plan_to_fhir_bundle(stored), "CarePlan")

    assert (care_plan["status"], care_plan["intent"]) == ("draft", "proposal")
    assert "author" not in care_plan
    assert {goal["lifecycleStatus"] for goal in _all(plan_to_fhir_bundle(stored), "Goal")} == {"proposed"}


def test_approval_makes_an_active_plan_with_its_author(approved: CarePlan) -> None:
    bundle = plan_to_fhir_bundle(approved)
    care_plan = _one(bundle, "CarePlan")

    assert (care_plan["status"], care_plan["intent"]) == ("active", "plan")
    assert care_plan["author"] == {"display": "Dr Asha Patel"}
    assert {goal["lifecycleStatus"] for goal in _all(bundle, "Goal")} == {"accepted"}


def test_the_care_plan_says_what_matters_and_what_was_agreed(stored: CarePlan) -> None:
    care_plan = _one(plan_to_fhir_bundle(stored), "CarePlan")

    assert care_plan["title"] == "Personalised care and support plan"
    assert care_plan["description"].startswith("A good day starts slowly")
    assert care_plan["description"].endswith("with my grandson *every* Sunday")
    assert care_plan["created"] == "2025-03-03T10:00:00+00:00"
    activities = [activity["detail"] for activity in care_plan["activity"]]
    assert activities[0] == {
        "status": "not-started",
        "description": "Refer to the walking group",
        "performer": [{"display": "Chris Coach"}],
        "scheduledPeriod": {"end": "2025-04-01"},
    }
    assert activities[1]["scheduledPeriod"] == {"start": "2025-06-01"}
    assert activities[2]["description"] == "If things get worse: Call Sarah, then 111"
    notes = care_plan["note"]
    assert notes[0]["text"].startswith("Strengths: Gardening & baking <b>bread</b>")
    assert notes[-1] == {
        "authorString": "Dr Asha Patel",
        "time": "2025-03-03T10:00:00+00:00",
        "text": "Discussed with Mary by phone",
    }


def test_each_goal_has_its_words_date_first_step_and_confidence(stored: CarePlan) -> None:
    first, second = _all(plan_to_fhir_bundle(stored), "Goal")

    assert first["description"] == {"text": "Walk to the allotment again"}
    assert first["target"] == [{"dueDate": "2025-03-17"}]
    notes = [note["text"] for note in first["note"]]
    assert "First step: Walk to the end of the road" in notes
    assert "Confidence: 6/10" in notes
    assert "What would raise their confidence: If my daughter came with me" in notes
    assert second["target"] == [{"dueDate": "2025-12-01"}]


def test_a_goal_without_a_date_has_no_target(stored: CarePlan) -> None:
    undated = replace(stored, goals=[replace(stored.goals[0], target_date=None)])

    goal = _one(plan_to_fhir_bundle(undated), "Goal")

    assert "target" not in goal


def test_the_answers_are_a_questionnaire_response(stored: CarePlan) -> None:
    response = _one(plan_to_fhir_bundle(stored), "QuestionnaireResponse")

    items = {item["linkId"]: item for item in response["item"]}
    assert list(items) == [answer.question_id for answer in stored.answers]
    assert items["what_matters_do_again"]["answer"] == [
        {"valueString": "Walk to the allotment with my grandson *every* Sunday"}
    ]
    assert "answer" not in items["strengths_coping"]  # skipped
    assert items["concerns_life"]["answer"] == [{"valueString": "I don't know really, money maybe"}]


def test_provenance_records_the_draft_and_the_approval(approved: CarePlan) -> None:
    drafted, approval = _all(plan_to_fhir_bundle(approved), "Provenance")

    assert drafted["recorded"] == "2025-03-03T10:00:00+00:00"
    assert drafted["agent"][0]["who"] == {"display": "What Matters assistant"}
    assert approval["recorded"] == "2025-03-06T14:00:00+00:00"
    assert approval["agent"][0]["who"] == {"display": "Dr Asha Patel (clinician)"}
    assert approval["agent"][0]["type"]["coding"][0]["code"] == "attester"


def test_each_risk_flag_is_a_flag(stored: CarePlan) -> None:
    two_flags = replace(
        stored, risk_flags=[*stored.risk_flags, {"kind": "safeguarding", "text": "Unsafe at home"}]
    )

    flags = _all(plan_to_fhir_bundle(two_flags), "Flag")

    assert [flag["code"]["text"] for flag in flags] == [
        "Risk disclosed in conversation: self harm: “I have been hurting myself”",
        "Risk disclosed in conversation: safeguarding: “Unsafe at home”",
    ]
    assert flags[0]["period"] == {"start": "2025-03-03T10:00:00+00:00"}


def test_the_patient_is_identified_by_nhs_number(stored: CarePlan) -> None:
    patient = _one(plan_to_fhir_bundle(stored), "Patient")

    assert patient["identifier"][0] == {"system": NHS_NUMBER_SYSTEM, "value": "9434765919"}
    assert patient["name"] == [{"text": "Mary Smith"}]


def test_every_reference_points_into_the_bundle(approved: CarePlan) -> None:
    bundle = plan_to_fhir_bundle(approved)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}

    references = list(_references(bundle))

    assert len(references) > 10
    assert set(references) <= full_urls


def test_the_same_version_exports_the_same_bundle(stored: CarePlan) -> None:
    assert plan_to_fhir_bundle(stored) == plan_to_fhir_bundle(replace(stored))


def test_a_plan_with_few_answers_still_validates(stored: CarePlan) -> None:
    sparse = replace(stored, what_matters={}, strengths={}, answers=[], goals=[], contingency=None, notes=[])

    bundle = plan_to_fhir_bundle(sparse)

    Bundle.parse_obj(bundle)
    assert "description" not in _one(bundle, "CarePlan")


def _suggestion(service_id: str, status: SuggestionStatus) -> CommunitySuggestion:
    return CommunitySuggestion(
        service_id,
        f"Service {service_id}",
        '"lonely" (loneliness) → category "Befriending"',
        url="https://example.org/x",
        contact="01632 960001",
        status=status,
    )


def test_a_referral_is_a_service_request_draft_until_referred_then_active(stored: CarePlan) -> None:
    suggestions = [_suggestion(status.value, status) for status in SuggestionStatus]
    plan = replace(stored, community_suggestions=suggestions)

    bundle = plan_to_fhir_bundle(plan)

    Bundle.parse_obj(bundle)
    _check_value_sets(bundle)
    requests = {r["performer"][0]["identifier"]["value"]: r for r in _all(bundle, "ServiceRequest")}
    assert set(requests) == {"suggested", "offered", "referred"}  # a declined one is no referral
    assert {key: (r["status"], r["intent"]) for key, r in requests.items()} == {
        "suggested": ("draft", "proposal"),
        "offered": ("draft", "proposal"),
        "referred": ("active", "order"),
    }
    referral = requests["referred"]
    assert referral["code"]["coding"] == [
        {
            "system": "http://snomed.info/sct",
            "code": "871731000000106",
            "display": "Referral to social prescribing service",
        }
    ]
    assert referral["performer"] == [
        {"display": "Service referred", "identifier": {"system": DIRECTORY_SYSTEM, "value": "referred"}}
    ]
    assert referral["reasonCode"] == [{"text": '"lonely" (loneliness) → category "Befriending"'}]
    assert referral["subject"] == _one(bundle, "CarePlan")["subject"]
    assert [n["text"] for n in referral["note"]] == [
        "Status: referred",
        "Contact: 01632 960001",
        "Website: https://example.org/x",
    ]
    # The care plan's activities refer to each referral, and every reference is in the bundle.
    activity_references = [
        a["reference"]["reference"] for a in _one(bundle, "CarePlan")["activity"] if "reference" in a
    ]
    assert activity_references == [f"urn:uuid:{r['id']}" for r in requests.values()]
    assert set(_references(bundle)) <= {entry["fullUrl"] for entry in bundle["entry"]}


def test_a_plan_without_suggestions_has_no_service_request(stored: CarePlan) -> None:
    assert "ServiceRequest" not in _types(plan_to_fhir_bundle(stored))


def test_a_plan_never_stored_cannot_be_exported(sample_plan: CarePlan) -> None:
    with pytest.raises(ValueError, match="only a stored plan"):
        plan_to_fhir_bundle(sample_plan)


def _check_value_sets(bundle: dict[str, Any]) -> None:
    resources = [bundle, *(entry["resource"] for entry in bundle["entry"])]
    for resource in resources:
        for (resource_type, element), allowed in VALUE_SETS.items():
            if resource["resourceType"] == resource_type:
                assert resource[element] in allowed, (resource_type, element, resource[element])
        if resource["resourceType"] == "CarePlan":
            details = [activity["detail"] for activity in resource["activity"] if "detail" in activity]
            assert {detail["status"] for detail in details} <= ACTIVITY_STATUSES


def _types(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["resourceType"] for entry in bundle["entry"]]


def _all(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def _one(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = _all(bundle, resource_type)
    return resource


def _references(value: Any) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield value["reference"]
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)
