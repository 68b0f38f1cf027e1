"""The risk marking as the product runs it: the whole trained NLU pipeline, where
the risk component has the last word after the intent classifier.

The same labelled set as tests/safety (228 disclosures, 234 hard negatives):
every disclosure must reach the dialogue as `risk_disclosure`, and at most 3% of
the negatives.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

LABELLED = yaml.safe_load((Path(__file__).resolve().parents[1] / "safety" / "risk_messages.yml").read_text())
MAX_FALSE_POSITIVE_RATE = 0.03


@pytest.mark.rasa
def test_every_disclosure_reaches_the_dialogue_and_few_negatives_do(agent) -> None:
    async def marked(text: str) -> bool:
        # The intent is what Rasa's safety rules act on, with or without categories.
        parsed = await agent.parse_message(text)
        return parsed["intent"]["name"] == "risk_disclosure"

    async def evaluate() -> tuple[list[str], list[str]]:
        positives = [m for messages in LABELLED["positives"].values() for m in messages]
        missed = [m for m in positives if not await marked(m)]
        flagged = [m for m in LABELLED["negatives"] if await marked(m)]
        return missed, flagged

    missed, flagged = asyncio.run(evaluate())
    positives = sum(len(v) for v in LABELLED["positives"].values())
    rate = len(flagged) / len(LABELLED["negatives"])
    recall = 1 - len(missed) / positives
    print(f"\npipeline risk recall: {recall:.3f}; false-positive rate: {rate:.3f}; flagged: {flagged}")
    assert missed == []
    assert rate <= MAX_FALSE_POSITIVE_RATE


NEGATIONS = ["I'm not suicidal, just tired", "I'm not going to hurt myself, don't worry"]


@pytest.mark.rasa
@pytest.mark.parametrize("text", NEGATIONS)
def test_risk_words_set_aside_in_context_leave_no_risk_intent(agent, text: str) -> None:
    """The classifier alone once kept `risk_disclosure` for a negation, and the crisis reply followed."""
    parsed = asyncio.run(agent.parse_message(text))
    assert parsed["risk"]["categories"] == []
    assert parsed["intent"]["name"] != "risk_disclosure"
