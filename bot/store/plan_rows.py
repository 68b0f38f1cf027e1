"""A care plan as rows: its own row (with the inbox's search text) and the rows of its lists,
and the plan read back from them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import RowMapping

from bot.careplan.codec import suggestion_to_dict
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
from bot.store.repository import from_row, to_row
from bot.store.tables.plans import (
    agreed_actions,
    answers,
    community_suggestions,
    goals,
    plan_notes,
    support_people,
)

# A plan's rows in other tables, loaded with it and replaced whole when it is updated.
CHILD_TABLES = (goals, support_people, answers, plan_notes, agreed_actions, community_suggestions)


def plan_values(plan: CarePlan) -> dict[str, Any]:
    """The plan's own row in `care_plans`."""
    return {
        "conversation_id": plan.conversation_id,
        "practice_id": plan.practice_id,
        "status": PlanStatus(plan.status).value,
        "version": plan.version,
        "what_matters": dict(plan.what_matters),
        "strengths": dict(plan.strengths),
        "concerns": dict(plan.concerns),
        "support_needs": plan.support.needs,
        "support_from_practice": list(plan.support.from_practice),
        "contact_preferences": plan.contact_preferences,
        "accessibility": plan.accessibility,
        "share_with": plan.share_with,
        "contingency": plan.contingency,
        "risk_flags": list(plan.risk_flags),
        "handoff_requested": plan.handoff_requested,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        **_review_values(plan),
    }


def child_values(plan: CarePlan) -> dict[Table, list[dict[str, Any]]]:
    """The rows of the plan's lists, by table, in order, without their plan id and position."""
    return {
        goals: [to_row(goal) for goal in plan.goals],
        support_people: [to_row(person) for person in plan.support.people],
        answers: [to_row(answer, status=AnswerStatus(answer.status).value) for answer in plan.answers],
        plan_notes: [to_row(note) for note in plan.notes],
        agreed_actions: [to_row(action) for action in plan.agreed_actions],
        # A suggestion's row holds what its snapshot does, by one mapping.
        community_suggestions: [suggestion_to_dict(s) for s in plan.community_suggestions],
    }


def plan_from_rows(row: RowMapping, children: dict[str, Sequence[RowMapping]]) -> CarePlan:
    """The plan from its row and its lists' rows (`children`, by table name, in order)."""
    return CarePlan(
        id=row["id"],
        conversation_id=row["conversation_id"],
        practice_id=row["practice_id"],
        status=PlanStatus(row["status"]),
        version=row["version"],
        what_matters=dict(row["what_matters"]),
        strengths=dict(row["strengths"]),
        concerns=dict(row["concerns"]),
        goals=[from_row(Goal, goal) for goal in children["goals"]],
        support=Support(
            needs=row["support_needs"],
            people=[from_row(SupportPerson, p) for p in children["support_people"]],
            from_practice=list(row["support_from_practice"]),
        ),
        contact_preferences=row["contact_preferences"],
        accessibility=row["accessibility"],
        share_with=row["share_with"],
        contingency=row["contingency"],
        answers=[from_row(Answer, a, status=AnswerStatus(a["status"])) for a in children["answers"]],
        risk_flags=list(row["risk_flags"]),
        handoff_requested=bool(row["handoff_requested"]),
        community_suggestions=[
            from_row(CommunitySuggestion, s, status=SuggestionStatus(s["status"]))
            for s in children["community_suggestions"]
        ],
        patient_name=row["patient_name"],
        nhs_number=row["nhs_number"],
        notes=[from_row(ProfessionalNote, n) for n in children["plan_notes"]],
        agreed_actions=[from_row(AgreedAction, a) for a in children["agreed_actions"]],
        care_coordinator=row["care_coordinator"],
        review_date=row["review_date"],
        return_reason=row["return_reason"],
        approval=_approval_from_row(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _review_values(plan: CarePlan) -> dict[str, Any]:
    approval = plan.approval
    return {
        "patient_name": plan.patient_name,
        "nhs_number": plan.nhs_number,
        "care_coordinator": plan.care_coordinator,
        "review_date": plan.review_date,
        "return_reason": plan.return_reason,
        "approved_by": approval.by if approval else None,
        "approved_by_role": approval.role if approval else None,
        "approved_by_user_id": approval.user_id if approval else None,
        "approved_at": approval.at if approval else None,
        "risk_flagged": bool(plan.risk_flags),
        "search_text": _search_text(plan),
    }


def _search_text(plan: CarePlan) -> str:
    """Every word in the plan, one field a line, case-folded: what the inbox search looks in."""
    words = [
        plan.conversation_id,
        plan.patient_name,
        plan.nhs_number,
        *plan.what_matters.values(),
        *plan.strengths.values(),
        *plan.concerns.values(),
        *(text for goal in plan.goals for text in to_row(goal).values() if isinstance(text, str)),
        plan.support.needs,
        *(text for person in plan.support.people for text in (person.name, person.relationship)),
        *plan.support.from_practice,
        plan.contact_preferences,
        plan.accessibility,
        plan.share_with,
        plan.contingency,
        *(answer.text for answer in plan.answers),
        *(note.text for note in plan.notes),
        *(text for action in plan.agreed_actions for text in (action.description, action.owner)),
        plan.care_coordinator,
    ]
    return "\n".join(word for word in words if word).casefold()


def _approval_from_row(row: RowMapping) -> Approval | None:
    if row["approved_at"] is None:
        return None
    return Approval(
        by=row["approved_by"],
        role=row["approved_by_role"],
        at=row["approved_at"],
        user_id=row["approved_by_user_id"],
    )
