"""Reads the clause around a risk phrase: its mood, its time and whose it is.

A risk phrase is a disclosure only when it is the person's own, happening now,
and said as a statement. These readings set a match aside when its clause is
a plan for a time that may come ("if I get chest pain I ring 999"), a story
about someone else that is over ("my neighbour collapsed last month, she's
fine now") or a joke ("...I'll top myself 😂"). A present-tense sign that it
is happening now keeps it, whatever the frame ("if it's bad... I've got chest
pain now").
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from bot.safety.phrases import context_pattern as pattern
from bot.safety.phrases import context_words as words
from bot.safety.risk import RiskCategory

# The words are data, in context_words.yml; here, only what is done with them.
CONDITIONAL_MARKS = words("conditional_marks")
WHETHER = pattern("whether")
WISH = pattern("wish")
FRANKLY = pattern("frankly")
CONDITIONAL_PHRASE = pattern("conditional_phrase")
NOW = pattern("now")
LAUGHING_FACES, LAUGHS, HYPERBOLE = pattern("laughing_faces"), pattern("laughs"), pattern("hyperbole")
OVER_NOW = pattern("over_now")
RECOVERED = pattern("recovered")
AGAIN = pattern("again")
AIM = pattern("aim")
PEOPLE = words("people")
PEOPLE_AFTER_ME = words("people_after_me")
THIRD_PERSON = words("third_person")
FIRST_PERSON = words("first_person")
SUBORDINATING = words("subordinating")
SETTLED = pattern("settled")
LEFT_SAFELY = pattern("left_safely")
PAST_TIME = pattern("past_time")
SETTLED_BUT_NOW = pattern("settled_but_now")
WHETHER_IN_SHORT = pattern("whether_in_short")


def is_conditional(span: Span) -> bool:
    """Whether the phrase sits in a clause about what would happen if..., not what is happening."""
    sentence = span.sent
    if NOW.search(_clause_text(span)):
        return False
    if FRANKLY.search(sentence.text.lower()) or WISH.search(sentence.text.lower()):
        return False
    if WHETHER.search(sentence.doc[sentence.start : span.start].text.lower()):
        return False
    if any(_opens_conditional(token) and span.start in _clause_of(token) for token in sentence):
        return True
    before = sentence.doc[sentence.start : span.start].text.lower()
    return bool(CONDITIONAL_PHRASE.search(before))


def is_a_joke(span: Span) -> bool:
    """An over-the-top phrase with a laugh ("I'll top myself 😂"); never a hurt described, even with "lol"."""
    sentence = span.sent.text.lower()
    laughing = LAUGHING_FACES.search(sentence) or LAUGHS.search(sentence)
    return bool(laughing and HYPERBOLE.search(span.text.lower()))


def is_someone_elses_story_that_is_over(span: Span) -> bool:
    """Someone else's illness or trouble, told as past and ended ("she's fine now")."""
    if {token.lower_ for token in span} & FIRST_PERSON or not _told_of_someone_else(span):
        return False  # "he slapped me last month" is the person's own
    text = span.doc.text.lower()
    return bool(OVER_NOW.search(text)) and not NOW.search(OVER_NOW.sub(" ", span.sent.text.lower()))


def is_told_of_someone_else(span: Span) -> bool:
    """The phrase's subject is another person ("my friend cuts herself", "he wants to die"),
    with no word of the person's own in it ("the urge to cut" has no person)."""
    if {token.lower_ for token in span} & FIRST_PERSON:
        return False
    subjects = [t for t in _verb_of(span).children if t.dep_ in {"nsubj", "nsubjpass"}]
    return bool(subjects) and all(_another_person(subject) for subject in subjects)


def _another_person(token: Token) -> bool:
    """He, she, they, a person's name, or someone ("my friend", "her son"); not "my self harm"."""
    return token.lower_ in THIRD_PERSON or token.ent_type_ == "PERSON" or token.lemma_.lower() in PEOPLE


def _verb_of(span: Span) -> Token:
    verb = span.root
    while verb.pos_ not in {"VERB", "AUX"} and verb.head.i != verb.i:
        verb = verb.head
    return verb


def _told_of_someone_else(span: Span) -> bool:
    """The phrase's own clause has a subject, and it is not the person ("my neighbour collapsed")."""
    subjects = [t.lower_ for t in _verb_of(span).children if t.dep_ in {"nsubj", "nsubjpass"}]
    return bool(subjects) and not any(subject in FIRST_PERSON for subject in subjects)


def is_over_and_recovered(span: Span) -> bool:
    """The person's own trouble, told as past and recovered from ("I got help, I'm doing alright now")."""
    text = span.doc.text.lower()
    return bool(RECOVERED.search(text)) and not AGAIN.search(text)


def is_an_aim(span: Span) -> bool:
    """A goal about medicines ("to be able to take all my tablets myself"), not a dose taken."""
    before = span.doc[span.sent.start : span.start].text.lower()
    return bool(AIM.search(before))


def _opens_conditional(token: Token) -> bool:
    return token.lower_ in CONDITIONAL_MARKS and token.dep_ in {"mark", "advmod"}


