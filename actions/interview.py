"""The interview's action: every reply read in the context of its question.

While the interview is open (from "Is it OK to start?" to "Is this right?")
Rasa's form sends each message here. It is read for the kind of answer the
waiting question expects (bot/careplan/reading.py); the turn that follows is
decided in bot/careplan/dialogue.py; this action does the work the turn asks
for through the service layer, says what it says, and asks the next question.
Only a disclosure of risk goes back to Rasa's rules, so help comes first.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.adapters import database, flag_risk, flag_told, in_thread, plan_from_tracker, settings
from actions.questions import replies, wording
from bot.careplan import dialogue, interview
from bot.careplan.dialogue import Effect, Turn
from bot.careplan.interview import (
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
from bot.careplan.model import CarePlan
from bot.careplan.parsing import parse_section_reference
from bot.careplan.readback import readback
from bot.careplan.reading import read_reply
from bot.careplan.reading_kinds import Nlu
from bot.channels.limits import TOO_LONG  # the channels say the same, before Rasa reads a message
from bot.directory.plans import groups_to_mention
from bot.nlu import reply_kinds
from bot.safety.risk import RISK_INTENT, Tier
from bot.safety.signposting import crisis_messages
from bot.services import consents, delivery, drafting, escalation

logger = logging.getLogger(__name__)

# Trained when the action server loads its actions (about 10 s), not on a person's first reply.
reply_kinds.default_classifier()

# A clear disclosure of risk never reaches the form as an answer: bot/core/safety_first.py
# says the crisis reply first. Should one arrive all the same, the form declines it, and
# Rasa's safety rules answer it. A signal of risk to check (its tier "check"): the same
# policy offers help first (a static response); then the form reads the reply as usual
# and asks the gentle check before the next question.
HELP_BEFORE_THE_FORM = {"utter_risk_check_help"}
# The plan could not be saved now, and waits to be written when the database is back.
SAVED_LATER = (
    "I'm sorry, I couldn't save your plan just now. Your answers are still here, and your plan "
    "will be saved as soon as our system is back. You don't need to do anything."
)
# What the person is told when the work a turn needed could not be done.
COULD_NOT = {
    Effect.DRAFT_PLAN: "I'm sorry, I couldn't save your plan just now. Your answers are still here. "
    "Please try again in a few minutes.",
    Effect.DELETE_DATA: "I'm sorry, I couldn't delete your answers just now, so nothing has been deleted. "
    "Please try again in a few minutes, or call your practice.",
    Effect.RECORD_CONSENT: "I'm sorry, something went wrong on our side. Please try again in a few minutes.",
}


class ValidateCarePlanForm(FormValidationAction):
    """Reads each reply for its question, takes the turn, and asks the next question.

    Asking here rather than in `action_ask_<slot>` actions saves a call to the
    action server, with the whole tracker, on every turn: Rasa's form asks
    nothing itself for a slot that has no ask action or response.
    """

    def name(self) -> str:
        return "validate_care_plan_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        question = tracker.get_slot("requested_slot")
        asked_short = False
        to_check = _risk_to_check(tracker, question)
        if _is_entering(tracker):
            turn = Turn() if to_check and tracker.get_slot(SUMMARY_OK) else dialogue.on_entry(tracker.slots)
        elif _is_reply_to_question(tracker):
            kind = interview.question_kind(question)
            text, nlu = _latest_message(tracker, kind)
            if nlu.intent == RISK_INTENT and _risk_tier(tracker) != Tier.CHECK:
                return []  # Rasa's safety rules answer it, then the question comes again
            limit = settings().max_message_chars
            if len(text) > limit:
                dispatcher.utter_message(text=TOO_LONG.format(limit=limit))
                turn = Turn(slots={question: None})
            else:
                reading = read_reply(interview.expects(question), text, nlu, question=kind)
                turn = dialogue.take_turn(question, reading, tracker.slots, text)
                asked_short = question == SUMMARY_OK and reading.kind.startswith("ask_")
        else:
            turn = Turn()  # back from a detour Rasa's rules answered: the question comes again
        if to_check:
            turn = dialogue.check_risk_first(turn, to_check, tracker.latest_message.get("text") or "")
        return await _carry_out(turn, question, dispatcher, tracker, domain, asked_short)


def _risk_to_check(tracker: Tracker, question: str | None) -> list[str]:
    """The kinds of risk to check gently, when the new message signals any.

    Not when it answers the check itself: its "no" stands, and anything else gets help.
    """
    if _risk_tier(tracker) != Tier.CHECK or question == RISK_CHECK:
        return []
    if not (_is_entering(tracker) or _is_reply_to_question(tracker)):
        return []
    return list((tracker.latest_message.get("risk") or {}).get("categories") or ["unspecified"])


def _risk_tier(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("risk") or {}).get("tier")


async def _carry_out(
    turn: Turn, question: str | None, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict,
    asked_short: bool,
) -> list[EventType]:  # fmt: skip
    """The turn's work, its messages, its slots, then the next question or the end."""
    failed, afterwards = await _do_effects(turn, tracker, domain, dispatcher)
    if failed:
        turn = Turn(slots={question: None} if question else {}, say=[])
        asked_short = question == SUMMARY_OK
    for message in turn.say:
        _say(message, question, dispatcher, tracker)
    for text in afterwards:
        dispatcher.utter_message(text=text)
    events = _slot_events(turn.slots)
    if turn.note_question:
        questions = [
            *(tracker.get_slot("questions_for_practice") or []),
            tracker.latest_message.get("text") or "",
        ]
        events.append(SlotSet("questions_for_practice", questions))
    if question and turn.slots.get(question) and question == "support_people":
        events.append(SlotSet("support_people_found", tracker.latest_message.get("support_people") or []))
    if Effect.DELETE_DATA in turn.effects and not failed:
        events.append(SlotSet("erase_conversation", True))
    tracker.add_slots(events)
    events += _slot_events(interview.applicability_updates(tracker.slots))
    tracker.add_slots(events)
    if turn.end is not None and not failed:
        return [*events, SlotSet(OUTCOME, turn.end.value), SlotSet("requested_slot", None)]
    return [*events, _ask_next_question(dispatcher, tracker, again=asked_short)]


