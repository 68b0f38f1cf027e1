"""Checking what a professional puts into a plan: lengths, counts, dates, NHS numbers, storable text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.careplan.errors import InvalidEdit
from bot.careplan.model import AgreedAction, CarePlan, Goal, Support

MAX_TEXT_LENGTH = 20_000  # far more than anyone types; stops a form from filling the database
MAX_SHORT_TEXT_LENGTH = 200  # names, roles, owners
MAX_GOALS = 10
MAX_AGREED_ACTIONS = 20

_QUESTION_SECTIONS = ("what_matters", "strengths", "concerns")
_SHORT_TEXT_FIELDS = ("patient_name", "care_coordinator")
_LONG_TEXT_FIELDS = ("contact_preferences", "accessibility", "share_with", "contingency")


def clean_value(name: str, value: Any, plan: CarePlan, now: datetime) -> Any:
    """The value checked for the plan's field `name`, one of those a professional may edit."""
    if name in _QUESTION_SECTIONS:
        return _clean_section(name, value, getattr(plan, name))
    if name in _SHORT_TEXT_FIELDS:
        return _optional_text(name, value, MAX_SHORT_TEXT_LENGTH)
    if name in _LONG_TEXT_FIELDS:
        return _optional_text(name, value, MAX_TEXT_LENGTH)
    cleaners = {
        "nhs_number": lambda: clean_nhs_number(value),
        "goals": lambda: _clean_goals(value),
        "support": lambda: _clean_support(value),
        "agreed_actions": lambda: _clean_actions(value),
        "review_date": lambda: _clean_review_date(value, now),
    }
    return cleaners[name]()


def _clean_section(name: str, value: Any, current: Mapping[str, str | None]) -> dict[str, str | None]:
    """Only the questions the section already has; unchanged ones may be left out."""
    if not isinstance(value, Mapping):
        raise InvalidEdit(f"{name} must map question ids to text.")
    unknown = sorted(set(value) - set(current))
    if unknown:
        raise InvalidEdit(f"{name} has no question {', '.join(map(repr, unknown))}.")
    words = {key: _optional_text(f"{name}.{key}", text, MAX_TEXT_LENGTH) for key, text in value.items()}
    return {**current, **words}


def _clean_goals(goals: Any) -> list[Goal]:
    if not isinstance(goals, list) or not all(isinstance(goal, Goal) for goal in goals):
        raise InvalidEdit("goals must be a list of goals.")
    if len(goals) > MAX_GOALS:
        raise InvalidEdit(f"A plan can have at most {MAX_GOALS} goals.")
    return [_clean_goal(number, goal) for number, goal in enumerate(goals, start=1)]


def _clean_goal(number: int, goal: Goal) -> Goal:
    if goal.confidence is not None and not (isinstance(goal.confidence, int) and 0 <= goal.confidence <= 10):
        raise InvalidEdit(f"Goal {number}: confidence must be a whole number from 0 to 10.")
    if goal.target_date is not None and not isinstance(goal.target_date, date):
        raise InvalidEdit(f"Goal {number}: the target date must be a date.")
    texts = ("description", "first_step", "timeframe", "confidence_boost")
    cleaned = {
        name: _optional_text(f"goal {number} {name}", getattr(goal, name), MAX_TEXT_LENGTH) for name in texts
    }
    if not any(cleaned.values()):
        raise InvalidEdit(f"Goal {number} is empty: give it a description, or remove it.")
    return replace(goal, **cleaned)


def _clean_support(support: Any) -> Support:
    if not isinstance(support, Support):
        raise InvalidEdit("support must have needs, people and roles from the practice.")
    people = [
        replace(
            person,
            name=_optional_text("support person's name", person.name, MAX_SHORT_TEXT_LENGTH),
            relationship=_optional_text("relationship", person.relationship, MAX_SHORT_TEXT_LENGTH),
        )
        for person in support.people
    ]
    roles = [_optional_text("practice role", role, MAX_SHORT_TEXT_LENGTH) for role in support.from_practice]
    return Support(
        needs=_optional_text("support needs", support.needs, MAX_TEXT_LENGTH),
        people=[person for person in people if person.name or person.relationship],
        from_practice=[role for role in roles if role],
    )


def _clean_actions(actions: Any) -> list[AgreedAction]:
    if not isinstance(actions, list) or not all(isinstance(action, AgreedAction) for action in actions):
        raise InvalidEdit("agreed_actions must be a list of agreed actions.")
    if len(actions) > MAX_AGREED_ACTIONS:
        raise InvalidEdit(f"A plan can have at most {MAX_AGREED_ACTIONS} agreed actions.")
    return [
        AgreedAction(
            description=required_text(f"agreed action {number}", action.description),
            owner=_optional_text(f"agreed action {number} owner", action.owner, MAX_SHORT_TEXT_LENGTH),
            due_date=action.due_date,
        )
        for number, action in enumerate(actions, start=1)
    ]


def _clean_review_date(value: Any, now: datetime) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidEdit("The review date must be a date, e.g. 2025-06-30.")
    if value < now.date():
        raise InvalidEdit("The review date cannot be in the past.")
    return value


def clean_nhs_number(value: Any) -> str | None:
    """Ten digits (spaces allowed) whose last is the modulus 11 check digit; None clears it."""
    text = _optional_text("nhs_number", value, MAX_SHORT_TEXT_LENGTH)
    if text is None:
        return None
    digits = text.replace(" ", "")
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise InvalidEdit("An NHS number has 10 digits.")
    weighted = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = (11 - weighted % 11) % 11  # 10 is never a valid check digit
    if check == 10 or int(digits[9]) != check:
        raise InvalidEdit(f"{text} is not a valid NHS number (its check digit is wrong).")
    return digits


def _optional_text(name: str, value: Any, max_length: int) -> str | None:
    """Blank means "nothing recorded"; otherwise the words are kept as typed."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEdit(f"{name} must be text.")
    if len(value) > max_length:
        raise InvalidEdit(f"{name} is too long (at most {max_length} characters).")
    if not is_storable(value):
        raise InvalidEdit(f"{name} contains characters that cannot be stored.")
    return value if value.strip() else None


def is_storable(text: str) -> bool:
    """False for text no database takes: a NUL (PostgreSQL) or half a UTF-16 pair (SQLite)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def required_text(name: str, value: Any) -> str:
    """Text that must be there (a note, a reason), without the blanks around it."""
    text = _optional_text(name, value, MAX_TEXT_LENGTH)
    if text is None:
        raise InvalidEdit(f"The {name} cannot be empty.")
    return text.strip()
