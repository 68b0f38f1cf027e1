"""What the assistant does with a reply, once it is read: one turn of the interview.

The whole conversation, from "Is it OK to start?" to "Is this right?", is one
sequence of questions (`interview.next_question`). A reply is read for the kind
of answer its question expects (`reading.read_reply`), and `take_turn` decides
what follows: which answers to keep, what to say, what to do (record consent,
tell the team the person wants someone, save the plan), and whether the
interview ends. Anything that is not an answer is handled as what it is and
the same question comes again; nothing that is not an answer is ever stored
as one.

Pure: no Rasa, no database. The action (actions/interview.py) carries out the
effects and says the messages, which are names of responses in the domain.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.careplan import interview
from bot.careplan.interview import (
    CARRY_ON,
    CONFIRM_DELETE,
    CONSENT,
    EASY_READ,
    OUTCOME,
    PENDING,
    RISK_CHECK,
    RISK_CHECKS,
    RISK_TO_CHECK,
    SECTION_TO_CHANGE,
    SUMMARY_OK,
)
from bot.careplan.model import AnswerStatus
from bot.careplan.parsing import CONFIDENCE_NEEDING_BOOST, parse_section_reference
from bot.careplan.reading import read_reply
from bot.careplan.reading_kinds import Expects, NotAnAnswer, Reading
from bot.careplan.reading_words import PAUSE, matches_any


class Effect(str, enum.Enum):
    """Work the action does for a turn, each through the service layer."""

    RECORD_CONSENT = "record_consent"
    RECORD_REFUSAL = "record_refusal"
    REQUEST_HANDOFF = "request_handoff"
    DELETE_DATA = "delete_data"
    DRAFT_PLAN = "draft_plan"
    FLAG_RISK = "flag_risk"  # the check was answered yes: the crisis reply and the urgent flag


class Outcome(str, enum.Enum):
    """How an interview ended."""

    CONFIRMED = "confirmed"
    REFUSED = "refused"
    DELETED = "deleted"
    STOPPED = "stopped"  # "stop for now" after a detour: carried on when they come back


@dataclass
class Turn:
    """What follows a reply: slot changes, things to say, work to do, and whether to ask next."""

    slots: dict[str, Any] = field(default_factory=dict)
    say: list[str] = field(
        default_factory=list
    )  # what to say first: actions/replies.yml keys, domain responses
    effects: list[Effect] = field(default_factory=list)
    ask: bool = True  # ask the next question (the same one again when nothing was answered)
    end: Outcome | None = None  # the interview ends here
    note_question: bool = False  # keep the message as a question for the practice team


# Said for each kind of reply that is not an answer; then the question comes again.
REPLIES = {
    NotAnAnswer.PAUSE: "paused",
    NotAnAnswer.RESUME: "welcome_back",
    NotAnAnswer.SMALLTALK: "aside",
    NotAnAnswer.ASK_WHY: "why",  # the waiting question's own reason
    NotAnAnswer.ASK_PRIVACY: "utter_privacy_notice",
    NotAnAnswer.ASK_COPY: "copy_of_plan",
    NotAnAnswer.ASK_MEDICAL: "utter_no_medical_advice",
    NotAnAnswer.EASY_READ: "easy_read",
}
UNCLEAR = "unclear"  # the question's own "sorry, I didn't get that"
CRISIS = "crisis"  # the crisis reply for the kinds of risk being checked, then "I've let the team know"


def take_turn(question: str, reading: Reading, values: Mapping[str, Any], text: str) -> Turn:
    """The turn that follows `reading`, the reply to the question in slot `question`."""
    if question == RISK_CHECK:
        return _risk_check(reading, values)
    if reading.is_answer:
        return _answer(question, reading, values, text)
    if reading.kind == "unclear":
        return Turn(slots={question: None}, say=[UNCLEAR])
    return _not_an_answer(question, NotAnAnswer(reading.kind), reading, values, text)


def answer_beside_a_disclosure(question: str | None, text: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The slots that keep a long answer to a free-text question that also disclosed risk.

    The crisis reply and the flag come first, whatever the reply. But "My heart failure is
    the main thing. My ankles swell by the evening..." answers the question too: it is
    kept as their answer, so the person is not asked again and again, and "yes, carry on"
    is never taken for it. A short disclosure ("everyone would be better off without me")
    answers nothing, and the question comes again.
    """
    if not question or question not in interview.all_interview_slots():
        return {}
    if interview.expects(question) is not Expects.FREE_TEXT or len(text.split()) < ANSWER_BESIDE_RISK_WORDS:
        return {}
    reading = read_reply(Expects.FREE_TEXT, text, question=interview.question_kind(question))
    return take_turn(question, reading, values, text).slots if reading.kind == "answer" else {}


ANSWER_BESIDE_RISK_WORDS = 12  # a reply this long says more than the disclosure


def check_risk_first(turn: Turn, categories: list[str], text: str) -> Turn:
    """A signal of risk that is not clear: the gentle check comes before anything else.

    The reply is still taken as what it is (an answer stays an answer); the
    check is asked next, and the interview goes on after it.
    """
    if Effect.DELETE_DATA in turn.effects:
        return turn  # the conversation is being erased
    to_check = {"categories": categories, "message": text}
    return replace(
        turn, slots={**turn.slots, PENDING: RISK_CHECK, RISK_TO_CHECK: to_check}, ask=True, end=None
    )


