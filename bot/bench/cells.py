"""How the report writes a figure in a table's cell: milliseconds, seconds, ratios, ranges."""

from __future__ import annotations

from bot.bench.rounds import Spread


def spread_text(figure: Spread | None) -> str:
    return figure.format() if figure is not None else "-"


def ratio_text(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def seconds_text(seconds: float | None) -> str:
    return f"{seconds:.0f}" if seconds is not None else "not measured (model reused)"
