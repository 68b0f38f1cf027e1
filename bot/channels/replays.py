"""Webhook requests handled already: each message is answered once.

Twilio and Telegram give every message an id (MessageSid, update_id). A request
that comes again, replayed by someone who saw it or sent again by a provider
that did not get our answer, would otherwise be answered twice and counted
twice in the interview. Ids are kept in this process's memory for a day, far
longer than any provider's retries: a restart forgets them, and with several
Rasa replicas each keeps its own (see bot/scaled/).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

REPLAY_WINDOW_SECONDS = 24 * 60 * 60
# A bound on memory, whoever holds a valid signature: a busy practice has a few thousand a day.
MAX_REMEMBERED = 100_000


class SeenIds:
    """Message ids seen within the last window, oldest first."""

    def __init__(
        self,
        window_seconds: float = REPLAY_WINDOW_SECONDS,
        limit: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window_seconds
        self._limit = limit
        self._clock = clock
        self._seen: dict[str, float] = {}  # id -> when seen, in the order seen

    async def once(self, message_id: str, handle: Callable[[], Awaitable[None]]) -> bool:
        """Runs `handle` unless this id was seen within the window; whether it ran.

        The id is taken before `handle` awaits anything, so a copy arriving meanwhile is
        ignored too. If handling fails the id is forgotten: the provider's retry is handled."""
        if not self._first_time(message_id):
            return False
        try:
            await handle()
        except BaseException:
            self._seen.pop(message_id, None)
            raise
        return True

    def _first_time(self, message_id: str) -> bool:
        now = self._clock()
        self._forget_older_than(now - self._window)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        if len(self._seen) > self._limit:
            del self._seen[next(iter(self._seen))]
        return True

    def _forget_older_than(self, moment: float) -> None:
        while self._seen:
            oldest, seen_at = next(iter(self._seen.items()))
            if seen_at > moment:
                return
            del self._seen[oldest]
