"""Storing and loading plans and consent, converting rows to domain objects by hand.

The repositories work inside a session they are given and never commit:
the caller (the service layer) owns the unit of work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.careplan.exports import plan_to_dict, suggestion_to_dict
from bot.careplan.model import (
    AgreedAction,
    Answer,
    AnswerStatus,
    Approval,
    CarePlan,
    CommunitySuggestion,
    Consent,
    Goal,
    PlanNotFound,
    PlanStatus,
    ProfessionalNote,
    SuggestionStatus,
    Support,
    SupportPerson,
)
from bot.store.tables.audit import audit_log
from bot.store.tables.consent import consent_records
from bot.store.tables.plans import (
    agreed_actions,
    answers,
    care_plans,
    community_suggestions,
    goals,
    plan_notes,
    plan_versions,
    support_people,
)

# Module-level aliases: inside PlanRepository, `list` is a method.
Plans = list[CarePlan]
Snapshots = list[dict[str, Any]]
PlanIds = Sequence[int] | Select

# A plan's rows in other tables, loaded with it and replaced whole when it is updated.
_CHILD_TABLES = (goals, support_people, answers, plan_notes, agreed_actions, community_suggestions)

# The inbox: urgent reviews first, then other plans with risk flags, then the most recently updated.
_INBOX_ORDER = (
    case((care_plans.c.status == PlanStatus.URGENT_REVIEW.value, 0), else_=1),
    case((care_plans.c.risk_flagged, 0), else_=1),
    care_plans.c.updated_at.desc(),
    care_plans.c.id.desc(),
)


@dataclass(frozen=True)
class PlanSearch:
    """What the inbox asks for: a status, a conversation, words to find, and a page."""

    status: PlanStatus | None = None
    conversation_id: str | None = None
    words: str = ""
    limit: int = 25
    offset: int = 0


class PlanRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(
        self, plan_id: int, *, practice_id: str | None = None, for_update: bool = False
    ) -> CarePlan | None:
        """A plan by id; with `practice_id`, only if it belongs to that practice."""
        query = select(care_plans).where(care_plans.c.id == plan_id)
        if practice_id is not None:
            query = query.where(care_plans.c.practice_id == practice_id)
        return self._one(query.with_for_update() if for_update else query)

    def get_by_conversation(
        self, conversation_id: str, *, practice_id: str, for_update: bool = False
    ) -> CarePlan | None:
        """A practice's plan for a conversation: the same conversation id (a phone number) may
        have a plan at each practice that shares the database (issue 13, item 4).
        `for_update` locks the plan's row (on PostgreSQL) until the transaction ends."""
        query = select(care_plans).where(*_conversation(care_plans, practice_id, conversation_id))
        return self._one(query.with_for_update() if for_update else query)

    def add(self, plan: CarePlan) -> CarePlan:
        """Insert a new plan with its goals, people and answers; sets `plan.id`."""
        result = self.session.execute(insert(care_plans).values(**_plan_values(plan)))
        plan.id = result.inserted_primary_key[0]
        self._insert_children(plan.id, plan)
        return plan

    def update(self, plan: CarePlan) -> CarePlan:
        """Overwrite a stored plan; its goals, people and answers are replaced whole."""
        if plan.id is None:
            raise PlanNotFound("the plan has no id: add it before updating it")
        values = _plan_values(plan)
        del values["created_at"]  # set once, when the plan is first stored
        result = self.session.execute(update(care_plans).where(care_plans.c.id == plan.id).values(**values))
        if result.rowcount == 0:
            raise PlanNotFound(f"no plan with id {plan.id}")
        for table in _CHILD_TABLES:
            self.session.execute(delete(table).where(table.c.plan_id == plan.id))
        self._insert_children(plan.id, plan)
        return plan

    def add_version(self, plan: CarePlan) -> None:
        """Keep the plan as it is now as the snapshot of its version."""
        row = {
            "plan_id": plan.id,
            "version": plan.version,
            "snapshot": plan_to_dict(plan),
            "created_at": plan.updated_at,
        }
        self.session.execute(insert(plan_versions).values(**row))

    def has_version(self, plan_id: int, version: int) -> bool:
        query = select(plan_versions.c.id).where(
            plan_versions.c.plan_id == plan_id, plan_versions.c.version == version
        )
        return self.session.execute(query).first() is not None

    def versions(self, plan_id: int) -> Snapshots:
        """Every kept version's snapshot (a `plan_to_dict` dict), oldest first."""
        query = (
            select(plan_versions.c.snapshot)
            .where(plan_versions.c.plan_id == plan_id)
            .order_by(plan_versions.c.version)
        )
        return [dict(snapshot) for snapshot in self.session.execute(query).scalars()]

    def list(self, status: PlanStatus | None = None, practice_id: str | None = None) -> Plans:
        """Plans, most recently updated first, optionally of one status and practice."""
        query = select(care_plans)
        if status is not None:
            query = query.where(care_plans.c.status == PlanStatus(status).value)
        if practice_id is not None:
            query = query.where(care_plans.c.practice_id == practice_id)
        rows = (
            self.session.execute(query.order_by(care_plans.c.updated_at.desc(), care_plans.c.id.desc()))
            .mappings()
            .all()
        )
        # The children are fetched with the same filter, not a long IN (...) list of ids.
        return self._with_children(rows, query.with_only_columns(care_plans.c.id))

    def delete_conversation(self, conversation_id: str, *, practice_id: str) -> None:
        """Remove a practice's plan for a conversation with every version and row that belongs
        to it; another practice's plan for the same conversation id stays."""
        key = _conversation(care_plans, practice_id, conversation_id)
        plan_ids = select(care_plans.c.id).where(*key)
        # The audit's before/after hold the person's words too: they go with the plan.
        for table in (audit_log, plan_versions, *_CHILD_TABLES):
            self.session.execute(delete(table).where(table.c.plan_id.in_(plan_ids)))
        self.session.execute(delete(care_plans).where(*key))

    def search(self, practice_id: str, criteria: PlanSearch) -> tuple[Plans, int]:
        """One page of a practice's plans, urgent and risk-flagged first, and how many match in all.

        Each word of `criteria.words` must appear somewhere in the plan (its
        sections, answers, notes, the patient's name or the conversation id).
        """
        query = select(care_plans).where(care_plans.c.practice_id == practice_id)
        if criteria.status is not None:
            query = query.where(care_plans.c.status == PlanStatus(criteria.status).value)
        if criteria.conversation_id is not None:
            query = query.where(care_plans.c.conversation_id == criteria.conversation_id)
        for word in criteria.words.casefold().replace("\x00", "").split():
            query = query.where(care_plans.c.search_text.contains(word, autoescape=True))
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        page = query.order_by(*_INBOX_ORDER).limit(criteria.limit).offset(criteria.offset)
        rows = self.session.execute(page).mappings().all()
        return self._with_children(rows, [row["id"] for row in rows]), total

    def count_by_status(self, practice_id: str) -> dict[PlanStatus, int]:
        query = (
            select(care_plans.c.status, func.count())
            .where(care_plans.c.practice_id == practice_id)
            .group_by(care_plans.c.status)
        )
        counts = dict(self.session.execute(query).all())
        return {status: counts.get(status.value, 0) for status in PlanStatus}

    def _one(self, query: Select) -> CarePlan | None:
        row = self.session.execute(query).mappings().first()
        return self._with_children([row], [row["id"]])[0] if row else None

    def _with_children(self, rows: Sequence[RowMapping], plan_ids: PlanIds) -> Plans:
        if not rows:
            return []
        children = {table.name: self._children(table, plan_ids) for table in _CHILD_TABLES}
        return [
            _plan_from_rows(row, {name: rows_by_plan[row["id"]] for name, rows_by_plan in children.items()})
            for row in rows
        ]

    def _children(self, table: Table, plan_ids: PlanIds) -> dict[int, list[RowMapping]]:
        query = select(table).where(table.c.plan_id.in_(plan_ids)).order_by(table.c.plan_id, table.c.position)
        grouped: dict[int, list[RowMapping]] = defaultdict(list)
        for row in self.session.execute(query).mappings():
            grouped[row["plan_id"]].append(row)
        return grouped

    def _insert_children(self, plan_id: int, plan: CarePlan) -> None:
        rows = {
            goals: [_goal_values(goal) for goal in plan.goals],
            support_people: [_person_values(person) for person in plan.support.people],
            answers: [_answer_values(answer) for answer in plan.answers],
            plan_notes: [_note_values(note) for note in plan.notes],
            agreed_actions: [_action_values(action) for action in plan.agreed_actions],
            # A suggestion's row holds what its snapshot does, by one mapping.
            community_suggestions: [suggestion_to_dict(s) for s in plan.community_suggestions],
        }
        for table, values in rows.items():
            if values:
                numbered = [{**v, "plan_id": plan_id, "position": n} for n, v in enumerate(values)]
                self.session.execute(insert(table), numbered)


