"""The JSON API's request and response bodies (pydantic 1, as Rasa 3.6 needs).

Requests are strict (unknown fields and wrong types are refused with a 422
that names the field), every list and map in them has a cap, and their text
comes without bidirectional control characters (bot/text_safety.py); responses
mirror `bot.careplan.codec.plan_to_dict`, the plan's exchange format. These
models are what docs/openapi.yaml documents.
"""

# No `from __future__ import annotations`: pydantic 1 reads these annotations at import.

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Extra, Field, conint, conlist, constr, root_validator, validator

from bot.careplan.model import AgreedAction, Goal, PlanStatus, Support, SupportPerson
from bot.careplan.validation import MAX_AGREED_ACTIONS, MAX_GOALS, MAX_SHORT_TEXT_LENGTH, MAX_TEXT_LENGTH
from bot.text_safety import without_bidi_controls

LongText = constr(strict=True, max_length=MAX_TEXT_LENGTH)
ShortText = constr(strict=True, max_length=MAX_SHORT_TEXT_LENGTH)
Version = conint(strict=True, ge=1, le=2**31 - 1)
MAX_LIST_ITEMS = 50  # supporters, practice roles, a section's answers


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid

    @root_validator(skip_on_failure=True)
    def _without_bidi_controls(cls, values: dict[str, Any]) -> dict[str, Any]:
        return without_bidi_controls(values)


# --- Requests ---------------------------------------------------------------------------------------


class GoalIn(_Strict):
    description: LongText | None = None
    first_step: LongText | None = None
    timeframe: LongText | None = None
    target_date: date | None = None
    confidence: conint(strict=True, ge=0, le=10) | None = None
    confidence_boost: LongText | None = None


class SupportPersonIn(_Strict):
    name: ShortText | None = None
    relationship: ShortText | None = None


class SupportIn(_Strict):
    needs: LongText | None = None
    people: conlist(SupportPersonIn, max_items=MAX_LIST_ITEMS) = []
    from_practice: conlist(ShortText, max_items=MAX_LIST_ITEMS) = []


class AgreedActionIn(_Strict):
    description: LongText
    owner: ShortText | None = None
    due_date: date | None = None


class PlanPatch(_Strict):
    """Only the fields sent are changed; `null` clears one. Each call makes one new version."""

    expected_version: Version | None = Field(
        None, description="The version you are changing: a 409 if the plan has changed since."
    )
    patient_name: ShortText | None = None
    nhs_number: ShortText | None = Field(None, description="10 digits, checked with the NHS check digit.")
    what_matters: dict[str, LongText | None] | None = Field(
        None, description="Question id to the person's words; only the plan's own questions."
    )
    strengths: dict[str, LongText | None] | None = None
    concerns: dict[str, LongText | None] | None = None
    goals: conlist(GoalIn, max_items=MAX_GOALS) | None = Field(None, description="Replaces the goals whole.")
    support: SupportIn | None = Field(None, description="Replaces the support section whole.")
    contact_preferences: LongText | None = None
    accessibility: LongText | None = None
    share_with: LongText | None = None
    contingency: LongText | None = None
    agreed_actions: conlist(AgreedActionIn, max_items=MAX_AGREED_ACTIONS) | None = Field(
        None, description="Replaces the agreed actions whole."
    )
    care_coordinator: ShortText | None = None
    review_date: date | None = Field(None, description="Today or later.")

    @validator("what_matters", "strengths", "concerns")
    def _answers_capped(cls, answers: dict[str, Any] | None) -> dict[str, Any] | None:
        if answers is not None and len(answers) > MAX_LIST_ITEMS:
            raise ValueError(f"a section has at most {MAX_LIST_ITEMS} answers")
        return answers

    def changes(self) -> dict[str, Any]:
        """The fields sent, as domain values for `review_services.edit_plan`."""
        # The fields sent, each whole: a goal or person sent without some of its fields has them
        # blank (exclude_unset would leave them out, and the domain's constructors need them).
        sent = self.dict(include=self.__fields_set__ - {"expected_version"})
        converters = {
            "goals": lambda goals: [Goal(**goal) for goal in goals],
            "agreed_actions": lambda actions: [AgreedAction(**action) for action in actions],
            "support": _support,
        }
        return {
            name: converters[name](value) if name in converters and value is not None else value
            for name, value in sent.items()
        }


def _support(data: dict[str, Any]) -> Support:
    people = [SupportPerson(**person) for person in data["people"]]
    return Support(needs=data["needs"], people=people, from_practice=list(data["from_practice"]))


class Decision(_Strict):
    expected_version: Version | None = None


