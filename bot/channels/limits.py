"""Over-long messages, refused in every channel before Rasa reads them.

Rasa's NLU (spaCy, then the risk detector) reads the whole of a message on the
server's event loop: about 3 seconds per 60,000 characters, while every other
person waits. So each channel (bot/channels) hands its messages to Rasa through
`refusing_too_long`: a message over MAX_MESSAGE_CHARS gets the kind "please
shorten" reply at once, through the channel it came by, and never reaches Rasa's
processor, so nothing of it is stored (no tracker event, no log of its words).

The interview's form (actions/interview.py) says the same words for the same
limit, should a long message ever reach it another way: `TOO_LONG` is here, for both.

Light on purpose: the action server imports it too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

# Said instead of an answer when a message is over the configured length (MAX_MESSAGE_CHARS).
TOO_LONG = (
    "Thank you. That's a lot to read in one go: could you say it in a shorter message, "
    "under {limit} characters? You can send the rest in your next answers."
)

OnNewMessage = Callable[["UserMessage"], Awaitable[Any]]


def configured_limit() -> int:
    """MAX_MESSAGE_CHARS, from the environment and .env (read when a channel is set up)."""
    return Settings.from_env().max_message_chars


def too_long(text: object, limit: int) -> bool:
    """Whether a message is over the limit (counted in characters, as the form counts them)."""
    return isinstance(text, str) and len(text) > limit


def too_long_reply(limit: int) -> str:
    return TOO_LONG.format(limit=limit)


def refusing_too_long(on_new_message: OnNewMessage, limit: int) -> OnNewMessage:
    """Rasa's message handler, with over-long messages answered here instead of by Rasa."""

    async def handle(message: UserMessage) -> Any:
        if not too_long(message.text, limit):
            return await on_new_message(message)
        # How long, never what it said.
        logger.warning(
            "Refused a %s message of %d characters (MAX_MESSAGE_CHARS is %d)",
            message.input_channel,
            len(message.text or ""),
            limit,
        )
        if message.output_channel is not None:
            await message.output_channel.send_response(message.sender_id, {"text": too_long_reply(limit)})
        return None

    return handle
