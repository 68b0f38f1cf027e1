"""A failure never carries what a person said into a log or a reply (issue 13, item 5).

SQLAlchemy puts a failed statement's values (a person's words, their phone number) into the
error's text unless the engine hides them; Rasa SDK logged that text and sent the whole
tracker back. The action server's own test with the database unavailable is in
tests/e2e/test_action_server.py.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import zlib
from pathlib import Path

import pytest
from rasa_sdk import Action
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.action_server import ActionFailed, BadBody, BodyTooLarge, GuardedExecutor, inflate
from bot.store.database import Database

ROOT = Path(__file__).resolve().parents[2]
WORDS = "my neighbour Doreen waters the tomatoes on Tuesdays"


def _create_engine_calls(source: Path) -> list[ast.Call]:
    tree = ast.parse(source.read_text())
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "create_engine"
    ]


def test_every_engine_the_product_builds_hides_the_statement_s_values() -> None:
    calls = {path: _create_engine_calls(path) for path in sorted((ROOT / "bot").rglob("*.py"))}
    assert sum(len(found) for found in calls.values()) >= 5  # the scan finds them
    unhidden = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, found in calls.items()
        for call in found
        if not any(
            keyword.arg == "hide_parameters" and getattr(keyword.value, "value", None) is True
            for keyword in call.keywords
        )
    ]
    assert unhidden == []


def _failing_statement(engine) -> str:
    with pytest.raises(OperationalError) as raised, engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table WHERE said = :said"), {"said": WORDS})
    return str(raised.value)


def test_a_failed_statement_on_the_plan_store_does_not_hold_its_values(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'plans.db'}")
    try:
        error = _failing_statement(database.engine)
    finally:
        database.dispose()
    assert "no_such_table" in error  # the statement is there, to find the fault
    assert WORDS not in error and "Doreen" not in error


def test_rasa_s_tracker_store_hides_them_too(tmp_path: Path) -> None:
    from bot.store.tracker_store import ErasableSQLTrackerStore

    store = ErasableSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    try:
        assert WORDS not in _failing_statement(store.engine)
    finally:
        store.engine.dispose()


class ActionThatFails(Action):
    def name(self) -> str:
        return "action_that_fails"

    async def run(self, dispatcher, tracker, domain):
        # The driver's own message can hold the values too, whatever the engine hides.
        raise OperationalError("INSERT INTO plans ...", {"said": WORDS}, Exception(f"no table ({WORDS})"))


def test_a_failed_action_is_logged_as_its_name_and_the_kind_of_failure_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    executor = GuardedExecutor()
    executor.register_action(ActionThatFails)
    call = {
        "next_action": "action_that_fails",
        "tracker": {"sender_id": "+447700900417", "slots": {"what_matters_good_day": WORDS},
                    "latest_message": {"text": WORDS}, "events": []},
    }  # fmt: skip
    with caplog.at_level(logging.DEBUG), pytest.raises(ActionFailed) as raised:
        asyncio.run(executor.run(call))

    assert raised.value.action_name == "action_that_fails"
    assert WORDS not in str(raised.value) and raised.value.__suppress_context__  # no chained text either
    assert "action action_that_fails failed: sqlalchemy.exc.OperationalError" in caplog.text
    assert WORDS not in caplog.text and "Doreen" not in caplog.text
    assert "+447700900417" not in caplog.text


# --- Compressed bodies (issue 13, item 1): inflated only up to the cap --------------------------


def test_a_compressed_body_is_inflated_up_to_the_cap_and_no_further() -> None:
    body = b'{"next_action": "action_session_start"}'
    assert inflate(zlib.compress(body), "deflate", 1000) == body
    assert inflate(body, "", 1000) == body and inflate(body, "identity", 1000) == body
    gzipped = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
    assert inflate(gzipped.compress(body) + gzipped.flush(), "gzip", 1000) == body
    with pytest.raises(BodyTooLarge):
        inflate(zlib.compress(b" " * 1001), "deflate", 1000)
    assert inflate(zlib.compress(b" " * 1000), "deflate", 1000) == b" " * 1000  # exactly the cap


@pytest.mark.parametrize(
    ("body", "encoding"),
    [(b"not compressed", "deflate"), (zlib.compress(b"x" * 100)[:-6], "deflate"), (b"x", "br"),
     (zlib.compress(b"{}"), "deflate, gzip")],
)  # fmt: skip
def test_a_body_that_does_not_inflate_is_refused(body: bytes, encoding: str) -> None:
    with pytest.raises(BadBody):
        inflate(body, encoding, 1000)
