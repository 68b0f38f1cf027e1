"""Actions for safety and trust: crisis signposting, no medical advice, a person, deletion."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.adapters import database, flag_risk, in_thread, plan_from_tracker, settings
from actions.interview import COULD_NOT, handoff_message
from actions.questions import replies
from bot.careplan import dialogue
from bot.careplan.dialogue import Effect
from bot.careplan.interview import CARRY_ON, PENDING, RISK_TO_CHECK, SUMMARY_OK
from bot.safety.signposting import crisis_message, crisis_messages
from bot.services import consents, escalation

logger = logging.getLogger(__name__)

UNSPECIFIED = "unspecified"


class ActionRespondToRisk(Action):
    """After the static crisis reply Rasa said itself: the other kinds of risk, and the flag.

    The reply for the most urgent kind (domain/crisis.yml utter_crisis) has
    gone already, before this action, so help reaches the person even when
    this action cannot run.
    """

    def name(self) -> str:
        return "action_respond_to_risk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        categories = (tracker.latest_message.get("risk") or {}).get("categories") or [UNSPECIFIED]
        said_already = crisis_message(categories[0])
        for message in crisis_messages(categories):
            if message != said_already:
                dispatcher.utter_message(
                    text=message, json_message={"crisis": True, "categories": categories}
                )
        told = await flag_risk(tracker, categories, tracker.latest_message.get("text") or "")
        dispatcher.utter_message(text=told)
        events: list[EventType] = [SlotSet(RISK_TO_CHECK, None)]  # a check waiting is answered by this
        if tracker.get_slot(SUMMARY_OK) is True:
            return events  # the plan is already saved: nothing to carry on with
        kept = dialogue.answer_beside_a_disclosure(
            tracker.get_slot("requested_slot") if tracker.active_loop_name else None,
            tracker.latest_message.get("text") or "",
            tracker.slots,
        )
        events += [SlotSet(slot, value) for slot, value in kept.items()]
        return [*events, SlotSet(PENDING, CARRY_ON)]  # then the form asks whether to carry on


class ActionNoteMedicalQuestion(Action):
    """Keeps a medical question for the practice team; the assistant gives no advice."""

    def name(self) -> str:
        return "action_note_medical_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        questions = list(tracker.get_slot("questions_for_practice") or [])
        questions.append(tracker.latest_message.get("text") or "")
        return [SlotSet("questions_for_practice", questions)]


class ActionRequestHandoff(Action):
    """The practice's contact details, and a note on the plan that the person asked for someone."""

    def name(self) -> str:
        return "action_request_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        dispatcher.utter_message(text=handoff_message())
        try:
            await in_thread(escalation.request_handoff, database(), plan_from_tracker(tracker))
        except Exception as error:  # queued for when the database is back (bot/services/delivery.py)
            logger.error("action %s failed: %s", self.name(), type(error).__name__)
        return []


class ActionDeleteMyData(Action):
    """Deletes the person's plan and consent records; the tracker store then erases the conversation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        try:
            practice = settings().practice_id  # the one practice this deployment serves
            await in_thread(
                consents.delete_conversation_data, database(), tracker.sender_id, practice_id=practice
            )
        except Exception as error:  # never say it was deleted when it was not
            logger.error("action %s failed: %s", self.name(), type(error).__name__)
            dispatcher.utter_message(text=COULD_NOT[Effect.DELETE_DATA])
            return []
        dispatcher.utter_message(text=replies()["deleted"])
        # The tracker store (bot.store.tracker_store) erases the whole conversation
        # when it saves this turn, so the goodbye above is the last of it.
        return [SlotSet("erase_conversation", True)]
