"""A learned second opinion on what a reply to an open question is: an answer, or a pause,
an aside, a question to the assistant, a request.

The reader's patterns (bot/careplan/reading_not_answers.py) know the ways of saying these
that someone thought of; people find others ("need a brew first hang on", "are u a bot lol").
This classifier is trained on replies written for it in many voices (`reply_kinds/*.yml`,
each labelled with what it is), none of them from the test corpora, and gives the reader one
more signal for the replies its patterns would keep as answers.

A bag of words and of letter runs, weighed by a logistic regression, trained when first used
(about 10 seconds on 4,842 replies on two cores; a guess then takes about a millisecond), so
there is no model file to keep in step with its data, and the same data always trains the same
classifier.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.careplan.reading_kinds import Nlu

EXAMPLES = Path(__file__).with_name("reply_kinds")
ANSWER = "answer"
# Cross-validated on its own replies, this loses about 1 in 100 of the non-answers it would catch.
MIN_CHANCE_TO_STAND_OUT = 0.2


@dataclass(frozen=True)
class Example:
    question: str
    text: str
    label: str


@dataclass(frozen=True)
class Guess:
    """The classifier's label for a reply, and how sure it is (0 to 1)."""

    label: str
    confidence: float


def load_examples(folder: Path = EXAMPLES) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["replies"]:
            examples.append(Example(item["question"], str(item["text"]), str(item["label"])))
    return examples


class ReplyKindClassifier:
    """Trained on labelled replies; `guess` says what a new one most likely is."""

    def __init__(self, examples: list[Example]) -> None:
        if len({example.label for example in examples}) < 2:
            raise ValueError("reply kinds: the examples need at least two labels")
        self._pipeline = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                            (
                                "letters",
                                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                            ),
                        ]
                    ),
                ),
                ("weigh", LogisticRegression(C=8.0, max_iter=3000)),
            ]
        )
        self._pipeline.fit([_text(e.text) for e in examples], [e.label for e in examples])
        self.questions = frozenset(e.question for e in examples)

    def guess(self, text: str) -> Guess:
        """The label "answer" with the chance that it is one; or else the likeliest other kind,
        with the chance that it is not an answer (sure it is no answer, whether a pause or a
        return, is sure enough).

        A reply unlike anything it has learnt spreads its chances thin over every kind ("To
        attend a Hallé concert this season": 0.3 an answer, no other kind above 0.13); unless
        one kind stands out, it is taken as an answer.
        """
        chances = self._pipeline.predict_proba([_text(text)])[0]
        chances = dict(zip(self._pipeline.classes_, chances, strict=True))
        answer_chance = float(chances.pop(ANSWER, 0.0))
        likeliest = max(chances, key=chances.get)
        if answer_chance >= 0.5 or chances[likeliest] < MIN_CHANCE_TO_STAND_OUT:
            return Guess(ANSWER, answer_chance)
        return Guess(str(likeliest), 1.0 - answer_chance)


def _text(text: str) -> str:
    return " ".join(text.lower().split())


@lru_cache(maxsize=1)
def default_classifier() -> ReplyKindClassifier:
    return ReplyKindClassifier(load_examples())


def with_reply_kind(nlu: Nlu, text: str, question: str) -> Nlu:
    """The language model's reading of a message, with the reply classifier's guess added
    where it has learnt replies to that question (`question` as in `interview.question_kind`)."""
    classifier = default_classifier()
    if question not in classifier.questions:
        return nlu  # "No, I'm fine thank you" answers "anything to make it easier?"
    guess = classifier.guess(text)
    return replace(nlu, reply_kind=guess.label, reply_kind_confidence=guess.confidence)
