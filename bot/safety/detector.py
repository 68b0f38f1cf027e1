"""Finds disclosures of risk in a message, with spaCy.

A phrase grammar compiled to spaCy Matcher patterns finds the words of risk
(lemmas, so "cutting" matches "cut"; fuzzy matching for long words, so
"sucidal" matches "suicidal"). Each match is then read in its context: a
negation before it ("I'm not suicidal"), an event in the distant past or
someone else's history ("my dad died of a heart attack years ago"), or an
ongoing, known condition ("chest pain when I walk uphill, my GP knows") turns
it off. Idioms never match, because every pattern needs the words that make
the meaning ("kill myself", not "kill").

It fails closed: where a message has risk words and no clear reason to set
them aside, it is flagged.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from bot.safety import context
from bot.safety.phrases import CANNOT, CANNOT_FORMS, PHRASES, PHRASES_TO_CHECK
from bot.safety.phrases import context_pattern as pattern
from bot.safety.phrases import context_words as words
from bot.safety.risk import RiskCategory, Tier
from bot.safety.symptoms import find_emergencies, find_signs_to_check

# The words are data, in context_words.yml; here, only what is done with them.
DISTANT_PAST = pattern("distant_past")  # set aside unless it is back
RECURRING = pattern("recurring")
SOMEONE_ELSES_DEATH = pattern("someone_elses_death")
SERVICE_TALK = pattern("service_talk")
DENIED = pattern("denied")
IDIOMS = pattern("idioms")
KNOWN_CONDITION = pattern("known_condition")
ACCIDENT = pattern("accident")
ON_PURPOSE = pattern("on_purpose")
HAPPENING_NOW = pattern("happening_now")
NEGATION_WORDS = words("negation")
# The dependency links along which a negation reaches a phrase ("I'm not suicidal",
# "no thoughts of harming myself"); a new clause ("my mum doesn't know I'm...") stops it.
NEGATION_REACHES_THROUGH = {
    "acomp", "attr", "xcomp", "dobj", "pobj", "pcomp", "prep", "acl", "compound", "amod", "nsubj",
}  # fmt: skip


@dataclass(frozen=True)
class RiskMatch:
    category: RiskCategory
    words: str  # the words that disclosed it, for the professional reading the flag
    tier: Tier = Tier.CLEAR


class RiskDetector:
    """Reads a spaCy document for disclosures of risk, clear ones and ones to check."""

    def __init__(self, vocab: Vocab) -> None:
        self._clear = _matcher(vocab, PHRASES)
        self._to_check = _matcher(vocab, PHRASES_TO_CHECK)

    def detect(self, doc: Doc) -> list[RiskMatch]:
        """Every disclosure in the document, clear ones first, most urgent category first."""
        return self.read(doc).disclosures

    def read(self, doc: Doc) -> Reading:
        """The disclosures, and whether any risk words were read and set aside by their context."""
        candidates = [
            *((category, span, Tier.CLEAR) for category, span in _matches(self._clear, doc)),
            *((RiskCategory.MEDICAL_EMERGENCY, span, Tier.CLEAR) for span in _spans(doc, find_emergencies(doc.text))),
            *((category, span, Tier.CHECK) for category, span in _matches(self._to_check, doc)),
            *((RiskCategory.MEDICAL_EMERGENCY, span, Tier.CHECK) for span in _spans(doc, find_signs_to_check(doc.text))),
        ]  # fmt: skip
        found: dict[RiskCategory, RiskMatch] = {}
        set_aside = False
        for category, span, tier in candidates:
            if _set_aside(span, category):
                set_aside = True
                continue
            tier = _tier_in_context(span, category, tier)
            if category not in found or (tier is Tier.CLEAR and found[category].tier is Tier.CHECK):
                found[category] = RiskMatch(category, span.text, tier)
        disclosures = sorted(found.values(), key=lambda m: (m.tier is Tier.CHECK, m.category.urgency))
        return Reading(disclosures, set_aside)


@dataclass(frozen=True)
class Reading:
    disclosures: list[RiskMatch]
    # Risk words were there, but negated, past, someone else's or an idiom.
    words_set_aside: bool

    @property
    def tier(self) -> Tier | None:
        """Clear when anything is clear; check when there are only signals to check."""
        tiers = {m.tier for m in self.disclosures}
        return Tier.CLEAR if Tier.CLEAR in tiers else (Tier.CHECK if tiers else None)


def _matches(matcher: Matcher, doc: Doc) -> list[tuple[RiskCategory, Span]]:
    return [
        (RiskCategory(doc.vocab.strings[match_id]), doc[start:end]) for match_id, start, end in matcher(doc)
    ]


# Someone else's thoughts of suicide or self-harm ("my friend cuts herself") are checked,
# not alarmed: the person may be worried for them, or telling of themselves. Someone
# else's emergency now ("my husband collapsed") is still an emergency, and in abuse the
# other person is the one doing it ("he controls the money").
CHECKED_WHEN_SOMEONE_ELSES = {RiskCategory.SUICIDAL_THOUGHTS, RiskCategory.SELF_HARM}


def _tier_in_context(span: Span, category: RiskCategory, tier: Tier) -> Tier:
    if category in CHECKED_WHEN_SOMEONE_ELSES and context.is_told_of_someone_else(span):
        return Tier.CHECK
    return tier


def _matcher(vocab: Vocab, phrases: dict[RiskCategory, list[str]]) -> Matcher:
    matcher = Matcher(vocab, validate=True)
    for category, category_phrases in phrases.items():
        for phrase in category_phrases:
            patterns = [pattern for p in expand(phrase) for pattern in compile_phrase(p)]
            matcher.add(category.value, patterns)
    return matcher


def expand(phrase: str) -> list[str]:
    """A phrase with <cannot> stands for one phrase per way of writing it."""
    if CANNOT not in phrase:
        return [phrase]
    return [phrase.replace(CANNOT, form) for form in CANNOT_FORMS]


def compile_phrase(phrase: str) -> list[list[dict]]:
    """Matcher patterns for one phrase: one per way of reading its mixed tokens."""
    return [list(pattern) for pattern in itertools.product(*map(_compile_token, phrase.split()))]


def _compile_token(token: str) -> list[dict]:
    """A token's specs: a token that mixes lemmas and words ("been|~get") needs one of each."""
    optional = token.endswith("?") and len(token) > 1
    token = token.rstrip("?") if optional else token
    if token == "_":
        return [{"OP": "?"}]
    if "@" in token:
        token, part_of_speech = token.split("@")
        return [{**spec, "POS": part_of_speech} for spec in _compile_token(token)]
    if token == "<punct>":
        specs = [{"IS_PUNCT": True}]
    elif token.endswith("%"):
        specs = [{"LOWER": {_fuzzy(token[:-1]): token[:-1]}}]
    else:
        words = token.split("|")
        lemmas = [w[1:] for w in words if w.startswith("~")]
        plain = [w for w in words if not w.startswith("~")]
        specs = ([{"LEMMA": {"IN": lemmas}}] if lemmas else []) + (
            [{"LOWER": {"IN": plain}}] if plain else []
        )
    return [{**spec, "OP": "?"} for spec in specs] if optional else specs


