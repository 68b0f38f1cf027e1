"""python -m bot.bench: the benchmark (make bench). See BENCHMARKS.md.

python -m bot.bench --write BENCHMARKS.md    the full run: K = 1, 10, 50; SQLite and PostgreSQL
python -m bot.bench --quick                  a smoke run: K = 1, 2; no training of our model
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import training
from bot.bench import baseline, report
from bot.bench.conversation import PATIENT
from bot.bench.load import run_load
from bot.bench.systems import BASELINE, CONFIGS, OURS, WORK_DIR, peak_rss_mb, running, train_ours


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    patients = [1, 2] if args.quick else [int(k) for k in args.patients.split(",")]
    figures = report.Figures()
    figures.training_seconds[OURS] = None if args.quick else train_ours(WORK_DIR / "training")
    ours_model = training.ensure_model()
    baseline_model, figures.training_seconds[BASELINE] = baseline.prepare(WORK_DIR / "baseline", args.quick)
    for config in args.configs.split(","):
        systems = (
            ("baseline", BASELINE, baseline_model, baseline.TURNS),
            ("ours", OURS, ours_model, PATIENT),
        )
        for slug, system, model, turns in systems:
            _log(f"{config}: starting {system}")
            with running(system, config, model, WORK_DIR / f"run-{config}-{slug}") as settings:
                # The first requests load lazily: one conversation first, not counted.
                run_load(settings.rasa_url, settings.rasa_auth_token, turns, 1, "warmup")
                for k in patients:
                    _log(f"{config}: {system}, {k} at once")
                    figures.loads[(config, system, k)] = run_load(
                        settings.rasa_url, settings.rasa_auth_token, turns, k, f"{config}{k}"
                    )
                figures.rss_mb[(config, system)] = peak_rss_mb(settings)
    text = report.markdown(figures)
    print(text)
    if args.write:
        report.write_into(args.write, text)
        _log(f"Wrote the figures into {args.write}.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="1,10,50", help="K values, comma-separated (default 1,10,50)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="sqlite, postgres or both")
    parser.add_argument("--quick", action="store_true", help="K = 1, 2; reuse trained models (development)")
    parser.add_argument("--write", type=Path, metavar="FILE", help="write the figures into FILE")
    return parser


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
