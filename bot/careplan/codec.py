"""A plan as a JSON-ready dict and back: the form the store keeps each version in.

Pure functions, no I/O. The dict is the plan's stable exchange format: the
store keeps each version as one, the CLI prints it, the console's API serves it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from bot.careplan.model import (
    AgreedAction,
    Answer,
    AnswerStatus,
    Approval,
    CarePlan,
    CommunitySuggestion,
    Goal,
    PlanStatus,
    ProfessionalNote,
    SuggestionStatus,
    Support,
    SupportPerson,
)


def plan_to_dict(plan: CarePlan) -> dict[str, Any]:
    """The plan as plain JSON types: ISO 8601 dates and times, enum values as strings."""
    return {
        "id": plan.id,
        "conversation_id": plan.conversation_id,
        "practice_id": plan.practice_id,
        "status": plan.status.value,
        "version": plan.version,
        "what_matters": dict(plan.what_matters),
        "strengths": dict(plan.strengths),
        "concerns": dict(plan.concerns),
        "goals": [_goal_to_dict(goal) for goal in plan.goals],
        "support": _support_to_dict(plan.support),
        "contact_preferences": plan.contact_preferences,
        "accessibility": plan.accessibility,
        "share_with": plan.share_with,
        "contingency": plan.contingency,
        "risk_flags": copy.deepcopy(plan.risk_flags),
        "handoff_requested": plan.handoff_requested,
        "community_suggestions": [suggestion_to_dict(s) for s in plan.community_suggestions],
        **_review_to_dict(plan),
        "created_at": _iso(plan.created_at),
        "updated_at": _iso(plan.updated_at),
        "answers": [_answer_to_dict(answer) for answer in plan.answers],
    }


def plan_from_dict(data: Mapping[str, Any]) -> CarePlan:
    """The inverse of `plan_to_dict`."""
    support = data.get("support") or {}
    return CarePlan(
        id=data.get("id"),
        conversation_id=data["conversation_id"],
        practice_id=data["practice_id"],
        status=PlanStatus(data.get("status", PlanStatus.DRAFT.value)),
        version=data.get("version", 1),
        what_matters=dict(data.get("what_matters") or {}),
        strengths=dict(data.get("strengths") or {}),
        concerns=dict(data.get("concerns") or {}),
        goals=[_goal_from_dict(goal) for goal in data.get("goals") or []],
        support=Support(
            needs=support.get("needs"),
            people=[SupportPerson(p.get("name"), p.get("relationship")) for p in support.get("people") or []],
            from_practice=list(support.get("from_practice") or []),
        ),
        contact_preferences=data.get("contact_preferences"),
        accessibility=data.get("accessibility"),
        share_with=data.get("share_with"),
        contingency=data.get("contingency"),
        risk_flags=copy.deepcopy(list(data.get("risk_flags") or [])),
        handoff_requested=bool(data.get("handoff_requested", False)),
        community_suggestions=[
            suggestion_from_dict(s) for s in data.get("community_suggestions") or []
        ],  # none in snapshots from before issue 16
        **_review_from_dict(data),
        created_at=_parse_datetime(data.get("created_at")),
        updated_at=_parse_datetime(data.get("updated_at")),
        answers=[_answer_from_dict(answer) for answer in data.get("answers") or []],
    )


def suggestion_to_dict(suggestion: CommunitySuggestion) -> dict[str, Any]:
    return {
        "service_id": suggestion.service_id,
        "name": suggestion.name,
        "why": suggestion.why,
        "url": suggestion.url,
        "contact": suggestion.contact,
        "status": SuggestionStatus(suggestion.status).value,
        "added_by": suggestion.added_by,
    }


def suggestion_from_dict(data: Mapping[str, Any]) -> CommunitySuggestion:
    return CommunitySuggestion(
        service_id=str(data["service_id"]),
        name=data["name"],
        why=data.get("why") or "",
        url=data.get("url"),
        contact=data.get("contact"),
        status=SuggestionStatus(data.get("status", SuggestionStatus.SUGGESTED.value)),
        added_by=data.get("added_by"),
    )


def _review_to_dict(plan: CarePlan) -> dict[str, Any]:
    """What professionals add in the review console."""
    return {
        "patient_name": plan.patient_name,
        "nhs_number": plan.nhs_number,
        "notes": [
            {"text": note.text, "author": note.author, "written_at": _iso(note.written_at)}
            for note in plan.notes
        ],
        "agreed_actions": [
            {"description": a.description, "owner": a.owner, "due_date": _iso_date(a.due_date)}
            for a in plan.agreed_actions
        ],
        "care_coordinator": plan.care_coordinator,
        "review_date": _iso_date(plan.review_date),
        "return_reason": plan.return_reason,
        "approval": _approval_to_dict(plan.approval) if plan.approval else None,
    }


def _approval_to_dict(approval: Approval) -> dict[str, Any]:
    return {"by": approval.by, "role": approval.role, "at": _iso(approval.at), "user_id": approval.user_id}


def _review_from_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `_review_to_dict`; snapshots from before the console have none of these."""
    approval = data.get("approval")
    return {
        "patient_name": data.get("patient_name"),
        "nhs_number": data.get("nhs_number"),
        "notes": [
            ProfessionalNote(n["text"], n["author"], _parse_datetime(n["written_at"]))
            for n in data.get("notes") or []
        ],
        "agreed_actions": [
            AgreedAction(a["description"], a.get("owner"), _parse_date(a.get("due_date")))
            for a in data.get("agreed_actions") or []
        ],
        "care_coordinator": data.get("care_coordinator"),
        "review_date": _parse_date(data.get("review_date")),
        "return_reason": data.get("return_reason"),
        "approval": _approval_from_dict(approval) if approval else None,
    }


def _approval_from_dict(data: Mapping[str, Any]) -> Approval:
    return Approval(data["by"], data["role"], _parse_datetime(data["at"]), data.get("user_id"))


def _goal_to_dict(goal: Goal) -> dict[str, Any]:
    return {
        "description": goal.description,
        "first_step": goal.first_step,
        "timeframe": goal.timeframe,
        "target_date": _iso_date(goal.target_date),
        "confidence": goal.confidence,
        "confidence_boost": goal.confidence_boost,
    }


def _goal_from_dict(data: Mapping[str, Any]) -> Goal:
    return Goal(
        description=data.get("description"),
        first_step=data.get("first_step"),
        timeframe=data.get("timeframe"),
        target_date=_parse_date(data.get("target_date")),
        confidence=data.get("confidence"),
        confidence_boost=data.get("confidence_boost"),
    )


def _support_to_dict(support: Support) -> dict[str, Any]:
    return {
        "needs": support.needs,
        "people": [{"name": p.name, "relationship": p.relationship} for p in support.people],
        "from_practice": list(support.from_practice),
    }


def _answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "question_id": answer.question_id,
        "question": answer.question,
        "text": answer.text,
        "status": answer.status.value,
    }


def _answer_from_dict(data: Mapping[str, Any]) -> Answer:
    status = AnswerStatus(data.get("status", AnswerStatus.ANSWERED.value))
    return Answer(data["question_id"], data["question"], data.get("text"), status)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _parse_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    # Python 3.10's fromisoformat() does not read a trailing "Z".
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
