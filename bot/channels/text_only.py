"""Buttons on channels that can only carry text (SMS, WhatsApp through Twilio).

A message with buttons is sent as text with numbered options; a reply of a
number ("2", "2.", " 2 ") or of an option's words chooses that button. The
buttons a reply can choose from are the ones the bot sent last, read from the
conversation's tracker: any Rasa replica may take the next message, so nothing
is kept in this process's memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nothing heavy at import: the terminal chat (bot/chat.py) uses this module too
    from rasa.shared.core.events import Event
    from sanic.request import Request

Button = Mapping[str, Any]  # Rasa's {"title": ..., "payload": ...}

REPLY_HINT = "Reply with a number, or in your own words."
ONLY_TEXT = "Sorry, I can only read typed messages. Please type your answer."

_NUMBER = re.compile(r"^(\d{1,2})\.?$")
# Phones often turn ' into ’ as people type.
_TYPOGRAPHIC = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def with_numbered_options(text: str, buttons: Sequence[Button]) -> str:
    """The message, then one numbered line per button, then how to answer."""
    options = "\n".join(f"{number}. {button['title']}" for number, button in enumerate(buttons, start=1))
    return f"{text}\n\n{options}\n\n{REPLY_HINT}" if text else f"{options}\n\n{REPLY_HINT}"


def chosen_payload(reply: str, buttons: Sequence[Button]) -> str | None:
    """The payload of the button a reply chooses by number or by title, else None."""
    answer = reply.strip()
    number = _NUMBER.match(answer)
    if number:
        index = int(number.group(1)) - 1
        return str(buttons[index]["payload"]) if 0 <= index < len(buttons) else None
    typed = _comparable(answer)
    for button in buttons:
        if _comparable(str(button["title"])) == typed:
            return str(button["payload"])
    return None


def last_buttons(events: Iterable[Event]) -> list[Button]:
    """The buttons of the bot's latest message, if the person has not answered it yet.

    Only the very latest: a number typed in answer to a later question without
    buttons ("how sure are you, 0 to 10?") must stay a number."""
    for event in reversed(list(events)):
        if event.type_name == "user":
            return []
        if event.type_name == "bot":
            return list(event.data.get("buttons") or [])
    return []


def split_to_fit(text: str, limit: int) -> list[str]:
    """The text in parts of at most `limit` characters, broken between paragraphs,
    lines or words where it can be (an SMS holds 1,600 characters, Telegram 4,096)."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


async def as_payload_if_chosen(request: Request, sender_id: str, text: str) -> str:
    """The payload of the button this reply chooses, or the reply unchanged."""
    tracker = await request.app.ctx.agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return text
    return chosen_payload(text, last_buttons(tracker.events)) or text


def _cut_point(text: str, limit: int) -> int:
    """Where to break: a paragraph or line end in the second half of the part, else a space."""
    for separator in ("\n\n", "\n"):
        cut = text.rfind(separator, 0, limit + 1)
        if cut > limit // 2:
            return cut
    cut = text.rfind(" ", 0, limit + 1)
    return cut if cut > 0 else limit  # one unbroken word longer than the limit


def _comparable(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHIC).casefold().split()).rstrip(".!")
