"""Text that is stored is stored without bidirectional control characters.

A right-to-left override (U+202E) makes text show in another order than it was
written: "approved 2025" can display as "5202 devorppa", a note can hide what it
says, a name can look like another. The console, the plan exports and a printed
copy would all show the reordered text. So the one function here takes them out
of anything stored, whoever wrote it: a professional in the console, a person in
the chat.

    without_bidi_controls(value)   the value with every bidi control removed: a str,
                                   or lists, tuples, dicts and dataclasses of them

Removed, not refused: a person's words are kept, just without the controls (no
one types them; right-to-left scripts show correctly without them, by the
Unicode bidi algorithm). Other characters are untouched.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, TypeVar

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the
# left-to-right and right-to-left marks (U+200E, U+200F) and the Arabic letter mark (U+061C).
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e" "\u2066\u2067\u2068\u2069" "\u200e\u200f" "\u061c"
)  # fmt: skip
_REMOVE = {ord(character): None for character in BIDI_CONTROLS}

T = TypeVar("T")


def without_bidi_controls(value: T) -> T:
    """`value` with the bidi controls taken out of every string in it (keys too); others unchanged."""
    return _clean(value)


def has_bidi_controls(text: str) -> bool:
    return not BIDI_CONTROLS.isdisjoint(text)


def _clean(value: Any) -> Any:
    if isinstance(value, Enum):  # a str-valued Enum is a str, but is no one's words
        return value
    if isinstance(value, str):
        return value.translate(_REMOVE) if has_bidi_controls(value) else value
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, tuple):
        return type(value)(*map(_clean, value)) if hasattr(value, "_fields") else tuple(map(_clean, value))
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: _clean(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.init
        }
        return dataclasses.replace(value, **changes)
    return value
