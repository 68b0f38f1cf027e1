"""Reading a reply in the context of the question it answers.

Every question says what kind of answer it expects (`Expects`). A reply is
read for that kind: a yes or no anywhere a person would put it, the first
0-10 number with the words around it, the options named, or free text kept
word for word. Before that, a reply is checked for what is not an answer at
all: a pause, a return, an aside, a question to the assistant, a request to
skip, change, start again or speak to a person. Those are handled as what
they are and the same question is asked again; they never become answers.

The language model's intent is one signal among others: it is used only for
short replies it is sure of, and never against the question's own kind (a
number answers "how sure are you?" whatever the intent says). The reply
classifier's guess (bot/nlu/reply_kinds.py) is the last: it is heard only for
free text the patterns would keep as an answer (`_from_reply_classifier`).

Pure functions: no Rasa, no database. This module decides the order; the kinds of reply are
in `reading_kinds`, the answers in `reading_answers`, what is not an answer in
`reading_not_answers`, and the vocabulary in `reading_words`.
"""

from __future__ import annotations

import re

from bot.careplan import reading_words as words
from bot.careplan.parsing import parse_confidence_with_rest
from bot.careplan.reading_answers import (
    could_be_a_goal,
    has_content,
    is_non_answer_about_numbers,
    read_choices,
    read_yes_no,
    rest_after_first_clause,
    squeezed,
    with_item,
)
from bot.careplan.reading_kinds import STRONG_REQUESTS, UNCLEAR, Expects, Nlu, NotAnAnswer, Reading
from bot.careplan.reading_not_answers import (
    an_aside_in_an_answer,
    does_not_know,
    opens_not_knowing,
    read_question_topic,
    read_request,
    read_talk,
)
from bot.careplan.reading_words import normalise

# A button's payload names an intent: "/affirm", '/change_section{"section": "goals"}'.
_PAYLOAD = re.compile(r"^/(\w+)")


_PAYLOAD_READINGS = {
    "affirm": "yes",
    "deny": "no",
    "change_section": NotAnAnswer.CHANGE.value,
    "skip": NotAnAnswer.SKIP.value,
    "pause": NotAnAnswer.PAUSE.value,
    "resume": NotAnAnswer.RESUME.value,
}


# Intents the language model may decide on its own, for short replies it is sure of.
_INTENT_READINGS = {
    "skip": NotAnAnswer.SKIP,
    "dont_know": NotAnAnswer.DONT_KNOW,
    "ask_why": NotAnAnswer.ASK_WHY,
    "pause": NotAnAnswer.PAUSE,
    "resume": NotAnAnswer.RESUME,
    "start_again": NotAnAnswer.START_AGAIN,
    "off_topic": NotAnAnswer.SMALLTALK,
    "greet": NotAnAnswer.SMALLTALK,
    "goodbye": NotAnAnswer.PAUSE,
    "ask_medical_advice": NotAnAnswer.ASK_MEDICAL,
    "request_human": NotAnAnswer.ASK_HUMAN,
    "ask_privacy": NotAnAnswer.ASK_PRIVACY,
    "delete_my_data": NotAnAnswer.DELETE_DATA,
    "change_section": NotAnAnswer.CHANGE,
}


INTENT_MIN_CONFIDENCE = 0.9


INTENT_MAX_WORDS = 6


# What the reply classifier alone may decide a reply is: kinds after which the same question
# simply comes again. For the others (skip, change, start again, delete, a person) a guess
# could lose answers or set work in train: a sure guess only means "sorry, I didn't get that".
LEARNED_KINDS_TO_ACT_ON = {
    NotAnAnswer.PAUSE,
    NotAnAnswer.RESUME,
    NotAnAnswer.SMALLTALK,
    NotAnAnswer.ASK_WHY,
    NotAnAnswer.ASK_PRIVACY,
    NotAnAnswer.ASK_COPY,
    NotAnAnswer.ASK_MEDICAL,
    NotAnAnswer.EASY_READ,
}


# How sure the reply classifier must be that what the patterns would keep is not an answer:
# cross-validated on its own replies, 0.7 loses 13 answers in 2,447 and catches 5 non-answers in 6.
REPLY_KIND_MIN_CONFIDENCE = 0.7