class ReturnRequest(_Strict):
    reason: constr(strict=True, min_length=1, max_length=MAX_TEXT_LENGTH)
    expected_version: Version | None = None


class NoteRequest(_Strict):
    text: constr(strict=True, min_length=1, max_length=MAX_TEXT_LENGTH)
    expected_version: Version | None = None


ServiceId = constr(strict=True, min_length=1, max_length=255)  # as the directory stores it


class SuggestionMark(_Strict):
    """How a community suggestion went with the person; the statuses are checked where the page's are."""

    service_id: ServiceId = Field(..., description="A `service_id` among the plan's `community_suggestions`.")
    status: constr(strict=True, max_length=20) = Field(
        ..., description="offered, referred (a referral was made) or declined", example="referred"
    )
    expected_version: Version | None = None


class SuggestionToAdd(_Strict):
    service_id: ServiceId = Field(
        ..., description="A running service's `service_id` in your practice's directory (GET /api/directory)."
    )
    expected_version: Version | None = None


# --- Responses --------------------------------------------------------------------------------------


class GoalOut(BaseModel):
    description: str | None
    first_step: str | None
    timeframe: str | None
    target_date: date | None
    confidence: int | None
    confidence_boost: str | None


class SupportPersonOut(BaseModel):
    name: str | None
    relationship: str | None


class SupportOut(BaseModel):
    needs: str | None
    people: list[SupportPersonOut]
    from_practice: list[str]


class AnswerOut(BaseModel):
    question_id: str
    question: str
    text: str | None
    status: str = Field(..., description="answered, skipped or dont_know")


class NoteOut(BaseModel):
    text: str
    author: str
    written_at: datetime


class AgreedActionOut(BaseModel):
    description: str
    owner: str | None
    due_date: date | None


class ApprovalOut(BaseModel):
    by: str
    role: str
    at: datetime
    user_id: int | None


class CommunitySuggestionOut(BaseModel):
    service_id: str = Field(..., description="The service's id in the practice's directory.")
    name: str
    why: str = Field(..., description="The person's words and the service's words they matched.")
    url: str | None
    contact: str | None
    status: str = Field(..., description="suggested, offered, referred or declined")
    added_by: str | None = Field(..., description="Who added it from the directory; null: it was matched.")


class ServiceOut(BaseModel):
    service_id: str = Field(..., description="The service's id in the practice's directory.")
    name: str
    description: str
    categories: list[str]
    area: str | None
    schedule: str | None
    cost: str | None
    url: str | None
    contact: str | None
    audience: str | None = Field(..., description="Who it is for by age, in words, if the record says.")


class ServiceList(BaseModel):
    items: list[ServiceOut]


class PlanOut(BaseModel):
    id: int
    conversation_id: str
    practice_id: str
    status: PlanStatus
    version: int
    what_matters: dict[str, str | None]
    strengths: dict[str, str | None]
    concerns: dict[str, str | None]
    goals: list[GoalOut]
    support: SupportOut
    contact_preferences: str | None
    accessibility: str | None
    share_with: str | None
    contingency: str | None
    risk_flags: list[dict[str, Any]]
    handoff_requested: bool
    community_suggestions: list[CommunitySuggestionOut] = Field(
        ..., description="Local services from the practice's directory that fit what the person said."
    )
    patient_name: str | None
    nhs_number: str | None
    notes: list[NoteOut]
    agreed_actions: list[AgreedActionOut]
    care_coordinator: str | None
    review_date: date | None
    return_reason: str | None
    approval: ApprovalOut | None
    created_at: datetime
    updated_at: datetime
    answers: list[AnswerOut]


class PlanList(BaseModel):
    items: list[PlanOut]
    total: int = Field(..., description="How many plans match, on every page.")
    limit: int
    offset: int


class AuditEntryOut(BaseModel):
    at: datetime
    plan_version: int = Field(..., description="The version this change made.")
    action: str = Field(..., description="drafted, edited, note_added, approved or returned")
    field: str | None
    before: Any
    after: Any
    actor_kind: str = Field(..., description="user, token or assistant")
    actor_id: int | None
    actor_name: str


class AuditList(BaseModel):
    items: list[AuditEntryOut]


class Problem(BaseModel):
    detail: str = Field(..., description="What went wrong, in words.")


class FieldError(BaseModel):
    loc: list[str | int] = Field(..., description="Where: e.g. body, goals, 0, confidence.")
    msg: str
    type: str


class InvalidInput(BaseModel):
    """A 422: input of the wrong shape (a list naming each field), or a value no plan can take."""

    detail: str | list[FieldError] = Field(
        ..., description="e.g. 'The review date cannot be in the past.', or one entry per field"
    )
