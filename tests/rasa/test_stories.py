"""Rasa test stories (tests/stories): every conversation path, through the real model.

Each story holds the person's words and the intent they mean, so these check
the language model and the dialogue rules together.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

STORIES = Path(__file__).resolve().parents[1] / "stories"


@pytest.mark.rasa
def test_every_test_story_runs_as_written(agent, tmp_path: Path) -> None:
    from rasa.core.test import test as evaluate_stories

    result = asyncio.run(
        evaluate_stories(str(STORIES), agent, out_directory=str(tmp_path), disable_plotting=True)
    )
    failed = (tmp_path / "failed_test_stories.yml").read_text()
    failed_stories = (yaml.safe_load(failed) or {}).get("stories") or []
    print(f"story action accuracy: {result['accuracy']:.3f}, f1: {result['f1']:.3f}")
    assert failed_stories == [], f"These test stories went differently:\n{failed}"
    assert result["accuracy"] == 1.0


def test_the_issue_paths_all_have_a_test_story() -> None:
    names = " ".join(path.stem for path in STORIES.glob("*.yml"))
    for path in (
        "happy_path",
        "skip",
        "why_asking",
        "change_section",
        "pause_resume",
        "consent_refused",
        "off_topic",
    ):
        assert path in names
