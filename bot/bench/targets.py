"""Issue 14's targets ("How it is shown"): what must hold and what to aim for, each judged met,
not met, or not shown by this run from the range of its rounds."""

from __future__ import annotations

from bot.bench.cells import spread_text
from bot.bench.measures import EDGE_TURNS, Figures, config_k_pairs, growth, p95_ratio, throughput_ratio
from bot.bench.rounds import MET, NOT_MET, Spread, spread, verdict
from bot.bench.systems import BASELINE, OURS

RASA_RSS_LIMIT_MB = 1024
TRAINING_LIMIT_SECONDS = 120
P95_RATIO_LIMIT = 1.5
GROWTH_LIMIT = 1.3  # the last turns' p50 over the first turns'
P95_RATIO_AIM = 1.0
THROUGHPUT_RATIO_AIM = 1.2


def targets(figures: Figures) -> list[tuple[str, str, str]]:
    """(target, the run's figure, MET / NOT_MET / NOT_SHOWN) for every target the run can judge:
    what must hold first, then what to aim for."""
    checks, aims = [], []
    for config, patients in config_k_pairs(figures):
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
    return target, spread_text(figure), verdict(figure, limit, at_most)


def _each_round(values: list[int]) -> str:
    return ", ".join(str(value) for value in values) + (" (each round)" if len(values) > 1 else "")
