"""The benchmark's figures as Markdown: printed, and written into BENCHMARKS.md between markers.

Every load ran once a round (bot/bench/rounds.py): a figure here is the median of the rounds,
and a ratio to the starter bot's carries its range, the lowest and the highest round's, which
decides whether a target is met, not met, or not shown by this run.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from bot.bench.load import LoadResult
from bot.bench.rounds import MET, NOT_MET, Spread, ratio, spread, verdict
from bot.bench.systems import BASELINE, OURS

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
# Issue 14's targets ("How it is shown"): what must hold, and what to aim for.
RASA_RSS_LIMIT_MB = 1024
TRAINING_LIMIT_SECONDS = 120
P95_RATIO_LIMIT = 1.5
GROWTH_LIMIT = 1.3  # the last turns' p50 over the first turns'
P95_RATIO_AIM = 1.0
THROUGHPUT_RATIO_AIM = 1.2
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


def markdown(figures: Figures, cpuinfo: str | None = None, when: datetime | None = None) -> str:
    sections = [
        _header(figures, cpuinfo, when),
        _training(figures),
        _latency(figures),
        _rounds(figures),
        _positions(figures),
        _by_turn(figures),
        _memory(figures),
        _targets(figures),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def write_into(path: Path, text: str) -> None:
    """Replace what is between the markers in `path` (or append them) with `text`."""
    document = path.read_text() if path.exists() else ""
    block = f"{START}\n{text}{END}"
    if START in document and END in document:
        before, rest = document.split(START, 1)
        document = before + block + rest.split(END, 1)[1]
    else:
        document = f"{document.rstrip()}\n\n{block}\n"
    path.write_text(document)


def cpu_model(cpuinfo: str) -> str:
    """The CPU's model name from /proc/cpuinfo's text (else what platform knows)."""
    return next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )


def _header(figures: Figures, cpuinfo: str | None, when: datetime | None) -> str:
    when = when or datetime.now(timezone.utc)
    took = f" The whole run took {figures.run_seconds / 60:.0f} minutes." if figures.run_seconds else ""
    return (
        f"Run {when:%Y-%m-%d %H:%M} UTC on {_machine(cpuinfo)}. "
        f"{figures.rounds} {'round' if figures.rounds == 1 else 'rounds'}, each load of ours followed by the "
        f"starter bot's at the same K: a figure is the median of the rounds, a ratio's range "
        f"(lowest-highest round) in brackets.{took}"
    )


def _machine(cpuinfo: str | None) -> str:
    cpu = cpu_model(_read("/proc/cpuinfo") if cpuinfo is None else cpuinfo)
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal:")), 0)  # fmt: skip
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Rasa {version('rasa')}"
    )


def _training(figures: Figures) -> str:
    rows = [f"| {system} | {_seconds(seconds)} |" for system, seconds in figures.training_seconds.items()]
    return "### Model training\n\n| system | seconds |\n|---|---|\n" + "\n".join(rows)


def _pairs(figures: Figures) -> list[tuple[str, int]]:
    """(config, K) in the order they ran, K ascending within a configuration."""
    configs = list(dict.fromkeys(config for config, _, _ in figures.loads))
    return [(config, k) for config in configs
            for k in sorted({k for c, _, k in figures.loads if c == config})]  # fmt: skip


def _rows(figures: Figures) -> list[tuple[str, int, str, list[LoadResult]]]:
    return [(config, k, system, figures.loads[(config, system, k)])
            for config, k in _pairs(figures) for system in SYSTEMS
            if (config, system, k) in figures.loads]  # fmt: skip


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _latency(figures: Figures) -> str:
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
            p95_text = _spread(p95_ratio(figures, config, patients))
            tps_text = _spread(throughput_ratio(figures, config, patients))
        rate = _median([load.turns_per_second for load in loads])
        lines.append(
            f"| {config} | {patients} | {system} | {rate:.1f} | "
            f"{_ms(_median([p(load, 0.5) for load in loads]))} | "
            f"{_ms(_median([p(load, 0.95) for load in loads]))} | "
            f"{_ms(_median([p(load, 0.99) for load in loads]))} | "
            f"{sum(len(load.errors) for load in loads)} | {p95_text} | {tps_text} |"
        )
    errors = [f"- {config} K={k} {system}, round {number}: {error}"
              for config, k, system, loads in _rows(figures)
              for number, load in enumerate(loads, start=1) for error in load.errors[:5]]  # fmt: skip
    return "\n".join(lines + (["", "First errors:", *errors] if errors else []))


def _rounds(figures: Figures) -> str:
    lines = [
        "### Each round: ours against the starter bot's, measured one after the other",
        "",
        "| config | K | round | p95 ms ours / stock | p95 ratio | turns/s ours / stock | turns/s ratio "
        "| errors ours / stock |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for config, patients in _pairs(figures):
        ours = figures.loads.get((config, OURS, patients), [])
        base = figures.loads.get((config, BASELINE, patients), [])
        for number, (our_load, base_load) in enumerate(zip(ours, base, strict=False), start=1):
            p95s = p(our_load, 0.95), p(base_load, 0.95)
            rates = our_load.turns_per_second, base_load.turns_per_second
            lines.append(
                f"| {config} | {patients} | {number} | {_ms(p95s[0])} / {_ms(p95s[1])} | "
                f"{_ratio_text(ratio(*p95s))} | {rates[0]:.1f} / {rates[1]:.1f} | "
                f"{_ratio_text(ratio(*rates))} | {len(our_load.errors)} / {len(base_load.errors)} |"
            )
    return "\n".join(lines)


def _positions(figures: Figures) -> str:
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
            _ms(_median([percentile(turns[end], share) for turns in split]))
            for share in (0.5, 0.95) for end in (0, 1)
        ]  # fmt: skip
        lines.append(
            f"| {config} | {patients} | {system} | {' | '.join(figure)} | "
            f"{_spread(spread([growth(load) for load in loads]))} |"
        )
    return "\n".join(lines)


def _by_turn(figures: Figures) -> str:
    """p50 of every turn of the conversation at the smallest K, where no queue hides its own cost."""
    pairs = _pairs(figures)
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
            cells.append(_ms(_median(values)) if values else "-")
        lines.append(f"| {position + 1} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _memory(figures: Figures) -> str:
    lines = ["### Peak memory (RSS) of each process, over all rounds", "",
             "| config | system | process | peak MB |", "|---|---|---|---|"]  # fmt: skip
    for (config, system), peaks in figures.rss_mb.items():
        lines += [f"| {config} | {system} | {name} | {mb:.0f} |" for name, mb in peaks.items()]
    return "\n".join(lines)


def targets(figures: Figures) -> list[tuple[str, str, str]]:
    """(target, the run's figure, MET / NOT_MET / NOT_SHOWN) for every target the run can judge:
    what must hold first, then what to aim for."""
    checks, aims = [], []
    for config, patients in _pairs(figures):
        ours = figures.loads.get((config, OURS, patients), [])
        if not ours:
            continue
        where = f"{config}, K={patients}:"
        if (config, BASELINE, patients) in figures.loads:
            p95 = p95_ratio(figures, config, patients)
            checks.append(_judged(f"{where} p95 at most {P95_RATIO_LIMIT} x baseline", p95, P95_RATIO_LIMIT))
            aims.append(_judged(f"{where} p95 at most {P95_RATIO_AIM} x baseline (aim)", p95, P95_RATIO_AIM))
            aims.append(_judged(
                f"{where} turns/s at least {THROUGHPUT_RATIO_AIM} x baseline (aim)",
                throughput_ratio(figures, config, patients), THROUGHPUT_RATIO_AIM, at_most=False,
            ))  # fmt: skip
        if patients >= 50:
            errors = [len(load.errors) for load in ours]
            checks.append((f"{where} no errors", _each_round(errors), MET if not any(errors) else NOT_MET))
        checks.append(_judged(
            f"{where} last {EDGE_TURNS} turns' p50 at most {GROWTH_LIMIT} x the first {EDGE_TURNS}'s",
            spread([growth(load) for load in ours]), GROWTH_LIMIT,
        ))  # fmt: skip
    ours_training = figures.training_seconds.get(OURS)
    if ours_training is not None:
        checks.append((f"training at most {TRAINING_LIMIT_SECONDS} s", f"{ours_training:.0f} s",
                       MET if ours_training <= TRAINING_LIMIT_SECONDS else NOT_MET))  # fmt: skip
    for (config, system), peaks in figures.rss_mb.items():
        if system == OURS:
            rasa = [mb for name, mb in peaks.items() if name.startswith("rasa")]
            checks.append((f"{config}: each Rasa server under {RASA_RSS_LIMIT_MB} MB",
                           f"{max(rasa, default=0):.0f} MB at most",
                           MET if all(mb < RASA_RSS_LIMIT_MB for mb in rasa) else NOT_MET))  # fmt: skip
    return checks + aims


def _judged(target: str, figure: Spread | None, limit: float, at_most: bool = True) -> tuple[str, str, str]:
    return target, _spread(figure), verdict(figure, limit, at_most)


def _targets(figures: Figures) -> str:
    rows = [f"| {name} | {figure} | {_verdict(result)} |" for name, figure, result in targets(figures)]
    return (
        "### Targets\n\n"
        "Met only when every round is within the target, not met only when every round misses it; "
        "a range across the target is not shown by this run.\n\n"
        "| target | median (range) | result |\n|---|---|---|\n" + "\n".join(rows)
    )


def _verdict(result: str) -> str:
    return f"**{result}**" if result == NOT_MET else result


def _spread(figure: Spread | None) -> str:
    return figure.format() if figure is not None else "-"


def _each_round(values: list[int]) -> str:
    return ", ".join(str(value) for value in values) + (" (each round)" if len(values) > 1 else "")


def _ratio_text(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _seconds(seconds: float | None) -> str:
    return f"{seconds:.0f}" if seconds is not None else "not measured (model reused)"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
