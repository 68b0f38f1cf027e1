"""A clear disclosure whose flagging action did not complete is found at the end of the turn (issue 12)."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.core.missed_flags import missed_disclosure


def said(text: str, tier: str | None) -> UserUttered:
    return UserUttered(text, parse_data={"risk": {"tier": tier, "categories": ["suicidal_thoughts"]}})


CRISIS = [ActionExecuted("utter_crisis"), BotUttered("Samaritans 116 123")]


def test_a_disclosure_whose_action_failed_is_missed() -> None:
    # Rasa logs a custom action that raised with no events of its own.
    events = [said("I want to end my life", "clear"), *CRISIS, ActionExecuted("action_respond_to_risk"),
              ActionExecuted("action_listen")]  # fmt: skip
    assert missed_disclosure(events).text == "I want to end my life"


def test_a_disclosure_whose_action_ran_is_not() -> None:
    events = [said("I want to end my life", "clear"), *CRISIS, ActionExecuted("action_respond_to_risk"),
              SlotSet("risk_to_check", None), ActionExecuted("action_listen")]  # fmt: skip
    assert missed_disclosure(events) is None


def test_a_disclosure_with_no_action_at_all_is_missed() -> None:
    assert missed_disclosure([said("I want to end my life", "clear"), *CRISIS]) is not None


def test_only_the_turn_s_own_clear_disclosure_counts() -> None:
    earlier = [said("I want to end my life", "clear"), *CRISIS, ActionExecuted("action_respond_to_risk")]
    assert (
        missed_disclosure([*earlier, said("walking the dog", None), ActionExecuted("action_listen")]) is None
    )
    assert missed_disclosure([said("what's the point", "check"), ActionExecuted("action_listen")]) is None
    assert missed_disclosure([]) is None
