"""A plan as a JSON-ready dict and back: the form the store keeps each version in.

Pure functions, no I/O. The dict is the plan's stable exchange format: the
store keeps each version as one, the CLI prints it, the console's API serves it.

The dict follows the dataclasses in model.py field by field, so a field added
there is in the dict without a line here: dates and times as ISO 8601, enums as
their values, nested dataclasses as dicts. Only the order of the plan's own keys
is chosen here (who and where first, the timestamps and the answers last).
"""

from __future__ import annotations

import copy
import enum
import types
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from bot.careplan.model import CarePlan, CommunitySuggestion

T = TypeVar("T")

# The plan's keys that come first and last in its dict; the rest follow the dataclass's order.
FIRST_KEYS = ("id", "conversation_id", "practice_id", "status", "version")
LAST_KEYS = ("created_at", "updated_at", "answers")


def plan_to_dict(plan: CarePlan) -> dict[str, Any]:
    """The plan as plain JSON types: ISO 8601 dates and times, enum values as strings."""
    data = to_json(plan)
    middle = [name for name in data if name not in FIRST_KEYS + LAST_KEYS]
    return {name: data[name] for name in (*FIRST_KEYS, *middle, *LAST_KEYS)}


def plan_from_dict(data: Mapping[str, Any]) -> CarePlan:
    """The inverse of `plan_to_dict`; a key missing (a snapshot older than the field) takes its default."""
    return from_json(CarePlan, data)


def suggestion_to_dict(suggestion: CommunitySuggestion) -> dict[str, Any]:
    return to_json(suggestion)


def to_json(value: Any) -> Any:
    """A dataclass (or a list, dict or value in one) as plain JSON types."""
    if is_dataclass(value):
        return {field.name: to_json(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


def from_json(kind: type[T], data: Mapping[str, Any]) -> T:
    """The dataclass `kind` from its `to_json` dict. A field that is missing or null takes its
    default; one with no default is null if it may be, and otherwise must be there."""
    values = {}
    for field in fields(kind):
        value = data.get(field.name)
        if value is not None:
            values[field.name] = _value(_hints(kind)[field.name], value)
        elif field.default is MISSING and field.default_factory is MISSING:
            values[field.name] = None if _optional(_hints(kind)[field.name]) else data[field.name]
    return kind(**values)


def _value(kind: Any, value: Any) -> Any:
    """A JSON value as the type `kind` names: the inverse of `to_json` for one value."""
    if value is None:
        return None
    if _optional(kind):
        kind = next(arg for arg in get_args(kind) if arg is not type(None))
    origin = get_origin(kind)
    if origin is list:
        return [_value(get_args(kind)[0], item) for item in value]
    if origin is dict:
        return {key: _value(get_args(kind)[1], item) for key, item in value.items()}
    if kind is dict:  # a risk flag: plain JSON, kept as it is
        return copy.deepcopy(value)
    if is_dataclass(kind):
        return from_json(kind, value)
    if kind is datetime:
        # Python 3.10's fromisoformat() does not read a trailing "Z".
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, (enum.Enum, bool, str)):
        return kind(value)
    return value


def _optional(kind: Any) -> bool:
    return get_origin(kind) in (Union, types.UnionType) and type(None) in get_args(kind)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)
