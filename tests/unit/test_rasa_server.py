"""bot.rasa_server: Rasa's command line, checking action server replies with a validator built once."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


# --- Request bodies: Sanic's 100 MB default, capped by MAX_MESSAGE_CHARS ---------------------------


def test_the_cap_has_room_for_ten_times_the_longest_message_however_it_is_encoded() -> None:
    cap = rasa_server.request_max_size(2000)
    assert cap < 1_000_000  # Sanic's default is 100 MB
    # 20,000 characters of emoji, each a 12-byte JSON escape, still fit: the kind "please shorten" reply.
    body = json.dumps({"sender": "+447700900123", "message": "\U0001f600" * 20_000})
    assert len(body.encode()) < cap
    assert rasa_server.request_max_size(4000) > cap  # a longer MAX_MESSAGE_CHARS gets room for it


@pytest.fixture
def rasa_s_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], Any]]:
    """rasa_server.main() as a Rasa server runs it, with Rasa's own app built in place of serving it."""
    from rasa.core import run
    from sanic import Sanic

    for variable in (*rasa_server.REQUEST_SIZE_VARIABLES, "RASA_TELEMETRY_ENABLED"):
        monkeypatch.setenv(variable, "100000000")  # whatever the environment said; put back after
    monkeypatch.setattr(rasa_server, "apply_fix", lambda: None)  # not this test's business
    monkeypatch.setattr(Sanic, "test_mode", True)  # Rasa's app names may be taken by other tests
    monkeypatch.setattr(sys, "argv", ["bot/rasa_server.py", "run", "--enable-api"])
    apps: list[Any] = []

    def rasa_builds_its_app() -> None:
        apps.append(run.configure_app(None, enable_api=True, auth_token="a-token", port=5005))
        apps.append(run.configure_app(None, enable_api=False, port=5005))

    monkeypatch.setattr("rasa.__main__.main", rasa_builds_its_app)

    def main() -> Any:
        rasa_server.main()
        return apps

    yield main


def test_every_rasa_server_we_start_takes_no_body_over_the_cap(
    rasa_s_app: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "2000")
    with_api, without_api = rasa_s_app()

    cap = rasa_server.request_max_size(2000)
    assert cap == with_api.config.REQUEST_MAX_SIZE
    assert cap == without_api.config.REQUEST_MAX_SIZE
    assert cap == with_api.config.WEBSOCKET_MAX_SIZE


def test_the_cap_follows_max_message_chars(
    rasa_s_app: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "500")
    with_api, _ = rasa_s_app()

    assert rasa_server.request_max_size(500) == with_api.config.REQUEST_MAX_SIZE
