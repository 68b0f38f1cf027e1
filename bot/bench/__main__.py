"""python -m bot.bench: the benchmark (make bench). See BENCHMARKS.md.

python -m bot.bench --write BENCHMARKS.md    the full run: K = 1, 10, 50; SQLite and PostgreSQL; 3 rounds
python -m bot.bench --quick                  a smoke run: K = 1, 2; 2 rounds; no training of our model

Per configuration both systems are started once, side by side, and stay up for
every round: round by round, at each K, a load of ours and then the same load
of the starter bot's (bot/bench/rounds.py), so each round's ratio compares two
loads measured a minute apart on the same machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from bot import training
from bot.bench import baseline, report
from bot.bench.conversation import PATIENT
from bot.bench.load import run_load
from bot.bench.measures import SYSTEMS, Figures
from bot.bench.rounds import conversations_per_patient, schedule
from bot.bench.systems import BASELINE, CONFIGS, OURS, WORK_DIR, peak_rss_mb, running, train_ours

ROUNDS, QUICK_ROUNDS = 3, 2
# Each load holds at least this many conversations: at K = 1 a patient goes through it this many
# times, one after another, so its p95 is of a few hundred turns rather than of 22.
CONVERSATIONS_PER_LOAD = 10


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    patients = [1, 2] if args.quick else [int(k) for k in args.patients.split(",")]
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    at_least = 1 if args.quick else CONVERSATIONS_PER_LOAD
    figures = Figures(rounds=rounds)
    figures.training_seconds[OURS] = None if args.quick else train_ours(WORK_DIR / "training")
    ours_model = training.ensure_model()
    baseline_model, figures.training_seconds[BASELINE] = baseline.prepare(WORK_DIR / "baseline", args.quick)
    systems = {
        OURS: ("ours", ours_model, PATIENT),
        BASELINE: ("baseline", baseline_model, baseline.TURNS),
    }
    for config in args.configs.split(","):
        with ExitStack() as stack:
            settings = {}
            for system, (slug, model, turns) in systems.items():
                _log(started, f"{config}: starting {system}")
                settings[system] = stack.enter_context(
                    running(system, config, model, WORK_DIR / f"run-{config}-{slug}")
                )
                # The first requests load lazily: one conversation first, not counted.
                run_load(settings[system].rasa_url, settings[system].rasa_auth_token, turns, 1, "warmup")
            for step in schedule(patients, rounds, (OURS, BASELINE)):
                what = f"round {step.round} of {rounds}, {step.system}, {step.patients} at once"
                _log(started, f"{config}: {what}")
                server, turns = settings[step.system], systems[step.system][2]
                load = run_load(
                    server.rasa_url, server.rasa_auth_token, turns, step.patients,
                    f"{config}{step.patients}r{step.round}",
                    conversations_per_patient(step.patients, at_least),
                )  # fmt: skip
                figures.loads.setdefault((config, step.system, step.patients), []).append(load)
            for system in SYSTEMS:  # peaks over every round
                figures.rss_mb[(config, system)] = peak_rss_mb(settings[system])
    figures.run_seconds = time.monotonic() - started
    text = report.markdown(figures)
    print(text)
    if args.write:
        report.write_into(args.write, text)
        _log(started, f"Wrote the figures into {args.write}.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="1,10,50", help="K values, comma-separated (default 1,10,50)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="sqlite, postgres or both")
    parser.add_argument(
        "--rounds", type=_positive, metavar="N",
        help=f"rounds of every load, ours and the starter bot's in turn (default {ROUNDS}; {QUICK_ROUNDS} "
        "with --quick)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="K = 1, 2; reuse trained models (development)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="write the figures into FILE")
    return parser


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return number


def _log(started: float, message: str) -> None:
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    print(f"[{minutes:02d}:{seconds:02d}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
