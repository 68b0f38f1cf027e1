"""Rounds: the order the loads run in, and what a figure measured once a round can be said to show.

One run on a shared machine moves a ratio by as much as 0.4 from one day to the
next, so every load runs several rounds, ours and the starter bot's one after the
other (ours, stock, ours, stock, ...), and each round gives one ratio of two loads
measured a minute apart. The median of those ratios is the figure; their range
(lowest to highest) is how far it can be trusted. A target is met only when the
whole range is within it, missed only when the whole range is outside it, and
otherwise the run does not show either.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

MET, NOT_MET, NOT_SHOWN = "met", "not met", "not shown"


@dataclass(frozen=True)
class Step:
    round: int  # from 1
    patients: int  # K
    system: str


def schedule(patients: list[int], rounds: int, systems: tuple[str, str]) -> list[Step]:
    """Every load of one configuration in the order it runs: round by round, each K in turn,
    and at each K the two systems one after the other (ours, stock, ours, stock, ...)."""
    return [
        Step(number, k, system) for number in range(1, rounds + 1) for k in patients for system in systems
    ]


def conversations_per_patient(patients: int, at_least: int) -> int:
    """Conversations each of K patients goes through, one after another, so that a load holds
    at least `at_least` of them: K = 1 alone gives too few turns for a p95 worth the name."""
    return max(1, -(-at_least // max(1, patients)))


@dataclass(frozen=True)
class Spread:
    """A figure measured once a round: the median, and the lowest and highest round."""

    median: float
    low: float
    high: float
    unmeasured: int = 0  # rounds without a value (e.g. no turn answered): they could be anything

    def format(self, digits: int = 2) -> str:
        text = f"{self.median:.{digits}f}"
        if self.low != self.high:
            text += f" ({self.low:.{digits}f}-{self.high:.{digits}f})"
        if self.unmeasured:
            text += f", {self.unmeasured} {'round' if self.unmeasured == 1 else 'rounds'} not measured"
        return text


def spread(values: list[float | None]) -> Spread | None:
    """The median and range of the rounds that have a value; None when none has."""
    measured = [value for value in values if value is not None]
    if not measured:
        return None
    return Spread(statistics.median(measured), min(measured), max(measured), len(values) - len(measured))


def ratio(ours: float, baseline: float) -> float | None:
    return ours / baseline if baseline else None


def verdict(figure: Spread | None, limit: float, at_most: bool = True) -> str:
    """MET when every round is within `limit` (at most it, or at least it), NOT_MET when every
    round is outside it, NOT_SHOWN when the rounds fall on both sides or one was not measured."""
    if figure is None or figure.unmeasured:
        return NOT_SHOWN
    if at_most:
        within, outside = figure.high <= limit, figure.low > limit
    else:
        within, outside = figure.low >= limit, figure.high < limit
    return MET if within else NOT_MET if outside else NOT_SHOWN