async def _do_effects(
    turn: Turn, tracker: Tracker, domain: dict, dispatcher: CollectingDispatcher
) -> tuple[bool, list[str]]:
    """Does the turn's work; says truthfully when it could not. Returns whether it failed, and
    what the work found to say after the turn's own messages."""
    afterwards: list[str] = []
    for effect in turn.effects:
        try:
            afterwards += await _do(effect, tracker, domain)
        except Exception as error:  # the database or the network: never tell the person it worked
            logger.error("action %s failed: %s", effect.value, type(error).__name__)
            if effect is Effect.DRAFT_PLAN and delivery.queued(
                database(), tracker.sender_id, practice_id=settings().practice_id
            ):
                dispatcher.utter_message(text=SAVED_LATER)  # the outbox writes it when the database is back
                return True, []
            if effect in COULD_NOT:
                dispatcher.utter_message(text=COULD_NOT[effect])
                return True, []
    return False, afterwards


async def _do(effect: Effect, tracker: Tracker, domain: dict) -> list[str]:
    db, sender, practice = database(), tracker.sender_id, settings().practice_id
    if effect in (Effect.RECORD_CONSENT, Effect.RECORD_REFUSAL):
        shown = f"{replies()['greet']} {wording(CONSENT).ask}"
        given = effect is Effect.RECORD_CONSENT
        await in_thread(consents.record_consent, db, sender, given, shown, practice_id=practice)
    elif effect is Effect.REQUEST_HANDOFF:
        await in_thread(escalation.request_handoff, db, plan_from_tracker(tracker))
    elif effect is Effect.DELETE_DATA:
        await in_thread(consents.delete_conversation_data, db, sender, practice_id=practice)
    elif effect is Effect.DRAFT_PLAN:
        stored = await in_thread(drafting.draft_plan, db, plan_from_tracker(tracker))
        return _local_groups(stored, tracker)
    elif effect is Effect.FLAG_RISK:
        checked = tracker.get_slot(RISK_TO_CHECK) or {}
        message = (
            f"{checked.get('message', '')} (asked to check, said: “{tracker.latest_message.get('text')}”)"
        )
        await flag_risk(tracker, checked.get("categories") or ["unspecified"], message)
    return []


def _local_groups(stored: CarePlan, tracker: Tracker) -> list[str]:
    """Up to three local groups the team may talk about, where the practice turns this on."""
    if not settings().mention_local_groups:
        return []
    names = groups_to_mention(stored, risk_signalled=_risk_was_signalled(tracker))
    if not names:
        return []
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return [replies()["local_groups"].format(names=listed)]


def _risk_was_signalled(tracker: Tracker) -> bool:
    """Any message in the conversation that signalled risk, clear or to check."""
    for event in tracker.events:
        parsed = event.get("parse_data") or {} if event.get("event") == "user" else {}
        if (parsed.get("risk") or {}).get("tier") or (parsed.get("intent") or {}).get("name") == RISK_INTENT:
            return True
    return bool(tracker.get_slot(RISK_CHECKS))


