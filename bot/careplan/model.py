"""The personalised care and support plan as plain domain objects.

Nothing here knows about Rasa, SQL or the web: the conversation, the store and
the exports all build on these classes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class PlanStatus(str, enum.Enum):
    """Where a plan is in its review. The assistant only ever writes drafts."""

    DRAFT = "draft"
    URGENT_REVIEW = "urgent_review"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETURNED = "returned"


# How a status reads to a person: in the review console and the Markdown export.
STATUS_LABELS = {
    PlanStatus.DRAFT: "Draft",
    PlanStatus.URGENT_REVIEW: "Urgent review",
    PlanStatus.IN_REVIEW: "In review",
    PlanStatus.APPROVED: "Approved",
    PlanStatus.RETURNED: "Returned for changes",
}


class AnswerStatus(str, enum.Enum):
    """How the person answered one question."""

    ANSWERED = "answered"
    SKIPPED = "skipped"
    DONT_KNOW = "dont_know"


@dataclass
class Answer:
    """One question and the person's reply, kept word for word."""

    question_id: str
    question: str
    text: str | None
    status: AnswerStatus = AnswerStatus.ANSWERED


@dataclass
class Goal:
    """A goal in the person's own words, with a first step and their confidence."""

    description: str | None
    first_step: str | None = None
    timeframe: str | None = None
    target_date: date | None = None
    confidence: int | None = None  # 0-10, as the person rated it
    confidence_boost: str | None = None  # what would make their confidence higher


@dataclass
class SupportPerson:
    """Someone who already supports the person: a name, a role, or both."""

    name: str | None
    relationship: str | None


@dataclass
class Support:
    needs: str | None = None
    people: list[SupportPerson] = field(default_factory=list)
    from_practice: list[str] = field(default_factory=list)  # roles, e.g. "GP", "health coach"


@dataclass
class ProfessionalNote:
    """A note a professional added while reviewing; notes are only ever added, never edited."""

    text: str
    author: str
    written_at: datetime


@dataclass
class AgreedAction:
    """Something the person and the practice agreed will happen, and who will do it."""

    description: str
    owner: str | None = None
    due_date: date | None = None


@dataclass
class Approval:
    """The named professional who approved the plan, and when."""

    by: str
    role: str
    at: datetime
    user_id: int | None = None


class SuggestionStatus(str, enum.Enum):
    """Where a community suggestion is: the assistant suggests, a professional decides the rest."""

    SUGGESTED = "suggested"
    OFFERED = "offered"  # talked through with the person
    REFERRED = "referred"  # a referral was made (a FHIR ServiceRequest, active)
    DECLINED = "declined"  # the person did not want it


@dataclass
class CommunitySuggestion:
    """A local service from the practice's directory that fits what the person said, and why."""

    service_id: str  # the directory's (the feed's) id for the service
    name: str
    why: str
    url: str | None = None
    contact: str | None = None
    status: SuggestionStatus = SuggestionStatus.SUGGESTED
    added_by: str | None = None  # the professional who added it from the directory; None: matched


@dataclass
class CarePlan:
    """A draft personalised care and support plan, for a professional to review.

    Sections with more than one question (what matters, strengths, concerns)
    map each question id to the person's words.
    """

    conversation_id: str
    practice_id: str
    what_matters: dict[str, str | None] = field(default_factory=dict)
    strengths: dict[str, str | None] = field(default_factory=dict)
    concerns: dict[str, str | None] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)
    support: Support = field(default_factory=Support)
    contact_preferences: str | None = None
    accessibility: str | None = None
    share_with: str | None = None
    contingency: str | None = None
    answers: list[Answer] = field(default_factory=list)
    risk_flags: list[dict] = field(default_factory=list)
    handoff_requested: bool = False
    # From the practice's directory, worked out when the plan is drafted or edited (issue 16).
    community_suggestions: list[CommunitySuggestion] = field(default_factory=list)
    # Added by professionals in the review console; the assistant never sets these.
    patient_name: str | None = None
    nhs_number: str | None = None
    notes: list[ProfessionalNote] = field(default_factory=list)
    agreed_actions: list[AgreedAction] = field(default_factory=list)
    care_coordinator: str | None = None
    review_date: date | None = None
    return_reason: str | None = None
    approval: Approval | None = None
    status: PlanStatus = PlanStatus.DRAFT
    version: int = 1
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Consent:
    """The person's answer to the consent question, with the exact wording they saw."""

    conversation_id: str
    given: bool
    wording: str
    recorded_at: datetime
    id: int | None = None
    practice_id: str | None = None  # whose practice it was given to (issue 13, item 4)


class PlanNotFound(LookupError):
    """There is no plan for that conversation (or id) yet."""
