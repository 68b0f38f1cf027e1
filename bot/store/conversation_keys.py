"""The key a conversation is stored under in Rasa's tracker store: its practice and its sender id.

Rasa keys a conversation by its sender id alone (a phone number, a Telegram chat, a widget's
browser), and practices whose deployments share one tracker store database (`make run-scaled`
puts it beside the plans) would share conversations: Rasa would carry one practice's
conversation on at the other, and a transcript or an erasure would act on both. So our tracker
store (bot/store/tracker_store.py) keeps each conversation under `<practice>/<sender id>`, and
the console's transcripts (bot/store/transcripts.py) read it so; Rasa itself still sees the
sender id alone.

A `/` or `%` in a practice id is escaped, so no two (practice, sender id) pairs share a key.
Rows stored before this (under the sender id alone) are legacy rows: the tracker store claims
them for its practice when it first meets that sender id, and a transcript reads them while
no row of the practice's own exists.
"""

from __future__ import annotations

SEPARATOR = "/"


def conversation_key(practice_id: str, sender_id: str) -> str:
    practice = practice_id.replace("%", "%25").replace(SEPARATOR, "%2F")
    return f"{practice}{SEPARATOR}{sender_id}"


def key_prefix(practice_id: str) -> str:
    """What every key of this practice begins with."""
    return conversation_key(practice_id, "")
