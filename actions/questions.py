"""The interview's questions as the person sees them (questions.yml), and its other words (replies.yml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.careplan.interview import question_kind

QUESTIONS_FILE = Path(__file__).with_name("questions.yml")
REPLIES_FILE = Path(__file__).with_name("replies.yml")


@dataclass(frozen=True)
class Wording:
    ask: str
    why: str
    unclear: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)


def wording(slot: str, *, easy_read: bool = False, variant: str | None = None) -> Wording:
    """How the question in `slot` is put, in easy read once the person asked for it.

    Some questions are worded per goal (goal_2_first_step) or per `variant`
    (the kind of risk a check is about).
    """
    entry = _questions()[question_kind(slot)]
    ask = entry.get("easy") if easy_read and entry.get("easy") else entry["ask"]
    if isinstance(ask, dict):
        ask = (ask.get(variant) or ask["unspecified"]) if variant else ask[int(slot.split("_")[1])]
    return Wording(ask=ask, why=entry["why"], unclear=entry.get("unclear"), buttons=entry.get("buttons", []))


@lru_cache(maxsize=1)
def _questions() -> dict[str, Any]:
    return yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def replies() -> dict[str, str]:
    """What the interview form says besides its questions, by name."""
    return yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
