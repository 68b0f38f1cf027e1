"""The baseline: Rasa's own starter bot (`rasa init`), trained on this machine, and what its
simulated users say.

Its conversation has as many turns as ours, so latency by position in the
conversation compares like with like. Its stories are few: a reply counts
when there is one, and has the expected words where a rule decides it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bot.bench.conversation import PATIENT, Turn
from bot.bench.systems import timed

_ROUND: list[Turn] = [
    ("hi there", ""),
    ("not great to be honest", ""),
    ("yes it did, thanks", ""),
    ("are you a bot?", "I am a bot"),
    ("goodbye", "Bye"),
]
TURNS: list[Turn] = (_ROUND * len(PATIENT))[: len(PATIENT)]


def prepare(folder: Path, reuse: bool) -> tuple[Path, float | None]:
    """The starter bot's trained model, and seconds `rasa init` took (None when reused)."""
    if reuse and (model := _model(folder)) is not None:
        return model, None
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)  # rasa init wants it to exist
    # Through bot.rasa_server, as ours is: Rasa with its telemetry off.
    command = [sys.executable, "-m", "bot.rasa_server", "init", "--no-prompt", "--init-dir", str(folder)]
    seconds = timed(command, folder, folder.parent / "baseline-training.log")
    model = _model(folder)
    if model is None:
        raise SystemExit(f"rasa init made no model in {folder / 'models'}")
    return model, seconds


def _model(folder: Path) -> Path | None:
    models = sorted((folder / "models").glob("*.tar.gz"))
    return models[-1] if models else None
