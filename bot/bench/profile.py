"""python -m bot.bench.profile: where a turn's time goes (make bench-profile).

Each model runs inside this process (Rasa's Agent, in-memory tracker store),
ours beside a real action server, and its patient goes through the whole
conversation a few times. It prints the milliseconds a turn spends in each
part of Rasa's graph (the NLU components and the policies) and in each call to
the action server, for our assistant and for the starter bot that `make bench`
trains, so the breakdown in BENCHMARKS.md can be checked. To time them, Rasa's
graph nodes and remote actions are wrapped, in this process only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from bot import rasa_server, training
from bot.bench import baseline
from bot.bench.conversation import PATIENT, Turn
from bot.bench.systems import BASELINE, OURS, WORK_DIR, action_server

WHOLE_TURN = "whole turn"


class Timings:
    """Seconds and calls per part of a turn."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def add(self, part: str, seconds: float) -> None:
        self.seconds[part] += seconds
        self.calls[part] += 1

    def table(self, system: str) -> str:
        turns = self.calls[WHOLE_TURN] or 1
        rows = [f"{system}: ms a turn (calls a turn), over {turns} turns"]
        for part, seconds in self.seconds.most_common():
            rows.append(f"  {part:<45} {seconds / turns * 1000:7.1f}  ({self.calls[part] / turns:.1f})")
        return "\n".join(rows)


@contextmanager
def timing_rasa(timings: Timings) -> Iterator[None]:
    """Time every graph node and action-server call Rasa makes while inside."""
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.graph import GraphNode

    node_call, remote_run = GraphNode.__call__, RemoteAction.run

    def timed_node(node: GraphNode, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return node_call(node, *args, **kwargs)
        finally:
            timings.add(_component(node._node_name), time.perf_counter() - started)

    async def timed_remote(action: RemoteAction, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return await remote_run(action, *args, **kwargs)
        finally:
            timings.add(f"action server: {action.name()}", time.perf_counter() - started)

    GraphNode.__call__, RemoteAction.run = timed_node, timed_remote  # type: ignore[method-assign]
    try:
        yield
    finally:
        GraphNode.__call__, RemoteAction.run = node_call, remote_run  # type: ignore[method-assign]


def _component(node_name: str) -> str:
    """ "run_DIETClassifier5" -> "DIETClassifier"."""
    return re.sub(r"^run_|\d+$", "", node_name)


async def profile(
    model: Path, turns: list[Turn], action_endpoint: dict[str, Any] | None, conversations: int
) -> Timings:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    endpoint = EndpointConfig(**action_endpoint) if action_endpoint else None
    agent = Agent.load(str(model), action_endpoint=endpoint)
    await agent.handle_text(turns[0][0], sender_id="warm-up")  # first calls load lazily: not counted
    timings = Timings()
    with timing_rasa(timings):
        for number in range(conversations):
            for message, _ in turns:
                started = time.perf_counter()
                await agent.handle_text(message, sender_id=f"profile-{number}")
                timings.add(WHOLE_TURN, time.perf_counter() - started)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3, help="whole conversations each (default 3)")
    args = parser.parse_args(argv)
    _quiet_rasa()
    rasa_server.apply_fix()  # as every Rasa server we start runs
    ours = training.ensure_model()
    starter, _ = baseline.prepare(WORK_DIR / "baseline", reuse=True)
    systems = (
        (OURS, ours, PATIENT, action_server(WORK_DIR / "profile")),
        (BASELINE, starter, baseline.TURNS, nullcontext(None)),
    )
    for system, model, turns, actions in systems:
        with actions as action_endpoint:
            timings = asyncio.run(profile(model, turns, action_endpoint, args.conversations))
        print(timings.table(system), flush=True)
    return 0


def _quiet_rasa() -> None:
    """Rasa logs each prediction at debug level: printing them would be what we measure."""
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


if __name__ == "__main__":
    raise SystemExit(main())
