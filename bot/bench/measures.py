"""The figures a benchmark run collects (Figures), and the measures drawn from them: percentiles,
the growth of a turn's cost along the conversation, ratios to the starter bot's round by round."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.bench.load import LoadResult
from bot.bench.rounds import Spread, ratio, spread
from bot.bench.systems import BASELINE, OURS

EDGE_TURNS = 3  # "first turns" and "last turns": this many at each end
SYSTEMS = (BASELINE, OURS)  # the order of a table's rows


@dataclass
class Figures:
    rounds: int = 1
    # (config, system, K) -> one load a round, in the order of the rounds.
    loads: dict[tuple[str, str, int], list[LoadResult]] = field(default_factory=dict)
    rss_mb: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # (config, system)
    training_seconds: dict[str, float | None] = field(default_factory=dict)  # system -> seconds
    run_seconds: float | None = None  # the whole run's, training included


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 = p95); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def p(load: LoadResult, share: float) -> float:
    """A load's turn-latency percentile, in seconds."""
    return percentile([seconds for _, seconds in load.latencies], share)


def edges(load: LoadResult) -> tuple[list[float], list[float]]:
    """The latencies of the first EDGE_TURNS turns of the conversation, and of the last ones."""
    last = max((position for position, _ in load.latencies), default=0)
    first_turns = [seconds for position, seconds in load.latencies if position < EDGE_TURNS]
    last_turns = [seconds for position, seconds in load.latencies if position > last - EDGE_TURNS]
    return first_turns, last_turns


def growth(load: LoadResult) -> float | None:
    """The last turns' p50 over the first turns': how much dearer a turn gets with the conversation."""
    first_turns, last_turns = edges(load)
    if not first_turns or not last_turns:
        return None
    return ratio(percentile(last_turns, 0.5), percentile(first_turns, 0.5))


def round_ratios(
    figures: Figures, config: str, patients: int, measure: Callable[[LoadResult], float | None]
) -> list[float | None]:
    """Ours over the starter bot's, round by round (each pair measured one after the other)."""
    ours = figures.loads.get((config, OURS, patients), [])
    base = figures.loads.get((config, BASELINE, patients), [])
    ratios: list[float | None] = []
    for our_load, base_load in zip(ours, base, strict=False):
        our_value, base_value = measure(our_load), measure(base_load)
        ratios.append(None if our_value is None or base_value is None else ratio(our_value, base_value))
    return ratios


def p95_ratio(figures: Figures, config: str, patients: int) -> Spread | None:
    # A load that answered no turn has no p95 (not one of 0 ms, which would meet any target).
    return spread(
        round_ratios(figures, config, patients, lambda load: p(load, 0.95) if load.latencies else None)
    )


def throughput_ratio(figures: Figures, config: str, patients: int) -> Spread | None:
    return spread(round_ratios(figures, config, patients, lambda load: load.turns_per_second))


def config_k_pairs(figures: Figures) -> list[tuple[str, int]]:
    """(config, K) in the order they ran, K ascending within a configuration."""
    configs = list(dict.fromkeys(config for config, _, _ in figures.loads))
    return [(config, k) for config in configs
            for k in sorted({k for c, _, k in figures.loads if c == config})]  # fmt: skip