def _risk_check(reading: Reading, values: Mapping[str, Any]) -> Turn:
    """Only a clear "no" carries on, noted for the professional; anything else gets help now."""
    if reading.is_answer and reading.value is False:
        checked = {**(values.get(RISK_TO_CHECK) or {}), "answer": "no"}
        checks = [*(values.get(RISK_CHECKS) or []), checked]
        return Turn(slots={PENDING: None, RISK_TO_CHECK: None, RISK_CHECKS: checks}, say=["risk_check_no"])
    # Yes, or anything unclear: fail closed, to the crisis reply and the flag.
    return Turn(slots={PENDING: CARRY_ON, RISK_TO_CHECK: None}, effects=[Effect.FLAG_RISK], say=[CRISIS])


def on_entry(values: Mapping[str, Any]) -> Turn:
    """The interview (re)opens: a first hello, a return after stopping, or after the plan was saved."""
    if values.get(SUMMARY_OK) is True and not values.get(PENDING):
        return Turn(say=["plan_already_saved"], ask=False, end=Outcome.CONFIRMED)
    if values.get(CONSENT) is None or values.get(CONSENT) is False:
        return Turn(slots={CONSENT: None, OUTCOME: None}, say=["greet"])
    if values.get(OUTCOME) == Outcome.STOPPED.value:
        return Turn(slots={OUTCOME: None}, say=["welcome_back"])
    return Turn()


# --- Answers ---------------------------------------------------------------


def _answer(question: str, reading: Reading, values: Mapping[str, Any], text: str) -> Turn:
    if question == CONSENT:
        return _consent(reading)
    if question == SUMMARY_OK:
        return _summary(reading, values, text)
    if question == CARRY_ON:
        if reading.value:
            return Turn(slots={PENDING: None})
        return Turn(slots={PENDING: None, OUTCOME: Outcome.STOPPED.value}, say=["stopped_for_now"],
                    ask=False, end=Outcome.STOPPED)  # fmt: skip
    if question == CONFIRM_DELETE:
        if reading.value:
            return Turn(effects=[Effect.DELETE_DATA], say=["deleted"], ask=False, end=Outcome.DELETED)
        return Turn(slots={PENDING: None}, say=["utter_not_deleted"])
    if question == SECTION_TO_CHANGE:
        return change_part(reading.value, None, question, values)
    if question.endswith("_more"):
        return _more_goals(question, reading)
    return Turn(slots={**_answer_slots(question, reading, text), **_clear_unanswered(question, values)})


def _consent(reading: Reading) -> Turn:
    if reading.value:
        say = ["breaks_are_fine"] if _mentions_stopping(reading.rest) else []
        return Turn(slots={CONSENT: True}, effects=[Effect.RECORD_CONSENT], say=say)
    return Turn(
        slots={CONSENT: False, OUTCOME: Outcome.REFUSED.value},
        effects=[Effect.RECORD_REFUSAL],
        say=["consent_refused"],
        ask=False,
        end=Outcome.REFUSED,
    )


def _summary(reading: Reading, values: Mapping[str, Any], text: str) -> Turn:
    if reading.value:
        return Turn(slots={SUMMARY_OK: True, OUTCOME: Outcome.CONFIRMED.value}, effects=[Effect.DRAFT_PLAN],
                    say=["plan_saved"], ask=False, end=Outcome.CONFIRMED)  # fmt: skip
    section, goal = parse_section_reference(text)  # "no, the phone bit is wrong"
    if section:
        return change_part(section, goal, SUMMARY_OK, values)
    return Turn(slots={PENDING: SECTION_TO_CHANGE})


def _more_goals(question: str, reading: Reading) -> Turn:
    """ "Another goal?": yes, no, or the next goal said straight away."""
    if reading.kind == "item":
        number = int(question.split("_")[1]) + 1
        return Turn(slots={question: True, interview.goal_slot(number, "description"): reading.value})
    return Turn(slots={question: bool(reading.value)})


def _answer_slots(question: str, reading: Reading, text: str) -> dict[str, Any]:
    """The words kept for an answer; a low number's other words are what would help."""
    slots: dict[str, Any] = {question: text}
    help_said = reading.rest.lstrip(" ?.,;:!-") if reading.kind == "number" else ""
    if (
        help_said
        and reading.value < CONFIDENCE_NEEDING_BOOST
        and _SAYS_WHAT_WOULD_HELP.search(help_said.lower())
    ):
        slots[question.replace("_confidence", "_confidence_boost")] = help_said
    return slots


# The words after a low number that say what would help ("5. Would be higher if someone rang
# me"), not why it is low ("Like a 5? I've tried this before"): then the question is asked.
_SAYS_WHAT_WOULD_HELP = re.compile(
    r"\b(if|would|could|help|helps|helped|need|needs|unless|once|when|with|someone|somebody|more|better|knew)\b"
)


