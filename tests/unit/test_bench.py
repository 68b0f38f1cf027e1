"""The benchmark's parts that need no server (make bench, bot/bench): the order the loads run in,
the median and range of the rounds, when a target counts as met, and the report's text."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import bot.bench.__main__ as bench
from bot.bench import load as load_module
from bot.bench import machine, measures, report, targets
from bot.bench.load import LoadResult, run_load
from bot.bench.rounds import (
    MET,
    NOT_MET,
    NOT_SHOWN,
    Spread,
    Step,
    conversations_per_patient,
    schedule,
    spread,
    verdict,
)
from bot.bench.systems import BASELINE, OURS

CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core Processor\n"
WHEN = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)

# --- the order of the loads ---------------------------------------------------------------------


def test_rounds_alternate_ours_and_the_starter_bot_at_each_k_round_after_round() -> None:
    steps = schedule([1, 10], 3, (OURS, BASELINE))

    assert steps[:4] == [Step(1, 1, OURS), Step(1, 1, BASELINE), Step(1, 10, OURS), Step(1, 10, BASELINE)]
    assert [step.system for step in steps] == [OURS, BASELINE] * 6
    assert [step.round for step in steps] == [1] * 4 + [2] * 4 + [3] * 4
    # Every K measured once a round by each system.
    for k in (1, 10):
        assert [step.round for step in steps if step.patients == k and step.system == OURS] == [1, 2, 3]
        assert [step.round for step in steps if step.patients == k and step.system == BASELINE] == [1, 2, 3]


def test_one_round_is_one_load_of_each() -> None:
    assert schedule([50], 1, (OURS, BASELINE)) == [Step(1, 50, OURS), Step(1, 50, BASELINE)]


@pytest.mark.parametrize(
    ("patients", "at_least", "conversations"), [(1, 10, 10), (3, 10, 4), (10, 10, 1), (50, 10, 1), (2, 1, 1)]
)
def test_a_small_k_goes_through_more_conversations(patients: int, at_least: int, conversations: int) -> None:
    assert conversations_per_patient(patients, at_least) == conversations


# --- median and range ---------------------------------------------------------------------------


def test_the_median_and_range_of_the_rounds() -> None:
    assert spread([1.4, 0.9, 1.1]) == Spread(1.1, 0.9, 1.4)
    assert spread([1.0, 2.0]) == Spread(1.5, 1.0, 2.0)
    assert spread([1.2, None, 1.0]) == Spread(1.1, 1.0, 1.2, unmeasured=1)  # nothing to divide by
    assert spread([None]) is None
    assert spread([]) is None


def test_a_spread_reads_median_then_range() -> None:
    assert Spread(1.1, 0.9, 1.4).format() == "1.10 (0.90-1.40)"
    assert Spread(1.1, 1.1, 1.1).format() == "1.10"  # one round, or rounds that agree
    assert Spread(1.1, 1.0, 1.2, unmeasured=1).format() == "1.10 (1.00-1.20), 1 round not measured"


# --- verdicts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.8, 1.4, MET),
        (0.8, 1.5, MET),  # at most 1.5: 1.5 itself is within
        (1.6, 2.1, NOT_MET),
        (1.2, 1.7, NOT_SHOWN),  # the range crosses the target: never "met"
        (1.5, 1.7, NOT_SHOWN),
    ],
)
def test_at_most_verdicts(low: float, high: float, expected: str) -> None:
    assert verdict(Spread((low + high) / 2, low, high), 1.5) == expected


def test_a_median_within_the_target_is_not_enough() -> None:
    assert verdict(Spread(1.1, 0.9, 1.6), 1.5) == NOT_SHOWN


@pytest.mark.parametrize(
    ("low", "high", "expected"), [(1.2, 1.5, MET), (0.9, 1.1, NOT_MET), (1.1, 1.3, NOT_SHOWN)]
)
def test_at_least_verdicts(low: float, high: float, expected: str) -> None:
    assert verdict(Spread((low + high) / 2, low, high), 1.2, at_most=False) == expected


def test_nothing_measured_shows_nothing() -> None:
    assert verdict(None, 1.5) == NOT_SHOWN


def test_a_round_not_measured_could_have_been_anything() -> None:
    assert verdict(Spread(1.0, 0.9, 1.1, unmeasured=1), 1.5) == NOT_SHOWN


# --- the report ---------------------------------------------------------------------------------

TURNS = 22


def _load(patients: int, ms: float, turns_per_second: float = 20.0, errors: int = 0) -> LoadResult:
    """A made-up load: every turn `ms` plus its position, so later turns are dearer."""
    latencies = [(position, (ms + position) / 1000) for _ in range(patients) for position in range(TURNS)]
    return LoadResult(
        patients,
        seconds=len(latencies) / turns_per_second,
        latencies=latencies,
        errors=[f"turn 3: boom {number}" for number in range(errors)],
    )


def _figures(ours_ms: list[float], base_ms: list[float], patients: int = 1, **ours: Any) -> measures.Figures:
    figures = measures.Figures(rounds=len(ours_ms), run_seconds=25 * 60)
    figures.training_seconds = {OURS: 100.0, BASELINE: 70.0}
    figures.loads[("sqlite", OURS, patients)] = [_load(patients, ms, **ours) for ms in ours_ms]
    figures.loads[("sqlite", BASELINE, patients)] = [_load(patients, ms) for ms in base_ms]
    figures.rss_mb[("sqlite", BASELINE)] = {"rasa": 1100.0}
    figures.rss_mb[("sqlite", OURS)] = {"actions": 70.0, "rasa": 860.0}
    return figures


def _text(figures: measures.Figures) -> str:
    return report.markdown(figures, cpuinfo=CPUINFO, when=WHEN)


def _target_row(text: str, target: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| {target} |"))


def test_the_header_names_the_cpu_model_the_cores_and_the_rounds() -> None:
    header = _text(_figures([50, 50, 50], [50, 50, 50])).splitlines()[0]

    assert header.startswith("Run 2026-12-03 10:00 UTC on AMD EPYC 7B13 64-Core Processor, ")
    assert " cores, " in header
    assert "3 rounds" in header
    assert "25 minutes" in header


def test_cpu_model_comes_from_cpuinfo() -> None:
    assert machine.cpu_model(CPUINFO) == "AMD EPYC 7B13 64-Core Processor"


def test_p95_ratio_is_the_median_of_the_rounds_with_its_range() -> None:
    # Each round's p95 is its ms + 20 (the 21st of 22 positions): ratios 1.0, 1.5 and 0.75.
    figures = _figures([80, 130, 70], [80, 80, 100])

    text = _text(figures)

    ours_row = next(line for line in text.splitlines() if line.startswith("| sqlite | 1 | What Matters |"))
    assert ours_row.endswith("| 1.00 (0.75-1.50) | 1.00 |")
    figure = measures.p95_ratio(figures, "sqlite", 1)
    assert figure is not None
    assert (figure.median, figure.low, figure.high) == pytest.approx((1.0, 0.75, 1.5))


def test_a_p95_ratio_whose_range_crosses_the_target_is_not_shown() -> None:
    text = _text(_figures([80, 180, 70], [80, 80, 100]))  # 1.0, 2.0 and 0.75: median within 1.5

    row = _target_row(text, "sqlite, K=1: p95 at most 1.5 x baseline")
    assert row == "| sqlite, K=1: p95 at most 1.5 x baseline | 1.00 (0.75-2.00) | not shown |"


def test_a_p95_ratio_within_the_target_every_round_is_met() -> None:
    text = _text(_figures([80, 90, 100], [80, 80, 100]))

    assert _target_row(text, "sqlite, K=1: p95 at most 1.5 x baseline").endswith("| met |")


def test_a_p95_ratio_outside_the_target_every_round_is_not_met() -> None:
    text = _text(_figures([200, 200, 200], [80, 80, 80]))

    assert _target_row(text, "sqlite, K=1: p95 at most 1.5 x baseline").endswith("| **not met** |")


def test_one_round_with_errors_at_k_50_fails_that_target() -> None:
    figures = _figures([80, 80, 80], [80, 80, 80], patients=50)
    figures.loads[("sqlite", OURS, 50)][1] = _load(50, 80, errors=2)

    text = _text(figures)

    assert _target_row(text, "sqlite, K=50: no errors") == (
        "| sqlite, K=50: no errors | 0, 2, 0 (each round) | **not met** |"
    )
    assert "- sqlite K=50 What Matters, round 2: turn 3: boom 0" in text


def test_every_round_is_in_the_report_with_its_own_ratio() -> None:
    text = _text(_figures([80, 130, 70], [80, 80, 100]))

    rows = [line for line in text.splitlines() if line.startswith("| sqlite | 1 | ") and " / " in line]
    assert rows == [
        "| sqlite | 1 | 1 | 100 / 100 | 1.00 | 20.0 / 20.0 | 1.00 | 0 / 0 |",
        "| sqlite | 1 | 2 | 150 / 100 | 1.50 | 20.0 / 20.0 | 1.00 | 0 / 0 |",
        "| sqlite | 1 | 3 | 90 / 120 | 0.75 | 20.0 / 20.0 | 1.00 | 0 / 0 |",
    ]


def test_the_position_table_gives_the_median_of_the_rounds_and_the_growth_with_its_range() -> None:
    text = _text(_figures([40, 50, 60], [40, 40, 40]))

    positions = text.split("### Latency by position")[1].split("###")[0]
    ours_row = next(line for line in positions.splitlines() if "What Matters" in line)
    # Round 2 (the median): first turns 50 to 52 ms, p50 51; last turns 69 to 71 ms, p50 70.
    assert ours_row.startswith("| sqlite | 1 | What Matters | 51 | 70 | 52 | 71 | ")
    # 60/41, 70/51 and 80/61: the median and the range of the rounds' own ratios.
    assert ours_row.endswith("| 1.37 (1.31-1.46) |")


def test_every_turn_of_the_conversation_has_its_median_p50_at_the_smallest_k() -> None:
    text = _text(_figures([40, 50, 60], [30, 30, 30]))

    by_turn = text.split("### Latency by turn at K = 1")[1].split("###")[0].strip().splitlines()
    assert by_turn[2] == "| turn | sqlite rasa init | sqlite What Matters |"
    assert by_turn[4] == "| 1 | 30 | 50 |"
    assert by_turn[-1] == f"| {TURNS} | 51 | 71 |"
    assert len(by_turn) == 4 + TURNS


def test_training_and_memory_are_judged_once() -> None:
    text = _text(_figures([80], [80]))

    assert _target_row(text, f"training at most {targets.TRAINING_LIMIT_SECONDS} s").endswith("| met |")
    memory = f"sqlite: each Rasa server under {targets.RASA_RSS_LIMIT_MB} MB"
    assert _target_row(text, memory) == f"| {memory} | 860 MB at most | met |"


def test_the_figures_go_between_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "BENCHMARKS.md"
    document.write_text(f"# Benchmarks\n\n{report.START}\nold figures\n{report.END}\n\nThe closing note.\n")

    report.write_into(document, "new figures\n")

    assert document.read_text() == (
        f"# Benchmarks\n\n{report.START}\nnew figures\n{report.END}\n\nThe closing note.\n"
    )


# --- the load generator, against a stand-in for the REST channel ---------------------------------


def test_each_patient_goes_through_its_conversations_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    said: dict[str, list[str]] = {}

    def send(url: str, token: str, sender: str, message: str, timeout: float) -> list[dict[str, str]]:
        said.setdefault(sender, []).append(message)
        return [{"text": f"you said {message}"}]

    monkeypatch.setattr(load_module, "send", send)
    turns = [("one", "one"), ("two", "two"), ("three", "three")]

    result = run_load("http://rasa", "token", turns, patients=2, tag="t", conversations=3)

    assert len(said) == 6  # a new sender for every conversation
    assert all(messages == ["one", "two", "three"] for messages in said.values())
    assert result.turns == 18
    assert sorted({position for position, _ in result.latencies}) == [0, 1, 2]
    assert not result.errors


def test_a_patient_stops_at_a_wrong_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "send", lambda *args: [{"text": "something else"}])

    result = run_load("http://rasa", "token", [("one", "one"), ("two", "two")], 1, "t", conversations=3)

    assert result.turns == 0
    assert result.errors == ["turn 1: expected 'one', got 'something else'"]


# --- the whole run, with stand-ins for training, the servers and the loads -----------------------


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, ...]]:
    """Everything main does that would train, start servers or send a message, recorded instead."""
    events: list[tuple[Any, ...]] = []

    @contextmanager
    def running(system: str, config: str, model: Path, folder: Path) -> Iterator[SimpleNamespace]:
        events.append(("start", config, system))
        yield SimpleNamespace(rasa_url=f"http://{config}/{system}", rasa_auth_token="token")
        events.append(("stop", config, system))

    def run_load(url: str, token: str, turns: list[Any], patients: int, tag: str, conversations: int = 1):
        config, system = url.removeprefix("http://").split("/", 1)
        events.append(("load", config, system, patients, tag, conversations))
        return _load(patients, 50)

    monkeypatch.setattr(bench, "running", running)
    monkeypatch.setattr(bench, "run_load", run_load)
    monkeypatch.setattr(bench, "train_ours", lambda folder: 100.0)
    monkeypatch.setattr(bench.training, "ensure_model", lambda: tmp_path / "ours.tar.gz")
    monkeypatch.setattr(bench.baseline, "prepare", lambda folder, reuse: (tmp_path / "stock.tar.gz", 70.0))
    monkeypatch.setattr(bench, "peak_rss_mb", lambda settings: {"rasa": 800.0})
    return events


def test_servers_start_once_a_configuration_and_the_loads_interleave(
    fake_run: list[tuple[Any, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--configs", "sqlite", "--patients", "1,10"]) == 0

    assert [event[:3] for event in fake_run if event[0] != "load"] == [
        ("start", "sqlite", OURS),
        ("start", "sqlite", BASELINE),
        ("stop", "sqlite", BASELINE),
        ("stop", "sqlite", OURS),
    ]
    loads = [event for event in fake_run if event[0] == "load"]
    warmups, measured = loads[:2], loads[2:]
    assert all(event[4] == "warmup" for event in warmups)
    assert [(event[2], event[3]) for event in measured] == [
        (OURS, 1), (BASELINE, 1), (OURS, 10), (BASELINE, 10)
    ] * bench.ROUNDS  # fmt: skip
    assert {event[5] for event in measured if event[3] == 1} == {bench.CONVERSATIONS_PER_LOAD}
    assert {event[5] for event in measured if event[3] == 10} == {1}
    assert len({event[4] for event in measured}) == len(measured) // 2  # a tag per round and K
    assert f"{bench.ROUNDS} rounds" in capsys.readouterr().out


def test_quick_runs_fewer_rounds_unless_told(fake_run: list[tuple[Any, ...]]) -> None:
    bench.main(["--quick", "--configs", "sqlite"])
    quick = [event for event in fake_run if event[0] == "load" and event[4] != "warmup"]
    assert len(quick) == 2 * 2 * bench.QUICK_ROUNDS  # K = 1, 2; both systems
    assert {event[5] for event in quick} == {1}

    fake_run.clear()
    bench.main(["--quick", "--configs", "sqlite", "--rounds", "4"])
    assert len([event for event in fake_run if event[0] == "load" and event[4] != "warmup"]) == 2 * 2 * 4


def test_rounds_must_be_at_least_one() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--rounds", "0"])


def test_the_last_turns_against_the_first_are_judged_round_by_round() -> None:
    # Later turns cost 1 ms more per position: at 40 ms, p50 of the last turns 60 against 41.
    text = _text(_figures([40, 40, 40], [40, 40, 40]))
    target = "sqlite, K=1: last 3 turns' p50 at most 1.3 x the first 3's"
    assert _target_row(text, target) == f"| {target} | 1.46 | **not met** |"

    text = _text(_figures([100, 40, 200], [40, 40, 40]))  # 1.19, 1.46 and 1.09
    assert _target_row(text, target) == f"| {target} | 1.19 (1.09-1.46) | not shown |"


def test_aims_come_after_what_must_hold_and_are_judged_the_same_way() -> None:
    figures = _figures([80, 80, 80], [80, 80, 80])
    rates = [30.0, 22.0, 25.0]  # 1.5, 1.1 and 1.25 times the starter bot's 20 turns/s
    for load, rate in zip(figures.loads[("sqlite", OURS, 1)], rates, strict=True):
        load.seconds = load.turns / rate

    rows = [(name, result) for name, _, result in targets.targets(figures)]

    assert rows[-2:] == [
        ("sqlite, K=1: p95 at most 1.0 x baseline (aim)", MET),
        ("sqlite, K=1: turns/s at least 1.2 x baseline (aim)", NOT_SHOWN),
    ]
    assert all("(aim)" not in name for name, _ in rows[:-2])


def test_a_round_in_which_ours_answered_nothing_meets_no_latency_target() -> None:
    figures = _figures([80, 80, 80], [80, 80, 80])
    figures.loads[("sqlite", OURS, 1)] = [LoadResult(1, seconds=1.0, errors=["turn 1: refused"])] * 3

    results = {name: result for name, _, result in targets.targets(figures)}

    assert results["sqlite, K=1: p95 at most 1.5 x baseline"] == NOT_SHOWN
    assert results["sqlite, K=1: last 3 turns' p50 at most 1.3 x the first 3's"] == NOT_SHOWN
    assert results["sqlite, K=1: turns/s at least 1.2 x baseline (aim)"] == NOT_MET

    figures.loads[("sqlite", OURS, 1)] = [
        _load(1, 80),
        LoadResult(1, seconds=1.0, errors=["x"]),
        _load(1, 80),
    ]
    row = next(row for row in targets.targets(figures) if row[0] == "sqlite, K=1: p95 at most 1.5 x baseline")
    assert row[1:] == ("1.00, 1 round not measured", NOT_SHOWN)
