"""bot/text_safety.py: stored text without bidirectional control characters (issue 13, item 9)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum

import pytest

from bot.careplan.interview import build_plan
from bot.careplan.model import SupportPerson
from bot.text_safety import BIDI_CONTROLS, has_bidi_controls, without_bidi_controls

EVERY_CONTROL = [
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
]


@pytest.mark.parametrize("control", EVERY_CONTROL)
def test_each_bidi_control_is_taken_out(control: str) -> None:
    assert without_bidi_controls(f"approved{control} 2025") == "approved 2025"
    assert has_bidi_controls(control)


def test_exactly_the_bidi_controls_are_listed() -> None:
    assert set(EVERY_CONTROL) == BIDI_CONTROLS


def test_other_text_is_left_as_it_is() -> None:
    words = "Tea in the garden, שלום, مرحبا, 你好, emoji 🙂, zero\u200bwidth, line\nbreak"
    assert without_bidi_controls(words) is words
    assert not has_bidi_controls(words)


class Status(str, Enum):
    DRAFT = "draft\u202e"  # no one's words: left alone


@dataclass(frozen=True)
class Person:
    name: str | None
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    people: list[Person]
    answers: dict[str, str | None]
    status: Status
    version: int


Pair = namedtuple("Pair", "left right")


def test_nested_values_are_cleaned_whole() -> None:
    plan = Plan(
        people=[Person("Sa\u202erah", ["da\u2066ughter"]), Person(None)],
        answers={"q\u200f1": "Tea\u202e", "q2": None},
        status=Status.DRAFT,
        version=3,
    )

    cleaned = without_bidi_controls(plan)

    assert cleaned == Plan(
        people=[Person("Sarah", ["daughter"]), Person(None)],
        answers={"q1": "Tea", "q2": None},
        status=Status.DRAFT,
        version=3,
    )
    assert without_bidi_controls(("a\u202e", Pair("b\u202e", 1))) == ("a", Pair("b", 1))
    assert without_bidi_controls(None) is None


def test_a_whole_care_plan_can_be_cleaned_before_it_is_stored() -> None:
    """What bot/services/ is to do with a person's plan: only their words change."""
    answers = {
        "what_matters_good_day": "Tea in the garden\u202e",
        "goal_1_description": "Walk\u2066 to the park",
        "support_from_practice": "A health coach",
    }
    plan = build_plan(
        answers,
        conversation_id="conversation-a",
        practice_id="practice-a",
        support_people=[SupportPerson("Sa\u202erah", "daughter")],
        today=date(2025, 3, 3),
    )
    flag = {"category": "self_harm", "message": "I hurt\u202e myself", "detected_at": "2025-03-03T10:00Z"}

    cleaned = without_bidi_controls(replace(plan, risk_flags=[flag]))

    assert cleaned.what_matters["what_matters_good_day"] == "Tea in the garden"
    assert cleaned.goals[0].description == "Walk to the park"
    assert cleaned.support.people == [SupportPerson("Sarah", "daughter")]
    assert cleaned.risk_flags[0]["message"] == "I hurt myself"
    assert (cleaned.status, cleaned.created_at, cleaned.conversation_id) == (
        plan.status,
        plan.created_at,
        plan.conversation_id,
    )
    assert without_bidi_controls(cleaned) == cleaned  # once is enough
