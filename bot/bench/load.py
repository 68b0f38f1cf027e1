"""The load generator: K simulated patients at once, each through a whole conversation (or a few,
one after another, each as a new person to the assistant).

asyncio drives the patients; each message is a blocking urllib request on a
thread of a pool as large as K, so K messages really are in flight at once.
"""

from __future__ import annotations

import asyncio
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.bench.conversation import Turn
from bot.chat import send

TURN_TIMEOUT_SECONDS = 120


@dataclass
class LoadResult:
    patients: int
    conversations: int = 1  # each patient's, one after another
    seconds: float = 0.0
    # (position in the conversation from 0, seconds) for every answered turn.
    latencies: list[tuple[int, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def turns_per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


def run_load(
    url: str, token: str, turns: list[Turn], patients: int, tag: str, conversations: int = 1
) -> LoadResult:
    """`patients` patients at once, each through `turns` `conversations` times (as a new sender each
    time), over the REST channel at `url`."""
    return asyncio.run(_run(url, token, turns, patients, tag, conversations))


async def _run(
    url: str, token: str, turns: list[Turn], patients: int, tag: str, conversations: int
) -> LoadResult:
    result = LoadResult(patients, conversations)
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=patients) as pool:
        started = time.perf_counter()
        run = time.time_ns()
        senders = [
            [f"bench-{tag}-{number}-{conversation}-{run}" for conversation in range(conversations)]
            for number in range(patients)
        ]
        await asyncio.gather(*(_patient(loop, pool, url, token, own, turns, result) for own in senders))
        result.seconds = time.perf_counter() - started
    return result


async def _patient(
    loop: asyncio.AbstractEventLoop,
    pool: ThreadPoolExecutor,
    url: str,
    token: str,
    senders: list[str],
    turns: list[Turn],
    result: LoadResult,
) -> None:
    for sender in senders:
        if not await _conversation(loop, pool, url, token, sender, turns, result):
            return  # a patient whose conversation went wrong stops there


async def _conversation(
    loop: asyncio.AbstractEventLoop,
    pool: ThreadPoolExecutor,
    url: str,
    token: str,
    sender: str,
    turns: list[Turn],
    result: LoadResult,
) -> bool:
    """One conversation through `turns`; whether every turn got its expected reply."""
    for position, (message, expected) in enumerate(turns):
        started = time.perf_counter()
        try:
            replies = await loop.run_in_executor(
                pool, send, url, token, sender, message, TURN_TIMEOUT_SECONDS
            )
        except (urllib.error.URLError, OSError, ValueError) as error:
            result.errors.append(f"turn {position + 1}: {type(error).__name__}: {error}")
            return False  # the rest of this conversation would be off its script
        elapsed = time.perf_counter() - started
        text = " ".join(reply.get("text", "") for reply in replies)
        if not replies or expected.lower() not in text.lower():
            result.errors.append(f"turn {position + 1}: expected {expected!r}, got {text[:80]!r}")
            return False
        result.latencies.append((position, elapsed))
    return True
