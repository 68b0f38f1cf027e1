"""Turning the review page's forms into changes for `review_services.edit_plan`.

Each part of the page has one form; `changes_from_form` reads it into domain
values (lists of `Goal`, a `date`...). Values that cannot be read raise
`InvalidEdit`, like every other bad value, so the page can say what is wrong.
Lists (goals, people, agreed actions) are numbered rows, `goal-1-description`
and so on, with one blank row for adding; a row left blank, or ticked for
removal, is dropped. Every list has the API's caps (bot/console/schemas.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from bot.careplan.errors import InvalidEdit
from bot.careplan.model import AgreedAction, CarePlan, Goal, Support, SupportPerson
from bot.console.schemas import MAX_LIST_ITEMS

Changes = dict[str, Any]
QUESTION_PREFIX = "q-"
MAX_ROWS = 50  # more rows than any plan could need: stops a crafted form looping for ever

_GOAL_TEXTS = ("description", "first_step", "timeframe", "confidence_boost")


def changes_from_form(part: str, form: FormData, plan: CarePlan) -> Changes:
    """The changes one part's form asks for; `part` names the form (see `PARTS`)."""
    if part not in PARTS:
        raise InvalidEdit(f"There is no part of the plan called {part!r}.")
    return PARTS[part](form, plan)


def expected_version(form: FormData) -> int | None:
    """The version the professional was looking at, so a change made meanwhile is not overwritten."""
    text = _text(form, "version")
    if text is None:
        return None
    if not _whole_number(text) or len(text) > 9:
        raise InvalidEdit("The form's version is not a number: reload the page.")
    return int(text)


def _patient(form: FormData, plan: CarePlan) -> Changes:
    return {"patient_name": _text(form, "patient_name"), "nhs_number": _text(form, "nhs_number")}


def _questions(section: str) -> Callable[[FormData, CarePlan], Changes]:
    def read(form: FormData, plan: CarePlan) -> Changes:
        words = {
            key[len(QUESTION_PREFIX) :]: _text(form, key) for key in form if key.startswith(QUESTION_PREFIX)
        }
        return {section: words}

    return read


def _goals(form: FormData, plan: CarePlan) -> Changes:
    goals = []
    for row in _rows(form, "goal"):
        goal = Goal(
            **{name: _text(form, f"{row}-{name}") for name in _GOAL_TEXTS},
            target_date=_date(form, f"{row}-target_date", "target date"),
            confidence=_confidence(form, f"{row}-confidence"),
        )
        if _blank(goal.description, goal.first_step, goal.timeframe, goal.confidence_boost):
            continue
        goals.append(goal)
    return {"goals": goals}


def _support(form: FormData, plan: CarePlan) -> Changes:
    people = [
        SupportPerson(name=_text(form, f"{row}-name"), relationship=_text(form, f"{row}-relationship"))
        for row in _rows(form, "person")
    ]
    roles = [role.strip() for role in (_text(form, "from_practice") or "").split(",") if role.strip()]
    if len(roles) > MAX_LIST_ITEMS:
        raise InvalidEdit(f"Name at most {MAX_LIST_ITEMS} roles from the practice.")
    support = Support(
        needs=_text(form, "needs"),
        people=[person for person in people if not _blank(person.name, person.relationship)],
        from_practice=roles,
    )
    return {"support": support}


def _contact(form: FormData, plan: CarePlan) -> Changes:
    fields = ("contact_preferences", "accessibility", "share_with", "contingency")
    return {name: _text(form, name) for name in fields}


def _coordination(form: FormData, plan: CarePlan) -> Changes:
    return {
        "care_coordinator": _text(form, "care_coordinator"),
        "review_date": _date(form, "review_date", "review date"),
    }


def _agreed_actions(form: FormData, plan: CarePlan) -> Changes:
    actions = []
    for row in _rows(form, "action"):
        description = _text(form, f"{row}-description")
        owner = _text(form, f"{row}-owner")
        due_date = _date(form, f"{row}-due_date", "due date")
        if _blank(description, owner) and due_date is None:
            continue
        if description is None:
            raise InvalidEdit("Each agreed action needs a description (or clear the row to remove it).")
        actions.append(AgreedAction(description=description, owner=owner, due_date=due_date))
    return {"agreed_actions": actions}


PARTS: dict[str, Callable[[FormData, CarePlan], Changes]] = {
    "patient": _patient,
    "what_matters": _questions("what_matters"),
    "strengths": _questions("strengths"),
    "concerns": _questions("concerns"),
    "goals": _goals,
    "support": _support,
    "contact": _contact,
    "coordination": _coordination,
    "agreed_actions": _agreed_actions,
}


def suggestion_mark(form: FormData) -> tuple[str, str]:
    """The community suggestion to mark (its service id) and how: offered, referred or declined."""
    service_id, status = _text(form, "service_id"), _text(form, "status")
    if service_id is None or status is None:
        raise InvalidEdit("Choose a suggestion and how to mark it.")
    return service_id.strip(), status.strip()


def service_to_add(form: FormData) -> str:
    """The directory's id of the service to add to the plan's community support."""
    service_id = _text(form, "service_id")
    if service_id is None:
        raise InvalidEdit("Choose a service to add.")
    return service_id.strip()


# --- Reading single fields --------------------------------------------------------------------------


def _rows(form: FormData, prefix: str) -> list[str]:
    """The row prefixes present (`goal-1`, `goal-2`...), skipping rows ticked for removal."""
    rows = []
    for number in range(1, MAX_ROWS + 1):
        row = f"{prefix}-{number}"
        if not any(key.startswith(f"{row}-") for key in form):
            break
        if not form.get(f"{row}-remove"):
            rows.append(row)
    return rows


def _text(form: FormData, key: str) -> str | None:
    value = form.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidEdit(f"{key} must be text, not a file.")
    # Browsers send textarea line breaks as CRLF; keep the person's words with plain newlines.
    return value.replace("\r\n", "\n") if value and value.strip() else None


def _date(form: FormData, key: str, label: str) -> date | None:
    text = _text(form, key)
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidEdit(f"The {label} {text!r} is not a date (use YYYY-MM-DD).") from error


def _confidence(form: FormData, key: str) -> int | None:
    text = _text(form, key)
    if text is None:
        return None
    if not _whole_number(text) or int(text) > 10:
        raise InvalidEdit(f"Confidence must be a whole number from 0 to 10, not {text!r}.")
    return int(text)


def _whole_number(text: str) -> bool:
    text = text.strip()
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, but int() refuses it


def _blank(*values: str | None) -> bool:
    return all(value is None for value in values)
