"""From a person's own words to the local services that fit them, ranked, each with why.

How a service is scored, so a link worker can follow it:

1. The person's words (what matters, concerns, goals, support needs) and each service's
   name, categories and description are read into lemmas (`words`): "walks" is "walk".
2. Each thing the person said becomes one *reason to look*: a need from `needs.yml` whose
   words they used ("nobody to talk to" is loneliness), which looks for that need's service
   words (befriending, social group, ...) as well as their own; or else a word of theirs that
   says something ("allotment"), which looks for itself.
3. A looked-for word found in a service counts by how rare it is in this directory (a word
   in every service tells little: BM25's inverse document frequency), times where it was
   found (a category 3, the name 2, the description 1), and a need's words count 0.8 of the
   person's own.
4. Each reason counts once for a service: its best word in full, any more at 0.3, so
   saying many things that fit beats one thing said many ways. A service's score is the
   sum over reasons; those under `MIN_SCORE` are not suggested.

Only active services are looked at, and never one for children when the person is an
adult (an unknown age is an adult's); which practice's directory it is, is the caller's
query (`bot.directory_services.suggest`).

Why this and not the database's full-text search (SQLite FTS5, PostgreSQL `tsvector`), judged in
December 2026. Their stemmers are not spaCy's lemmas: Porter makes "lonely" "lone" but "loneliness"
"loneli", and leaves "children" apart from "child", so they would find other services than the ones
needs.yml is written for. Their ranking (FTS5's bm25() column weights, ts_rank's A-D labels) would
have to say steps 3 and 4 twice, once per dialect, and neither gives the words found where, which
"why" shows. As a pre-filter over lemmas stored at import, the ranking would still be this one, for
a migration and a second copy of every service's words to keep in step with words.py and needs.yml.
Not worth it yet: with the demo directory's services repeated to 1,000 (3,000), a suggestion takes
0.2-0.4 s (0.9 s) once the services' words are read; reading them (spaCy, once per process for each
text) takes 3.5-4 s (7-8 s), and `directory_services.prepare_matching` does that at start-up.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.careplan.model import CarePlan
from bot.directory.model import Service, ServiceStatus
from bot.directory.words import Analyser, Word, default_analyser, quote

NEEDS_FILE = Path(__file__).with_name("needs.yml")
FIELD_WEIGHTS = {"category": 3.0, "name": 2.0, "description": 1.0}
NEED_WEIGHT = 0.8  # a need's service words, against the person's own words at 1
MORE_WORDS_WEIGHT = 0.3  # a reason's second and later words found in the same service
MIN_SCORE = 2.0
SMALL_DIRECTORY = 50  # services; see `_idf`
DEFAULT_LIMIT = 5

Lemmas = tuple[str, ...]


@dataclass(frozen=True)
class Said:
    """A piece of the person's own words and where it comes from ("what matters", "goal 1")."""

    label: str
    text: str


@dataclass(frozen=True)
class Reason:
    """Why a service was suggested: the person's words, and the service's words they matched."""

    person_words: tuple[str, ...]
    service_words: tuple[str, ...]  # 'category "Befriending"', 'description "lonely"'
    need: str | None = None  # the need in needs.yml that linked them, if any

    def __str__(self) -> str:
        said = ", ".join(f'"{words}"' for words in self.person_words)
        need = f" ({self.need.replace('_', ' ')})" if self.need else ""
        return f"{said}{need} → {', '.join(self.service_words)}"


@dataclass(frozen=True)
class Suggestion:
    service: Service
    score: float
    why: tuple[Reason, ...]

    @property
    def why_text(self) -> str:
        return "; ".join(str(reason) for reason in self.why)


@dataclass(frozen=True)
class Need:
    name: str
    said: tuple[Lemmas, ...]
    finds: tuple[Lemmas, ...]


