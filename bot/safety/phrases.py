"""The words of risk, read once from phrases.yml, for the detector to compile to spaCy Matcher patterns,
and the words around them that set a match aside or keep it, from context_words.yml.

Two lists. PHRASES are clear disclosures: the crisis reply at once.
PHRASES_TO_CHECK are signals that are unclear on their own ("what's the
point", "I have to walk on eggshells"): a gentle check first, with help
offered either way. Both are read in their context the same way
(bot/safety/detector.py), so a negation, a plan for "if", someone else's
story or a joke sets either aside.

The phrases, their grammar and how to add one are in phrases.yml. Here they are
only read: each {name} is replaced by the words of that list, so the detector
gets plain phrases in the grammar it compiles.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.safety.risk import RiskCategory

PHRASES_FILE = Path(__file__).with_name("phrases.yml")
CONTEXT_FILE = Path(__file__).with_name("context_words.yml")

# "can't" is two tokens to spaCy ("ca", "n't"); "cant" and "cannot" are one. A phrase
# with CANNOT stands for one phrase per form (detector.expand).
CANNOT = "<cannot>"

_WORD_LIST = re.compile(r"\{(\w+)\}")


def _phrase(phrase: Any, words: dict[str, str]) -> str:
    if not isinstance(phrase, str):
        raise TypeError(f"{PHRASES_FILE.name}: {phrase!r} is not a phrase; write it in double quotes")

    def word_list(found: re.Match[str]) -> str:
        if found[1] not in words:
            raise ValueError(
                f"{PHRASES_FILE.name}: {phrase!r} names {{{found[1]}}}, not a list under `words`"
            )
        return words[found[1]]

    return _WORD_LIST.sub(word_list, phrase)


def _by_category(data: dict[str, list[Any]], words: dict[str, str]) -> dict[RiskCategory, list[str]]:
    return {
        RiskCategory(category): [_phrase(phrase, words) for phrase in phrases]
        for category, phrases in data.items()
    }


_DATA: dict[str, Any] = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
WORDS: dict[str, str] = {name: "|".join(alternatives) for name, alternatives in _DATA["words"].items()}
CANNOT_FORMS: tuple[str, ...] = tuple(_DATA["cannot"])
PHRASES: dict[RiskCategory, list[str]] = _by_category(_DATA["clear"], WORDS)
# Signals that are unclear on their own: asked about gently, never let pass.
PHRASES_TO_CHECK: dict[RiskCategory, list[str]] = _by_category(_DATA["to_check"], WORDS)


_CONTEXT: dict[str, dict[str, Any]] = yaml.safe_load(CONTEXT_FILE.read_text(encoding="utf-8"))


def context_words(name: str) -> frozenset[str]:
    """A set of single words from context_words.yml (`words`)."""
    return frozenset(_texts(name, _CONTEXT["words"][name]))


def context_pattern(name: str) -> re.Pattern[str]:
    """A pattern from context_words.yml: its phrases as whole words, or a regular expression as written."""
    if name in _CONTEXT["as_written"]:
        return re.compile(_CONTEXT["as_written"][name])
    return re.compile(r"\b(?:" + "|".join(_texts(name, _CONTEXT["whole_words"][name])) + r")\b")


def _texts(name: str, entries: list[Any]) -> list[str]:
    if not all(isinstance(entry, str) for entry in entries):
        raise TypeError(f"{CONTEXT_FILE.name}: {name} has an entry that is not text; write it in quotes")
    return entries
