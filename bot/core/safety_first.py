"""A dialogue policy that puts help before anything else, in any state.

Rasa gives an active form priority over every rule: the form runs first and
the rules apply only if it declines the message. The form is a custom action,
so when the action server is down it can decline nothing, and a person who
just disclosed risk would get no reply at all. This policy predicts the
static help first, whatever loop is active, so Rasa says it itself. It reads
the tier bot.nlu.risk gives a `risk_disclosure` (rules cannot):

- clear: `utter_crisis`, then `action_respond_to_risk` (which writes the flag);
- check: `utter_risk_check_help`, then the interview form, which asks the
  gentle check (and opens to ask it when the interview is over).

After that it predicts nothing, and the other policies carry on (the form,
and the rules in data/rules/safety.yml, which say the same for test stories).
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

from bot.safety.risk import RISK_INTENT, Tier

CRISIS_REPLY = "utter_crisis"
HELP_BEFORE_THE_CHECK = "utter_risk_check_help"
FLAG = "action_respond_to_risk"
INTERVIEW_FORM = "care_plan_form"  # asks the check (actions/interview.py)


def next_safety_action(intent: str | None, tier: str | None, latest_action: str | None) -> str | None:
    """The action safety needs next, or None when it needs nothing."""
    if latest_action == ACTION_LISTEN_NAME and intent == RISK_INTENT:
        return (
            HELP_BEFORE_THE_CHECK if tier == Tier.CHECK.value else CRISIS_REPLY
        )  # unknown tier: the crisis reply
    return {CRISIS_REPLY: FLAG, HELP_BEFORE_THE_CHECK: INTERVIEW_FORM}.get(latest_action or "")


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
        message = tracker.latest_message
        intent = (message.intent or {}).get("name") if message else None
        tier = ((message.parse_data.get("risk") or {}).get("tier")) if message else None
        action = next_safety_action(intent, tier, tracker.latest_action_name)
        if action not in domain.action_names_or_texts:
            return self._prediction(probabilities)  # nothing to say: the other policies decide
        probabilities[domain.index_for_action(action)] = 1.0
        # Rasa's ensemble lets predictions "without user input" (an active form's) overrule
        # all others; marked so too, this one wins over the form by its higher priority.
        return self._prediction(probabilities, is_no_user_prediction=True)
