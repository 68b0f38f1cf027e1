"""The benchmark's figures as Markdown: printed, and written into BENCHMARKS.md between markers."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from bot.bench.load import LoadResult
from bot.bench.systems import BASELINE, OURS

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
RASA_RSS_LIMIT_MB = 1536
TRAINING_LIMIT_SECONDS = 300
P95_RATIO_LIMIT = 1.5
EDGE_TURNS = 3  # "first turns" and "last turns": this many at each end


@dataclass
class Figures:
    loads: dict[tuple[str, str, int], LoadResult] = field(default_factory=dict)  # (config, system, K)
    rss_mb: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)  # (config, system)
    training_seconds: dict[str, float | None] = field(default_factory=dict)  # system -> seconds


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 = p95); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def markdown(figures: Figures) -> str:
    sections = [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {_machine()}.",
        _training(figures),
        _latency(figures),
        _positions(figures),
        _memory(figures),
        _targets(figures),
    ]
    return "\n\n".join(sections) + "\n"


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


def _machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
         if line.startswith("model name")), platform.processor() or "unknown CPU",
    )  # fmt: skip
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal:")), 0)  # fmt: skip
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Rasa {version('rasa')}"
    )


def _training(figures: Figures) -> str:
    rows = [f"| {system} | {_seconds(seconds)} |" for system, seconds in figures.training_seconds.items()]
    return "### Model training\n\n| system | seconds |\n|---|---|\n" + "\n".join(rows)


def _latency(figures: Figures) -> str:
    lines = [
        "### Turns: throughput and latency (REST channel, K patients at once)",
        "",
        "| config | K | system | turns/s | p50 ms | p95 ms | p99 ms | errors "
        "| p95 / baseline | turns/s / baseline |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for (config, system, patients), load in figures.loads.items():
        seconds = [latency for _, latency in load.latencies]
        baseline = figures.loads.get((config, BASELINE, patients))
        p95_ratio = tps_ratio = "-"
        if system == OURS and baseline is not None:
            base_p95 = percentile([latency for _, latency in baseline.latencies], 0.95)
            p95_ratio = _ratio(percentile(seconds, 0.95), base_p95)
            tps_ratio = _ratio(load.turns_per_second, baseline.turns_per_second)
        lines.append(
            f"| {config} | {patients} | {system} | {load.turns_per_second:.1f} | "
            f"{_ms(percentile(seconds, 0.5))} | {_ms(percentile(seconds, 0.95))} | "
            f"{_ms(percentile(seconds, 0.99))} | {len(load.errors)} | {p95_ratio} | {tps_ratio} |"
        )
    errors = [f"- {config} K={k} {system}: {error}" for (config, system, k), load in figures.loads.items()
              for error in load.errors[:5]]  # fmt: skip
    return "\n".join(lines + (["", "First errors:", *errors] if errors else []))


def _positions(figures: Figures) -> str:
    lines = [
        f"### Latency by position: the first {EDGE_TURNS} turns against the last {EDGE_TURNS}",
        "",
        "| config | K | system | p50 first ms | p50 last ms | p95 first ms | p95 last ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for (config, system, patients), load in figures.loads.items():
        last = max((position for position, _ in load.latencies), default=0)
        first_turns = [s for position, s in load.latencies if position < EDGE_TURNS]
        last_turns = [s for position, s in load.latencies if position > last - EDGE_TURNS]
        lines.append(
            f"| {config} | {patients} | {system} | {_ms(percentile(first_turns, 0.5))} | "
            f"{_ms(percentile(last_turns, 0.5))} | {_ms(percentile(first_turns, 0.95))} | "
            f"{_ms(percentile(last_turns, 0.95))} |"
        )
    return "\n".join(lines)


def _memory(figures: Figures) -> str:
    lines = ["### Peak memory (RSS) of each process", "", "| config | system | process | peak MB |",
             "|---|---|---|---|"]  # fmt: skip
    for (config, system), peaks in figures.rss_mb.items():
        lines += [f"| {config} | {system} | {name} | {mb:.0f} |" for name, mb in peaks.items()]
    return "\n".join(lines)


def _targets(figures: Figures) -> str:
    checks = []
    for (config, system, patients), load in figures.loads.items():
        if system != OURS:
            continue
        baseline = figures.loads.get((config, BASELINE, patients))
        if patients >= 50:
            checks.append((f"{config}, K={patients}: no errors", not load.errors))
        if baseline is not None:
            ours_p95 = percentile([s for _, s in load.latencies], 0.95)
            base_p95 = percentile([s for _, s in baseline.latencies], 0.95)
            checks.append((f"{config}, K={patients}: p95 at most {P95_RATIO_LIMIT} x baseline",
                           ours_p95 <= P95_RATIO_LIMIT * base_p95))  # fmt: skip
    ours_training = figures.training_seconds.get(OURS)
    if ours_training is not None:
        checks.append(
            (f"training at most {TRAINING_LIMIT_SECONDS} s", ours_training <= TRAINING_LIMIT_SECONDS)
        )
    for (config, system), peaks in figures.rss_mb.items():
        if system == OURS:
            rasa = [mb for name, mb in peaks.items() if name.startswith("rasa")]
            checks.append((f"{config}: each Rasa server under {RASA_RSS_LIMIT_MB} MB",
                           all(mb < RASA_RSS_LIMIT_MB for mb in rasa)))  # fmt: skip
    rows = [f"| {name} | {'met' if met else '**not met**'} |" for name, met in checks]
    return "### Targets\n\n| target | result |\n|---|---|\n" + "\n".join(rows)


def _ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}" if baseline else "-"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _seconds(seconds: float | None) -> str:
    return f"{seconds:.0f}" if seconds is not None else "not measured (model reused)"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
