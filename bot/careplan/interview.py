"""The shape of the "What matters to you?" interview.

Which questions are asked, in what order, and how the answers become a
`CarePlan`. Each question is a Rasa slot of the same name; the wording the
person sees lives in actions/questions.yml, the short labels here are what a
professional reads in the written plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.careplan.model import (
    Answer,
    AnswerStatus,
    CarePlan,
    Goal,
    Support,
    SupportPerson,
)
from bot.careplan.parsing import (
    CONFIDENCE_NEEDING_BOOST,
    parse_confidence,
    parse_practice_roles,
    parse_target_date,
)
from bot.careplan.reading_kinds import Expects

MAX_GOALS = 3


@dataclass(frozen=True)
class Question:
    slot: str  # also the question's id in the stored answers
    section: str
    label: str  # how the written plan names it


OPENING_QUESTIONS = (
    Question("what_matters_good_day", "what_matters", "What a good day looks like"),
    Question("what_matters_do_again", "what_matters", "What I would like to be able to do again"),
    Question("strengths_good_at", "strengths", "What I am good at and enjoy"),
    Question("strengths_coping", "strengths", "What helps me cope, and who I draw on"),
    Question("concerns_health", "concerns", "My health concerns"),
    Question("concerns_life", "concerns", "Other things making life harder"),
)

GOAL_FIELDS = ("description", "first_step", "timeframe", "confidence", "confidence_boost")
GOAL_LABELS = {
    "description": "Goal {n}",
    "first_step": "Goal {n}: first step",
    "timeframe": "Goal {n}: timeframe",
    "confidence": "Goal {n}: confidence (0-10)",
    "confidence_boost": "Goal {n}: what would raise my confidence",
}

CLOSING_QUESTIONS = (
    Question("support_needs", "support", "The help I need"),
    Question("support_people", "support", "Who supports me already"),
    Question("support_from_practice", "support", "What I would like from my practice"),
    Question("contact_preferences", "contact_preferences", "How I like to be contacted"),
    Question("accessibility", "accessibility", "My communication and accessibility needs"),
    Question("share_with", "share_with", "Who this plan may be shared with"),
    Question("contingency", "contingency", "If things get worse"),
)

# The plan's sections the person fills, in the order they are asked (each is a `CarePlan` field).
SECTIONS = tuple(
    dict.fromkeys([q.section for q in OPENING_QUESTIONS] + ["goals"] + [q.section for q in CLOSING_QUESTIONS])
)


def goal_slot(number: int, goal_field: str) -> str:
    return f"goal_{number}_{goal_field}"


def more_goals_slot(number: int) -> str:
    """The yes/no slot asked after goal `number`: "would you like to add another?"."""
    return f"goal_{number}_more"


def is_yes_no(slot: str) -> bool:
    """The only questions answered yes or no: "would you like another goal?"."""
    return slot.endswith("_more")


# The questions around the interview, each read as a yes or a no: starting,
# the read-back, carrying on after a detour, and deleting one's answers.
CONSENT = "consent"
SUMMARY_OK = "summary_ok"
CARRY_ON = "carry_on"
CONFIRM_DELETE = "confirm_delete"
SECTION_TO_CHANGE = "section_to_change"  # "which part would you like to change?"
RISK_CHECK = "risk_check"  # "I want to make sure I've understood: are you ...?"
RISK_TO_CHECK = "risk_to_check"  # what the check is about: {categories, message}
RISK_CHECKS = "risk_checks"  # checks answered "no", for the professional
CHOICE_QUESTIONS = ("contact_preferences", "share_with", SECTION_TO_CHANGE)
# A question asked out of turn, before the interview goes on: carry on after a
# detour, confirm a deletion, say which part to change, or a gentle check for risk.
PENDING = "pending_question"
EASY_READ = "easy_read"  # short, plain questions from now on
OUTCOME = "interview_outcome"  # confirmed, refused, deleted or stopped


def question_kind(slot: str) -> str:
    """Goal questions share their kind and wording: goal_2_first_step -> goal_first_step."""
    return re.sub(r"^goal_\d_", "goal_", slot)


def expects(slot: str) -> Expects:
    """The kind of answer the question in `slot` expects."""
    if slot in (CONSENT, SUMMARY_OK, CARRY_ON, CONFIRM_DELETE, RISK_CHECK):
        return Expects.YES_NO
    if slot.endswith("_more"):
        return Expects.YES_NO_OR_ITEM
    if slot.endswith("_confidence"):
        return Expects.NUMBER
    if slot in CHOICE_QUESTIONS:
        return Expects.CHOICE
    return Expects.FREE_TEXT


def goal_question(number: int, goal_field: str) -> Question:
    return Question(goal_slot(number, goal_field), "goals", GOAL_LABELS[goal_field].format(n=number))


# Marks a question that does not apply to this person (no "what would help?"
# above 6, no questions for goals they chose not to set). Rasa asks the first
# empty slot in the domain's order after an interruption, so a question that
# does not apply must not be empty.
NOT_ASKED = "(not asked)"


def all_interview_slots() -> list[str]:
    """Every slot the interview can fill, in the order it asks them.

    The form's `required_slots` in the domain lists exactly these.
    """
    slots = [q.slot for q in OPENING_QUESTIONS]
    for number in range(1, MAX_GOALS + 1):
        slots += [goal_slot(number, f) for f in GOAL_FIELDS]
        if number < MAX_GOALS:
            slots.append(more_goals_slot(number))
    return slots + [q.slot for q in CLOSING_QUESTIONS]


def applicability_updates(values: Mapping[str, Any]) -> dict[str, Any]:
    """Slot changes that mark questions which no longer apply, or apply again."""
    required = set(required_slots(values))
    updates: dict[str, Any] = {}
    for slot in all_interview_slots():
        if slot not in required and values.get(slot) is None:
            updates[slot] = NOT_ASKED
        elif slot in required and values.get(slot) == NOT_ASKED:
            updates[slot] = None
    return updates


def next_question(values: Mapping[str, Any]) -> str | None:
    """The question to ask next, or None when the conversation's questions are done.

    A question asked out of turn comes first, then consent, the interview's
    questions in order, and last the read-back's "Is this right?".
    """
    if values.get(PENDING):
        return values[PENDING]
    if values.get(CONSENT) is not True:
        return CONSENT if values.get(CONSENT) is None else None
    unanswered = next((slot for slot in required_slots(values) if values.get(slot) is None), None)
    if unanswered:
        return unanswered
    return None if values.get(SUMMARY_OK) is True else SUMMARY_OK


def needs_confidence_boost(confidence_text: str | None) -> bool:
    """Below 7 a health coach asks "what would make it a point higher?"."""
    confidence = parse_confidence(confidence_text)
    return confidence is not None and confidence < CONFIDENCE_NEEDING_BOOST


def goals_in_use(values: Mapping[str, Any]) -> int:
    """How many goals the person has chosen to set so far (at least one)."""
    count = 1
    while count < MAX_GOALS and values.get(more_goals_slot(count)) is True:
        count += 1
    return count


def required_slots(values: Mapping[str, Any]) -> list[str]:
    """The questions to ask, in order, given the answers so far.

    A form fills the first of these that is still empty, so the list can
    grow as answers come in: a low confidence adds the "what would help?"
    question, and a "yes" to "another goal?" adds that goal's questions.
    """
    slots = [q.slot for q in OPENING_QUESTIONS]
    goal_count = goals_in_use(values)
    for number in range(1, goal_count + 1):
        slots += [goal_slot(number, f) for f in GOAL_FIELDS[:4]]
        if needs_confidence_boost(values.get(goal_slot(number, "confidence"))):
            slots.append(goal_slot(number, "confidence_boost"))
        if number < MAX_GOALS:
            slots.append(more_goals_slot(number))
    return slots + [q.slot for q in CLOSING_QUESTIONS]


def questions_in_order(values: Mapping[str, Any]) -> list[Question]:
    """The answer-holding questions this person was asked, in order."""
    fixed = {q.slot: q for q in OPENING_QUESTIONS + CLOSING_QUESTIONS}
    goal_questions = {
        goal_slot(n, f): goal_question(n, f) for n in range(1, MAX_GOALS + 1) for f in GOAL_FIELDS
    }
    questions = {**fixed, **goal_questions}
    return [questions[slot] for slot in required_slots(values) if slot in questions]


def slots_for_section(section: str, goal_number: int | None, values: Mapping[str, Any]) -> list[str]:
    """The slots to clear so that a section (or one goal) is asked again."""
    if section == "goals":
        goal_count = goals_in_use(values)
        if goal_number == -1:  # "my last goal"
            goal_number = goal_count
        numbers = [goal_number] if goal_number else range(1, goal_count + 1)
        return [goal_slot(n, f) for n in numbers for f in GOAL_FIELDS]
    questions = OPENING_QUESTIONS + CLOSING_QUESTIONS
    return [q.slot for q in questions if q.section == section]


def build_plan(
    values: Mapping[str, Any],
    *,
    conversation_id: str,
    practice_id: str,
    unanswered: Mapping[str, str] | None = None,
    support_people: list[SupportPerson] | None = None,
    today: date | None = None,
) -> CarePlan:
    """Turn the interview's answers into a draft plan, keeping the person's words.

    `unanswered` maps a slot to "skipped" or "dont_know"; `support_people` are
    the people the language model found in the person's answers.
    """
    unanswered = unanswered or {}
    today = today or date.today()
    values = {slot: (None if value == NOT_ASKED else value) for slot, value in values.items()}
    answers = [_answer(q, values.get(q.slot), unanswered.get(q.slot)) for q in questions_in_order(values)]
    words = {a.question_id: (a.text if a.status != AnswerStatus.SKIPPED else None) for a in answers}

    def section(name: str) -> dict[str, str | None]:
        return {q.slot: words[q.slot] for q in OPENING_QUESTIONS if q.section == name}

    return CarePlan(
        conversation_id=conversation_id,
        practice_id=practice_id,
        what_matters=section("what_matters"),
        strengths=section("strengths"),
        concerns=section("concerns"),
        goals=[_goal(n, words, today) for n in range(1, goals_in_use(values) + 1)],
        support=Support(
            needs=words["support_needs"],
            people=list(support_people or []),
            from_practice=parse_practice_roles(words["support_from_practice"]),
        ),
        contact_preferences=words["contact_preferences"],
        accessibility=_communication_needs(words["accessibility"], bool(values.get(EASY_READ))),
        share_with=words["share_with"],
        contingency=words["contingency"],
        answers=answers,
    )


EASY_READ_NOTE = "Easy read: asked for during the conversation."


def _communication_needs(words: str | None, asked_for_easy_read: bool) -> str | None:
    """The person's words, and a note when they asked for easy read as they went."""
    if not asked_for_easy_read:
        return words
    return f"{words}\n{EASY_READ_NOTE}" if words else EASY_READ_NOTE


def _answer(question: Question, text: Any, unanswered_as: str | None) -> Answer:
    status = AnswerStatus(unanswered_as) if unanswered_as else AnswerStatus.ANSWERED
    if text is None and status == AnswerStatus.ANSWERED:
        status = AnswerStatus.SKIPPED  # not reached, e.g. a plan written on a risk flag
    return Answer(question.slot, question.label, None if text is None else str(text), status)


def _goal(number: int, words: Mapping[str, str | None], today: date) -> Goal:
    def word(goal_field: str) -> str | None:
        return words.get(goal_slot(number, goal_field))

    return Goal(
        description=word("description"),
        first_step=word("first_step"),
        timeframe=word("timeframe"),
        target_date=parse_target_date(word("timeframe"), today),
        confidence=parse_confidence(word("confidence")),
        confidence_boost=word("confidence_boost"),
    )
