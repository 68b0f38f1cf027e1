"""The report's tables, one a function: training, throughput and latency, each round, latency by
position and by turn, peak memory, and the targets' results."""

from __future__ import annotations

import statistics

from bot.bench.cells import ms, ratio_text, seconds_text, spread_text
from bot.bench.load import LoadResult
from bot.bench.measures import (
    EDGE_TURNS,
    SYSTEMS,
    Figures,
    config_k_pairs,
    edges,
    growth,
    p,
    p95_ratio,
    percentile,
    throughput_ratio,
)
from bot.bench.rounds import NOT_MET, ratio, spread
from bot.bench.systems import BASELINE, OURS
from bot.bench.targets import targets


def training_table(figures: Figures) -> str:
    rows = [f"| {system} | {seconds_text(seconds)} |" for system, seconds in figures.training_seconds.items()]
    return "### Model training\n\n| system | seconds |\n|---|---|\n" + "\n".join(rows)


def _rows(figures: Figures) -> list[tuple[str, int, str, list[LoadResult]]]:
    return [(config, k, system, figures.loads[(config, system, k)])
            for config, k in config_k_pairs(figures) for system in SYSTEMS
            if (config, system, k) in figures.loads]  # fmt: skip


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def latency_table(figures: Figures) -> str:
    lines = [
        "### Turns: throughput and latency (REST channel, K patients at once)",
        "",
        "| config | K | system | turns/s | p50 ms | p95 ms | p99 ms | errors "
        "| p95 / baseline | turns/s / baseline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for config, patients, system, loads in _rows(figures):
        p95_text = tps_text = "-"
        if system == OURS:
            p95_text = spread_text(p95_ratio(figures, config, patients))
            tps_text = spread_text(throughput_ratio(figures, config, patients))
        rate = _median([load.turns_per_second for load in loads])
        lines.append(
            f"| {config} | {patients} | {system} | {rate:.1f} | "
            f"{ms(_median([p(load, 0.5) for load in loads]))} | "
            f"{ms(_median([p(load, 0.95) for load in loads]))} | "
            f"{ms(_median([p(load, 0.99) for load in loads]))} | "
            f"{sum(len(load.errors) for load in loads)} | {p95_text} | {tps_text} |"
        )
    errors = [f"- {config} K={k} {system}, round {number}: {error}"
              for config, k, system, loads in _rows(figures)
              for number, load in enumerate(loads, start=1) for error in load.errors[:5]]  # fmt: skip
    return "\n".join(lines + (["", "First errors:", *errors] if errors else []))


def rounds_table(figures: Figures) -> str:
    lines = [
        "### Each round: ours against the starter bot's, measured one after the other",
        "",
        "| config | K | round | p95 ms ours / stock | p95 ratio | turns/s ours / stock | turns/s ratio "
        "| errors ours / stock |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for config, patients in config_k_pairs(figures):
        ours = figures.loads.get((config, OURS, patients), [])
        base = figures.loads.get((config, BASELINE, patients), [])
        for number, (our_load, base_load) in enumerate(zip(ours, base, strict=False), start=1):
            p95s = p(our_load, 0.95), p(base_load, 0.95)
            rates = our_load.turns_per_second, base_load.turns_per_second
            lines.append(
                f"| {config} | {patients} | {number} | {ms(p95s[0])} / {ms(p95s[1])} | "
                f"{ratio_text(ratio(*p95s))} | {rates[0]:.1f} / {rates[1]:.1f} | "
                f"{ratio_text(ratio(*rates))} | {len(our_load.errors)} / {len(base_load.errors)} |"
            )
    return "\n".join(lines)


def positions_table(figures: Figures) -> str:
    lines = [
        f"### Latency by position: the first {EDGE_TURNS} turns against the last {EDGE_TURNS}",
        "",
        "| config | K | system | p50 first ms | p50 last ms | p95 first ms | p95 last ms "
        "| p50 last / first |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config, patients, system, loads in _rows(figures):
        split = [edges(load) for load in loads]
        figure = [
            ms(_median([percentile(turns[end], share) for turns in split]))
            for share in (0.5, 0.95) for end in (0, 1)
        ]  # fmt: skip
        lines.append(
            f"| {config} | {patients} | {system} | {' | '.join(figure)} | "
            f"{spread_text(spread([growth(load) for load in loads]))} |"
        )
    return "\n".join(lines)


def by_turn_table(figures: Figures) -> str:
    """p50 of every turn of the conversation at the smallest K, where no queue hides its own cost."""
    pairs = config_k_pairs(figures)
    if not pairs:
        return ""
    smallest = min(k for _, k in pairs)
    columns = [(config, system) for config, k in pairs if k == smallest for system in SYSTEMS
               if (config, system, k) in figures.loads]  # fmt: skip
    positions = sorted({position for config, system in columns
                        for load in figures.loads[(config, system, smallest)]
                        for position, _ in load.latencies})  # fmt: skip
    lines = [
        f"### Latency by turn at K = {smallest}: p50 ms of each turn, median of the rounds",
        "",
        "| turn | " + " | ".join(f"{config} {system}" for config, system in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for position in positions:
        cells = []
        for config, system in columns:
            per_round = [[s for at, s in load.latencies if at == position]
                         for load in figures.loads[(config, system, smallest)]]  # fmt: skip
            values = [percentile(turns, 0.5) for turns in per_round if turns]
            cells.append(ms(_median(values)) if values else "-")
        lines.append(f"| {position + 1} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(figures: Figures) -> str:
    lines = ["### Peak memory (RSS) of each process, over all rounds", "",
             "| config | system | process | peak MB |", "|---|---|---|---|"]  # fmt: skip
    for (config, system), peaks in figures.rss_mb.items():
        lines += [f"| {config} | {system} | {name} | {mb:.0f} |" for name, mb in peaks.items()]
    return "\n".join(lines)


def targets_table(figures: Figures) -> str:
    rows = [f"| {name} | {figure} | {_verdict(result)} |" for name, figure, result in targets(figures)]
    return (
        "### Targets\n\n"
        "Met only when every round is within the target, not met only when every round misses it; "
        "a range across the target is not shown by this run.\n\n"
        "| target | median (range) | result |\n|---|---|---|\n" + "\n".join(rows)
    )


def _verdict(result: str) -> str:
    return f"**{result}**" if result == NOT_MET else result
