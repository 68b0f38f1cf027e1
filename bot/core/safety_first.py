"""A dialogue policy that puts help before anything else, in any state.

Rasa gives an active form priority over every rule: the form runs first and
the rules apply only if it declines the message. The form is a custom action,
so when the action server is down it can decline nothing, and a person who
just disclosed risk would get no reply at all. This policy predicts the
static help first, whatever loop is active, so Rasa says it itself:

- a clear disclosure (intent `risk_disclosure`, set by bot.nlu.risk):
  `utter_crisis`, then `action_respond_to_risk` (which writes the flag);
- a signal to check (`risk_check`): `utter_risk_check_help`, then the form or
  the rules go on as usual, and the form asks the gentle check.

After that it predicts nothing, and the other policies carry on (the form,
the rules in data/rules/safety.yml, which say the same for test stories).
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

# What follows what: after a message with the intent (key), or after an action (key).
AFTER_THE_MESSAGE = {"risk_disclosure": "utter_crisis", "risk_check": "utter_risk_check_help"}
AFTER_THE_ACTION = {"utter_crisis": "action_respond_to_risk"}


def next_safety_action(intent: str | None, latest_action: str | None) -> str | None:
    """The action safety needs next, or None when it needs nothing."""
    if latest_action == ACTION_LISTEN_NAME:
        return AFTER_THE_MESSAGE.get(intent or "")
    return AFTER_THE_ACTION.get(latest_action or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class SafetyFirstPolicy(Policy):
    """Predicts the static crisis reply (or the help before a check) ahead of any form or rule."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy's, so a tie at full confidence goes to safety.
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:  # fmt: skip
        probabilities = self._default_predictions(domain)
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        action = next_safety_action(intent, tracker.latest_action_name)
        if action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
