"""Reading structured facts out of the person's own words.

Pure functions: the words are always kept as they were; these only add what
can be worked out from them (a 0-10 number, a target date, a practice role).
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, timedelta

CONFIDENCE_NEEDING_BOOST = 7

_NUMBER_WORDS = {
    "zero": 0, "nought": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "a": 1, "an": 1, "a couple of": 2, "a few": 3, "couple of": 2, "few": 3,
}  # fmt: skip

# Phrases people use instead of a number, checked longest first.
_CONFIDENCE_PHRASES = {
    "not at all": 0, "not in the slightest": 0, "no chance": 0, "zero": 0,
    "not very": 3, "not really": 3, "not that": 3, "not so": 3, "not too": 3, "a bit": 4,
    "a little": 4, "unsure": 4, "so so": 5, "so-so": 5, "fifty fifty": 5, "50/50": 5,
    "50 50": 5, "half and half": 5, "middling": 5, "somewhat": 5, "fairly": 6, "quite": 7,
    "pretty": 7, "reasonably": 6, "very": 8, "really": 8, "extremely": 9, "totally": 10,
    "completely": 10, "absolutely": 10, "100%": 10, "certain": 10, "definitely": 10,
    "confident": 7,
}  # fmt: skip

_OUT_OF_TEN = re.compile(r"\b(\d{1,2}(?:\.\d)?)\s*(?:/|out of|outta|of)\s*10\b")
# A number that is not part of a word, a percentage or a length of time ("b4", "80%", "5 mins").
_BARE_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:\.\d)?)"
    r"(?!\d|\.\d| ?%| ?(?:min|mins|minute|minutes|hours?|days?|weeks?|months?|years?|yrs?)\b)"
)
_FIFTY_FIFTY = re.compile(r"\b50 ?[/-] ?50\b|\bfifty[ -]fifty\b")
# Number words as people type them on a phone.
_MISSPELT_NUMBERS = {
    "sevn": 7,
    "seben": 7,
    "svn": 7,
    "eigth": 8,
    "eigt": 8,
    "ate": 8,
    "fiev": 5,
    "fve": 5,
    "foor": 4,
    "nien": 9,
    "nein": 9,
    "sixx": 6,
    "tree": 3,
    "fore": 4,
}


# Numbers written as they sound ("for out of ten", "ate i think"): read as numbers only
# before "out of ten" or as the whole of a short reply, where no other sense fits.
_SOUNDS_LIKE_NUMBERS = {"won": 1, "too": 2, "to": 2, "tree": 3, "for": 4, "fore": 4, "sicks": 6, "ate": 8}
_SOUND_OUT_OF_TEN = re.compile(
    rf"\b({'|'.join(_SOUNDS_LIKE_NUMBERS)}) ?(?:out of|outta|of|/) ?(?:10|ten)\b"
    rf"|^\W*({'|'.join(_SOUNDS_LIKE_NUMBERS)})\W*"
    r"(?:i think|i reckon|i'?d say|maybe|prob(?:ably)?|tbh|ish)?\W*$"
)


def parse_confidence(text: str | None) -> int | None:
    """A confidence rating from 0 to 10, or None when none can be read.

    Understands "7", "about a 6", "7/10", "six out of ten", "6.5", "not very".
    """
    return parse_confidence_with_rest(text)[0]


# Number words that are a rating; "one" only when it stands as a number, not in "no one".
_RATING_WORDS = {w: v for w, v in _NUMBER_WORDS.items() if " " not in w and len(w) > 2 and w != "none"}
_RATING_WORDS.update({w: v for w, v in _MISSPELT_NUMBERS.items() if w not in ("ate", "tree", "fore")})
_RATING_WORD = re.compile(
    rf"(?<!no )(?<!every)(?<!some)(?<!any)\b({'|'.join(_RATING_WORDS)})(?: and a half)?\b"
    r"(?! (of|more|thing|day|week|goal|step|person|time)s?\b)"
)
_WORD_OUT_OF_TEN = re.compile(rf"\b({'|'.join(_RATING_WORDS)}) (?:out of|outta|of|/) ?(?:10|ten)\b")


def parse_confidence_with_rest(text: str | None) -> tuple[int | None, str]:
    """The first 0-10 rating in a reply, and the words said around it.

    "5. Would be higher if someone actually rang me." -> (5, "Would be higher if
    someone actually rang me."): the words are what would help.
    """
    if not text:
        return None, ""
    lowered = text.lower().strip()
    if match := _SETTLED_ON.search(lowered):  # "5 or 6, she says 6", "3 or 5, so say 4"
        return _number(match.group(1)), _rest(text, match, 1)
    if match := _FIFTY_FIFTY.search(lowered):
        return 5, _rest(text, match)
    if match := _SOUND_OUT_OF_TEN.search(lowered):
        return _SOUNDS_LIKE_NUMBERS[match.group(1) or match.group(2)], _rest(text, match)
    for pattern in (_OUT_OF_TEN, _BARE_NUMBER):
        for match in pattern.finditer(lowered):
            value = math.floor(float(match.group(1)) + 0.5)  # 6.5 is 7, as people mean it
            if 0 <= value <= 10:
                return value, _rest(text, match)
    if match := _WORD_OUT_OF_TEN.search(lowered) or _RATING_WORD.search(lowered):
        value = _RATING_WORDS[match.group(1)] + (1 if "half" in match.group(0) else 0)
        return min(value, 10), _rest(text, match)
    # The first phrase said carries the meaning: "not very confident" is "not very".
    found = []
    for phrase, value in _CONFIDENCE_PHRASES.items():
        if match := re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered):
            found.append((match.start(), -len(phrase), value))
    return (min(found)[2], "") if found else (None, "")


# A number said after another, with words that settle on it: the last one is meant.
_SETTLED_ON = re.compile(
    r"\b(?:\d{1,2}|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b.*"
    r"\b(?:so|yeah|yes|actually|no|so say|say|call it|make it|put|put me down as|go with|"
    r"i'?ll (?:say|go with)|let'?s (?:say|go with)|(?:he|she|they) says?)[ ,]+(?:a |an )?"
    r"(\d{1,2}|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b(?! (?:if|when|on|in)\b)(?!.*\b\d)"
)


def _number(said: str) -> int | None:
    value = int(said) if said.isdigit() else _NUMBER_WORDS[said]
    return value if 0 <= value <= 10 else None


# Words left around a rating that say nothing more ("maybe a 4" -> nothing).
_FILLER = re.compile(
    r"^(about|around|maybe|probably|i'?d say|prob|roughly|a|an|like|so|[.,;:!-])(\s+|$)", re.IGNORECASE
)


def _rest(text: str, match: re.Match[str], group: int = 0) -> str:
    """The reply without the rating (the match, or one group of it), when what is left says something."""
    rest = text[: match.start(group)] + " " + text[match.end(group) :]
    rest = re.sub(r"\s+", " ", rest).strip(" .,;:-!\n\t")
    while _FILLER.match(rest):
        rest = _FILLER.sub("", rest, count=1).strip(" .,;:-!")
    return rest if len(re.findall(r"[A-Za-z']+", rest)) >= 3 else ""


_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}
_AMOUNT = r"(\d+|a couple of|couple of|a few|few|an|a|one|two|three|four|five|six|seven|eight|nine|ten)"
_SPAN = re.compile(rf"\b{_AMOUNT}\s+(day|week|fortnight|month|year)s?\b")
_NEXT = re.compile(r"\bnext\s+(week|month|year)\b")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
# A month counts only after a word like "by": "I may try" is not a date.
_MONTH_REF = re.compile(
    rf"\b(?:by|in|until|before|for|from)\s+(?:the\s+)?(end\s+of\s+)?({'|'.join(_MONTHS)})\b"
)


def parse_target_date(timeframe: str | None, today: date) -> date | None:
    """The date a timeframe points at, where one can be worked out.

    "in 2 weeks", "a month", "next year", "by June", "by Christmas".
    Vague answers ("soon", "when I can") give None: the words are still kept.
    """
    if not timeframe:
        return None
    text = timeframe.lower()
    if span := _SPAN.search(text):
        amount = _amount(span.group(1))
        return _add(today, amount, span.group(2))
    if nxt := _NEXT.search(text):
        return _add(today, 1, nxt.group(1))
    if "christmas" in text:
        return _next_occurrence(today, 12, 25)
    if "end of the year" in text or "end of year" in text:
        return date(today.year, 12, 31)
    if month_ref := _MONTH_REF.search(text):
        month = _MONTHS[month_ref.group(2)]
        day = calendar.monthrange(today.year, month)[1] if month_ref.group(1) else 1
        target = date(today.year, month, day)
        return target if target >= today else _add(target, 1, "year")
    return None


def _amount(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text]


def _add(start: date, amount: int, unit: str) -> date:
    if unit in _UNIT_DAYS:
        return start + timedelta(days=amount * _UNIT_DAYS[unit])
    months = amount * (12 if unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def _next_occurrence(today: date, month: int, day: int) -> date:
    this_year = date(today.year, month, day)
    return this_year if this_year >= today else date(today.year + 1, month, day)


# What a person may ask for from the practice, and the words they use for it.
PRACTICE_ROLES = {
    "GP": ("gp", "doctor", "dr"),
    "practice nurse": ("nurse",),
    "pharmacist": ("pharmacist", "chemist", "pharmacy"),
    "health coach": ("health coach", "coach", "wellbeing coach"),
    "social prescriber": ("social prescriber", "social prescribing", "link worker"),
    "care coordinator": ("care coordinator", "care co-ordinator", "coordinator", "co-ordinator"),
}


def parse_practice_roles(text: str | None) -> list[str]:
    """The practice roles named in an answer, in a fixed order."""
    if not text:
        return []
    lowered = text.lower()
    return [
        role
        for role, words in PRACTICE_ROLES.items()
        if any(re.search(rf"\b{re.escape(w)}s?\b", lowered) for w in words)
    ]


# Words that point at a section of the plan, for "change my second goal".
SECTION_WORDS = {
    "what_matters": ("what matters", "good day", "do again", "matters to me"),
    "strengths": ("strength", "good at", "cope", "coping", "enjoy"),
    "concerns": ("concern", "worr", "health", "harder"),
    "goals": ("goal", "first step", "timeframe", "confidence", "target"),
    "support": ("support", "help", "who helps", "practice", "family", "friends", "carer"),
    "contact_preferences": ("contact", "phone", "call", "email", "text me", "letter"),
    "accessibility": ("accessib", "large print", "interpreter", "communication", "easy read"),
    "share_with": ("shar", "who can see", "who sees"),
    "contingency": ("worse", "contingency", "emergency plan", "crisis plan"),
}
_ORDINALS = {
    "first": 1, "1st": 1, "one": 1, "second": 2, "2nd": 2, "two": 2, "third": 3, "3rd": 3,
    "three": 3, "last": -1,
}  # fmt: skip


def parse_section_reference(text: str | None) -> tuple[str | None, int | None]:
    """Which section (and which goal) a request like "change my second goal" means."""
    if not text:
        return None, None
    lowered = text.lower()
    goal_number = None
    goal_match = re.search(r"\b(first|1st|second|2nd|third|3rd|last)\s+goal\b", lowered) or re.search(
        r"\bgoal\s*(?:number\s*)?(one|two|three|\d)\b", lowered
    )
    if goal_match:
        word = goal_match.group(1)
        goal_number = int(word) if word.isdigit() else _ORDINALS[word]
        return "goals", goal_number
    asked = _the_change_asked_for(lowered)
    for section, words in SECTION_WORDS.items():
        if any(re.search(rf"\b{re.escape(w)}", asked) for w in words):
            return section, None
    return None, None


# Words that ask for a change; the sentence holding them names the part, not the reasons after it.
_CHANGE_WORDS = re.compile(r"\b(change|edit|correct|fix|redo|go back|swap|amend|update|alter|wrong|mistake)")


def _the_change_asked_for(lowered: str) -> str:
    """The sentences that ask for the change: "can I change the guitar one? I'd rather do running,
    it helps my head" names no part (so the one being asked is meant), though "helps" sounds like
    support."""
    sentences = [s for s in re.split(r"[.!?]+", lowered) if _CHANGE_WORDS.search(s)]
    return " ".join(sentences) if sentences else lowered
