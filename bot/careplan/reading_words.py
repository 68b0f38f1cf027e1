"""The phrase data of reading_words.yml, compiled once, and the small matcher over it."""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import Any

import yaml

WORDS_FILE = Path(__file__).with_name("reading_words.yml")

Patterns = tuple[re.Pattern[str], ...]
KindPatterns = tuple[tuple[str, Patterns], ...]  # (a reading.NotAnAnswer value, its patterns), in order


def matches_any(text: str, patterns: Patterns) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def remove_all(text: str, patterns: Patterns) -> str:
    for pattern in patterns:
        text = pattern.sub(" ", text)
    return text


_DATA: dict[str, Any] = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _patterns(patterns: list[str]) -> Patterns:
    shared = {"{lead}": _DATA["lead"], "{medicine}": _DATA["medicine"]}  # written once in the YAML
    return tuple(
        re.compile(functools.reduce(lambda p, name: p.replace(name, shared[name]), shared, p))
        for p in patterns
    )


def _by_key(data: dict[str, list[str]]) -> dict[str, Patterns]:
    return {key: _patterns(patterns) for key, patterns in data.items()}


def _in_order(data: dict[str, list[str]]) -> KindPatterns:
    return tuple((kind, _patterns(patterns)) for kind, patterns in data.items())


NOT_YES_NO = _patterns(_DATA["not_yes_no"])
NO_FIRST = _patterns(_DATA["no_first"])
YES_FIRST = _patterns(_DATA["yes_first"])
NO_WORDS = _patterns(_DATA["no_words"])
YES_WORDS = _patterns(_DATA["yes_words"])
QUESTION_YES_NO = {question: _by_key(words) for question, words in _DATA["question_yes_no"].items()}
NOT_A_GOAL = _patterns(_DATA["not_a_goal"])
GOAL_OPENINGS = _patterns(_DATA["goal_openings"])
SOFT_OPENINGS = _patterns(_DATA["soft_openings"])

REQUESTS = _in_order(_DATA["requests"])
TALK = _in_order(_DATA["talk"])
QUESTION_TOPICS = _in_order(_DATA["question_topics"])
TOPICS_ANSWERED_AT: dict[str, tuple[str, ...]] = {q: tuple(k) for q, k in _DATA["topics_answered_at"].items()}
PAUSE = dict(REQUESTS)["pause"]
DONT_KNOW = _by_key(_DATA["dont_know"])  # opening, anywhere, anywhere_in_a_short_reply
HEDGES = _patterns(_DATA["hedges"])
OWN_MEANING: dict[str, tuple[str, ...]] = {q: tuple(kinds) for q, kinds in _DATA["own_meaning"].items()}
OPENING_WINS_OVER: dict[str, dict[str, Patterns]] = {
    question: _by_key(openings) for question, openings in _DATA["opening_wins_over"].items()
}
SMALLTALK_PIECES = _patterns(_DATA["smalltalk_pieces"])
FILLERS = frozenset(_DATA["fillers"])
NUMBER_NOT_A_RATING = _patterns(_DATA["number_not_a_rating"])

CHOICES = {question: _by_key(options) for question, options in _DATA["choices"].items()}
NEGATION_BEFORE = re.compile(_DATA["negation_before"])
NEGATION_AFTER = re.compile(_DATA["negation_after"])
TOLD_OF_THE_PAST = re.compile(_DATA["told_of_the_past"])
PREFERRED_BEFORE = re.compile(_DATA["preferred_before"])
PREFERRED_AFTER = re.compile(_DATA["preferred_after"])
ADDS_TO_CHOICE = re.compile(_DATA["adds_to_choice"])
EXCLUSIVE_CHOICES: dict[str, str] = dict(_DATA["exclusive_choices"])
ANSWERS_AT = _by_key(_DATA["answers_at"])
OWN_TERMS = _by_key(_DATA["own_terms"])
ASKS_FOR_A_CALL = _patterns(_DATA["asks_for_a_call"])

_LEADING_YES = re.compile(
    r"^(?:\s*(?:oh|well|um+|erm+|hmm+|ok|okay|right|yes+|yeah+|yeh|yh|ye|yep|yup|ya|aye|sure|go on|"
    r"definitely|of course|absolutely|please|pls|dear|love|mate|pet|hun|duck|then|"
    r"one more|another one|another|"
    r"i'?d like another one|i would like another one|i'?d like another|i would like another)\b"
    r"(?:[\s,.!:;-]|comma\b|full stop\b)*)+"
    r"(?:(?:i'?d|i would|i should|i want|i wanna|i'?d like|i would like|i should like) (?:like )?to\s+)?",
    re.IGNORECASE,
)


