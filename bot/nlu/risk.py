"""Marks every message with the risk it discloses, in any state of the conversation.

A Rasa NLU component placed after the intent classifier. It reads the spaCy
document SpacyNLP made (bot/safety/detector.py does the reading) and adds
`risk` to the parse data: the tier, the categories found (most urgent first)
and the words that disclosed them. It also adds the most urgent category as
the entity `risk_category`, so the crisis reply (a static response, chosen
by that slot) needs no custom action to reach the person.

Any risk sets the intent `risk_disclosure`, and `risk.tier` says how clear it is
(bot/core/safety_first.py acts on both, ahead of any form or rule):
- a clear disclosure: crisis signposting before anything else, whatever
  question was waiting, and the urgent flag;
- a signal to check: help offered, then a gentle question ("are you having
  thoughts of harming yourself?") before the interview goes on.

It fails closed, to a check: if the intent classifier is confident a message
is a disclosure and no risk words were found at all, it is checked. Where
risk words were found and set aside by their context ("I'm not suicidal",
"my feet are killing me"), the context reading has the last word.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.safety.detector import RiskDetector
from bot.safety.risk import RISK_INTENT, Tier

RISK = "risk"
CATEGORY_ENTITY = "risk_category"
UNSPECIFIED = "unspecified"  # the classifier heard risk, the phrases did not say which


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RiskDisclosureDetector(GraphComponent):
    """Adds `risk` to every message, and the intent `risk_disclosure` where there is any."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # How sure the intent classifier must be, alone, to count as a disclosure.
        return {"classifier_threshold": 0.8}

    def __init__(self, config: dict[str, Any]) -> None:
        self._threshold = config["classifier_threshold"]
        self._detector: RiskDetector | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RiskDisclosureDetector:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            if self._detector is None:  # built once, on the pipeline's own vocabulary
                self._detector = RiskDetector(doc.vocab)
            self._mark(message, doc)
        return messages

    def _mark(self, message: Message, doc: Any) -> None:
        reading = self._detector.read(doc) if self._detector else None
        matches = reading.disclosures if reading else []
        tier = reading.tier if reading else None
        categories = [m.category.value for m in matches if m.tier == tier]
        words = [m.words for m in matches if m.tier == tier]
        if not categories and not (reading and reading.words_set_aside) and self._classifier_is_sure(message):
            tier, categories = Tier.CHECK, [UNSPECIFIED]  # fail closed: the classifier heard risk
        message.set(
            RISK, {"tier": tier.value if tier else None, "categories": categories, "words": words},
            add_to_output=True,
        )  # fmt: skip
        if tier:
            message.set(
                INTENT, {INTENT_NAME_KEY: RISK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}, add_to_output=True
            )
            self._add_category_entity(message, categories[0])
        elif (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == RISK_INTENT:
            # The words were read in context and set aside ("I'm not suicidal, just tired"):
            # the classifier's next guess stands, so no crisis reply follows a negation.
            message.set(INTENT, self._next_best_intent(message), add_to_output=True)

    @staticmethod
    def _add_category_entity(message: Message, category: str) -> None:
        """The slot `risk_category` picks the static crisis reply (domain/safety.yml)."""
        entity = {
            ENTITY_ATTRIBUTE_TYPE: CATEGORY_ENTITY,
            ENTITY_ATTRIBUTE_VALUE: category,
            ENTITY_ATTRIBUTE_START: 0,
            ENTITY_ATTRIBUTE_END: len(message.get(TEXT) or ""),
            EXTRACTOR: RiskDisclosureDetector.__name__,
        }
        others = [e for e in message.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) != CATEGORY_ENTITY]
        message.set(ENTITIES, [*others, entity], add_to_output=True)

    @staticmethod
    def _next_best_intent(message: Message) -> dict[str, Any]:
        ranking = message.get(INTENT_RANKING_KEY) or []
        others = [intent for intent in ranking if intent.get(INTENT_NAME_KEY) != RISK_INTENT]
        return others[0] if others else {INTENT_NAME_KEY: "inform", PREDICTED_CONFIDENCE_KEY: 0.0}

    def _classifier_is_sure(self, message: Message) -> bool:
        intent = message.get(INTENT) or {}
        return (
            intent.get(INTENT_NAME_KEY) == RISK_INTENT
            and intent.get(PREDICTED_CONFIDENCE_KEY, 0.0) >= self._threshold
        )
