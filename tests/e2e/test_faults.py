"""End to end: crisis help when parts fail (issue 12), through the real servers over REST.

The assistant runs in its own folder. Its plan store is an SQLite file in a
folder of its own, which a test moves away (the database is unavailable) and
back; another test kills the action server. A disclosure must still get the
crisis numbers, nothing may be said to be saved or deleted when it was not,
and a flag given while the database was away is in it once it is back.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_assistant import Assistant, servers_running, talk

pytestmark = pytest.mark.e2e

START = [("hello", "Is it OK to start?"), ("/affirm", "What does a good day look like")]
DISCLOSURE = "honestly everyone would be better off without me, I want to end my life"


@pytest.fixture(scope="module")
def faulty(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    run_dir = tmp_path_factory.mktemp("faults")
    (run_dir / "plans").mkdir()
    extra = {"DATABASE_URL": f"sqlite:///{run_dir / 'plans' / 'plans.db'}", "OUTBOX_RETRY_SECONDS": "1"}
    with servers_running(Assistant(run_dir, trained_model, extra_env=extra)) as assistant:
        yield assistant


def new_sender() -> str:
    return f"fault-{uuid.uuid4().hex[:8]}"


def test_with_the_database_away_a_disclosure_gets_help_and_its_flag_arrives_later(faulty: Assistant) -> None:
    sender = new_sender()
    talk(faulty, sender, START)
    store, away = faulty.run_dir / "plans", faulty.run_dir / "plans-away"
    store.rename(away)  # the plan store cannot be opened
    try:
        replies = " ".join(faulty.say(sender, DISCLOSURE))
        assert "116 123" in replies and "999" in replies
        assert "couldn't reach your practice team's system" in replies  # truthful: not "I've let them know"
        assert "I've let your practice team know" not in replies
        deleted = " ".join(faulty.say(sender, "delete my answers") + faulty.say(sender, "/affirm"))
        assert "couldn't delete" in deleted and "I've deleted" not in deleted
    finally:
        away.rename(store)
    plan = _eventually(lambda: faulty.plan(sender))
    assert plan["status"] == "urgent_review"
    assert [flag["category"] for flag in plan["risk_flags"]] == ["suicidal_thoughts"]


def test_a_signal_to_check_then_no_carries_on_without_an_urgent_flag(faulty: Assistant) -> None:
    sender = new_sender()
    talk(faulty, sender, START)
    replies = " ".join(faulty.say(sender, "some days I think what's the point"))
    assert "116 123" in replies and "ending your life?" in replies
    # The reply stays the person's answer; after the check the interview goes on.
    talk(faulty, sender, [("no, nothing like that, I'm just fed up", "do again")])
    assert faulty.plan(sender) is None  # no flag, no urgent plan


def test_a_contingency_plan_for_if_things_get_worse_is_not_an_emergency(faulty: Assistant) -> None:
    sender = new_sender()
    talk(faulty, sender, START)
    replies = " ".join(faulty.say(sender, "If I ever got chest pain I'd call 999 straight away"))
    assert "emergency" not in replies.lower() and "ending your life" not in replies
    assert faulty.plan(sender) is None


def test_with_the_action_server_killed_a_disclosure_still_gets_the_crisis_numbers(faulty: Assistant) -> None:
    """Last in this module: the action server stays down."""
    sender = new_sender()
    talk(faulty, sender, START)
    pid = int((faulty.run_dir / "run" / "actions.pid").read_text())
    os.killpg(pid, signal.SIGKILL)
    _eventually(lambda: not _alive(pid) or None)
    replies = " ".join(faulty.say(sender, DISCLOSURE))
    assert "116 123" in replies and "999" in replies and "SHOUT" in replies
    # The flag the action would have written, written by the Rasa server instead.
    plan = _eventually(lambda: faulty.plan(sender))
    assert plan["status"] == "urgent_review"
    assert [flag["message"] for flag in plan["risk_flags"]] == [DISCLOSURE]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _eventually(probe, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError("not within the time allowed")
