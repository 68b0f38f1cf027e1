"""bot.rasa_server: Rasa's command line, checking action server replies with a validator built once."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_server, servers
from bot.config import Settings

# What validate_care_plan_form sends back after an answer.
REPLY = {
    "events": [
        {"event": "slot", "timestamp": None, "name": "what_matters_good_day", "value": "I walk the dog"},
        {"event": "slot", "timestamp": None, "name": "requested_slot", "value": "what_matters_do_again"},
    ],
    "responses": [{"text": "Is there anything you would like to be able to do again?", "buttons": []}],
}


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("validate_care_plan_form", None)


def test_a_valid_reply_passes(action: RemoteAction) -> None:
    assert rasa_server.check_reply(action, REPLY) is True


def test_a_malformed_reply_gets_rasas_own_explanation(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_server.check_reply(action, {"events": [{"event": "slot", "name": 5}], "responses": []})


def test_the_schema_itself_is_checked_once(action: RemoteAction, monkeypatch: pytest.MonkeyPatch) -> None:
    validator_class = type(rasa_server._reply_validator())
    checks = []
    monkeypatch.setattr(
        validator_class, "check_schema", classmethod(lambda cls, schema: checks.append(schema))
    )
    rasa_server._reply_validator.cache_clear()
    for _ in range(3):
        rasa_server.check_reply(action, REPLY)
    assert len(checks) == 1
    rasa_server._reply_validator.cache_clear()


def test_every_rasa_server_we_start_has_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RUN_DIR", str(tmp_path))
    server = servers.rasa_server(
        Settings.from_env(), tmp_path / "model.tar.gz", "rasa", 5005, "endpoints.yml", {}
    )
    assert server.command[1:4] == ["-m", "bot.rasa_server", "run"]
