"""One running assistant (both servers, on free loopback ports) for all end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_assistant import Assistant, servers_running


@pytest.fixture(scope="session")
def assistant(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with servers_running(Assistant(tmp_path_factory.mktemp("assistant"), trained_model)) as assistant:
        yield assistant
