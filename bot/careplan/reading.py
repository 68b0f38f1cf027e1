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
number answers "how sure are you?" whatever the intent says).

Pure functions: no Rasa, no database. The vocabulary is in `reading_words`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

from bot.careplan import reading_words as words
from bot.careplan.parsing import parse_confidence_with_rest


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
    """What the language model made of the message."""

    intent: str | None = None
    confidence: float = 0.0
    entities: dict[str, str] = field(default_factory=dict)


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
    elif expects is Expects.FREE_TEXT and reading.kind == "answer":
        # "caan I chaange my goall": letters doubled by a shaking hand hide a request.
        squeezed = _squeezed(clean)
        request = read_request(squeezed, question) if squeezed != clean else None
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
    if expects is Expects.NUMBER or (expects is Expects.CHOICE and not _opens_not_knowing(clean)):
        answer = _read_expected(expects, text, clean, question)
        if answer is not None:
            return answer  # "dunno, 6" is 6; "only the practice, my family don't know" chooses
    if _does_not_know(clean) and "dont_know" not in words.OWN_MEANING.get(question, ()):
        return Reading(NotAnAnswer.DONT_KNOW.value)
    talk = read_talk(clean, question)
    if talk is not None and not (expects is Expects.FREE_TEXT and _an_aside_in_an_answer(clean, talk)):
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
    if expects is Expects.YES_NO_OR_ITEM and _could_be_a_goal(clean):
        return Reading("item", text)  # "Get my blood pressure checked"
    if expects is Expects.FREE_TEXT or (expects is Expects.CHOICE and _has_content(clean)):
        # A choice in words no option knows ("doctors an our Linda") is kept as said.
        return Reading("answer", text)
    return Reading(UNCLEAR)


def _read_opening(expects: Expects, text: str, clean: str, question: str) -> Reading | None:
    """A yes, no or number the reply opens with."""
    if expects in (Expects.YES_NO, Expects.YES_NO_OR_ITEM):
        head = _first_words(clean)
        found = _read_yes_no(head, question) if head else None
        if found is not None and words.matches_any(head, words.SOFT_OPENINGS):
            rest = _rest_after_first_clause(clean)
            if _is_return(rest) and question != "carry_on":
                return Reading(NotAnAnswer.RESUME.value)  # "ok, I'm back now": a return, not a yes
        if found is not None and not words.matches_any(clean, words.NOT_YES_NO):
            found = Reading(found.kind, found.value, _rest_after_first_clause(clean))
            return _with_item(found, text) if expects is Expects.YES_NO_OR_ITEM else found
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
        found = _read_yes_no(clean, question)
        if found is not None:
            return found
    if expects is Expects.NUMBER:
        number, rest = parse_confidence_with_rest(text)
        if number is not None and not _is_non_answer_about_numbers(clean):
            return Reading("number", number, rest)
    if expects is Expects.CHOICE:
        options = read_choices(clean, question)
        if options:
            return Reading("choice", options)
    return None


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, runs of spaces and repeated letters shortened,
    words spelt as they sound put right, words typed for someone else read as their own, and a
    question asked without a question mark given one (the reply itself is kept as typed)."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"([a-z])\1{2,}", r"\1\1", text)  # "yesss" -> "yess", "sooo" -> "soo"
    text = re.sub(r"\b([b-df-hj-np-tv-z])\1(?=[a-z])", r"\1", text)  # "nno", "ggot": a key held down
    text = words.as_meant(re.sub(r"\s+", " ", text).strip())
    return words.as_asked(words.in_own_words(text))


def _read_payload(intent: str, expects: Expects, nlu: Nlu) -> Reading:
    kind = _PAYLOAD_READINGS.get(intent)
    if kind in ("yes", "no"):
        return Reading(kind, kind == "yes")
    if kind is not None:
        return Reading(kind, nlu.entities.get("section"))
    return Reading(UNCLEAR)


def _read_yes_no(clean: str, question: str) -> Reading | None:
    """A yes or a no, wherever a person would put it, in the sense the question gives it."""
    own = words.QUESTION_YES_NO.get(question, {})
    checks = (
        (own.get("no_first", ()), False),
        (own.get("yes_first", ()), True),
        (own.get("no_words", ()), False),
        (own.get("yes_words", ()), True),
        (words.NOT_YES_NO, None),  # "not sure", "no idea": not knowing, not a no
        (words.NO_FIRST, False),  # "I'd prefer not to, if you don't mind"
        (words.YES_FIRST, True),  # "no problem", "why not"
        (words.NO_WORDS, False),
        (words.YES_WORDS, True),
    )
    for patterns, answer in checks:
        if words.matches_any(clean, patterns):
            return None if answer is None else Reading("yes" if answer else "no", answer)
    return None


def _with_item(found: Reading, text: str) -> Reading:
    """ "yes - sleeping better" to "another goal?" is the next goal itself."""
    if found.kind != "yes":
        return found
    item = words.strip_leading_yes(text)
    clean_item = normalise(item)
    if item and item != text and _says_a_goal(clean_item):
        return Reading("item", item)
    return found  # "yes, I've got another one": a yes, and the goal comes next


def _says_a_goal(clean: str) -> bool:
    """Words that begin like a goal ("get my blood pressure checked", "walking more"), as typed
    or with doubled letters made single ("I wouldd like to")."""
    return _begins_like_a_goal(clean) or _begins_like_a_goal(_squeezed(clean))


