"""The kinds of reply a question can get, and a reply's reading (bot/careplan/reading.py).

A reply is an answer of the kind the question expects (`Expects`), or one of the things a
person says instead of an answer (`NotAnAnswer`): those are handled as what they are and
never become answers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Expects(str, enum.Enum):
    """The kind of answer a question expects."""

    YES_NO = "yes_no"
    YES_NO_OR_ITEM = "yes_no_or_item"  # "another goal?": yes, no, or the next goal itself
    NUMBER = "number"  # 0-10, with words around it
    CHOICE = "choice"  # one or more of a few options
    FREE_TEXT = "free_text"


class NotAnAnswer(str, enum.Enum):
    """What a reply can be instead of an answer."""

    SKIP = "skip"
    DONT_KNOW = "dont_know"
    PAUSE = "pause"
    RESUME = "resume"
    SMALLTALK = "smalltalk"
    ASK_WHY = "ask_why"
    ASK_PRIVACY = "ask_privacy"
    ASK_COPY = "ask_copy"
    ASK_MEDICAL = "ask_medical"
    ASK_HUMAN = "ask_human"
    START_AGAIN = "start_again"
    CHANGE = "change"
    EASY_READ = "easy_read"
    DELETE_DATA = "delete_data"


# Requests that win even over a reply's opening yes or no ("No, delete my answers").
STRONG_REQUESTS = {
    NotAnAnswer.CHANGE,
    NotAnAnswer.DELETE_DATA,
    NotAnAnswer.ASK_HUMAN,
    NotAnAnswer.START_AGAIN,
    NotAnAnswer.EASY_READ,
}


ANSWER_KINDS = ("yes", "no", "item", "number", "choice", "answer")


@dataclass(frozen=True)
class Nlu:
    """What the learned models made of the message.

    The intent is the language model's (Rasa's NLU); the reply kind is the reply classifier's
    (bot/nlu/reply_kinds.py): "answer" or a `NotAnAnswer` value, read without the question.
    """

    intent: str | None = None
    confidence: float = 0.0
    entities: dict[str, str] = field(default_factory=dict)
    reply_kind: str | None = None
    reply_kind_confidence: float = 0.0


@dataclass(frozen=True)
class Reading:
    """How a reply is read: an answer of some kind, or one of `NotAnAnswer`.

    `kind` is "yes", "no", "item", "number", "choice", "answer", "unclear" or a
    `NotAnAnswer` value. `value` is True/False, the goal's words, the number,
    the option ids, or the text. `rest` keeps the words said beside a yes/no
    or a number when they say something more.
    """

    kind: str
    value: Any = None
    rest: str = ""

    @property
    def is_answer(self) -> bool:
        return self.kind in ANSWER_KINDS


UNCLEAR = "unclear"
