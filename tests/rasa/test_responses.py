"""The domain's responses render through Rasa's own response generator as written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]


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


def test_the_which_part_buttons_send_the_section_as_an_entity() -> None:
    rendered, _ = _render_every_response()
    payloads = [button["payload"] for button in rendered["utter_ask_which_section"]["buttons"]]
    assert payloads[0] == '/change_section{"section": "what_matters"}'
    assert all(p.startswith('/change_section{"section": "') and p.endswith('"}') for p in payloads)
