"""How a message is read while a question is waiting for an answer.

Pure functions, so the rules are easy to see and to test: a message is either
an answer (kept word for word) or one of the things a person can say at any
point ("skip", "why are you asking?", "stop", "start again"), which the form
hands back to Rasa's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.careplan.interview import GOAL_FIELDS, MAX_GOALS, goal_slot, is_yes_no
from bot.careplan.model import AnswerStatus
from bot.careplan.parsing import parse_confidence, parse_yes_no

# Intents that interrupt the interview instead of answering it.
INTERRUPTIONS = {
    "skip", "dont_know", "ask_why", "pause", "resume", "start_again", "off_topic", "change_section",
    "greet", "goodbye", "ask_medical_advice", "request_human", "ask_privacy", "delete_my_data",
}  # fmt: skip
# A disclosure of risk interrupts whatever its length: help comes first.
ALWAYS_INTERRUPTS = {"risk_disclosure"}
# A long message is an answer even if it sounds like an interruption: people
# write "I want to stop smoking", or "not sure, maybe getting back to the allotment
# would be nice but my knees...".
INTERRUPTION_MAX_WORDS = 15
INTERRUPTION_MIN_CONFIDENCE = 0.6

# Said instead of an error when an answer is over the configured length (MAX_MESSAGE_CHARS).
TOO_LONG = (
    "Thank you. That's a lot to read in one go: could you say it in a shorter message, "
    "under {limit} characters? You can send the rest in your next answers."
)

UNANSWERED_INTENTS = {"skip": AnswerStatus.SKIPPED, "dont_know": AnswerStatus.DONT_KNOW}


@dataclass(frozen=True)
class Reply:
    """What to store for the waiting question."""

    slots: dict[str, Any]  # an empty value (None) asks the question again
    unanswered: dict[str, str] = field(default_factory=dict)  # slot -> AnswerStatus value
    unclear: bool = False  # the answer could not be used: say so before asking again


def is_button_press(text: str) -> bool:
    """A button's payload ("/affirm") names an intent; a free-text answer never starts so."""
    return text.startswith("/")


# Only a question asks for advice: "my knees hurt and I worry about my tablets"
# answers "is anything about your health worrying you?", it asks nothing.
QUESTION_OPENING = re.compile(
    r"^\s*(should|can|could|is|are|am|do|does|did|will|would|what|whats|what's|how|why|when|which|where|"
    r"who|shall|may|might|has|have|r|u|wot|wat|shud)\b",
    re.IGNORECASE,
)


def looks_like_a_question(text: str) -> bool:
    return "?" in text or bool(QUESTION_OPENING.match(text))


# Intents that answer a question rather than interrupt it: asked who at the
# practice they'd like help from, "the health coach" or "I'd like to talk to
# the nurse" is the answer, not a request to leave the conversation.
ANSWERS_TO = {"support_from_practice": {"request_human"}}


def is_interruption(text: str, intent: str | None, confidence: float, slot: str | None = None) -> bool:
    if intent in ALWAYS_INTERRUPTS:
        return True
    if slot and intent in ANSWERS_TO.get(slot, set()):
        return False
    if intent == "ask_medical_advice" and not looks_like_a_question(text):
        return False
    if is_button_press(text):  # names its intent exactly
        return intent in INTERRUPTIONS
    return (
        intent in INTERRUPTIONS
        and confidence >= INTERRUPTION_MIN_CONFIDENCE
        and len(text.split()) <= INTERRUPTION_MAX_WORDS
    )


def read_answer(slot: str, text: str, intent: str | None) -> Reply:
    """An answer to the question in `slot`."""
    if is_yes_no(slot):
        return _read_yes_no(slot, text, intent)
    if slot.endswith("_confidence") and parse_confidence(text) is None:
        return Reply({slot: None}, unclear=True)
    return Reply({slot: text})


def read_unanswered(slot: str, text: str, status: AnswerStatus) -> Reply:
    """ "skip" or "I don't know": recorded as such, with the words said."""
    if is_yes_no(slot):
        return Reply({slot: False})  # no answer to "another goal?" means no
    slots = {slot: text}
    # No goal, no questions about it: its step, timeframe and confidence go the same way.
    for number in range(1, MAX_GOALS + 1):
        if slot == goal_slot(number, "description"):
            slots = {goal_slot(number, f): text for f in GOAL_FIELDS}
    return Reply(slots, {s: status.value for s in slots})


def _read_yes_no(slot: str, text: str, intent: str | None) -> Reply:
    answer = {"affirm": True, "deny": False}.get(intent or "")
    if answer is None:
        answer = parse_yes_no(text)
    return Reply({slot: answer}, unclear=answer is None)
