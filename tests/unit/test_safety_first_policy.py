"""The safety policy's sequence: help first, whatever loop is active (bot/core/safety_first.py)."""

from __future__ import annotations

import pytest

from bot.core.safety_first import next_safety_action


@pytest.mark.parametrize(
    ("intent", "latest_action", "expected"),
    [
        ("risk_disclosure", "action_listen", "utter_crisis"),
        ("risk_disclosure", "utter_crisis", "action_respond_to_risk"),
        ("risk_disclosure", "action_respond_to_risk", None),  # then the form or the rules
        ("risk_check", "action_listen", "utter_risk_check_help"),
        ("risk_check", "utter_risk_check_help", None),  # the form asks the check
        ("inform", "action_listen", None),
        (None, "action_listen", None),
    ],
)
def test_help_comes_first_then_the_other_policies_carry_on(intent, latest_action, expected) -> None:
    assert next_safety_action(intent, latest_action) == expected
