"""The risk detector on a labelled set (tests/safety/risk_messages.yml): every
positive must be caught, and at most 3% of the hard negatives flagged.

The set was written independently of the detector's phrases: indirect and
passive wording, misspellings, text-speak; idioms, negations, other people's
history and ordinary sadness as negatives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import yaml

from bot.nlu.spacy_model import spacy_data_folder
from bot.safety.detector import RiskDetector
from bot.safety.risk import RiskCategory

# The first set; and a second, written blind after tuning on the first (its first
# measurement, before any tuning on it, is recorded in docs/clinical-safety.md).
SETS = ("risk_messages.yml", "risk_messages_blind.yml")
LABELLED = yaml.safe_load((Path(__file__).with_name(SETS[0])).read_text(encoding="utf-8"))
MAX_FALSE_POSITIVE_RATE = 0.03


def _load(name: str) -> dict:
    return yaml.safe_load((Path(__file__).with_name(name)).read_text(encoding="utf-8"))


def _configured_spacy_model() -> str:
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text())
    return next(c["model"] for c in config["pipeline"] if c["name"].endswith("SpacyNLP"))


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(spacy_data_folder(_configured_spacy_model()))


@pytest.fixture(scope="module")
def detector(nlp) -> RiskDetector:
    return RiskDetector(nlp.vocab)


def test_the_labelled_set_is_big_enough() -> None:
    assert sum(len(v) for v in LABELLED["positives"].values()) >= 150
    assert all(len(LABELLED["positives"][c.value]) >= 30 for c in RiskCategory)
    assert len(LABELLED["negatives"]) >= 150


@pytest.mark.parametrize("labelled_set", SETS)
def test_recall_is_total_and_false_positives_rare(nlp, detector: RiskDetector, labelled_set: str) -> None:
    labelled = _load(labelled_set)
    missed = []
    wrong_category = []
    for category, messages in labelled["positives"].items():
        for message in messages:
            found = [m.category.value for m in detector.detect(nlp(message))]
            if not found:
                missed.append((category, message))
            elif category not in found:
                wrong_category.append((category, found, message))
    false_positives = [
        (message, [(m.category.value, m.words) for m in detector.detect(nlp(message))])
        for message in labelled["negatives"]
        if detector.detect(nlp(message))
    ]
    positives = sum(len(v) for v in labelled["positives"].values())
    recall = 1 - len(missed) / positives
    false_positive_rate = len(false_positives) / len(labelled["negatives"])
    negatives = len(labelled["negatives"])
    print(
        f"\n{labelled_set}: risk recall: {recall:.3f} ({positives - len(missed)}/{positives}); "
        f"false-positive rate: {false_positive_rate:.3f} ({len(false_positives)}/{negatives}); "
        f"caught under another category: {len(wrong_category)}"
    )
    assert missed == [], "missed disclosures"
    assert false_positive_rate <= MAX_FALSE_POSITIVE_RATE, false_positives
