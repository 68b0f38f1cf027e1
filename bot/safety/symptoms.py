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


# One sign alone, said as something happening to the person: not clearly an
# emergency, but never let pass. The detector asks first ("is this happening
# now, and do you feel very unwell?"), offering 999 and 111 either way.
CHEST_ODD = _sign(
    r"\bchest\b[^.?!]{0,30}?\b(funny|flutter|twinge|odd|weird|strange)"
    r"|\b(twinges?|flutter\w*) in (my|me|ma) chest\b"
)
HEART_ODD = _sign(r"\bheart\b[^.?!]{0,25}?\b(fast|racing|pounding|funny|flutter|skipping|odd)")
SHORT_OF_BREATH = _sign(
    r"\b(puffed|breathless|short of breath|out of breath|hard to (catch|get) (my|me|ma) breath"
    r"|breathin'?g?'?s? (is )?(no great|not great|bad|tight)|struggling to breathe)\b"
)
DIZZY = _sign(
    r"\b(very dizzy|dizzy and|dizzy,|funny turn|went all wobbly|feel (a bit )?(odd|strange|groggy))\b"
)
SPEECH_OR_ONE_SIDE = _sign(
    r"\b(couldn'?t|could not|cant|can'?t) get (my|me|ma) words out\b"
    r"|\b(floppy|weak|droop\w*|numb) on one side\b|\bone side\b[^.?!]{0,20}\b(floppy|weak|droop\w*|numb)\b"
)
SIGHT_WENT = _sign(r"\b(eye|eyes|vision|sight)\b[^.?!]{0,15}\b(went|gone|going) (blurry|black|dark)\b")
SUGARS_WRONG = _sign(
    r"\bsugars? (have been |has been |are |is )?(all over the place|through the roof|really (high|low))\b"
)
TOOK_TOO_MUCH = _sign(
    r"\b(took|taken|had|have took) (a few |some )?(extra|too much|too many|double|more than)\b"
    r"[^.?!]{0,40}\b(tablets|pills|painkillers|insulin|dose|meds|medicine|paracetamol)\b"
    r"|\b(had|took) too much\b[^.?!]{0,30}\b(sleepy|strange|groggy|odd)\b"
    r"|\b(medicine|tablets|pills|painkillers)\b[^.?!]{0,30}\b(had|took) too (much|many)\b"
)
BLEEDING_ON_A_THINNER = _sign(
    r"\b(nosebleed|bleed\w*)\b[^.?!]{0,50}\b(warfarin|apixaban|rivaroxaban|blood thinners?)\b"
)
INDIGESTION_THAT_STAYS = _sign(r"\bindigestion\b[^.?!]{0,30}\b(won'?t|will not|doesn'?t) (shift|go|stop)\b")

SIGNS_TO_CHECK = tuple(
    SymptomPattern(name, (sign,))
    for name, sign in (
        ("chest feels wrong", CHEST),
        ("chest feels wrong", CHEST_AFTER),
        ("chest feels wrong", CHEST_ODD),
        ("heart racing or odd", HEART_ODD),
        ("short of breath", SHORT_OF_BREATH),
        ("dizzy", DIZZY),
        ("speech or one side", SPEECH_OR_ONE_SIDE),
        ("sight went", SIGHT_WENT),
        ("sugars wrong", SUGARS_WRONG),
        ("took too much", TOOK_TOO_MUCH),
        ("bleeding on a blood thinner", BLEEDING_ON_A_THINNER),
        ("indigestion that will not go", INDIGESTION_THAT_STAYS),
    )
)


def find_emergencies(text: str) -> list[tuple[str, int, int]]:
    """Each emergency pattern found: its name and where its first sign is."""
    return _find(PATTERNS, text)


def find_signs_to_check(text: str) -> list[tuple[str, int, int]]:
    """Each single sign found that is worth a gentle check."""
    return _find(SIGNS_TO_CHECK, text)


def _find(patterns: tuple[SymptomPattern, ...], text: str) -> list[tuple[str, int, int]]:
    found = []
    for pattern in patterns:
        match = pattern.find(text)
        if match:
            found.append((pattern.name, match.start(), match.end()))
    return found
