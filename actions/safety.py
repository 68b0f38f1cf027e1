"""Actions for safety and trust: crisis signposting, no medical advice, a person, deletion."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.adapters import database, in_thread, plan_from_tracker
from actions.interview import COULD_NOT, handoff_message
from actions.questions import replies
from bot import services
from bot.careplan.dialogue import Effect
from bot.careplan.interview import CARRY_ON, PENDING, SUMMARY_OK
from bot.safety.risk import RiskCategory, RiskFlag
from bot.safety.signposting import crisis_messages

logger = logging.getLogger(__name__)

UNSPECIFIED = "unspecified"


class ActionRespondToRisk(Action):
    """Crisis signposting at once, then a flag on the plan a professional sees first."""

    def name(self) -> str:
        return "action_respond_to_risk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        categories = (tracker.latest_message.get("risk") or {}).get("categories") or [UNSPECIFIED]
        for message in crisis_messages(categories):
            dispatcher.utter_message(text=message, json_message={"crisis": True, "categories": categories})
        now = datetime.now(timezone.utc)
        text = tracker.latest_message.get("text") or ""
        plan = plan_from_tracker(tracker)
        for category in categories:
            flag = RiskFlag(_category(category), text, now)
            plan = await in_thread(services.flag_risk, database(), plan, flag)
        if tracker.get_slot(SUMMARY_OK) is True:
            return []  # the plan is already saved: nothing to carry on with
        return [SlotSet(PENDING, CARRY_ON)]  # then the form asks whether to carry on


def _category(name: str) -> RiskCategory | str:
    try:
        return RiskCategory(name)
    except ValueError:
        return name  # fail closed: an unknown kind is still flagged


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
        await in_thread(services.request_handoff, database(), plan_from_tracker(tracker))
        return []


class ActionDeleteMyData(Action):
    """Deletes the person's plan and consent records; the tracker store then erases the conversation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        try:
            await in_thread(services.delete_conversation_data, database(), tracker.sender_id)
        except Exception as error:  # never say it was deleted when it was not
            logger.error("action %s failed: %s", self.name(), type(error).__name__)
            dispatcher.utter_message(text=COULD_NOT[Effect.DELETE_DATA])
            return []
        dispatcher.utter_message(text=replies()["deleted"])
        # The tracker store (bot.store.tracker_store) erases the whole conversation
        # when it saves this turn, so the goodbye above is the last of it.
        return [SlotSet("erase_conversation", True)]
