"""The spaCy pipeline the assistant is configured with, and the risk detector built on it."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import yaml

from bot.nlu.spacy_model import spacy_data_folder
from bot.safety.detector import RiskDetector


def _configured_spacy_model() -> str:
    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yml").read_text())
    return next(c["model"] for c in config["pipeline"] if c["name"].endswith("SpacyNLP"))


@pytest.fixture(scope="session")
def nlp():
    return spacy.load(spacy_data_folder(_configured_spacy_model()))


@pytest.fixture(scope="session")
def detector(nlp) -> RiskDetector:
    return RiskDetector(nlp.vocab)
