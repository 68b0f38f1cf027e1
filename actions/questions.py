"""The interview's questions as the person sees them, read from questions.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

QUESTIONS_FILE = Path(__file__).with_name("questions.yml")


@dataclass(frozen=True)
class Wording:
    ask: str
    why: str
    unclear: str | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)


def kind_of(slot: str) -> str:
    """Goal questions share their wording: goal_2_first_step -> goal_first_step."""
    return re.sub(r"^goal_\d_", "goal_", slot)


def wording(slot: str) -> Wording:
    entry = _questions()[kind_of(slot)]
    ask = entry["ask"]
    if isinstance(ask, dict):  # worded per goal
        ask = ask[int(slot.split("_")[1])]
    return Wording(ask=ask, why=entry["why"], unclear=entry.get("unclear"), buttons=entry.get("buttons", []))


@lru_cache(maxsize=1)
def _questions() -> dict[str, Any]:
    return yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
