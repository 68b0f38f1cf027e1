"""The safety policy's sequence: help first, whatever loop is active (bot/core/safety_first.py)."""

from __future__ import annotations

import pytest

from bot.core.safety_first import next_safety_action


@pytest.mark.parametrize(
    ("intent", "tier", "latest_action", "expected"),
    [
        ("risk_disclosure", "clear", "action_listen", "utter_crisis"),
        ("risk_disclosure", None, "action_listen", "utter_crisis"),  # fails closed to the crisis reply
        ("risk_disclosure", "clear", "utter_crisis", "action_respond_to_risk"),
        ("risk_disclosure", "clear", "action_respond_to_risk", None),  # then the form or the rules
        ("risk_disclosure", "check", "action_listen", "utter_risk_check_help"),
        ("risk_disclosure", "check", "utter_risk_check_help", "care_plan_form"),  # which asks the check
        ("inform", None, "action_listen", None),
        (None, None, "action_listen", None),
    ],
)
def test_help_comes_first_then_the_other_policies_carry_on(intent, tier, latest_action, expected) -> None:
    assert next_safety_action(intent, tier, latest_action) == expected
