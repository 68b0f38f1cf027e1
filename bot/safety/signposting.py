"""Crisis signposting, read from signposting.yml: the one place for the numbers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

SIGNPOSTING_FILE = Path(__file__).with_name("signposting.yml")


def crisis_messages(categories: list[str]) -> list[str]:
    """What to say at once for these kinds of risk, most urgent first, then that it is flagged."""
    config = _config()
    contacts = config["contacts"]
    messages = [config["messages"][c].format(**contacts) for c in categories if c in config["messages"]]
    if not messages:  # fail closed: an unknown kind still gets help
        messages = [config["messages"]["unspecified"].format(**contacts)]
    return [*messages, config["flagged"].format(**contacts)]


def contacts() -> dict[str, str]:
    return dict(_config()["contacts"])


@lru_cache(maxsize=1)
def _config() -> dict:
    return yaml.safe_load(SIGNPOSTING_FILE.read_text(encoding="utf-8"))
