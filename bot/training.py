"""Training the Rasa model only when its inputs change.

The model is named after a hash of everything that shapes it (config, domain,
training data, our NLU components, the Rasa version), so `make run`, `make test`
and every test session reuse it until one of those changes.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from bot.config import PROJECT_ROOT

MODEL_INPUTS = ("config.yml", "domain", "data", "bot/nlu")
# In bot/nlu but not in Rasa's model: the action server trains the reply classifier itself.
NOT_MODEL_INPUTS = ("bot/nlu/reply_kinds.py", "bot/nlu/reply_kinds")
MODEL_PREFIX = "whatmatters-"


def inputs_hash(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256(f"rasa {version('rasa')}\n".encode())
    for path in _input_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in MODEL_INPUTS:
        path = root / name
        candidates = [path] if path.is_file() else path.rglob("*")
        files += [p for p in candidates if p.is_file() and p.suffix in {".yml", ".yaml", ".py"}]
    left_out = [root / name for name in NOT_MODEL_INPUTS]
    return sorted(p for p in files if not any(p == out or out in p.parents for out in left_out))


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return root / "models" / f"{MODEL_PREFIX}{inputs_hash(root)}.tar.gz"


def ensure_model(root: Path = PROJECT_ROOT) -> Path:
    """The trained model for the current inputs, training it first if needed."""
    target = model_path(root)
    if target.exists():
        print(f"Model is up to date: {target.relative_to(root)}", file=sys.stderr)
        return target
    print("Training the Rasa model (a few minutes; only when its inputs change)...", file=sys.stderr)
    subprocess.run(train_command(target.parent, target.name.removesuffix(".tar.gz")), cwd=root, check=True)
    for old in target.parent.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()  # keep one model: each is tens of megabytes
    return target


def train_command(out: Path, name: str) -> list[str]:
    """`rasa train` on our config, domain and data, into `out`/`name`.tar.gz (run from the project root)."""
    return [
        sys.executable, "-m", "bot.rasa_server", "train",  # Rasa with its telemetry off
        "--config", "config.yml", "--domain", "domain", "--data", "data",
        "--out", str(out), "--fixed-model-name", name,
    ]  # fmt: skip
