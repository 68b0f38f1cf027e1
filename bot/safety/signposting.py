"""Crisis signposting, read from the domain (domain/crisis.yml): the one place for the words.

Rasa says the reply for the most urgent kind of risk itself, as a static
response, so it reaches the person even when a custom action cannot run.
The actions read the same words here for what only they know: the other
kinds of risk in the same message, and the reply after a check was answered "yes".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

CRISIS_FILE = Path(__file__).resolve().parents[2] / "domain" / "crisis.yml"
DEFAULT = "unspecified"  # the variation with no condition: any other kind of risk


def crisis_message(category: str) -> str:
    """What to say at once for this kind of risk; an unknown kind still gets help (fails closed)."""
    replies = _variations("utter_crisis")
    return replies.get(category) or replies[DEFAULT]


def crisis_messages(categories: list[str]) -> list[str]:
    """What to say for these kinds of risk, most urgent first, each once."""
    messages = [crisis_message(category) for category in categories or [DEFAULT]]
    return list(dict.fromkeys(messages))


@cache
def _variations(response: str) -> dict[str, str]:
    """A response's texts by the risk_category its variation is for."""
    domain = yaml.safe_load(CRISIS_FILE.read_text(encoding="utf-8"))
    texts = {}
    for variation in domain["responses"][response]:
        conditions = variation.get("condition") or [{"value": DEFAULT}]
        texts[conditions[0]["value"]] = variation["text"]
    return texts
