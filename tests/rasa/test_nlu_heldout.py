"""Intent recognition on a held-out set (tests/nlu/heldout.yml) that is never trained on.

The set is written unlike the training data on purpose (other phrasings,
typos, long and short answers), to measure how the model holds up on people
who write nothing like the examples.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

HELDOUT = Path(__file__).resolve().parents[1] / "nlu" / "heldout.yml"
TRAINING = Path(__file__).resolve().parents[2] / "data" / "nlu"
MIN_MACRO_F1 = 0.90


def _examples(path: Path) -> set[str]:
    examples = set()
    for block in yaml.safe_load(path.read_text()).get("nlu", []):
        for line in block.get("examples", "").splitlines():
            examples.add(line.lstrip("- ").strip().lower())
    return examples - {""}


def test_heldout_examples_are_not_in_the_training_data() -> None:
    training = set().union(*(_examples(p) for p in TRAINING.glob("*.yml")))
    assert _examples(HELDOUT) & training == set()


@pytest.mark.rasa
def test_intent_macro_f1_on_heldout_set(agent, tmp_path: Path) -> None:
    from rasa.nlu.test import run_evaluation

    result = asyncio.run(
        run_evaluation(
            str(HELDOUT),
            agent.processor,
            output_directory=str(tmp_path),
            disable_plotting=True,
            report_as_dict=True,
        )
    )
    report = result["intent_evaluation"]["report"]
    macro_f1 = report["macro avg"]["f1-score"]
    print(f"held-out intent macro-F1: {macro_f1:.3f} over {report['macro avg']['support']} messages")
    for intent, scores in sorted(report.items()):
        if isinstance(scores, dict) and intent not in {"macro avg", "weighted avg", "micro avg"}:
            print(f"  {intent:15} f1 {scores['f1-score']:.3f}  (n={scores['support']})")
    assert macro_f1 >= MIN_MACRO_F1
