"""The risk detector on the evaluation set written apart from it (tests/safety/evaluation).

Helper sessions that never saw the detector wrote both parts, the blind part
first (docs/clinical-safety.md, "How the evaluation set was written"). The
development part may be read while tuning; the blind part is only scored.
Each part is reported on its own.

Two tiers are scored: a clear disclosure must get the crisis reply; every
disclosure, clear or ambiguous, must get at least the gentle check; a hard
negative should get neither (at most 2%), and never the crisis reply.

The targets are not met yet; the floors below are the figures of the last
measurement, so a change that loses ground fails here, and a change that
gains ground raises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.nlu.casing import as_spacy_reads_it
from bot.safety.detector import RiskDetector
from bot.safety.risk import Tier

EVALUATION = Path(__file__).with_name("evaluation")

# Floors from the last measurement (2026-12-04), not the targets (1.0, 1.0, 0.02, 0.0).
FLOORS = {
    #        clear get the crisis reply, every disclosure gets at least the check,
    #        negatives checked or worse (at most), negatives given the crisis reply (at most)
    "dev": (0.96, 0.96, 0.02, 0.01),
    # Never read: 0.748, 0.648, 0.070, 0.053 on 2026-12-02; 0.794, 0.699, 0.070, 0.053 on 2026-12-04.
    "blind": (0.79, 0.69, 0.075, 0.055),
    # Written 2026-12-03 by a new helper session, after the detector's tuning: never read.
    # 0.800, 0.663, 0.045, 0.033 as written; 0.815, 0.700, 0.037, 0.025 on 2026-12-04.
    "blind_2": (0.81, 0.69, 0.04, 0.025),
    # Written 2026-12-04 by another helper session; development, read while tuning.
    # 0.681, 0.611, 0.055, 0.034 as written; 1.0, 0.984, 0.0, 0.0 after.
    "dev_2": (1.0, 0.98, 0.01, 0.01),
}


@dataclass
class Score:
    clear_get_crisis: tuple[int, int]  # how many, of how many
    all_get_check: tuple[int, int]
    negatives_checked: tuple[int, int]
    negatives_crisis: tuple[int, int]

    @staticmethod
    def rate(pair: tuple[int, int]) -> float:
        return pair[0] / pair[1]


def score(part: dict, tier_of) -> Score:
    """`tier_of(text)` is the tier the detector gives a message, or None."""
    disclosures = [(item["tier"], tier_of(item["text"])) for item in part["disclosures"]]
    negatives = [tier_of(item["text"]) for item in part["negatives"]]
    clear = [tier for labelled, tier in disclosures if labelled == "clear"]
    return Score(
        clear_get_crisis=(clear.count(Tier.CLEAR), len(clear)),
        all_get_check=(sum(tier is not None for _, tier in disclosures), len(disclosures)),
        negatives_checked=(sum(tier is not None for tier in negatives), len(negatives)),
        negatives_crisis=(negatives.count(Tier.CLEAR), len(negatives)),
    )


def test_the_evaluation_set_is_big_enough() -> None:
    parts = [_load(name) for name in FLOORS]
    assert sum(len(part["disclosures"]) for part in parts) >= 300
    assert sum(len(part["negatives"]) for part in parts) >= 300
    assert all({item["tier"] for item in part["disclosures"]} == {"clear", "ambiguous"} for part in parts)


@pytest.mark.parametrize("name", FLOORS)
def test_recall_and_false_alarms_hold_their_floor(nlp, detector: RiskDetector, name: str) -> None:
    def tier_of(text: str) -> Tier | None:
        return detector.read(nlp(as_spacy_reads_it(text))).tier  # as the pipeline reads it

    result = score(_load(name), tier_of)
    print(
        f"\n{name}: "
        + "; ".join(f"{field} {Score.rate(pair):.3f} {pair}" for field, pair in vars(result).items())
    )
    crisis_floor, check_floor, checked_ceiling, crisis_ceiling = FLOORS[name]
    assert Score.rate(result.clear_get_crisis) >= crisis_floor
    assert Score.rate(result.all_get_check) >= check_floor
    assert Score.rate(result.negatives_checked) <= checked_ceiling
    assert Score.rate(result.negatives_crisis) <= crisis_ceiling


def _load(name: str) -> dict:
    return yaml.safe_load((EVALUATION / f"{name}.yml").read_text(encoding="utf-8"))