def _say(message: str, question: str | None, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    if message == "why" and question:
        dispatcher.utter_message(text=wording(question).why)
    elif message == "why":
        dispatcher.utter_message(response="utter_why_general")
    elif message == dialogue.UNCLEAR:
        dispatcher.utter_message(text=(wording(question).unclear if question else None) or _SORRY)
    elif message == "handoff":
        dispatcher.utter_message(text=handoff_message())
    elif message == dialogue.CRISIS:
        categories = (tracker.get_slot(RISK_TO_CHECK) or {}).get("categories") or ["unspecified"]
        for text in crisis_messages(categories):
            dispatcher.utter_message(text=text, json_message={"crisis": True, "categories": categories})
        dispatcher.utter_message(text=flag_told(tracker))
    elif message in replies():
        dispatcher.utter_message(text=replies()[message])
    else:
        dispatcher.utter_message(response=message)  # a response the rules say too


_SORRY = "Sorry, I didn't quite get that."


def handoff_message() -> str:
    practice = settings()
    return (
        f"You can talk to someone at {practice.practice_name}: call {practice.practice_phone} "
        f"({practice.practice_hours}). I've asked the team to get in touch with you too."
    )


def _ask_next_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, again: bool = False
) -> EventType:
    """Asks the next question; at the end of the questions, reads the answers back first."""
    slot = interview.next_question(tracker.slots)
    if slot == SUMMARY_OK and not again:
        dispatcher.utter_message(text=replies()["summary_intro"])
        for message in readback(plan_from_tracker(tracker)):
            dispatcher.utter_message(text=message)
    if slot:
        kind = (
            ((tracker.get_slot(RISK_TO_CHECK) or {}).get("categories") or [None])[0]
            if slot == RISK_CHECK
            else None
        )
        question = wording(slot, easy_read=bool(tracker.get_slot(EASY_READ)), variant=kind)
        dispatcher.utter_message(text=question.ask, buttons=question.buttons)
    return SlotSet("requested_slot", slot)


def _is_entering(tracker: Tracker) -> bool:
    """The form is starting: a first message, or a return after the interview ended.

    Rasa activates the loop before it validates, so the loop is already active
    here; it is the empty requested slot that tells. A detour (a crisis reply)
    and a new session both leave the waiting question in place.
    """
    return not tracker.get_slot("requested_slot")


def _is_reply_to_question(tracker: Tracker) -> bool:
    """Only a message sent to a question answers it.

    Rasa validates on a copy of the tracker that ends with the form's own action,
    so it is the action before that one which tells: listening means a new message.
    """
    before_the_form = _actions_before_the_form(tracker)
    while before_the_form and before_the_form[-1] in HELP_BEFORE_THE_FORM:
        before_the_form.pop()  # help Rasa offered first; the message still answers the question
    return before_the_form[-1:] == ["action_listen"] and bool(tracker.get_slot("requested_slot"))


def _actions_before_the_form(tracker: Tracker) -> list[str]:
    return [event.get("name") for event in tracker.events if event.get("event") == "action"][:-1]


def _latest_message(tracker: Tracker, question: str) -> tuple[str, Nlu]:
    message = tracker.latest_message
    intent = message.get("intent") or {}
    entities = {e.get("entity"): e.get("value") for e in message.get("entities") or [] if e.get("entity")}
    text = message.get("text") or ""
    nlu = Nlu(intent.get("name"), intent.get("confidence", 0.0), entities)
    if _says_again(tracker, text):
        return text, nlu  # said twice, it is meant: the reply classifier's guess was wrong once already
    if nlu.intent == RISK_INTENT:
        return text, nlu  # "some days I think what's the point" is no question about the form
    return text, reply_kinds.with_reply_kind(nlu, text, question)


def _says_again(tracker: Tracker, text: str) -> bool:
    """The person's message repeats the one before it, word for word."""
    said = [event.get("text") or "" for event in tracker.events if event.get("event") == "user"]
    return len(said) >= 2 and said[-2].strip().casefold() == text.strip().casefold()


def _slot_events(values: dict[str, Any]) -> list[EventType]:
    return [SlotSet(slot, value) for slot, value in values.items()]


class ActionStartAgain(Action):
    """Clears every answer so the interview begins again (after it has ended)."""

    def name(self) -> str:
        return "action_start_again"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        return _slot_events(dialogue.start_again())


class ActionChangeSection(Action):
    """ "Change my second goal" after the plan was saved: that part is asked again."""

    def name(self) -> str:
        return "action_change_section"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        section = next(tracker.get_latest_entity_values("section"), None)
        goal = None
        if section not in interview.SECTIONS:
            section, goal = parse_section_reference(tracker.latest_message.get("text"))
        if section is None:
            return [SlotSet(PENDING, SECTION_TO_CHANGE), SlotSet(OUTCOME, None)]
        values = dict(tracker.slots)
        to_clear = interview.slots_for_section(section, goal, values)
        values.update(dict.fromkeys(to_clear))
        dispatcher.utter_message(text=replies()["change_section"])
        changes = {**dict.fromkeys(to_clear), **interview.applicability_updates(values), SUMMARY_OK: None}
        return _slot_events({**changes, OUTCOME: None})