class ConsentRepository:
    """Consent records, per practice as plans are: one practice's never answer for another's."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self, conversation_id: str, given: bool, wording: str, at: datetime, *, practice_id: str
    ) -> Consent:
        """Add a consent answer; earlier ones are kept, the latest is the one in force."""
        consent = Consent(
            conversation_id=conversation_id,
            given=given,
            wording=wording,
            recorded_at=at,
            practice_id=practice_id,
        )
        values = {
            "conversation_id": consent.conversation_id,
            "practice_id": consent.practice_id,
            "given": consent.given,
            "wording": consent.wording,
            "recorded_at": consent.recorded_at,
        }
        result = self.session.execute(insert(consent_records).values(**values))
        return Consent(**values, id=result.inserted_primary_key[0])

    def delete_conversation(self, conversation_id: str, *, practice_id: str) -> None:
        key = _conversation(consent_records, practice_id, conversation_id)
        self.session.execute(delete(consent_records).where(*key))

    def latest(self, conversation_id: str, *, practice_id: str) -> Consent | None:
        query = (
            select(consent_records)
            .where(*_conversation(consent_records, practice_id, conversation_id))
            .order_by(consent_records.c.recorded_at.desc(), consent_records.c.id.desc())
            .limit(1)
        )
        row = self.session.execute(query).mappings().first()
        if row is None:
            return None
        return Consent(
            id=row["id"],
            conversation_id=row["conversation_id"],
            practice_id=row["practice_id"],
            given=row["given"],
            wording=row["wording"],
            recorded_at=row["recorded_at"],
        )


def _conversation(table: Table, practice_id: str, conversation_id: str) -> tuple[Any, Any]:
    """The key of a conversation's rows: (practice, conversation), never the conversation alone."""
    if not practice_id:
        raise ValueError("a conversation is found by its practice too: practice_id is empty")
    return table.c.practice_id == practice_id, table.c.conversation_id == conversation_id


