"""Community support end to end: a whole conversation, then the draft plan read back holds the
services from the practice's own directory that fit what the person said (issue 16)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from e2e_assistant import Assistant
from simulated_patients import converse, patients, waiting_question

pytestmark = pytest.mark.e2e

DEMO_DIRECTORY = Path(__file__).resolve().parents[2] / "bot" / "directory" / "demo_directory.json"


def test_the_plan_read_back_holds_suggestions_from_the_practice_s_directory(assistant: Assistant) -> None:
    imported = assistant.bot("directory", "import", str(DEMO_DIRECTORY), "--practice", "e2e-practice")
    assert imported.returncode == 0, imported.stderr
    margaret = next(p for p in patients() if p["id"] == "p01_margaret")  # lonely since her husband died
    sender = f"e2e-community-{uuid.uuid4().hex[:6]}"
    converse(
        margaret,
        say=lambda message: " ".join(assistant.say(sender, message)),
        waiting=lambda: waiting_question(assistant.url, assistant.token, sender),
    )

    suggestions = assistant.plan(sender)["community_suggestions"]
    assert suggestions, "no community suggestions in the draft"
    assert all(s["status"] == "suggested" and s["name"] and s["why"] for s in suggestions)
    assert any("lonel" in str(s["why"]).lower() for s in suggestions), suggestions
