"""The machine a benchmark ran on, in a line: CPU, cores, memory, system, Python and Rasa."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path


def cpu_model(cpuinfo: str) -> str:
    """The CPU's model name from /proc/cpuinfo's text (else what platform knows)."""
    return next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )


def machine(cpuinfo: str | None) -> str:
    """The report's line for this machine (`cpuinfo`: /proc/cpuinfo's text, read when None)."""
    cpu = cpu_model(_read("/proc/cpuinfo") if cpuinfo is None else cpuinfo)
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal:")), 0)  # fmt: skip
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Rasa {version('rasa')}"
    )


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""
