"""The domain's responses render through Rasa's own response generator as written."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import structlog
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from actions.questions import wording

ROOT = Path(__file__).resolve().parents[2]


def _section(payload: str) -> str:
    return json.loads(payload[len("/change_section") :])["section"]


def _render_every_response() -> tuple[dict[str, list[dict]], list[dict]]:
    domain = Domain.load(str(ROOT / "domain"))
    generator = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = DialogueStateTracker("patient-1", domain.slots)
    with structlog.testing.capture_logs() as logs:
        rendered = {name: asyncio.run(generator.generate(name, tracker, "rest")) for name in domain.responses}
    return rendered, logs


def test_no_response_has_a_placeholder_rasa_cannot_fill() -> None:
    """Rasa reads `{...}` as a slot to fill, and logs an error with a traceback when it can't."""
    _, logs = _render_every_response()
    assert [entry for entry in logs if entry["log_level"] == "error"] == []


@pytest.mark.rasa
def test_the_which_part_buttons_send_the_section_as_an_entity(agent) -> None:
    """The form sends them as written; Rasa reads each payload as the intent and its entity."""
    buttons = wording("section_to_change").buttons
    for button in buttons:
        parsed = asyncio.run(agent.parse_message(button["payload"]))
        assert parsed["intent"]["name"] == "change_section"
        assert [e["value"] for e in parsed["entities"]] == [_section(button["payload"])]
    assert len(buttons) == 9
