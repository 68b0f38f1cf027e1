"""The shape of bot/safety/phrases.yml and context_words.yml, as bot/safety/phrases.py reads them.

What the phrases catch is guarded by test_risk_detector.py and test_evaluation.py;
this guards that the file reads as the detector expects.
"""

from __future__ import annotations

import re

import pytest
import spacy

from bot.safety import context, detector, phrases
from bot.safety.detector import CANNOT, RiskDetector, expand
from bot.safety.risk import RiskCategory


def test_every_kind_of_risk_has_clear_phrases_and_phrases_to_check() -> None:
    assert set(phrases.PHRASES) == set(RiskCategory)
    assert set(phrases.PHRASES_TO_CHECK) == set(RiskCategory)
    for lists in (phrases.PHRASES, phrases.PHRASES_TO_CHECK):
        assert all(lists.values())


def test_every_named_word_list_is_written_into_the_phrases() -> None:
    lists = (phrases.PHRASES, phrases.PHRASES_TO_CHECK)
    every_phrase = [phrase for by_kind in lists for kind in by_kind.values() for phrase in kind]
    assert not [p for p in every_phrase if "{" in p or "}" in p]
    assert "~finish myself|meself|myslf|mysef|mself|myslef|myelf|mysefl|meslf off" in every_phrase
    assert all(len(expand(p)) == len(phrases.CANNOT_FORMS) for p in every_phrase if CANNOT in p)


def test_a_phrase_naming_a_list_that_is_not_there_is_refused() -> None:
    with pytest.raises(ValueError, match="not a list under `words`"):
        phrases._phrase("~kill {myself}", phrases.WORDS)
    with pytest.raises(TypeError, match="double quotes"):
        phrases._phrase(True, phrases.WORDS)  # an unquoted `yes` reads as true


def test_every_phrase_compiles_to_valid_matcher_patterns() -> None:
    RiskDetector(spacy.blank("en").vocab)  # the Matcher validates every pattern as it is added


def test_every_entry_of_context_words_compiles_and_is_used() -> None:
    data = phrases._CONTEXT
    patterns = {phrases.context_pattern(name).pattern for name in (*data["whole_words"], *data["as_written"])}
    word_sets = {phrases.context_words(name) for name in data["words"]}
    in_use = [value for module in (context, detector) for value in vars(module).values()]
    assert patterns <= {value.pattern for value in in_use if isinstance(value, re.Pattern)}
    assert word_sets <= {value for value in in_use if isinstance(value, frozenset)}


def test_a_context_entry_that_is_not_text_is_refused() -> None:
    with pytest.raises(TypeError, match="write it in quotes"):
        phrases._texts("negation", ["not", False])  # an unquoted `no` reads as false
