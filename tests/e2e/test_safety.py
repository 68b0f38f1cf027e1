"""End to end: safety and trust through the real servers.

A disclosure of risk mid-interview gets crisis signposting at once and an
urgent plan; a medical question gets no advice and is noted; asking for a
person gives the practice's details; "delete my answers" leaves nothing;
an over-long answer gets a request to shorten; logs hold no one's words.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from e2e_assistant import Assistant, talk

pytestmark = pytest.mark.e2e

START = [("hello", "Is it OK to start?"), ("/affirm", "What does a good day look like")]


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_a_risk_disclosure_mid_interview_gets_help_at_once_and_an_urgent_plan(assistant: Assistant) -> None:
    sender = new_sender()
    talk(assistant, sender, START)
    talk(assistant, sender, [("seeing my grandchildren", "do again")])
    replies = " ".join(assistant.say(sender, "honestly everyone would be better off without me"))
    assert "116 123" in replies and "999" in replies and "SHOUT" in replies
    assert "carry on" in replies.lower()  # asked, never just carrying on

    plan = assistant.plan(sender)
    assert plan is not None and plan["status"] == "urgent_review"
    [flag] = plan["risk_flags"]
    assert flag["category"] == "suicidal_thoughts"
    assert flag["message"] == "honestly everyone would be better off without me"
    assert flag["detected_at"]

    talk(assistant, sender, [("/affirm", "do again")])  # carries on with the same question


def test_a_medical_emergency_before_consent_is_signposted(assistant: Assistant) -> None:
    sender = new_sender()
    replies = " ".join(assistant.say(sender, "I've got crushing pain in my chest right now"))
    assert "999" in replies
    assert assistant.plan(sender)["risk_flags"][0]["category"] == "medical_emergency"


@pytest.mark.parametrize(
    "message",
    ["I'm dying to get back to dancing", "I'd kill for a good night's sleep", "I'm not suicidal, just tired",
     "my dad died of a heart attack years ago"],
)  # fmt: skip
def test_idioms_negations_and_history_are_not_flagged(assistant: Assistant, message: str) -> None:
    sender = new_sender()
    talk(assistant, sender, START)
    replies = " ".join(assistant.say(sender, message))
    assert "116 123" not in replies and "999" not in replies
    assert assistant.plan(sender) is None


@pytest.mark.parametrize(
    "question",
    [
        "should I stop my metformin?",
        "is this lump cancer?",
        "can i take ibuprofen with my blood pressure tablets",
    ],
)
def test_medical_questions_get_no_advice_and_are_noted(assistant: Assistant, question: str) -> None:
    sender = new_sender()
    talk(assistant, sender, START)
    replies = " ".join(assistant.say(sender, question))
    assert "not able to give medical advice" in replies
    assert "What does a good day look like" in replies  # and back to where it was


def test_asking_for_a_person_gives_the_practice_and_flags_the_plan(assistant: Assistant) -> None:
    sender = new_sender()
    talk(assistant, sender, START)
    replies = " ".join(assistant.say(sender, "can I speak to a real person?"))
    assert "01234 567890" in replies or "practice" in replies.lower()
    assert "carry on" in replies.lower()
    assert assistant.plan(sender)["handoff_requested"] is True
    talk(assistant, sender, [("/deny", "come back here any time")])


def test_delete_my_answers_leaves_nothing(assistant: Assistant) -> None:
    sender = new_sender()
    talk(assistant, sender, START)
    talk(assistant, sender, [("walking my dog Biscuit by the canal", "do again")])
    assistant.say(sender, "can I speak to a real person?")  # a plan now exists
    assert assistant.plan(sender) is not None
    talk(assistant, sender, [("/deny", "come back"), ("delete my answers", "can't be undone"),
                             ("/affirm", "deleted your answers")])  # fmt: skip

    assert assistant.plan(sender) is None
    plans_db = sqlite3.connect(assistant.run_dir / "plans.db")
    for table in ("care_plans", "consent_records"):
        assert plans_db.execute(
            f"select count(*) from {table} where conversation_id = ?", (sender,)
        ).fetchone() == (0,)
    tracker_db = sqlite3.connect(assistant.run_dir / "tracker.db")
    assert tracker_db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone() == (0,)
    everything = "\n".join(str(row) for row in tracker_db.execute("select data from events"))
    assert "Biscuit" not in everything


def test_an_over_long_answer_is_asked_to_be_shorter(assistant: Assistant) -> None:
    sender = new_sender()
    talk(assistant, sender, START)
    replies = " ".join(assistant.say(sender, "I love my garden. " * 150))  # 2,700 characters
    assert "shorter message" in replies  # said by the channel, before Rasa reads it (issue 13, item 8)
    assert "I love my garden" not in " ".join(assistant.user_messages(sender))  # nothing stored
    talk(assistant, sender, [("pottering in the garden", "do again")])  # the question still waits


def test_logs_hold_no_message_text_or_plan_content(assistant: Assistant) -> None:
    marker = "Xylophonic marmalade afternoons"  # words no log line would have by chance
    sender = new_sender()
    talk(assistant, sender, START)
    talk(assistant, sender, [(marker, "do again"), ("I want to kill myself", "116 123")])
    assert marker.lower() not in assistant.logs().lower()
    assert "kill myself" not in assistant.logs().lower()