SPELLINGS: dict[str, list[str]] = _DATA["spellings"]
_SOUNDS_LIKE = {spelt: meant for meant, spellings in _DATA["sounds_like"].items() for spelt in spellings}
_SPELT_AS_IT_SOUNDS = re.compile(r"(?<![\w'])(" + "|".join(map(re.escape, _SOUNDS_LIKE)) + r")(?![\w'])")


_SPOKEN = {said: mark for mark, words in _DATA["spoken_punctuation"].items() for said in words}
_SAID_ALOUD = re.compile(r" ?\b(" + "|".join(map(re.escape, _SPOKEN)) + r")\b")


_FOR = _DATA["speaking_for"]
_CLAUSE_START = r"(^|[.!?,;] *|\b(?:and|but|so|right|ok|okay) )"
_FRAMES = tuple(
    (re.compile(_CLAUSE_START + frame.replace("{who}", _FOR["who"])), replacement)
    for frame, replacement in _FOR["frames"]
)
_SAID_AFTER = re.compile(_FOR["said_after"].replace("{who}", _FOR["who"]))
_THIRD_PERSON = re.compile(r"\b(" + "|".join(_FOR["first_person"]) + r"|her)\b( \w+)?")
_NOT_A_NOUN = frozenset(_FOR["not_a_noun"])
_ASKED_INDIRECTLY = re.compile(_DATA["asked_indirectly"])


def in_own_words(clean: str) -> str:
    """A reply typed for someone else, read in their own words: "he says yes" is "yes",
    "nani wants to know can she stop her tablet" is "i want to know can i stop my tablet"."""
    framed = _SAID_AFTER.sub("", clean)
    for frame, replacement in _FRAMES:
        framed = frame.sub(lambda match, r=replacement: match.group(1) + r, framed)
    return clean if framed == clean else _THIRD_PERSON.sub(_first_person, framed)


def _first_person(match: re.Match[str]) -> str:
    word, following = match.group(1), match.group(2) or ""
    if word == "her":
        noun_follows = following and following.strip() not in _NOT_A_NOUN
        word = _FOR["her_before_a_noun"] if noun_follows else "me"
    else:
        word = _FOR["first_person"][word]
    return word + following


def as_asked(clean: str) -> str:
    """A question asked without a question mark given one: "i was wondering if you could
    tell me who reads this" reads as a question."""
    return _ASKED_INDIRECTLY.sub(
        lambda match: match.group(0) if clean[match.end() : match.end() + 1] == "?" else match.group(0) + "?",
        clean,
    )


def as_meant(clean: str) -> str:
    """Words spelt as they sound put right ("can i chanj wot i sed" -> "can i change what i
    said"), and punctuation said to voice typing written ("yes comma" -> "yes,")."""
    clean = _SPELT_AS_IT_SOUNDS.sub(lambda match: _SOUNDS_LIKE[match.group(0)], clean)
    return _SAID_ALOUD.sub(lambda match: _SPOKEN[match.group(1)], clean)


def respell(clean: str, kind: str) -> str:
    """Each word that is one slip from a word a short answer uses, put right.

    "sevvven" -> "seven", "nnno thank yuo" -> "no thank you", "emaill" -> "email".
    Only words the kind of answer needs are tried, so ordinary words stay as typed.
    """
    vocabulary = SPELLINGS.get(kind, [])

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in vocabulary or len(word) < 3:
            return word
        squeezed = re.sub(r"(\w)\1+", r"\1", word)
        if squeezed in vocabulary:
            return squeezed
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.8)
        return close[0] if close else word

    return re.sub(r"[a-z]+", fix, clean)


def strip_leading_yes(text: str) -> str:
    """ "yes - sleeping better" -> "sleeping better"."""
    return _LEADING_YES.sub("", text, count=1).strip()


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, runs of spaces and repeated letters shortened,
    words spelt as they sound put right, words typed for someone else read as their own, and a
    question asked without a question mark given one (the reply itself is kept as typed)."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)  # "yesss" -> "yess", "sooo" -> "soo"
    text = re.sub(r"\b([b-df-hj-np-tv-z])\1(?=[a-z])", r"\1", text)  # "nno", "ggot": a key held down
    text = as_meant(re.sub(r"\s+", " ", text).strip())
    return as_asked(in_own_words(text))
