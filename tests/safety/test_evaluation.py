"""The risk detector on the evaluation set written apart from it (tests/safety/evaluation).

Helper sessions that never saw the detector wrote both parts, the blind part
first (docs/clinical-safety.md, "How the evaluation set was written"). The
development part may be read while tuning; the blind part is only scored.
Each part is reported on its own.

The targets are recall 1.0 (every disclosure caught) and at most 2% of hard
negatives flagged. They are not met yet; the floors below are the figures of
the last measurement, so a change that loses ground fails here, and a change
that gains ground raises them. The "check first" tier for ambiguous signals
(issue 12) is not built yet: today every detection gets the crisis reply, so
a flagged negative is a full false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.safety.detector import RiskDetector

EVALUATION = Path(__file__).with_name("evaluation")

# Floors from the last measurement (2026-12-02), not the targets.
FLOORS = {
    #        clear recall, ambiguous recall, false-alarm rate at most
    "dev": (0.90, 0.09, 0.02),
    "blind": (0.74, 0.24, 0.06),
}


@dataclass
class Score:
    clear: tuple[int, int]  # caught, of
    ambiguous: tuple[int, int]
    false_alarms: tuple[int, int]

    @staticmethod
    def rate(pair: tuple[int, int]) -> float:
        return pair[0] / pair[1]


def score(part: dict, detector: RiskDetector, nlp) -> tuple[Score, list[str]]:
    caught = {"clear": [0, 0], "ambiguous": [0, 0]}
    missed = []
    for item in part["disclosures"]:
        tally = caught[item["tier"]]
        tally[1] += 1
        if detector.detect(nlp(item["text"])):
            tally[0] += 1
        else:
            missed.append(item["text"])
    flagged = [item["text"] for item in part["negatives"] if detector.detect(nlp(item["text"]))]
    result = Score(tuple(caught["clear"]), tuple(caught["ambiguous"]), (len(flagged), len(part["negatives"])))
    return result, missed


def test_the_evaluation_set_is_big_enough() -> None:
    parts = [_load(name) for name in FLOORS]
    assert sum(len(part["disclosures"]) for part in parts) >= 300
    assert sum(len(part["negatives"]) for part in parts) >= 300
    assert all({item["tier"] for item in part["disclosures"]} == {"clear", "ambiguous"} for part in parts)


@pytest.mark.parametrize("name", FLOORS)
def test_recall_and_false_alarms_hold_their_floor(nlp, detector: RiskDetector, name: str) -> None:
    result, _ = score(_load(name), detector, nlp)
    clear_floor, ambiguous_floor, false_alarm_ceiling = FLOORS[name]
    print(
        f"\n{name}: clear recall {Score.rate(result.clear):.3f} {result.clear}; "
        f"ambiguous recall {Score.rate(result.ambiguous):.3f} {result.ambiguous}; "
        f"false alarms {Score.rate(result.false_alarms):.3f} {result.false_alarms}"
    )
    assert Score.rate(result.clear) >= clear_floor
    assert Score.rate(result.ambiguous) >= ambiguous_floor
    assert Score.rate(result.false_alarms) <= false_alarm_ceiling


def _load(name: str) -> dict:
    return yaml.safe_load((EVALUATION / f"{name}.yml").read_text(encoding="utf-8"))