def _clear_unanswered(question: str, values: Mapping[str, Any]) -> dict[str, Any]:
    unanswered = values.get("unanswered") or {}
    if question in unanswered:
        return {"unanswered": {k: v for k, v in unanswered.items() if k != question}}
    return {}


def _mentions_stopping(words: str) -> bool:
    """ "Yes, fine. I might have to stop if my wife needs me": say that's fine."""
    return bool(words) and (matches_any(words, PAUSE) or bool(_STOPPING.search(words)))


_STOPPING = re.compile(r"\b(stop|break|pause|leave|interrupt|slow|take my time|in and out|come back)\w*\b")


# --- What is not an answer -----------------------------------------------------


ACCESSIBILITY = "accessibility"


def _not_an_answer(
    question: str, kind: NotAnAnswer, reading: Reading, values: Mapping[str, Any], text: str
) -> Turn:
    """Handled as what it is; the same question comes again."""
    again = {question: None}  # nothing stored; the form asks the same question again
    if kind in (NotAnAnswer.SKIP, NotAnAnswer.DONT_KNOW):
        return _unanswered(question, kind, values)
    if kind is NotAnAnswer.ASK_HUMAN:
        return Turn(slots={**again, PENDING: CARRY_ON}, effects=[Effect.REQUEST_HANDOFF], say=["handoff"])
    if kind is NotAnAnswer.DELETE_DATA:
        return Turn(slots={**again, PENDING: CONFIRM_DELETE})
    if kind is NotAnAnswer.START_AGAIN:
        return Turn(slots=start_again(), say=["utter_start_again"])
    if kind is NotAnAnswer.CHANGE:
        section, goal = parse_section_reference(text)
        if reading.value:  # a section button's entity
            section, goal = reading.value, None
        return change_part(section, goal, question, values)
    if kind is NotAnAnswer.EASY_READ:
        # Asked at "anything that would make it easier...?", it is the answer too ("Short questions").
        kept = {question: text} if question == ACCESSIBILITY else again
        return Turn(slots={**kept, EASY_READ: True}, say=[REPLIES[kind]])
    return Turn(slots=again, say=[REPLIES[kind]], note_question=kind is NotAnAnswer.ASK_MEDICAL)


def _unanswered(question: str, kind: NotAnAnswer, values: Mapping[str, Any]) -> Turn:
    """ "Skip" or "I don't know": kept as such for an interview question, asked again for the others."""
    if question not in interview.all_interview_slots():
        return Turn(slots={question: None}, say=[UNCLEAR])
    if interview.expects(question).value == "yes_no_or_item":
        return Turn(slots={question: False})  # no answer to "another goal?" means no
    status = AnswerStatus.SKIPPED if kind is NotAnAnswer.SKIP else AnswerStatus.DONT_KNOW
    slots = {question: kind.value}
    for number in range(1, interview.MAX_GOALS + 1):
        if question == interview.goal_slot(number, "description"):
            # No goal, no questions about it: its step, timeframe and confidence go the same way.
            slots = {interview.goal_slot(number, f): kind.value for f in interview.GOAL_FIELDS}
    unanswered = {**(values.get("unanswered") or {}), **{slot: status.value for slot in slots}}
    say = "skipped" if kind is NotAnAnswer.SKIP else "dont_know"
    return Turn(slots={**slots, "unanswered": unanswered}, say=[say])


def start_again() -> dict[str, Any]:
    """Every answer cleared: the interview begins again (consent stands)."""
    cleared = dict.fromkeys((*interview.all_interview_slots(), SUMMARY_OK, PENDING, OUTCOME, "unanswered"))
    return {**cleared, **interview.applicability_updates({})}


def change_part(
    section: str | None, goal: int | None, question: str | None, values: Mapping[str, Any]
) -> Turn:
    """A change of mind: that part is asked again, and its old answers go.

    `question` is the one being asked (None after the interview): "can I change that one?" means it.
    """
    if section is None:
        section = _section_being_asked(question)  # "can I change that one?"
    if section == "goals" and goal is None:
        goal = _goal_being_asked(question)  # "can I change my goal?" while on goal 2
    if section not in interview.SECTIONS:
        return Turn(slots={**({question: None} if question else {}), PENDING: SECTION_TO_CHANGE})
    to_clear = interview.slots_for_section(section, goal, values)
    unanswered = {k: v for k, v in (values.get("unanswered") or {}).items() if k not in to_clear}
    slots = {**dict.fromkeys(to_clear), SUMMARY_OK: None, PENDING: None, "unanswered": unanswered}
    if question not in to_clear and question not in (SUMMARY_OK, SECTION_TO_CHANGE):
        slots[question] = None
    return Turn(slots=slots, say=["change_section"])


def _section_being_asked(question: str | None) -> str | None:
    if _goal_being_asked(question):
        return "goals"
    asked = [q for q in interview.OPENING_QUESTIONS + interview.CLOSING_QUESTIONS if q.slot == question]
    return asked[0].section if asked else None


def _goal_being_asked(question: str | None) -> int | None:
    match = re.match(r"goal_(\d)_", question or "")
    return int(match.group(1)) if match else None
