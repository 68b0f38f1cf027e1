"""The answer a question expects, found in a reply: a yes or a no, the next goal, the options chosen.

Pure functions over a normalised reply (reading_words.normalise); the words are in reading_words.yml.
"""

from __future__ import annotations

import re

from bot.careplan import reading_words as words
from bot.careplan.reading_kinds import Reading
from bot.careplan.reading_words import normalise


def read_yes_no(clean: str, question: str) -> Reading | None:
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


def with_item(found: Reading, text: str) -> Reading:
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
    return _begins_like_a_goal(clean) or _begins_like_a_goal(squeezed(clean))


def _begins_like_a_goal(clean: str) -> bool:
    goal = _GOAL_LEAD_IN.sub("", clean, count=1)
    return (
        has_content(goal)
        and words.matches_any(goal, words.GOAL_OPENINGS)
        and not words.matches_any(goal, words.NOT_A_GOAL)
    )


def could_be_a_goal(clean: str) -> bool:
    """A reply to "another goal?" with no yes or no in it: a goal, unless it talks about something else."""
    goal = _GOAL_LEAD_IN.sub("", clean, count=1)
    return has_content(goal) and not words.matches_any(goal, words.NOT_A_GOAL)


_GOAL_LEAD_IN = re.compile(
    r"^((sorry[ ,]+)?(if i may|if you don'?t mind|if thats? ok|if that'?s ok|if possible)[ ,]+)?"
    r"((second|third|next|another|my next|new) (goal|objective|one)( is)?\W+)?"
    r"((could|can|may) i (add|put down|put|have)\s+|(stick|put) down\W+)?"
    r"((lowkey|honestly|also|and|maybe|probably|um|erm|well|oh|ok|okay)\s+)*"
    r"((i'?d|i would|i should|i'?ll|i will|i want|i wanna|wanna|i'?m going|gonna|i'?d love|i would love)"
    r"(\s+also|\s+really)?(\s+like|\s+love)?(\s+to)?\s+)?((be )?able to\s+)?"
)


def squeezed(clean: str) -> str:
    """Doubled letters made single: "wouldd", "caan" (a shaking hand); real doubles go too, which
    is fine for matching words written with single letters ("could", "can")."""
    return re.sub(r"([a-z])\1", r"\1", clean)


def rest_after_first_clause(clean: str) -> str:
    parts = re.split(r"[.,;!?]\s*|\s+-\s+", clean, maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def has_content(clean: str) -> bool:
    """Says something: at least two words, or one that is not a filler."""
    tokens = re.findall(r"[a-z0-9']+", clean)
    return len(tokens) >= 2 or (len(tokens) == 1 and tokens[0] not in words.FILLERS)


def is_non_answer_about_numbers(clean: str) -> bool:
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
        kept = [m for p in patterns for m in p.finditer(sentence) if not _not_chosen(sentence, m)]
        if kept:
            chosen.append(option)
            if any(_preferred(sentence, m) for m in kept):
                preferred.append(option)
    if _OFFERS_ALTERNATIVES.search(sentence):
        return chosen  # "a phone call please, or a letter": both
    return preferred or chosen


_OFFERS_ALTERNATIVES = re.compile(r"\bor\b")


def _not_chosen(sentence: str, match: re.Match[str]) -> bool:
    """Said with a "not" ("not the phone", "family no"), or in a story of how things were."""
    before = sentence[max(0, match.start() - 30) : match.start()]
    after = sentence[match.end() : match.end() + 12]
    return bool(
        words.NEGATION_BEFORE.search(before)
        or words.NEGATION_AFTER.match(after)
        or words.TOLD_OF_THE_PAST.search(before)
    )


def _preferred(sentence: str, match: re.Match[str]) -> bool:
    before = sentence[max(0, match.start() - 20) : match.start()]
    after = sentence[match.end() : match.end() + 20]
    return bool(words.PREFERRED_BEFORE.search(before) or words.PREFERRED_AFTER.match(after))
