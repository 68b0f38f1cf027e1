"""Sessions: a person who comes back later carries on where they stopped."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

INTERVIEW_FORM = "care_plan_form"


class ActionSessionStart(Action):
    """Starts a new session keeping the answers, and reopens an unfinished interview.

    Rasa's own session start carries slots over but not the active form, so a
    person who stopped mid-interview yesterday would otherwise be greeted as new.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(slot, value) for slot, value in tracker.slots.items() if value is not None]
        if _interview_was_open(tracker):
            # Re-entering the form re-asks its question, or shows the summary
            # again when every question has an answer.
            events.append(ActiveLoop(INTERVIEW_FORM))
        events.append(ActionExecuted("action_listen"))
        return events


def _interview_was_open(tracker: Tracker) -> bool:
    """The form runs the whole interview, from consent to "Is this right?"."""
    return (tracker.active_loop or {}).get("name") == INTERVIEW_FORM
