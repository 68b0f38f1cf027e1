"""A conversation's turns in Rasa's event log: what the Rasa server's tracker store and its
safety net (missed_flags.py) each read of the turn that has just ended."""

from __future__ import annotations

from collections.abc import Reversible

from rasa.shared.core.events import Event, UserUttered


def this_turn(events: Reversible[Event]) -> list[Event]:
    """The events since the person's last message, that message first: one walk back from the end."""
    turn: list[Event] = []
    for event in reversed(events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    return turn[::-1]
