"""What a reply can be instead of an answer: a request or a question to the assistant, a pause
or a return, small talk, not knowing. Found anywhere in a reply, in the order reading_words.yml
gives; a question's own words (`answers_at`, `own_meaning`) are never taken for one.
"""

from __future__ import annotations

import re

from bot.careplan import reading_words as words
from bot.careplan.reading_kinds import NotAnAnswer


def read_request(clean: str, question: str) -> NotAnAnswer | None:
    """A request or a question to the assistant, wherever it is in the reply."""
    answers_here = words.ANSWERS_AT.get(question, ())
    if words.matches_any(clean, answers_here) and not words.matches_any(clean, words.ASKS_FOR_A_CALL):
        return None  # "the nurse" answers "who at your practice?"; "can a doctor ring him?" asks
    for kind, patterns in words.REQUESTS:
        if kind in words.OWN_MEANING.get(question, ()):
            continue
        if kind == NotAnAnswer.PAUSE.value and _said_conditionally(clean, patterns):
            continue  # "if I'm slurring, just give me a moment": what helps, not a pause now
        if words.matches_any(clean, patterns):
            return NotAnAnswer(kind)
    return None


def _said_conditionally(clean: str, patterns: words.Patterns) -> bool:
    """Every match is in a sentence after an "if" or a "when"."""
    found = [m for p in patterns for m in p.finditer(clean)]
    return bool(found) and all(_opens_a_condition(re.split(r"[.!?]", clean[: m.start()])[-1]) for m in found)


_CONDITION = re.compile(r"\b(if|when|whenever)\b")


# An "if" in a polite request is no condition: "would it be rude if we took a break?", "do you
# mind terribly if I stop?", "is it ok if ...".
_POLITE_BEFORE_IF = re.compile(
    r"\b(ok|okay|alright|all right|right|rude|possible|mind|matter|fine)"
    r"( terribly| awfully| at all| much)? *$"
)


def _opens_a_condition(sentence: str) -> bool:
    return any(not _POLITE_BEFORE_IF.search(sentence[: m.start()]) for m in _CONDITION.finditer(sentence))


def read_question_topic(clean: str, question: str) -> NotAnAnswer | None:
    """A question to the assistant in words no pattern knows, told by its topic.

    Only a reply shaped as a question ("Is sugar worse than salt for the
    pressure?") and only where the question's own topic does not answer it.
    """
    asked = _asked_part(clean)
    if not asked or words.matches_any(clean, words.ANSWERS_AT.get(question, ())):
        return None
    answered_here = words.OWN_MEANING.get(question, ()) + words.TOPICS_ANSWERED_AT.get(question, ())
    for kind, patterns in words.QUESTION_TOPICS:
        if kind not in answered_here and words.matches_any(asked, patterns):
            return NotAnAnswer(kind)
    return None


def _asked_part(clean: str) -> str:
    """The sentences of a reply that ask: those ending in "?", or all of a reply that opens as a question."""
    if _OPENS_AS_QUESTION.search(clean):
        return clean
    return " ".join(re.findall(r"[^.!?]*\?", clean))


# A reply that opens as a yes/no question ("is it bad if ..."); not "when I wake up
# without pain", which answers.
_OPENS_AS_QUESTION = re.compile(
    r"^(\w+ ){0,2}(should|can|could|is|are|am|do|does|did|will|would|shall|may|might) "
    r"(i|it|my|this|that|you|u|they|there|we|anyone|someone)\b"
    r"|^(have|has) (i|you|they|we|it)\b|\b(or nah|or what)\b"
    # "straight question, is beer worse for gout"
    r"|^(\w+ )?question\W+(should|can|could|is|are|do|does|will|would)\b"
)


def read_talk(clean: str, question: str) -> NotAnAnswer | None:
    """Coming back, or small talk: said instead of an answer."""
    for kind, patterns in words.TALK:
        if kind not in words.OWN_MEANING.get(question, ()) and words.matches_any(clean, patterns):
            return NotAnAnswer(kind)
    if _only_smalltalk(clean):
        return NotAnAnswer.SMALLTALK
    return None


def an_aside_in_an_answer(clean: str, talk: NotAnAnswer) -> bool:
    """Small talk said inside a real answer's sentence ("I use voice to text because my
    hands hurt so sorry about the spelling and phone calls are better for me"): the answer
    is kept, aside and all. Small talk said as a clause of its own is not an answer."""
    if talk is not NotAnAnswer.SMALLTALK:
        return False
    clauses = [c for c in re.split(r"[.!?,;]+", clean) if c.strip()]
    chatty = [c for c in clauses if read_talk(c, "") is NotAnAnswer.SMALLTALK]
    return bool(chatty) and min(len(c.split()) for c in chatty) > SMALLTALK_MAX_WORDS


SMALLTALK_MAX_WORDS = 18  # a clause longer than this, with small talk in it, says more


def opens_not_knowing(clean: str) -> bool:
    return words.matches_any(clean, words.DONT_KNOW["opening"]) and does_not_know(clean)


def does_not_know(clean: str) -> bool:
    """ "I don't know, dear. I hadn't got that far.", but not "not sure, maybe walking"."""
    short = len(clean.split()) <= DONT_KNOW_MAX_WORDS
    said = (
        words.matches_any(clean, words.DONT_KNOW["opening"])
        or words.matches_any(clean, words.DONT_KNOW["anywhere"])
        or (short and words.matches_any(clean, words.DONT_KNOW["anywhere_in_a_short_reply"]))
    )
    return said and not words.matches_any(clean.replace(" or not", ""), words.HEDGES)


DONT_KNOW_MAX_WORDS = 10


_QUESTION_OPENING = re.compile(
    r"^\s*(should|can|could|is|are|am|do|does|did|will|would|what|whats|what's|how|why|when|which|where|"
    r"who|shall|may|might|has|have|r|u|wot|wat|shud)\b"
)


def looks_like_a_question(clean: str) -> bool:
    return "?" in clean or bool(_QUESTION_OPENING.match(clean))


def _only_smalltalk(clean: str) -> bool:
    """Greetings, thanks, apologies and laughs with nothing else in them."""
    remainder = words.remove_all(clean, words.SMALLTALK_PIECES)
    return remainder != clean and not re.search(r"[a-z0-9]", remainder)
