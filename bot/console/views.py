"""What the templates show: labels, the rows of each section, readable audit values.

Plain functions, so the templates stay simple. Nothing here marks text as
safe: Jinja escapes every value, so whatever a person typed shows as text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from bot.careplan.audit import AuditAction, AuditEntry
from bot.careplan.interview import CLOSING_QUESTIONS, OPENING_QUESTIONS
from bot.careplan.model import STATUS_LABELS, AnswerStatus, CarePlan, PlanStatus, SuggestionStatus

QUESTION_LABELS = {q.slot: q.label for q in OPENING_QUESTIONS + CLOSING_QUESTIONS}

FIELD_LABELS = {
    "patient_name": "Patient's name",
    "nhs_number": "NHS number",
    "what_matters": "What matters",
    "strengths": "Strengths",
    "concerns": "Concerns",
    "goals": "Goals",
    "support": "Support",
    "contact_preferences": "How to contact them",
    "accessibility": "Communication and accessibility needs",
    "share_with": "Who the plan may be shared with",
    "contingency": "If things get worse",
    "agreed_actions": "Agreed actions",
    "care_coordinator": "Care coordinator",
    "review_date": "Review date",
    "notes": "Notes",
    "community_suggestions": "Community support",
    "status": "Status",
    "approval": "Approval",
    "return_reason": "Reason for returning",
}
ACTION_LABELS = {
    AuditAction.DRAFTED: "Drafted from the conversation",
    AuditAction.EDITED: "Edited",
    AuditAction.NOTE_ADDED: "Added a note",
    AuditAction.APPROVED: "Approved",
    AuditAction.RETURNED: "Returned",
}
SUGGESTION_LABELS = {
    SuggestionStatus.SUGGESTED: "To discuss",
    SuggestionStatus.OFFERED: "Offered",
    SuggestionStatus.REFERRED: "Referred",
    SuggestionStatus.DECLINED: "Declined",
}
# The marks a professional can give, as the buttons say them.
SUGGESTION_MARKS = (
    (SuggestionStatus.OFFERED, "Offered"),
    (SuggestionStatus.REFERRED, "Referred"),
    (SuggestionStatus.DECLINED, "Declined"),
)
INBOX_STATUSES = (
    PlanStatus.URGENT_REVIEW,
    PlanStatus.DRAFT,
    PlanStatus.IN_REVIEW,
    PlanStatus.APPROVED,
    PlanStatus.RETURNED,
)


@dataclass(frozen=True)
class QuestionRow:
    question_id: str
    label: str
    text: str | None
    status: AnswerStatus


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str
    action: str
    field: str
    before: str
    after: str
    version: int


def suggestion_label(status: SuggestionStatus | str) -> str:
    return SUGGESTION_LABELS.get(SuggestionStatus(status), str(status))


def status_label(status: PlanStatus | str) -> str:
    return STATUS_LABELS.get(PlanStatus(status), str(status))


def question_rows(plan: CarePlan, section: str) -> list[QuestionRow]:
    """A multi-question section's answers, each with its label and how it was answered."""
    statuses = {answer.question_id: answer.status for answer in plan.answers}
    words: Mapping[str, str | None] = getattr(plan, section)
    return [
        QuestionRow(
            question_id=question_id,
            label=QUESTION_LABELS.get(question_id, question_id.replace("_", " ")),
            text=text,
            status=statuses.get(question_id, AnswerStatus.ANSWERED),
        )
        for question_id, text in words.items()
    ]


def audit_rows(entries: Sequence[AuditEntry]) -> list[AuditRow]:
    return [
        AuditRow(
            at=entry.at,
            who=entry.actor_name,
            action=ACTION_LABELS.get(entry.action, entry.action),
            field=FIELD_LABELS.get(entry.field or "", entry.field or ""),
            before=readable(entry.before),
            after=readable(entry.after),
            version=entry.plan_version,
        )
        for entry in entries
    ]


def readable(value: Any) -> str:
    """A JSON value from the audit as lines a person can read."""
    if value is None or value == [] or value == {}:
        return "(empty)"
    if isinstance(value, str):
        return status_label(value) if value in {s.value for s in PlanStatus} else value
    if isinstance(value, list):
        return "\n".join(f"{n}. {_inline(item)}" for n, item in enumerate(value, start=1))
    if isinstance(value, dict):
        lines = [f"{_key(key)}: {_inline(item)}" for key, item in value.items() if item not in (None, [])]
        return "\n".join(lines)
    return str(value)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        parts = [f"{_key(key)}: {_inline(item)}" for key, item in value.items() if item not in (None, [], "")]
        return "; ".join(parts) or "(empty)"
    if isinstance(value, list):
        return ", ".join(_inline(item) for item in value) or "(none)"
    if value is None:
        return "(empty)"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _key(key: str) -> str:
    return QUESTION_LABELS.get(key) or FIELD_LABELS.get(key) or key.replace("_", " ").capitalize()


def human_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def human_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    utc = moment.astimezone(timezone.utc)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC"
