"""Actions that record consent, read the plan back and write the draft for the practice."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.adapters import database, in_thread, plan_from_tracker, response_text
from bot import services
from bot.careplan.readback import readback

CONSENT_WORDING = ("utter_greet", "utter_ask_consent")


class ActionRecordConsent(Action):
    """Keeps when consent was given, and to what wording."""

    def name(self) -> str:
        return "action_record_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        await _record_consent(tracker, domain, given=True)
        return []


class ActionRecordRefusal(Action):
    """A "no" to starting: only the refusal is kept, and no plan is written."""

    def name(self) -> str:
        return "action_record_refusal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        await _record_consent(tracker, domain, given=False)
        return []


async def _record_consent(tracker: Tracker, domain: dict, *, given: bool) -> None:
    wording = " ".join(response_text(domain, response) for response in CONSENT_WORDING)
    await in_thread(services.record_consent, database(), tracker.sender_id, given, wording)


class ActionShowSummary(Action):
    """Reads the answers back, section by section, in the person's words."""

    def name(self) -> str:
        return "action_show_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        for message in readback(plan_from_tracker(tracker)):
            dispatcher.utter_message(text=message)
        return []


class ActionDraftPlan(Action):
    """Writes the confirmed answers as a draft plan (a new version after a change)."""

    def name(self) -> str:
        return "action_draft_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        await in_thread(services.draft_plan, database(), plan_from_tracker(tracker))
        return []
