from datetime import date

import pytest

from bot.careplan.parsing import (
    parse_confidence,
    parse_practice_roles,
    parse_section_reference,
    parse_target_date,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        ("about a 6", 6),
        ("7/10", 7),
        ("7 / 10", 7),
        ("6 out of 10", 6),
        ("six out of ten", 6),
        ("maybe 4 i guess", 4),
        ("0", 0),
        ("10", 10),
        ("8.5", 9),
        ("not very", 3),
        ("Not very confident tbh", 3),
        ("not at all", 0),
        ("fairly confident", 6),
        ("completely sure", 10),
        ("so-so", 5),
    ],
)
def test_confidence_is_read_from_numbers_and_words(text: str, expected: int) -> None:
    assert parse_confidence(text) == expected


@pytest.mark.parametrize("text", ["", None, "banana", "11", "42", "ask my wife"])
def test_confidence_that_cannot_be_read_is_none(text: str | None) -> None:
    assert parse_confidence(text) is None


@pytest.mark.parametrize(
    ("timeframe", "expected"),
    [
        ("in 2 weeks", date(2026, 12, 7)),
        ("two weeks", date(2026, 12, 7)),
        ("a month", date(2026, 12, 23)),
        ("in 3 months", date(2027, 2, 23)),
        ("next year", date(2027, 11, 23)),
        ("a fortnight", date(2026, 12, 7)),
        ("by Christmas", date(2026, 12, 25)),
        ("by June", date(2027, 6, 1)),
        ("by the end of March", date(2027, 3, 31)),
    ],
)
def test_target_date_is_worked_out_from_a_timeframe(timeframe: str, expected: date) -> None:
    assert parse_target_date(timeframe, TODAY) == expected


@pytest.mark.parametrize("timeframe", ["soon", "when I can", "I may try", None, ""])
def test_vague_timeframes_have_no_target_date(timeframe: str | None) -> None:
    assert parse_target_date(timeframe, TODAY) is None


def test_month_arithmetic_clamps_to_the_end_of_a_short_month() -> None:
    assert parse_target_date("in a month", date(2027, 1, 31)) == date(2027, 2, 28)


def test_practice_roles_are_found_in_the_words_used() -> None:
    assert parse_practice_roles("the nurse and maybe a health coach, not the doctor") == [
        "GP",
        "practice nurse",
        "health coach",
    ]
    assert parse_practice_roles("Social prescriber") == ["social prescriber"]
    assert parse_practice_roles("not sure") == []
    assert parse_practice_roles(None) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("change my second goal", ("goals", 2)),
        ("can I edit goal 1", ("goals", 1)),
        ("my last goal is wrong", ("goals", -1)),
        ("I want to change what I said about support", ("support", None)),
        ("fix my strengths", ("strengths", None)),
        ("change who can see it, sharing", ("share_with", None)),
        ("change something", (None, None)),
    ],
)
def test_section_references(text: str, expected: tuple) -> None:
    assert parse_section_reference(text) == expected