def read_reply(expects: Expects, text: str, nlu: Nlu | None = None, *, question: str = "") -> Reading:
    """How `text`, sent in reply to a question expecting `expects`, must be read.

    `question` is the question's id (e.g. "carry_on", "support_from_practice"):
    a few questions give words a meaning of their own ("carry on" to "carry on
    or stop?" is a yes; naming the nurse to "who at your practice?" answers it).

    A reply is read by where it starts: one that opens with a yes, a no or a
    number is that answer, whatever follows ("Yes, fine. I might have to stop if
    my wife needs me"). Otherwise a request or a question to the assistant
    anywhere in it wins ("Before I say yes, who reads this?"), then the answer
    the question expects, then small talk; what is left of free text is the answer.
    """
    nlu = nlu or Nlu()
    text = text.strip()
    if not text:
        return Reading(UNCLEAR)
    if payload := _PAYLOAD.match(text):
        return _read_payload(payload.group(1), expects, nlu)
    clean = normalise(text)
    reading = _read(expects, text, clean, question, nlu)
    unsure = reading.kind == UNCLEAR or (expects is Expects.CHOICE and reading.kind == "answer")
    if unsure and expects is not Expects.FREE_TEXT:
        # "sevvven", "nnno thank yuo", "emaill": typed with a shaking hand or in a hurry.
        respelt = words.respell(clean, expects.value)
        if respelt != clean:
            second = _read(expects, respelt, respelt, question, nlu)
            reading = second if second.kind != "answer" else Reading("answer", text)
    elif expects is Expects.FREE_TEXT and reading.kind in ("answer", UNCLEAR):
        # "caan I chaange my goall": letters doubled by a shaking hand hide a request.
        single = squeezed(clean)
        request = read_request(single, question) if single != clean else None
        if request is not None:
            reading = Reading(request.value)
    return reading


def _read(expects: Expects, text: str, clean: str, question: str, nlu: Nlu) -> Reading:
    request = read_request(clean, question)
    opening_wins = words.OPENING_WINS_OVER.get(question, {}).get(request.value, ()) if request else ()
    strong = request in STRONG_REQUESTS and not words.matches_any(clean, opening_wins)
    if request is not None and (strong or "?" in clean):
        return Reading(request.value)
    opening = _read_opening(expects, text, clean, question)
    if opening is not None:
        return opening
    if request is not None:
        return Reading(request.value)
    if expects is Expects.CHOICE and "?" in clean and (topic := read_question_topic(clean, question)):
        return Reading(topic.value)  # "Will all this go on my records up the surgery?" asks
    if expects is Expects.NUMBER or (expects is Expects.CHOICE and not opens_not_knowing(clean)):
        answer = _read_expected(expects, text, clean, question)
        if answer is not None:
            return answer  # "dunno, 6" is 6; "only the practice, my family don't know" chooses
    if does_not_know(clean) and "dont_know" not in words.OWN_MEANING.get(question, ()):
        return Reading(NotAnAnswer.DONT_KNOW.value)
    talk = read_talk(clean, question)
    if talk is not None and not (expects is Expects.FREE_TEXT and an_aside_in_an_answer(clean, talk)):
        return Reading(talk.value)
    topic = read_question_topic(clean, question)
    if topic is not None:
        return Reading(topic.value)
    answer = _read_expected(expects, text, clean, question)
    if answer is not None:
        return answer
    model = _from_language_model(clean, expects, question, nlu)
    if model is not None:
        return Reading(model.value)
    if expects is Expects.YES_NO_OR_ITEM and could_be_a_goal(clean):
        return Reading("item", text)  # "Get my blood pressure checked"
    if expects is Expects.FREE_TEXT and (learned := _from_reply_classifier(clean, question, nlu)):
        return learned  # "need a brew first hang on": no pattern knew it
    if expects is Expects.FREE_TEXT or (expects is Expects.CHOICE and has_content(clean)):
        # A choice in words no option knows ("doctors an our Linda") is kept as said.
        return Reading("answer", text)
    return Reading(UNCLEAR)