def _fuzzy(word: str) -> str:
    """Spelling slips allowed for a word: none for short words, which collide."""
    if len(word) < 6:
        raise ValueError(f"{word!r} is too short to match loosely")
    return "FUZZY1" if len(word) < 9 else "FUZZY2"


def _spans(doc: Doc, found: list[tuple[str, int, int]]) -> list[Span]:
    """The first sign of each pattern told in symptoms, as a span to read in context."""
    spans = (doc.char_span(start, end, alignment_mode="expand") for _, start, end in found)
    return [span for span in spans if span is not None]


def _set_aside(span: Span, category: RiskCategory) -> bool:
    """Whether the context shows this match is not a disclosure of risk now."""
    sentence = span.sent.text.lower()
    elsewhere = sentence.replace(span.text.lower(), " ")
    if IDIOMS.search(sentence) or SERVICE_TALK.search(sentence) or DENIED.search(span.doc.text.lower()):
        return True
    if _negated(span) or context.is_conditional_here(span) or context.is_a_joke(span):
        return True
    if context.is_someone_elses_story_that_is_over(span) or context.is_over_and_recovered(span):
        return True
    if context.is_settled_and_past(span, category) or context.is_someone_elses_story_in_dialect(span):
        return True
    if (
        category != RiskCategory.SUICIDAL_THOUGHTS
        and ACCIDENT.search(sentence)
        and not ON_PURPOSE.search(sentence)
    ):
        return True
    if category == RiskCategory.MEDICAL_EMERGENCY and context.is_an_aim(span):
        return True
    if DISTANT_PAST.search(sentence) and not RECURRING.search(elsewhere):
        return True
    if category != RiskCategory.SAFEGUARDING and SOMEONE_ELSES_DEATH.search(elsewhere):
        return not RECURRING.search(elsewhere) and category != RiskCategory.SUICIDAL_THOUGHTS
    return (
        category == RiskCategory.MEDICAL_EMERGENCY
        and bool(KNOWN_CONDITION.search(sentence))
        and not HAPPENING_NOW.search(elsewhere)
    )


def _negated(span: Span) -> bool:
    """A negation that governs the phrase, found through the dependency tree.

    Negation inside the phrase belongs to its meaning ("I can't go on"). A
    relative clause ("a good day is one where I don't cut myself") describes
    what is missing, so it is not a denial: fail closed.
    """
    token = span.root
    for _ in range(4):
        if token.dep_ == "relcl" or token.head.dep_ == "relcl":
            return False
        for child in token.children:
            outside = child.i < span.start or child.i >= span.end
            if outside and (child.dep_ == "neg" or child.lower_ in NEGATION_WORDS):
                return True
        if token.dep_ not in NEGATION_REACHES_THROUGH or token.head.i == token.i:
            return False
        token = token.head
    return False
