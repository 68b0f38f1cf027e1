"""How a message is read while a question waits: an answer, or an interruption."""

import pytest

from actions.replies import is_interruption, read_answer, read_unanswered
from bot.careplan.model import AnswerStatus


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "expected"),
    [
        ("why are you asking?", "ask_why", 0.95, True),
        ("/affirm", "affirm", 1.0, False),
        ("/change_section", "change_section", 1.0, True),
        ("stop", "pause", 0.9, True),
        ("stop", "pause", 0.4, False),  # unsure: treated as an answer, kept word for word
        (
            "I want to stop smoking before my grandson's wedding in the summer, it matters to me",
            "pause",
            0.9,
            False,
        ),  # long: an answer, whatever it sounds like
        ("walking the dog", "inform", 0.99, False),
    ],
)
def test_interruptions(text: str, intent: str, confidence: float, expected: bool) -> None:
    assert is_interruption(text, intent, confidence) is expected


def test_answers_are_kept_word_for_word() -> None:
    text = "  Seeing my grandkids on Sundays  "
    assert read_answer("what_matters_good_day", text, "inform").slots == {"what_matters_good_day": text}


def test_a_confidence_that_is_not_a_number_is_asked_again() -> None:
    reply = read_answer("goal_2_confidence", "ask my wife", "inform")
    assert reply.unclear and reply.slots == {"goal_2_confidence": None}
    assert read_answer("goal_2_confidence", "not very", "deny").slots == {"goal_2_confidence": "not very"}


def test_another_goal_takes_yes_or_no() -> None:
    assert read_answer("goal_1_more", "/affirm", "affirm").slots == {"goal_1_more": True}
    assert read_answer("goal_1_more", "nope", "inform").slots == {"goal_1_more": False}
    assert read_answer("goal_1_more", "hmm", "inform").unclear


def test_skipping_a_goal_skips_its_other_questions() -> None:
    reply = read_unanswered("goal_2_description", "skip", AnswerStatus.SKIPPED)
    assert set(reply.slots) == {
        f"goal_2_{f}" for f in ("description", "first_step", "timeframe", "confidence", "confidence_boost")
    }
    assert set(reply.unanswered.values()) == {"skipped"}


def test_dont_know_is_recorded_with_the_words_said() -> None:
    reply = read_unanswered("concerns_life", "not sure really", AnswerStatus.DONT_KNOW)
    assert reply.slots == {"concerns_life": "not sure really"}
    assert reply.unanswered == {"concerns_life": "dont_know"}
    assert read_unanswered("goal_1_more", "skip", AnswerStatus.SKIPPED).slots == {"goal_1_more": False}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("should I stop my metformin?", True),
        ("can i take ibuprofen with my blood pressure tablets", True),
        ("is this lump cancer", True),
        ("my knees hurt and I worry about my blood pressure tablets", False),  # an answer, not a question
    ],
)
def test_only_a_question_asks_for_medical_advice(text: str, expected: bool) -> None:
    assert is_interruption(text, "ask_medical_advice", 0.99) is expected


def test_naming_someone_at_the_practice_answers_that_question() -> None:
    assert is_interruption("Health coach", "request_human", 0.99, "support_from_practice") is False
    assert is_interruption("Health coach", "request_human", 0.99, "what_matters_good_day") is True
