"""Actions for safety and trust: crisis signposting, no medical advice, a person, deletion."""

from __future__ import annotations

from datetime import datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.adapters import database, in_thread, plan_from_tracker, settings
from bot import services
from bot.safety.risk import RiskCategory, RiskFlag
from bot.safety.signposting import crisis_messages

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
        return []


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
        practice = settings()
        dispatcher.utter_message(
            text=f"You can talk to someone at {practice.practice_name}: call {practice.practice_phone} "
            f"({practice.practice_hours}). I've asked the team to get in touch with you too."
        )
        await in_thread(services.request_handoff, database(), plan_from_tracker(tracker))
        return []


class ActionDeleteMyData(Action):
    """Deletes the person's plan and consent records; the tracker store then erases the conversation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        await in_thread(services.delete_conversation_data, database(), tracker.sender_id)
        # The tracker store (bot.store.tracker_store) erases the whole conversation
        # when it saves this turn, so the goodbye that follows is the last of it.
        return [SlotSet("erase_conversation", True)]
