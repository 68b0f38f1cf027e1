"""make bench-profile: a turn's time, part by part, from the real model and action server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bench.conversation import PATIENT
from bot.bench.profile import WHOLE_TURN, profile
from bot.bench.systems import action_server


@pytest.fixture
def own_environment() -> Iterator[None]:
    """The benchmark sets its servers' settings in os.environ: keep them out of other tests."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.rasa
@pytest.mark.usefixtures("own_environment")
def test_profile_times_every_turn_by_graph_node_and_action_server_call(
    trained_model: Path, tmp_path: Path
) -> None:
    with action_server(tmp_path) as action_endpoint:
        timings = asyncio.run(profile(trained_model, PATIENT, action_endpoint, conversations=1))
    assert timings.calls[WHOLE_TURN] == len(PATIENT)
    assert timings.calls["DIETClassifier"] == len(PATIENT)  # the NLU runs once a message
    assert timings.calls["RulePolicy"] >= 2 * len(PATIENT)  # an action, then listening
    # One call to the action server a turn, from hello to the saved plan: the form's
    # validation reads the reply, does its work (consent, the draft) and asks the next question.
    assert timings.calls["action server: validate_care_plan_form"] == len(PATIENT)
    calls = {part for part in timings.calls if part.startswith("action server: ")}
    assert calls == {"action server: action_session_start", "action server: validate_care_plan_form"}
    table = timings.table("What Matters")
    assert table.splitlines()[1].split()[:2] == ["whole", "turn"]  # the largest part comes first