def _begins_like_a_goal(clean: str) -> bool:
    goal = _GOAL_LEAD_IN.sub("", clean, count=1)
    return (
        _has_content(goal)
        and words.matches_any(goal, words.GOAL_OPENINGS)
        and not words.matches_any(goal, words.NOT_A_GOAL)
    )


def _could_be_a_goal(clean: str) -> bool:
    """A reply to "another goal?" with no yes or no in it: a goal, unless it talks about something else."""
    goal = _GOAL_LEAD_IN.sub("", clean, count=1)
    return _has_content(goal) and not words.matches_any(goal, words.NOT_A_GOAL)


_GOAL_LEAD_IN = re.compile(
    r"^((sorry[ ,]+)?(if i may|if you don'?t mind|if thats? ok|if that'?s ok|if possible)[ ,]+)?"
    r"((second|third|next|another|my next|new) (goal|objective|one)( is)?\W+)?"
    r"((could|can|may) i (add|put down|put|have)\s+|(stick|put) down\W+)?"
    r"((lowkey|honestly|also|and|maybe|probably|um|erm|well|oh|ok|okay)\s+)*"
    r"((i'?d|i would|i should|i'?ll|i will|i want|i wanna|wanna|i'?m going|gonna|i'?d love|i would love)"
    r"(\s+also|\s+really)?(\s+like|\s+love)?(\s+to)?\s+)?((be )?able to\s+)?"
)


def _squeezed(clean: str) -> str:
    """Doubled letters made single: "wouldd", "caan" (a shaking hand); real doubles go too, which
    is fine for matching words written with single letters ("could", "can")."""
    return re.sub(r"([a-z])\1", r"\1", clean)


def _rest_after_first_clause(clean: str) -> str:
    parts = re.split(r"[.,;!?]\s*|\s+-\s+", clean, maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _has_content(clean: str) -> bool:
    """Says something: at least two words, or one that is not a filler."""
    tokens = re.findall(r"[a-z0-9']+", clean)
    return len(tokens) >= 2 or (len(tokens) == 1 and tokens[0] not in words.FILLERS)


def _is_non_answer_about_numbers(clean: str) -> bool:
    """ "can I have a 5 minute break?" holds a number but gives none."""
    return words.matches_any(clean, words.PAUSE) or words.matches_any(clean, words.NUMBER_NOT_A_RATING)


def read_choices(clean: str, question: str) -> list[str]:
    """The options a reply chooses, in the options' own order.

    The first sentence that chooses an option decides, with later ones that add
    to it ("... too", "also ..."). An option said with a "not" ("not the phone",
    "family no") is left out; one marked as preferred ("text is best", "just
    ring") wins over the others.
    """
    options = words.CHOICES.get(question, {})
    chosen: list[str] = []
    for sentence in re.split(r"[.;!?]+", clean):
        if chosen and not words.ADDS_TO_CHOICE.search(sentence):
            continue
        chosen += [o for o in _chosen_in(sentence, options) if o not in chosen]
    exclusive = words.EXCLUSIVE_CHOICES.get(question)
    if exclusive in chosen and len(chosen) > 1:
        chosen.remove(exclusive)  # "my practice and my family": the family too, so not "only"
    return [option for option in options if option in chosen]


def _chosen_in(sentence: str, options: dict[str, words.Patterns]) -> list[str]:
    chosen, preferred = [], []
    for option, patterns in options.items():
        kept = [m for p in patterns for m in p.finditer(sentence) if not _negated(sentence, m)]
        if kept:
            chosen.append(option)
            if any(_preferred(sentence, m) for m in kept):
                preferred.append(option)
    if _OFFERS_ALTERNATIVES.search(sentence):
        return chosen  # "a phone call please, or a letter": both
    return preferred or chosen


_OFFERS_ALTERNATIVES = re.compile(r"\bor\b")


def _negated(sentence: str, match: re.Match[str]) -> bool:
    before = sentence[max(0, match.start() - 30) : match.start()]
    after = sentence[match.end() : match.end() + 12]
    return bool(words.NEGATION_BEFORE.search(before) or words.NEGATION_AFTER.match(after))


def _preferred(sentence: str, match: re.Match[str]) -> bool:
    before = sentence[max(0, match.start() - 20) : match.start()]
    after = sentence[match.end() : match.end() + 20]
    return bool(words.PREFERRED_BEFORE.search(before) or words.PREFERRED_AFTER.match(after))


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


def _an_aside_in_an_answer(clean: str, talk: NotAnAnswer) -> bool:
    """Small talk said inside a real answer's sentence ("I use voice to text because my
    hands hurt so sorry about the spelling and phone calls are better for me"): the answer
    is kept, aside and all. Small talk said as a clause of its own is not an answer."""
    if talk is not NotAnAnswer.SMALLTALK:
        return False
    clauses = [c for c in re.split(r"[.!?,;]+", clean) if c.strip()]
    chatty = [c for c in clauses if read_talk(c, "") is NotAnAnswer.SMALLTALK]
    return bool(chatty) and min(len(c.split()) for c in chatty) > SMALLTALK_MAX_WORDS


SMALLTALK_MAX_WORDS = 18  # a clause longer than this, with small talk in it, says more


def _opens_not_knowing(clean: str) -> bool:
    return words.matches_any(clean, words.DONT_KNOW["opening"]) and _does_not_know(clean)


def _does_not_know(clean: str) -> bool:
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
    if expects is Expects.FREE_TEXT and kind is NotAnAnswer.SMALLTALK:
        return None  # a short answer the model took for chat ("my dog") is still an answer
    return kind