@dataclass
class _Looking:
    """One reason to look: what the person said, and the lemma phrases it looks for (with weights)."""

    need: str | None
    person_words: dict[str, None] = field(default_factory=dict)  # ordered set
    terms: dict[Lemmas, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _ServiceWords:
    """A service's words by field, and where each lemma (or word as written) is in them."""

    fields: tuple[tuple[str, str, tuple[Word, ...]], ...]  # (field, the text as written, its words)
    positions: dict[str, list[tuple[int, int]]]  # key -> [(field index, word index)]

    def find(self, phrase: Lemmas) -> tuple[str, str] | None:
        """The best field holding `phrase`, and the words there, as written."""
        best: tuple[str, str] | None = None
        for field_index, start in self.positions.get(phrase[0], ()):
            name, text, words = self.fields[field_index]
            span = words[start : start + len(phrase)]
            if len(span) == len(phrase) and all(
                lemma in w.keys for lemma, w in zip(phrase, span, strict=True)
            ):
                found = (name, text if name == "category" else " ".join(w.text for w in span))
                if best is None or FIELD_WEIGHTS[name] > FIELD_WEIGHTS[best[0]]:
                    best = found
        return best


def words_from_plan(plan: CarePlan) -> list[Said]:
    """The parts of a plan that say what the person needs: what matters, concerns, goals, support."""
    said = [Said("what matters", text) for text in plan.what_matters.values() if text]
    said += [Said("concerns", text) for text in plan.concerns.values() if text]
    for number, goal in enumerate(plan.goals, start=1):
        said += [Said(f"goal {number}", text) for text in (goal.description, goal.first_step) if text]
    if plan.support.needs:
        said.append(Said("support needs", plan.support.needs))
    return said


class Matcher:
    """Ranks services against what a person said. Build one and keep it: it reads needs.yml once."""

    def __init__(self, analyser: Analyser | None = None, needs_file: Path = NEEDS_FILE) -> None:
        self.analyser = analyser or default_analyser()
        data = yaml.safe_load(needs_file.read_text(encoding="utf-8")) or {}
        self.needs = self._read_needs(data.get("needs") or {})
        self.not_needed = NotNeeded.from_lists(**data["not_needed"])

    def suggest(
        self,
        said: Sequence[Said],
        services: Sequence[Service],
        *,
        age: int | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> list[Suggestion]:
        candidates = [s for s in services if s.status is ServiceStatus.ACTIVE and s.fits_age(age)]
        if not candidates:
            return []
        reasons = self._reasons([piece.text for piece in said if piece.text and piece.text.strip()])
        indexed = self._index(candidates)
        found: dict[int, dict[int, dict[Lemmas, tuple[str, str]]]] = defaultdict(dict)  # service, reason
        counts: dict[Lemmas, int] = defaultdict(int)
        for reason_index, reason in enumerate(reasons):
            for term in reason.terms:
                for service_index, words in enumerate(indexed):
                    if where := words.find(term):
                        found[service_index].setdefault(reason_index, {})[term] = where
                        counts[term] += 1
        total = len(candidates)
        suggestions = []
        for service_index, by_reason in found.items():
            score, why = 0.0, []
            for reason_index, matches in by_reason.items():
                reason = reasons[reason_index]
                best: dict[tuple[str, str], float] = {}  # one value for each place found
                for term, where in matches.items():
                    value = _idf(counts[term], total) * reason.terms[term] * FIELD_WEIGHTS[where[0]]
                    best[where] = max(best.get(where, 0.0), value)
                values = sorted(best.values(), reverse=True)
                score += values[0] + MORE_WORDS_WEIGHT * sum(values[1:])
                service_words = tuple(dict.fromkeys(f'{name} "{text}"' for name, text in matches.values()))
                why.append((values[0], Reason(_phrases(reason.person_words), service_words, reason.need)))
            if score >= MIN_SCORE:
                why.sort(key=lambda pair: -pair[0])
                reasons_shown = tuple(reason for _, reason in why)
                suggestions.append(Suggestion(candidates[service_index], round(score, 2), reasons_shown))
        suggestions.sort(key=lambda s: (-s.score, s.service.name.casefold()))
        return suggestions[:limit]

    def _reasons(self, texts: Sequence[str]) -> list[_Looking]:
        """The reasons to look: a need the person's words name, or else one of their words."""
        by_need: dict[str, _Looking] = {}
        by_word: dict[str, _Looking] = {}
        for text, words in zip(texts, self.analyser(texts), strict=True):
            covered: set[int] = set()
            for need in self.needs:
                for phrase in need.said:
                    for start in _occurrences(words, phrase):
                        span = words[start : start + len(phrase)]
                        if self.not_needed.said_of(text, span[0].start, span[-1].end):
                            covered.update(range(start, start + len(phrase)))
                            continue  # "money's fine", "I don't need help with the heating"
                        looking = by_need.setdefault(need.name, _Looking(need.name))
                        looking.person_words[quote(text, span)] = None
                        content = tuple(w.lemma for w in span if w.content)
                        if content:
                            looking.terms[content] = 1.0
                        covered.update(range(start, start + len(phrase)))
                        for term in need.finds:
                            looking.terms.setdefault(term, NEED_WEIGHT)
            for position, word in enumerate(words):
                if (
                    word.content
                    and position not in covered
                    and not self.not_needed.said_of(text, word.start, word.end)
                ):
                    looking = by_word.setdefault(word.lemma, _Looking(None))
                    looking.person_words[quote(text, [word])] = None
                    looking.terms[(word.lemma,)] = 1.0
        # A word the person used that is also one of a need's own words is looked for once, in the need.
        need_terms = {term for looking in by_need.values() for term in looking.terms}
        words_left = [looking for lemma, looking in by_word.items() if (lemma,) not in need_terms]
        return [*by_need.values(), *words_left]

    def _index(self, services: Sequence[Service]) -> list[_ServiceWords]:
        texts: list[tuple[int, str, str]] = []
        for index, service in enumerate(services):
            texts.append((index, "name", service.name))
            texts += [(index, "category", category) for category in service.categories]
            if service.description:
                texts.append((index, "description", service.description))
        analysed = self.analyser([text for _, _, text in texts])
        fields: dict[int, list[tuple[str, str, tuple[Word, ...]]]] = defaultdict(list)
        for (index, name, text), words in zip(texts, analysed, strict=True):
            fields[index].append((name, text, words))
        indexed = []
        for index in range(len(services)):
            positions: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for field_index, (_, _, words) in enumerate(fields[index]):
                for word_index, word in enumerate(words):
                    for key in word.keys:
                        positions[key].append((field_index, word_index))
            indexed.append(_ServiceWords(tuple(fields[index]), dict(positions)))
        return indexed

    def _read_needs(self, entries: dict) -> tuple[Need, ...]:
        phrases = sorted(
            {str(p) for entry in entries.values() for p in (*entry.get("said", ()), *entry.get("finds", ()))}
        )
        lemmas = dict(zip(phrases, self.analyser(phrases), strict=True))

        def read(values: Sequence[str]) -> tuple[Lemmas, ...]:
            # Each phrase by its lemmas and as written: a word alone may be lemmatised unlike in a
            # sentence. A phrase keeps its small words ("on my own", "men's shed"); a word alone that
            # says too little ("help") is left out.
            read_phrases = []
            for value in values:
                words = lemmas[str(value)]
                if len(words) > 1 or (words and words[0].content):
                    read_phrases += [tuple(w.lemma for w in words), tuple(w.text for w in words)]
            return tuple(dict.fromkeys(read_phrases))

        return tuple(
            Need(name=str(name), said=read(entry.get("said", ())), finds=read(entry.get("finds", ())))
            for name, entry in entries.items()
        )


_CLAUSE = re.compile(r"[.,;!?]|\bbut\b")


@dataclass(frozen=True)
class NotNeeded:
    """The words that say a need is not there, in the same clause (needs.yml `not_needed`)."""

    before: re.Pattern[str]
    after: re.Pattern[str]

    @classmethod
    def from_lists(cls, before: Sequence[str], after: Sequence[str]) -> NotNeeded:
        return cls(
            before=re.compile(rf"\b({'|'.join(before)})\b[^.,;!?]*$"),
            after=re.compile(rf"^[^.,;!?]{{0,15}}?({'|'.join(after)})\b"),
        )

    def said_of(self, text: str, start: int, end: int) -> bool:
        """Whether the words at text[start:end] are said not to be a need, in their own clause."""
        lowered = text.lower().replace("\u2019", "'")
        before = _CLAUSE.split(lowered[:start])[-1]
        return bool(self.before.search(before) or self.after.match(lowered[end:]))


def _occurrences(words: Sequence[Word], phrase: Lemmas) -> list[int]:
    """Where a `said` phrase is in the person's words; a single word must be one that says something."""
    size = len(phrase)
    starts = []
    for start in range(len(words) - size + 1):
        span = words[start : start + size]
        if all(lemma in word.keys for lemma, word in zip(phrase, span, strict=True)):
            if size == 1 and not span[0].content:
                continue
            starts.append(start)
    return starts


def _phrases(said: Sequence[str]) -> tuple[str, ...]:
    """The person's words to show, without one that is part of another ("the shops", "get to the shops")."""
    return tuple(
        words for words in said if not any(words != other and f" {words} " in f" {other} " for other in said)
    )


def _idf(count: int, total: int) -> float:
    """BM25's inverse document frequency: rare in this directory counts most, and never below 0.

    A directory smaller than `SMALL_DIRECTORY` is counted as if it were that large (the rest
    holding none of the word): in a directory of three, a word in all three still says something.
    """
    total = max(total, SMALL_DIRECTORY)
    return math.log(1 + (total - count + 0.5) / (count + 0.5))
