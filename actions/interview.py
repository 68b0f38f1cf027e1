"""Actions that run the interview: asking, taking answers, explaining, restarting, changing a part."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.adapters import settings
from actions.questions import wording
from actions.replies import (
    TOO_LONG,
    UNANSWERED_INTENTS,
    Reply,
    is_button_press,
    is_interruption,
    read_answer,
    read_unanswered,
)
from bot.careplan import interview
from bot.careplan.parsing import parse_section_reference

INTERVIEW_STATE_SLOTS = ("unanswered", "support_people_found", "requested_slot")


class ValidateCarePlanForm(FormValidationAction):
    """Takes each answer word for word, then asks the next question.

    Asking here rather than in an `action_ask_<slot>` action saves a second call
    to the action server, with the whole tracker, on every turn: Rasa's form
    asks nothing itself for a slot that has no ask action or response.
    """

    def name(self) -> str:
        return "validate_care_plan_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        events: list[EventType] = []
        if _is_reply_to_question(tracker):
            slot = tracker.get_slot("requested_slot")
            text, intent, confidence = _latest_message(tracker)
            if is_interruption(text, intent, confidence, slot):
                return []  # Rasa's rules answer it, then the question comes again
            if is_button_press(text) and not interview.is_yes_no(slot):
                # "Carry on" or "No, keep them" after a detour: the question is asked again.
                return [SlotSet(slot, None), _ask_next_question(dispatcher, tracker)]
            limit = settings().max_message_chars
            if len(text) > limit:
                dispatcher.utter_message(text=TOO_LONG.format(limit=limit))
                return [SlotSet(slot, None), _ask_next_question(dispatcher, tracker)]
            reply = read_answer(slot, text, intent)
            if reply.unclear and wording(slot).unclear:
                dispatcher.utter_message(text=wording(slot).unclear)
            events += _reply_events(reply, tracker)
            tracker.add_slots(events)
        events += _slot_events(interview.applicability_updates(tracker.slots))
        tracker.add_slots(events)
        return [*events, _ask_next_question(dispatcher, tracker)]


def _ask_next_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> EventType:
    """Asks the first question still unanswered; none left ends the form."""
    slot = interview.next_question(tracker.slots)
    if slot:
        question = wording(slot)
        dispatcher.utter_message(text=question.ask, buttons=question.buttons)
    return SlotSet("requested_slot", slot)


class ActionSkipQuestion(Action):
    """ "Skip" or "I don't know": recorded as such, and the interview moves on."""

    def name(self) -> str:
        return "action_skip_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        text, intent, _ = _latest_message(tracker)
        if not slot or intent not in UNANSWERED_INTENTS:
            return []
        events = _reply_events(read_unanswered(slot, text, UNANSWERED_INTENTS[intent]), tracker)
        tracker.add_slots(events)
        return events + _slot_events(interview.applicability_updates(tracker.slots))


def _is_reply_to_question(tracker: Tracker) -> bool:
    """The form also runs when it starts; only a message sent to a question answers it.

    Rasa validates on a copy of the tracker that ends with the form's own action,
    so it is the action before that one which tells: listening means a new message.
    """
    actions = [event.get("name") for event in tracker.events if event.get("event") == "action"]
    return actions[-2:-1] == ["action_listen"] and bool(tracker.get_slot("requested_slot"))


def _latest_message(tracker: Tracker) -> tuple[str, str | None, float]:
    message = tracker.latest_message
    intent = message.get("intent") or {}
    return message.get("text") or "", intent.get("name"), intent.get("confidence", 0.0)


def _reply_events(reply: Reply, tracker: Tracker) -> list[EventType]:
    """The answer's slots, the record of what was left unanswered, and who supports them."""
    before = tracker.get_slot("unanswered") or {}
    unanswered = {**{k: v for k, v in before.items() if k not in reply.slots}, **reply.unanswered}
    # Every event is read back on every later turn: set the slot only when it changes.
    events = _slot_events(reply.slots) + ([SlotSet("unanswered", unanswered)] if unanswered != before else [])
    if reply.slots.get("support_people") and "support_people" not in reply.unanswered:
        events.append(SlotSet("support_people_found", tracker.latest_message.get("support_people") or []))
    return events


def _slot_events(values: dict[str, Any]) -> list[EventType]:
    return [SlotSet(slot, value) for slot, value in values.items()]


class ActionExplainQuestion(Action):
    """ "Why are you asking?": the purpose of the question waiting for an answer."""

    def name(self) -> str:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        if slot:
            dispatcher.utter_message(text=wording(slot).why)
        else:
            dispatcher.utter_message(response="utter_why_general")
        return []


class ActionStartAgain(Action):
    """Clears every answer so the interview begins again."""

    def name(self) -> str:
        return "action_start_again"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        cleared = {slot: None for slot in (*interview.all_interview_slots(), *INTERVIEW_STATE_SLOTS)}
        return _slot_events({**cleared, **interview.applicability_updates({})})


class ActionChangeSection(Action):
    """ "Change my second goal": clears that part so the interview asks it again."""

    def name(self) -> str:
        return "action_change_section"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        section, goal_number = _section_to_change(tracker)
        if section is None:
            return [SlotSet("change_target_found", False)]
        values = dict(tracker.slots)
        to_clear = interview.slots_for_section(section, goal_number, values)
        values.update(dict.fromkeys(to_clear))
        unanswered = {k: v for k, v in (tracker.get_slot("unanswered") or {}).items() if k not in to_clear}
        changes = {**dict.fromkeys(to_clear), **interview.applicability_updates(values)}
        return _slot_events(changes) + [
            SlotSet("unanswered", unanswered),
            SlotSet("change_target_found", True),
            SlotSet("requested_slot", None),
        ]


def _section_to_change(tracker: Tracker) -> tuple[str | None, int | None]:
    """From a button's `section` entity, or from the words ("my second goal")."""
    section = next(tracker.get_latest_entity_values("section"), None)
    if section in interview.SECTIONS:
        return section, None
    return parse_section_reference(tracker.latest_message.get("text"))
