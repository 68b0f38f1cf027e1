"""Scaled out for real: two Rasa replicas sharing PostgreSQL (tracker store) and Redis (lock
store), two action servers, nginx in front, all on loopback. Conversations must reach a draft
plan with every message stored exactly once, in order, whichever replica took each turn.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from e2e_assistant import talk
from scaled_assistant import ScaledAssistant

from bot.bench.conversation import EXPECTED_GOAL, PATIENT, messages
from bot.careplan.model import PlanStatus

pytestmark = pytest.mark.e2e

HALF = len(PATIENT) // 2
CONCURRENT_CONVERSATIONS = 50


def _new_sender() -> str:
    return f"scale-{uuid.uuid4().hex[:10]}"


def assert_complete(scaled: ScaledAssistant, sender: str) -> None:
    """A draft plan with the patient's goal, and every message stored once, in order."""
    assert scaled.user_messages(sender) == messages()
    plan = scaled.stored_plan(sender)
    assert plan is not None, f"no plan for {sender}"
    assert (plan.status, plan.version) == (PlanStatus.DRAFT, 1)
    assert [goal.description for goal in plan.goals] == [EXPECTED_GOAL]


def test_turns_alternating_between_replicas_complete_the_plan(scaled: ScaledAssistant) -> None:
    sender = _new_sender()
    for number, turn in enumerate(PATIENT):
        talk(scaled, sender, [turn], url=scaled.replica_urls[number % 2])
    assert_complete(scaled, sender)


def test_fifty_conversations_at_once_all_reach_a_plan(scaled: ScaledAssistant) -> None:
    senders = [_new_sender() for _ in range(CONCURRENT_CONVERSATIONS)]
    with ThreadPoolExecutor(max_workers=CONCURRENT_CONVERSATIONS) as pool:
        list(pool.map(lambda sender: talk(scaled, sender, PATIENT), senders))  # re-raises any failure
    for sender in senders:
        assert_complete(scaled, sender)
    assert len(scaled.balanced_replicas()) == 2, "nginx should spread the conversations over both replicas"
    assert "Traceback" not in scaled.logs()


def test_a_replica_killed_mid_conversation_loses_nothing(scaled: ScaledAssistant) -> None:
    sender = _new_sender()
    talk(scaled, sender, PATIENT[:HALF])
    scaled.kill("rasa-1")
    try:
        talk(scaled, sender, PATIENT[HALF:])  # nginx sends everything to rasa-2 now
    finally:
        scaled.start()  # starts rasa-1 again for the other tests
    assert_complete(scaled, sender)


def test_restarting_the_action_servers_mid_conversation_loses_nothing(scaled: ScaledAssistant) -> None:
    sender = _new_sender()
    talk(scaled, sender, PATIENT[:HALF])
    scaled.kill("actions-1")
    scaled.kill("actions-2")
    scaled.start()  # starts both again and waits for them
    talk(scaled, sender, PATIENT[HALF:])
    assert_complete(scaled, sender)