def _clause_of(mark: Token) -> range:
    """The token positions of the clause a mark like "if" opens, up to the main clause."""
    verb = mark.head
    positions = [t.i for t in verb.subtree if t.i >= mark.i]
    # The parser sometimes hangs the main clause under the if-clause's verb:
    # the if-clause ends at the first comma or at the next clause with its own subject.
    end = max(positions, default=mark.i)
    subject_seen = False
    or_before_subject = False  # "if I'm stuck in bed, or the heart racing gets worse": still the if
    for token in mark.doc[mark.i + 1 : end + 1]:
        if _another_condition(token):
            subject_seen, or_before_subject = False, True
            continue
        is_subject = token.dep_ in {"nsubj", "nsubjpass"} and not _subordinate(token.head)
        joined = token.head.dep_ == "conj" and token.head.head == verb  # "if he came back and I felt..."
        if (
            token.text == ","
            or (_starts_main_clause(token, verb) and not or_before_subject)
            or (is_subject and subject_seen and not joined)
        ):
            end = token.i - 1  # a new subject begins the main clause
            break
        subject_seen = subject_seen or is_subject
        or_before_subject = or_before_subject and not is_subject
    return range(mark.i, end + 1)


def _another_condition(token: Token) -> bool:
    """A comma, or an "or", that goes on to another condition: ", or", "or if"."""
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    comma_or = token.text == "," and following is not None and following.lower_ == "or"
    return comma_or or token.lower_ == "or"


def _starts_main_clause(token: Token, conditional_verb: Token) -> bool:
    """A subject of a verb that is neither the if-clause's verb nor joined to it by "and"."""
    verb = token.head
    joined = verb.dep_ == "conj" and verb.head == conditional_verb
    is_subject = token.dep_ in {"nsubj", "nsubjpass"}
    return is_subject and verb != conditional_verb and not joined and not _subordinate(verb)


def _subordinate(verb: Token) -> bool:
    """A clause inside the condition ("if my shoulder is so bad that I cannot work")."""
    return any(child.dep_ == "mark" and child.lower_ in SUBORDINATING for child in verb.children)


def _clause_text(span: Span) -> str:
    """The words around a phrase up to the nearest commas: its own clause, roughly."""
    sentence = span.sent
    start = max((t.i for t in sentence if t.i < span.start and t.text == ","), default=sentence.start)
    end = min((t.i for t in sentence if t.i >= span.end and t.text == ","), default=sentence.end)
    return span.doc[start:end].text.lower()


def is_settled_and_past(span: Span, category: RiskCategory) -> bool:
    """A past event told as seen to and ended well, with nothing said of it now.

    "I had chest pains last month, they did an ECG and it was all fine"; "the man on the
    bus had a fit yesterday... the ambulance came". A sign of now ("...but it's back
    today") keeps it.
    """
    text = span.doc.text.lower()
    settled = LEFT_SAFELY if category == RiskCategory.SAFEGUARDING else SETTLED
    if not settled.search(text):
        return False
    if category != RiskCategory.MEDICAL_EMERGENCY and not is_someone_elses(span):
        return False  # "I cut myself last night, it was fine" is still the person's own
    own_time = span.sent.text.lower()
    told_as_past = bool(PAST_TIME.search(text)) or any(t.tag_ in {"VBD", "VBN"} for t in span.sent)
    return told_as_past and not SETTLED_BUT_NOW.search(settled.sub(" ", own_time))


def is_conditional_here(span: Span) -> bool:
    before = span.doc[span.sent.start : span.start].text.lower()
    return not WHETHER_IN_SHORT.search(before) and is_conditional(span)


def is_someone_elses_story_in_dialect(span: Span) -> bool:
    """ "Me da had a fit at Christmas": "me" is "my" here, so the story is someone else's, and over."""
    subjects = [t for t in _verb_of(span).children if t.dep_ in {"nsubj", "nsubjpass"}]
    if not subjects or not all(_me_as_my(t) for t in subjects):
        return False
    text = span.doc.text.lower()
    return bool(OVER_NOW.search(text)) and not NOW.search(span.sent.text.lower())


def _me_as_my(token: Token) -> bool:
    """ "me" before a word for a person ("me da", "me nan"), which the parser reads as two nouns."""
    if token.lower_ != "me" or token.i + 1 >= len(token.doc):
        return False
    following = token.doc[token.i + 1]
    return following.lemma_.lower() in PEOPLE | PEOPLE_AFTER_ME


def is_someone_elses(span: Span) -> bool:
    """The nearest subject above the phrase, outside it, is another person ("my daughter's
    friend was self harming": "self" is the phrase's own word, "friend" its subject)."""
    if is_told_of_someone_else(span):
        return True
    token = span.root
    for _ in range(4):
        subjects = [
            t for t in token.children if t.dep_ in {"nsubj", "nsubjpass"} and not span.start <= t.i < span.end
        ]
        if subjects:
            return all(_another_person(t) for t in subjects)
        if token.head.i == token.i:
            return False
        token = token.head
    return False
