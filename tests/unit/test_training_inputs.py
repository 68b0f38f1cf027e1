"""The model is retrained when what shapes it changes, and only then (bot/training.py)."""

from __future__ import annotations

from pathlib import Path

from bot.training import inputs_hash


def _project(root: Path) -> Path:
    for name, text in {
        "config.yml": "pipeline: []\n",
        "domain/domain.yml": "intents: [greet]\n",
        "data/nlu/greet.yml": "nlu: []\n",
        "bot/nlu/risk.py": "# a component\n",
        "bot/nlu/reply_kinds.py": "# the reply classifier\n",
        "bot/nlu/reply_kinds/voices.yml": "replies: []\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_change_to_the_training_data_or_a_component_means_a_new_model(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = inputs_hash(root)
    (root / "bot/nlu/risk.py").write_text("# a component, changed\n")
    after_component = inputs_hash(root)
    (root / "data/nlu/greet.yml").write_text("nlu: [changed]\n")
    assert len({before, after_component, inputs_hash(root)}) == 3


def test_the_reply_classifier_and_its_replies_are_not_the_models(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = inputs_hash(root)
    (root / "bot/nlu/reply_kinds/voices.yml").write_text("replies: [changed]\n")
    (root / "bot/nlu/reply_kinds.py").write_text("# changed\n")
    assert inputs_hash(root) == before
