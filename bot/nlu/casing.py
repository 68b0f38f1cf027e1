"""Messages typed in capitals, read as spaCy reads other text.

spaCy's small English model was trained on ordinary mixed case: "ME CUT ARM
AGAIN. BLOOD." gets no verbs and no lemmas, so the risk phrases (which match
lemmas) and the parse (who did what, and when) miss it. Many people type in
capitals: older people, people who find small letters hard to read, BSL users.
"""

from __future__ import annotations

MOSTLY = 0.8  # the share of letters in capitals that makes a message "in capitals"
AT_LEAST = 8  # letters: "OK" or "NHS 111" alone are not shouting


def as_spacy_reads_it(text: str) -> str:
    """The text lower-cased when it is typed in capitals; mixed case is left as written."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < AT_LEAST or sum(c.isupper() for c in letters) / len(letters) < MOSTLY:
        return text
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text  # character offsets must not move
