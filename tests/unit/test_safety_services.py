"""Risk flags, handoff and deletion in the plan store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timezone

from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.careplan.model import CarePlan, PlanStatus
from bot.core.turns import this_turn
from bot.safety.risk import RiskCategory, RiskFlag
from bot.safety.signposting import crisis_messages
from bot.services import consents, drafting, escalation, stored_plans
from bot.store.tracker_store import erase_requested

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def partial_plan(conversation_id: str = "c-1") -> CarePlan:
    return CarePlan(
        conversation_id=conversation_id, practice_id="p", what_matters={"what_matters_good_day": "tea"}
    )


def test_a_risk_flag_writes_an_urgent_plan_at_once_and_flags_add_up(db) -> None:
    first = RiskFlag(RiskCategory.SUICIDAL_THOUGHTS, "I want to end it", NOW)
    plan = escalation.flag_risk(db, partial_plan(), first, now=NOW)
    assert plan.status == PlanStatus.URGENT_REVIEW and plan.version == 1
    second = RiskFlag(RiskCategory.MEDICAL_EMERGENCY, "chest pain now", NOW)
    plan = escalation.flag_risk(db, partial_plan(), second, now=NOW)
    assert [f["category"] for f in plan.risk_flags] == ["suicidal_thoughts", "medical_emergency"]
    assert plan.risk_flags[0] == {"category": "suicidal_thoughts", "message": "I want to end it",
                                  "detected_at": NOW.isoformat()}  # fmt: skip
    # Confirming the summary later keeps the flags and the urgent status.
    confirmed = drafting.draft_plan(db, partial_plan(), now=NOW)
    assert confirmed.status == PlanStatus.URGENT_REVIEW and len(confirmed.risk_flags) == 2


def test_handoff_is_recorded_on_the_plan(db) -> None:
    assert escalation.request_handoff(db, partial_plan(), now=NOW).handoff_requested is True


def test_deleting_a_conversation_leaves_nothing_of_it(db) -> None:
    consents.record_consent(db, "c-1", True, "wording", now=NOW, practice_id="p")
    drafting.draft_plan(db, partial_plan(), now=NOW)
    drafting.draft_plan(db, partial_plan(), now=NOW)  # two versions
    drafting.draft_plan(db, partial_plan("someone-else"), now=NOW)
    consents.delete_conversation_data(db, "c-1", practice_id="p")
    assert stored_plans.get_plan(db, "c-1", practice_id="p") is None
    assert consents.latest_consent(db, "c-1", practice_id="p") is None
    assert stored_plans.get_plan(db, "someone-else", practice_id="p") is not None


def test_the_tracker_store_erases_only_when_this_turn_asked() -> None:
    asked = DialogueStateTracker.from_events(
        "s",
        [UserUttered("delete"), ActionExecuted("action_delete_my_data"), SlotSet("erase_conversation", True)],
    )
    later = DialogueStateTracker.from_events(
        "s", [SlotSet("erase_conversation", True), UserUttered("hello"), ActionExecuted("utter_greet")]
    )
    assert erase_requested(this_turn(asked.events)) is True
    assert erase_requested(this_turn(later.events)) is False


def test_crisis_messages_come_from_the_domain_most_urgent_first_and_fit_the_kind() -> None:
    messages = crisis_messages(["medical_emergency", "suicidal_thoughts"])
    assert "999 now" in messages[0]
    assert "116 123" in messages[1] and "Are you safe right now?" in messages[1]
    assert "distance between you and anything" in messages[1]  # means, for suicidal thoughts
    abuse = crisis_messages(["safeguarding"])[0]
    assert "0808 2000 247" in abuse and "press 55" in abuse and "End chat" in abuse
    assert "116 123" in crisis_messages(["something_new"])[0]  # fails closed


def test_bidirectional_controls_never_reach_a_stored_plan_or_flag(db) -> None:
    """A right-to-left override (U+202E) would show a professional the words reordered."""
    flag = RiskFlag(RiskCategory.SELF_HARM, "I cut \u202emyself\u202c again", NOW)
    escalation.flag_risk(db, partial_plan(), flag, now=NOW)
    stored = stored_plans.get_plan(db, partial_plan().conversation_id, practice_id="p")
    assert stored.risk_flags[0]["message"] == "I cut myself again"
    assert not any("\u202e" in str(answer.text) for answer in stored.answers)
