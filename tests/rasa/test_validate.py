"""`rasa data validate` passes with no warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rasa_data_validate_has_no_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--domain", "domain", "--data", "data",
         "--fail-on-warnings"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    output = result.stdout + result.stderr
    rasa_warnings = [line for line in output.splitlines() if "UserWarning" in line and "rasa/" in line]
    assert result.returncode == 0, output[-3000:]
    assert rasa_warnings == []