def _read_opening(expects: Expects, text: str, clean: str, question: str) -> Reading | None:
    """A yes, no or number the reply opens with."""
    if expects in (Expects.YES_NO, Expects.YES_NO_OR_ITEM):
        head = _first_words(clean)
        found = read_yes_no(head, question) if head else None
        if found is not None and words.matches_any(head, words.SOFT_OPENINGS):
            rest = rest_after_first_clause(clean)
            if _is_return(rest) and question != "carry_on":
                return Reading(NotAnAnswer.RESUME.value)  # "ok, I'm back now": a return, not a yes
        if found is not None and not words.matches_any(clean, words.NOT_YES_NO):
            found = Reading(found.kind, found.value, rest_after_first_clause(clean))
            return with_item(found, text) if expects is Expects.YES_NO_OR_ITEM else found
    if expects is Expects.NUMBER and _OPENING_NUMBER.match(clean):
        number, rest = parse_confidence_with_rest(text)
        if number is None:
            number, rest = parse_confidence_with_rest(clean)  # "ssix": read as put right
        if number is not None:
            return Reading("number", number, rest)
    return None


_OPENING_NUMBER = re.compile(
    r"^\W*(\d{1,2}(\.\d)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b"
    r"(?! ?(min|minute|hour|day|week|month|year|sec))"
)


def _first_words(clean: str) -> str:
    """The reply's opening: its first four words, up to a question mark."""
    first = clean.split("?", 1)[0]
    return " ".join(re.findall(r"[\w']+", first)[:4])


def _is_return(clean: str) -> bool:
    return words.matches_any(clean, dict(words.TALK)["resume"])


def _read_expected(expects: Expects, text: str, clean: str, question: str) -> Reading | None:
    """The kind of answer the question expects, found anywhere in the reply."""
    if expects in (Expects.YES_NO, Expects.YES_NO_OR_ITEM):
        found = read_yes_no(clean, question)
        if found is not None:
            return found
    if expects is Expects.NUMBER:
        number, rest = parse_confidence_with_rest(text)
        if number is not None and not is_non_answer_about_numbers(clean):
            return Reading("number", number, rest)
    if expects is Expects.CHOICE:
        options = read_choices(clean, question)
        if options:
            return Reading("choice", options)
    return None


def _read_payload(intent: str, expects: Expects, nlu: Nlu) -> Reading:
    kind = _PAYLOAD_READINGS.get(intent)
    if kind in ("yes", "no"):
        return Reading(kind, kind == "yes")
    if kind is not None:
        return Reading(kind, nlu.entities.get("section"))
    return Reading(UNCLEAR)


def _from_language_model(clean: str, expects: Expects, question: str, nlu: Nlu) -> NotAnAnswer | None:
    kind = _INTENT_READINGS.get(nlu.intent or "")
    if (
        kind is None
        or nlu.confidence < INTENT_MIN_CONFIDENCE
        or kind.value in words.OWN_MEANING.get(question, ())
    ):
        return None
    if len(clean.split()) > INTENT_MAX_WORDS:
        return None  # in a long reply its confidence means little ("someone to look at my wrist": privacy)
    if expects is Expects.FREE_TEXT and kind is NotAnAnswer.CHANGE:
        return None  # "a change of shifts", "change my diet": the patterns know a request to change
    if kind is NotAnAnswer.DONT_KNOW and words.matches_any(clean, words.HEDGES):
        return None  # "not sure really, maybe better weather" answers
    if kind is NotAnAnswer.ASK_MEDICAL and "?" not in clean:
        return None  # "worried about my tablets" answers; only a question asks for advice
    if kind is NotAnAnswer.ASK_HUMAN and question in words.ANSWERS_AT:
        return None
    if words.matches_any(clean, words.OWN_TERMS.get(question, ())):
        return None  # "Next July" to "when by?" answers, whatever "next" suggests
    if expects is Expects.FREE_TEXT and kind is NotAnAnswer.SMALLTALK:
        return None  # a short answer the model took for chat ("my dog") is still an answer
    return kind


def _from_reply_classifier(clean: str, question: str, nlu: Nlu) -> Reading | None:
    """The reply classifier's reading, where it is sure a reply is not an answer."""
    try:
        kind = NotAnAnswer(nlu.reply_kind)
    except ValueError:
        return None  # "answer", or no guess
    if nlu.reply_kind_confidence < REPLY_KIND_MIN_CONFIDENCE:
        return None
    own_meaning = kind.value in words.OWN_MEANING.get(question, ())
    own_words = (*words.OWN_TERMS.get(question, ()), *words.ANSWERS_AT.get(question, ()))
    if own_meaning or words.matches_any(clean, own_words):
        return None  # words this question gives a meaning of its own: "next July", "the nurse"
    return Reading(kind.value) if kind in LEARNED_KINDS_TO_ACT_ON else Reading(UNCLEAR)
