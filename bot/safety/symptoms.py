"""Emergencies as people describe them: a pattern of symptoms, not a name.

Few people having a heart attack write "heart attack". They write what they
feel: "my chest is so tight, it's going into my arm and jaw, all sweaty".
Each pattern here is a set of signs that, together in one message, describe
an emergency; one sign alone does not ("my arm aches"). The detector reads
the match in its context like any other (a plan for if it happens, a story
that is over, a known condition), so "if I get chest pain I ring 999" stays
a plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SymptomPattern:
    name: str
    signs: tuple[re.Pattern[str], ...]  # every sign must be in the message

    def find(self, text: str) -> re.Match[str] | None:
        """The first sign's match when every sign is there, else None."""
        matches = [sign.search(text) for sign in self.signs]
        return matches[0] if all(matches) else None


def _sign(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


CHEST = _sign(
    r"\b(chest|chess|heart)\b[^.?!]{0,40}?"
    r"\b(tight|heavy|crush|crushin|pain|hurt|vice|band|pressure|squeez|sat on|sitting on|ache)"
)
CHEST_AFTER = _sign(
    r"\b(tight|heavy|crushing|crushin|pain|pressure|squeez)\w*\b[^.?!]{0,20}?"
    r"\b(in|on|across|round) (my|me|ma|his|her|the) (chest|chess)\b"
)
SPREADING_OR_SWEATING = _sign(
    r"\b(arm|jaw|neck|shoulder|sweat|sweaty|sweating|clammy|grey|gray|sick|dizzy|faint)"
)
FACE = _sign(r"\b(face|mouth)\b[^.?!]{0,30}?\b(droop|numb|lopsided|different|fallen|dropped|dropping)")
SPEECH_OR_LIMB = _sign(r"\b(slur|words|speech|arm|leg|hand)\w*\b")
SLURRING = _sign(r"\bslurr?(ing|ed|in)\b")
NOT_RESPONDING = _sign(
    r"\b(he|she|hes|shes|he's|she's|they|mum|dad|wife|husband|son|daughter)\b[^.?!]{0,12}"
    r"\b(not|n't|no|isn't|isnt) "
    r"(wake|waking|answering|responding|breathing properly)\b|\bfall down\b"
)
COLLAPSED = _sign(r"\b(collapsed|fell|fall|fallen|passed out|on the floor)\b")
METER_LO_HI = _sign(r"\bmeter (just )?(says|reads|shows) (lo|hi)\b")
BREATHLESS = _sign(
    r"\b(cannae|canny|cant|can't|cannot) (get|catch) (ma|my|me) breath\b|\bgasping\b"
    r"|\blips (are |going |gone |turning )?(a bit )?blue\b"
)
BLEEDING = _sign(r"\b(bleed|bleeding|blood)\b")
HEAVY = _sign(r"\b(heavy|heavily|a lot|will not stop|won'?t stop|still coming|soaking)\b")
LONG_FIT = _sign(r"\b(fitting|fit)\b[^.?!]{0,60}\b(minutes|not coming out|haven't worked|havent worked)")
OVERDOSE = _sign(
    r"\b(swallowed|took|taken|have took|had) "
    r"(a |all |the |double |too much |a whole |whole |a load of |a over )"
    r"[^.?!]{0,30}\b(tablets|pills|insulin|dose|meds|medicine|box|packet|bottle)"
)

PATTERNS = (
    SymptomPattern("chest pain spreading or with sweating", (CHEST, SPREADING_OR_SWEATING)),
    SymptomPattern("chest pain spreading or with sweating", (CHEST_AFTER, SPREADING_OR_SWEATING)),
    SymptomPattern("face drooping with weak limb or speech", (FACE, SPEECH_OR_LIMB)),
    SymptomPattern("slurred speech", (SLURRING,)),
    SymptomPattern("collapsed and not responding", (COLLAPSED, NOT_RESPONDING)),
    SymptomPattern("not responding", (NOT_RESPONDING,)),
    SymptomPattern("blood sugar off the meter", (METER_LO_HI,)),
    SymptomPattern("cannot breathe", (BREATHLESS,)),
    SymptomPattern("bleeding that will not stop", (BLEEDING, HEAVY)),
    SymptomPattern("a fit that goes on", (LONG_FIT,)),
    SymptomPattern("an overdose taken", (OVERDOSE,)),
)


def find_emergencies(text: str) -> list[tuple[str, int, int]]:
    """Each emergency pattern found: its name and where its first sign is."""
    found = []
    for pattern in PATTERNS:
        match = pattern.find(text)
        if match:
            found.append((pattern.name, match.start(), match.end()))
    return found
