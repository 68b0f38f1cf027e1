"""A plan as a FHIR R4 Bundle (JSON-ready dicts), for GP clinical systems.

Pure functions, no I/O. The mapping follows the project's care-planning notes:

- CarePlan: `draft` + `proposal` until a professional approves it, then
  `active` + `plan`; description = what matters; activity = agreed actions,
  the review and the contingency plan; note = strengths and professionals' notes.
- Goal for each goal: `proposed`, then `accepted` on approval.
- QuestionnaireResponse: the person's answers, one item per question.
- Provenance: one for the assistant's draft, one for the approval.
- Flag for each risk flag raised during the conversation.
- ServiceRequest for each community suggestion not declined (issue 16): a referral to the
  service, `draft` + `proposal` until a professional marks it referred, then `active` +
  `order`; coded SNOMED CT 871731000000106 "Referral to social prescribing service". The
  CarePlan's activity refers to each.

Every resource gets a stable id derived from the plan, so exporting the same
version twice gives the same Bundle.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.careplan.model import (
    Answer,
    AnswerStatus,
    CarePlan,
    CommunitySuggestion,
    Goal,
    PlanStatus,
    SuggestionStatus,
)
from bot.careplan.prep import describe_risk_flag

Resource = dict[str, Any]

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
CONVERSATION_SYSTEM = "urn:whatmatters:conversation"
PLAN_SYSTEM = "urn:whatmatters:care-plan"
_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
_FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
DIRECTORY_SYSTEM = "urn:whatmatters:directory-service"  # the practice's directory's service ids
SNOMED_CT = "http://snomed.info/sct"
SOCIAL_PRESCRIBING_REFERRAL = {
    "system": SNOMED_CT,
    "code": "871731000000106",
    "display": "Referral to social prescribing service",
}
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/what-matters/fhir")
ASSISTANT = "What Matters assistant"


def plan_to_fhir_bundle(plan: CarePlan) -> Resource:
    """The plan and everything it refers to, as a `collection` Bundle."""
    if plan.created_at is None or plan.updated_at is None:
        raise ValueError("only a stored plan can be exported: it has no creation time yet")
    approved = plan.status == PlanStatus.APPROVED and plan.approval is not None
    resources = [
        _care_plan(plan, approved),
        _patient(plan),
        *(_goal(plan, number, goal, approved) for number, goal in enumerate(plan.goals, start=1)),
        _questionnaire_response(plan),
        _drafted_provenance(plan),
        *([_approval_provenance(plan)] if approved else []),
        *(_flag(plan, number, flag) for number, flag in enumerate(plan.risk_flags, start=1)),
        *(_service_request(plan, suggestion) for suggestion in _referrals(plan)),
    ]
    return {
        "resourceType": "Bundle",
        "id": _id(plan, "bundle", plan.version),
        "type": "collection",
        "timestamp": _instant(plan.updated_at),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


# --- Resources ----------------------------------------------------------------------------------


def _care_plan(plan: CarePlan, approved: bool) -> Resource:
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": _id(plan, "careplan"),
        "status": "active" if approved else "draft",
        "intent": "plan" if approved else "proposal",
        "title": "Personalised care and support plan",
        "created": _instant(plan.created_at),
        "subject": _ref(plan, "patient"),
        "contributor": [_ref(plan, "patient")],
        "goal": [_ref(plan, "goal", n) for n in range(1, len(plan.goals) + 1)],
        "supportingInfo": [_ref(plan, "answers")],
        "activity": _activities(plan),
        "note": _care_plan_notes(plan),
    }
    if plan.id is not None:
        resource["identifier"] = [{"system": PLAN_SYSTEM, "value": str(plan.id)}]
    if description := _joined(plan.what_matters):
        resource["description"] = description
    if approved and plan.approval:
        resource["author"] = {"display": plan.approval.by}
    if plan.care_coordinator:
        resource["contributor"].append({"display": f"{plan.care_coordinator} (care coordinator)"})
    return _without_empty(resource)


def _activities(plan: CarePlan) -> list[Resource]:
    activities = [
        _activity("not-started", action.description, performer=action.owner, end=action.due_date)
        for action in plan.agreed_actions
    ]
    if plan.review_date:
        coordinator = plan.care_coordinator
        activities.append(
            _activity("scheduled", "Review this plan", performer=coordinator, start=plan.review_date)
        )
    if _has_words(plan.contingency):
        activities.append(_activity("not-started", f"If things get worse: {plan.contingency.strip()}"))
    activities += [{"reference": _ref(plan, "referral", s.service_id)} for s in _referrals(plan)]
    return activities


def _activity(
    status: str,
    description: str,
    *,
    performer: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Resource:
    detail: Resource = {"status": status, "description": description.strip()}
    if _has_words(performer):
        detail["performer"] = [{"display": performer.strip()}]
    period = {key: day.isoformat() for key, day in (("start", start), ("end", end)) if day}
    if period:
        detail["scheduledPeriod"] = period
    return {"detail": detail}


def _care_plan_notes(plan: CarePlan) -> list[Resource]:
    notes = []
    if strengths := _joined(plan.strengths):
        notes.append({"text": f"Strengths: {strengths}"})
    if plan.handoff_requested:
        notes.append({"text": "The person asked to talk to someone at the practice."})
    for note in plan.notes:
        notes.append({"authorString": note.author, "time": _instant(note.written_at), "text": note.text})
    return notes


def _patient(plan: CarePlan) -> Resource:
    identifiers = [{"system": CONVERSATION_SYSTEM, "value": plan.conversation_id}]
    if plan.nhs_number:
        identifiers.insert(0, {"system": NHS_NUMBER_SYSTEM, "value": plan.nhs_number})
    resource: Resource = {"resourceType": "Patient", "id": _id(plan, "patient"), "identifier": identifiers}
    if _has_words(plan.patient_name):
        resource["name"] = [{"text": plan.patient_name.strip()}]
    return resource


def _goal(plan: CarePlan, number: int, goal: Goal, approved: bool) -> Resource:
    resource: Resource = {
        "resourceType": "Goal",
        "id": _id(plan, "goal", number),
        "lifecycleStatus": "accepted" if approved else "proposed",
        "description": {"text": _words(goal.description) or f"Goal {number} (not described)"},
        "subject": _ref(plan, "patient"),
        "expressedBy": _ref(plan, "patient"),
        "note": [{"text": text} for text in _goal_notes(goal)],
    }
    if goal.target_date:
        resource["target"] = [{"dueDate": goal.target_date.isoformat()}]
    return _without_empty(resource)


def _goal_notes(goal: Goal) -> list[str]:
    notes = [
        f"First step: {_words(goal.first_step) or 'not decided yet'}",
        f"Confidence: {goal.confidence}/10" if goal.confidence is not None else "Confidence: not given",
    ]
    if _has_words(goal.timeframe):
        notes.append(f"Timeframe: {goal.timeframe.strip()}")
    if _has_words(goal.confidence_boost):
        notes.append(f"What would raise their confidence: {goal.confidence_boost.strip()}")
    return notes


def _questionnaire_response(plan: CarePlan) -> Resource:
    resource: Resource = {
        "resourceType": "QuestionnaireResponse",
        "id": _id(plan, "answers"),
        "status": "completed",
        "subject": _ref(plan, "patient"),
        "author": _ref(plan, "patient"),
        "authored": _instant(plan.created_at),
        "item": [_answer_item(answer) for answer in plan.answers],
    }
    return _without_empty(resource)


def _answer_item(answer: Answer) -> Resource:
    item: Resource = {"linkId": answer.question_id, "text": answer.question}
    if answer.status != AnswerStatus.SKIPPED and _has_words(answer.text):
        item["answer"] = [{"valueString": answer.text.strip()}]
    return item


def _drafted_provenance(plan: CarePlan) -> Resource:
    resource: Resource = {
        "resourceType": "Provenance",
        "id": _id(plan, "provenance-draft"),
        "target": [_ref(plan, "careplan"), _ref(plan, "answers")],
        "recorded": _instant(plan.created_at),
        "activity": _coding(_DATA_OPERATION, "CREATE", "create", text="Drafted by the assistant"),
        "agent": [
            {"type": _coding(_PARTICIPANT_TYPE, "author", "Author"), "who": {"display": ASSISTANT}},
            {"type": _coding(_PARTICIPANT_TYPE, "informant", "Informant"), "who": _ref(plan, "patient")},
        ],
    }
    return _without_empty(resource)


def _approval_provenance(plan: CarePlan) -> Resource:
    approval = plan.approval
    assert approval is not None  # only called for approved plans
    return {
        "resourceType": "Provenance",
        "id": _id(plan, "provenance-approval", approval.at.isoformat()),
        "target": [_ref(plan, "careplan")],
        "recorded": _instant(approval.at),
        "activity": _coding(_DATA_OPERATION, "UPDATE", "revise", text="Approved by a named professional"),
        "agent": [
            {
                "type": _coding(_PARTICIPANT_TYPE, "attester", "Attester"),
                "who": {"display": f"{approval.by} ({approval.role})"},
            }
        ],
    }


def _flag(plan: CarePlan, number: int, flag: Mapping[str, Any]) -> Resource:
    resource: Resource = {
        "resourceType": "Flag",
        "id": _id(plan, "flag", number),
        "status": "active",
        "category": [_coding(_FLAG_CATEGORY, "safety", "Safety")],
        "code": {"text": describe_risk_flag(flag)},
        "subject": _ref(plan, "patient"),
    }
    if detected_at := flag.get("detected_at"):
        resource["period"] = {"start": str(detected_at)}
    return resource


def _referrals(plan: CarePlan) -> list[CommunitySuggestion]:
    """The suggestions that are, or may become, referrals: all but those the person declined."""
    return [s for s in plan.community_suggestions if s.status != SuggestionStatus.DECLINED]


def _service_request(plan: CarePlan, suggestion: CommunitySuggestion) -> Resource:
    referred = suggestion.status == SuggestionStatus.REFERRED
    performer: Resource = {
        "display": suggestion.name,
        "identifier": {"system": DIRECTORY_SYSTEM, "value": suggestion.service_id},
    }
    notes = [f"Status: {SuggestionStatus(suggestion.status).value}"]
    notes += [
        f"{label}: {value.strip()}" for label, value in _service_details(suggestion) if _has_words(value)
    ]
    resource: Resource = {
        "resourceType": "ServiceRequest",
        "id": _id(plan, "referral", suggestion.service_id),
        "status": "active" if referred else "draft",
        "intent": "order" if referred else "proposal",
        "code": {"coding": [dict(SOCIAL_PRESCRIBING_REFERRAL)], "text": f"Referral to {suggestion.name}"},
        "subject": _ref(plan, "patient"),
        "performer": [performer],
        "reasonCode": [{"text": suggestion.why}] if _has_words(suggestion.why) else [],
        "note": [{"text": text} for text in notes],
    }
    return _without_empty(resource)


def _service_details(suggestion: CommunitySuggestion) -> list[tuple[str, str | None]]:
    return [("Contact", suggestion.contact), ("Website", suggestion.url)]


# --- Helpers ------------------------------------------------------------------------------------


def _id(plan: CarePlan, kind: str, *parts: object) -> str:
    name = "/".join(map(str, (plan.practice_id, plan.conversation_id, kind, *parts)))
    return str(uuid.uuid5(_ID_NAMESPACE, name))


def _ref(plan: CarePlan, kind: str, *parts: object) -> Resource:
    return {"reference": f"urn:uuid:{_id(plan, kind, *parts)}"}


def _coding(system: str, code: str, display: str, *, text: str | None = None) -> Resource:
    concept: Resource = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        concept["text"] = text
    return concept


def _instant(moment: datetime) -> str:
    return moment.isoformat()


def _joined(words: Mapping[str, str | None]) -> str | None:
    """A section's answers as one text, blank ones left out."""
    texts = [text.strip() for text in words.values() if _has_words(text)]
    return "\n\n".join(texts) or None


def _words(text: str | None) -> str | None:
    return text.strip() if _has_words(text) else None


def _has_words(text: str | None) -> bool:
    return bool(text and text.strip())


def _without_empty(resource: Resource) -> Resource:
    """FHIR forbids empty lists and null values: leave such elements out."""
    return {key: value for key, value in resource.items() if value not in (None, [], {}, "")}
