"""The benchmark's figures as Markdown: printed, and written into BENCHMARKS.md between markers.

Every load ran once a round (bot/bench/rounds.py): a figure here is the median of the rounds,
and a ratio to the starter bot's carries its range, the lowest and the highest round's, which
decides whether a target is met, not met, or not shown by this run (bot/bench/targets.py). The
tables are bot/bench/tables.py's.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.bench import tables
from bot.bench.machine import machine
from bot.bench.measures import Figures

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def markdown(figures: Figures, cpuinfo: str | None = None, when: datetime | None = None) -> str:
    sections = [
        _header(figures, cpuinfo, when),
        tables.training_table(figures),
        tables.latency_table(figures),
        tables.rounds_table(figures),
        tables.positions_table(figures),
        tables.by_turn_table(figures),
        tables.memory_table(figures),
        tables.targets_table(figures),
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


def _header(figures: Figures, cpuinfo: str | None, when: datetime | None) -> str:
    when = when or datetime.now(timezone.utc)
    took = f" The whole run took {figures.run_seconds / 60:.0f} minutes." if figures.run_seconds else ""
    return (
        f"Run {when:%Y-%m-%d %H:%M} UTC on {machine(cpuinfo)}. "
        f"{figures.rounds} {'round' if figures.rounds == 1 else 'rounds'}, each load of ours followed by the "
        f"starter bot's at the same K: a figure is the median of the rounds, a ratio's range "
        f"(lowest-highest round) in brackets.{took}"
    )
