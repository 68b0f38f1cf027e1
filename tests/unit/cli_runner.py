"""Runs `python -m bot` from the repository's root on a given database, as the CLI tests do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, database_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        input=stdin,
        capture_output=True,
        check=False,  # the tests check the exit code
        text=True,
        timeout=120,
    )
