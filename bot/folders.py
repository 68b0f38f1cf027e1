"""Folders that hold health data or secrets: readable by their owner only.

`var/` (RUN_DIR) keeps the SQLite databases with every plan and conversation,
the servers' logs and their process ids; other users of the machine have no
business reading any of it, whatever their umask says.
"""

from __future__ import annotations

from pathlib import Path

PRIVATE = 0o700


def private_folder(path: Path, *, tighten: bool = False) -> Path:
    """`path`, created 0700 if missing. An existing folder is left as it is unless
    `tighten` (only for folders that are ours alone, such as RUN_DIR: a database
    path may well sit in a folder shared with other things)."""
    path.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    if tighten:
        path.chmod(PRIVATE)  # a var/ made before issue 13 was 0755
    return path
