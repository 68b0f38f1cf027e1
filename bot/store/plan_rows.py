"""A care plan as rows: its own row (with the inbox's search text) and the rows of its lists,
and the plan read back from them."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import RowMapping

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
    care_plans,
    community_suggestions,
    goals,
    plan_notes,
    support_people,
)

# The plan's fields kept as they are, each in the column of its name in `care_plans`.
COLUMNS = tuple(field.name for field in fields(CarePlan) if field.name in care_plans.c)
# The plan's lists, each in a table of its own, one row an item (read back by `_lists`).
LISTS = {
    "goals": goals,
    "answers": answers,
    "notes": plan_notes,
    "agreed_actions": agreed_actions,
    "community_suggestions": community_suggestions,
}
# The rest, stored in columns and tables named otherwise: see `plan_values` and `plan_from_rows`.
STORED_OTHERWISE = ("support", "approval")

# A plan's rows in other tables, loaded with it and replaced whole when it is updated.
CHILD_TABLES = (*LISTS.values(), support_people)


def plan_values(plan: CarePlan) -> dict[str, Any]:
    """The plan's own row in `care_plans`."""
    approval = plan.approval
    return {
        **{name: _column_value(getattr(plan, name)) for name in COLUMNS if name != "id"},
        "support_needs": plan.support.needs,
        "support_from_practice": list(plan.support.from_practice),
        "approved_by": approval.by if approval else None,
        "approved_by_role": approval.role if approval else None,
        "approved_by_user_id": approval.user_id if approval else None,
        "approved_at": approval.at if approval else None,
        # Kept so the inbox can sort and search in SQL:
        "risk_flagged": bool(plan.risk_flags),
        "search_text": _search_text(plan),
    }


def child_values(plan: CarePlan) -> dict[Table, list[dict[str, Any]]]:
    """The rows of the plan's lists, by table, in order, without their plan id and position."""
    return {
        **{table: [_child_row(item) for item in getattr(plan, name)] for name, table in LISTS.items()},
        support_people: [to_row(person) for person in plan.support.people],
    }


def plan_from_rows(row: RowMapping, children: dict[str, Sequence[RowMapping]]) -> CarePlan:
    """The plan from its row and its lists' rows (`children`, by table name, in order)."""
    return CarePlan(
        **{name: _field_value(name, row[name]) for name in COLUMNS},
        **_lists(children),
        support=Support(
            needs=row["support_needs"],
            people=[from_row(SupportPerson, p) for p in children["support_people"]],
            from_practice=list(row["support_from_practice"]),
        ),
        approval=_approval_from_row(row),
    )


def _column_value(value: Any) -> Any:
    """A field as its column holds it: an enum as its value, a list or dict copied."""
    if isinstance(value, enum.Enum):
        return value.value
    return type(value)(value) if isinstance(value, (list, dict)) else value


def _field_value(name: str, value: Any) -> Any:
    """A column's value as the plan's field: the inverse of `_column_value`."""
    if name == "status":
        return PlanStatus(value)
    if name == "handoff_requested":
        return bool(value)
    return type(value)(value) if isinstance(value, (list, dict)) else value


def _child_row(item: Any) -> dict[str, Any]:
    """An item of a list as its row: an answer's or a suggestion's status as its value."""
    status = getattr(item, "status", None)
    return to_row(item, status=status.value) if isinstance(status, enum.Enum) else to_row(item)


def _lists(children: dict[str, Sequence[RowMapping]]) -> dict[str, list[Any]]:
    """The plan's lists from their tables' rows (the inverse of `_child_row`)."""
    return {
        "goals": [from_row(Goal, goal) for goal in children["goals"]],
        "answers": [from_row(Answer, a, status=AnswerStatus(a["status"])) for a in children["answers"]],
        "notes": [from_row(ProfessionalNote, n) for n in children["plan_notes"]],
        "agreed_actions": [from_row(AgreedAction, a) for a in children["agreed_actions"]],
        "community_suggestions": [
            from_row(CommunitySuggestion, s, status=SuggestionStatus(s["status"]))
            for s in children["community_suggestions"]
        ],
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
