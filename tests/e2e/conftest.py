"""One running assistant (both servers, on free loopback ports) for all end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_assistant import Assistant


@pytest.fixture(scope="session")
def assistant(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    running = Assistant(tmp_path_factory.mktemp("assistant"), trained_model)
    started = running.bot("servers", "start", check=False)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        yield running
    finally:
        running.bot("servers", "stop", check=False)