def _plan_values(plan: CarePlan) -> dict[str, Any]:
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
        *(text for goal in plan.goals for text in _goal_values(goal).values() if isinstance(text, str)),
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


def _note_values(note: ProfessionalNote) -> dict[str, Any]:
    return {"text": note.text, "author": note.author, "written_at": note.written_at}


def _action_values(action: AgreedAction) -> dict[str, Any]:
    return {"description": action.description, "owner": action.owner, "due_date": action.due_date}


def _suggestion_from_row(row: RowMapping) -> CommunitySuggestion:
    return CommunitySuggestion(
        service_id=row["service_id"],
        name=row["name"],
        why=row["why"],
        url=row["url"],
        contact=row["contact"],
        status=SuggestionStatus(row["status"]),
        added_by=row["added_by"],
    )


def _goal_values(goal: Goal) -> dict[str, Any]:
    return {
        "description": goal.description,
        "first_step": goal.first_step,
        "timeframe": goal.timeframe,
        "target_date": goal.target_date,
        "confidence": goal.confidence,
        "confidence_boost": goal.confidence_boost,
    }


def _person_values(person: SupportPerson) -> dict[str, Any]:
    return {"name": person.name, "relationship": person.relationship}


def _answer_values(answer: Answer) -> dict[str, Any]:
    return {
        "question_id": answer.question_id,
        "question": answer.question,
        "text": answer.text,
        "status": AnswerStatus(answer.status).value,
    }


def _plan_from_rows(row: RowMapping, children: dict[str, Sequence[RowMapping]]) -> CarePlan:
    return CarePlan(
        id=row["id"],
        conversation_id=row["conversation_id"],
        practice_id=row["practice_id"],
        status=PlanStatus(row["status"]),
        version=row["version"],
        what_matters=dict(row["what_matters"]),
        strengths=dict(row["strengths"]),
        concerns=dict(row["concerns"]),
        goals=[_goal_from_row(goal) for goal in children["goals"]],
        support=Support(
            needs=row["support_needs"],
            people=[
                SupportPerson(name=p["name"], relationship=p["relationship"])
                for p in children["support_people"]
            ],
            from_practice=list(row["support_from_practice"]),
        ),
        contact_preferences=row["contact_preferences"],
        accessibility=row["accessibility"],
        share_with=row["share_with"],
        contingency=row["contingency"],
        answers=[_answer_from_row(answer) for answer in children["answers"]],
        risk_flags=list(row["risk_flags"]),
        handoff_requested=bool(row["handoff_requested"]),
        community_suggestions=[_suggestion_from_row(s) for s in children["community_suggestions"]],
        patient_name=row["patient_name"],
        nhs_number=row["nhs_number"],
        notes=[ProfessionalNote(n["text"], n["author"], n["written_at"]) for n in children["plan_notes"]],
        agreed_actions=[
            AgreedAction(a["description"], a["owner"], a["due_date"]) for a in children["agreed_actions"]
        ],
        care_coordinator=row["care_coordinator"],
        review_date=row["review_date"],
        return_reason=row["return_reason"],
        approval=_approval_from_row(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _approval_from_row(row: RowMapping) -> Approval | None:
    if row["approved_at"] is None:
        return None
    return Approval(
        by=row["approved_by"],
        role=row["approved_by_role"],
        at=row["approved_at"],
        user_id=row["approved_by_user_id"],
    )


def _goal_from_row(row: RowMapping) -> Goal:
    return Goal(
        description=row["description"],
        first_step=row["first_step"],
        timeframe=row["timeframe"],
        target_date=row["target_date"],
        confidence=row["confidence"],
        confidence_boost=row["confidence_boost"],
    )


def _answer_from_row(row: RowMapping) -> Answer:
    return Answer(
        question_id=row["question_id"],
        question=row["question"],
        text=row["text"],
        status=AnswerStatus(row["status"]),
    )
