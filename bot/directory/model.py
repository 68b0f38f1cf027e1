"""A local service as the directory keeps it: the few fields we show, match and filter on.

Every format (ORUK 3.0, ORUK 1.0, CSV) is read into this one shape; the feed's
own record is kept beside it (`record`), so nothing it said is lost.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ADULT_AGE = 18


class ServiceStatus(str, enum.Enum):
    """HSDS 3.0's service statuses. Only active services are ever suggested."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class SourceFormat(str, enum.Enum):
    ORUK_3 = "oruk-3.0"
    ORUK_1 = "oruk-1.0"
    CSV = "csv"


# Words in a category (or a CSV's categories) that say a service is for children or
# young people. Used only when the record gives no ages: ages, when given, decide.
_CHILDREN_WORDS = re.compile(
    r"\b(children|child|kids|young people|young carers?|youth|teenagers?|under[- ]18s?|toddlers?|babies|baby|"
    r"school[- ]age|pupils)\b",
    re.IGNORECASE,
)
# "Parents and toddlers", "families with young children": for the adults, with children.
_FOR_PARENTS_WORDS = re.compile(r"\b(parents?|families|family|grandparents?|mums?|dads?)\b", re.IGNORECASE)


class DirectoryError(ValueError):
    """A directory that cannot be imported as it is; the message names the record and the field."""


@dataclass(frozen=True)
class Service:
    """One service in a practice's directory."""

    service_id: str  # the feed's id (ORUK), or one made from the name (CSV)
    name: str
    description: str = ""
    status: ServiceStatus = ServiceStatus.ACTIVE
    categories: tuple[str, ...] = ()  # taxonomy terms' names, as the feed spells them
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    area: str | None = None  # where it is, or the area it serves
    schedule: str | None = None  # when, in words
    cost: str | None = None
    eligibility: str | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    organization: str | None = None
    record: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def contact(self) -> str | None:
        """Phone and email, as one line to show."""
        return " / ".join(part for part in (self.phone, self.email) if part) or None

    def is_for_children_only(self) -> bool:
        """A service no adult should be offered: for under-18s by its ages, or by its categories."""
        if self.maximum_age is not None:
            return self.maximum_age < ADULT_AGE
        if self.minimum_age is not None:
            return False  # ages given, and no upper bound: adults too
        labels = " ".join((self.name, *self.categories))
        return bool(_CHILDREN_WORDS.search(labels)) and not _FOR_PARENTS_WORDS.search(labels)

    def fits_age(self, age: int | None) -> bool:
        """Whether someone of this age may use it. An unknown age is an adult's: the people
        who talk to the assistant are adults, so a service for children never fits them."""
        if (age is None or age >= ADULT_AGE) and self.is_for_children_only():
            return False
        if age is None:
            return True  # an age limit such as "50 and over" is shown with the suggestion instead
        if self.minimum_age is not None and age < self.minimum_age:
            return False
        return self.maximum_age is None or age <= self.maximum_age

    def audience(self) -> str | None:
        """Who it is for by age, in words ("aged 50 and over"), if the record says."""
        low, high = self.minimum_age, self.maximum_age
        if low is not None and high is not None:
            return f"aged {low} to {high}"
        if low is not None:
            return f"aged {low} and over"
        if high is not None:
            return f"aged up to {high}"
        return None


@dataclass(frozen=True)
class Directory:
    """What one source held: its services, in the source's order, and where it came from."""

    source: str  # the file's name or the feed's address, without page parameters
    format: SourceFormat
    services: tuple[Service, ...]

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        for number, service in enumerate(self.services, start=1):
            if service.service_id in seen:
                raise DirectoryError(
                    f"service {number} ({service.name!r}): field 'id': {service.service_id!r} is also "
                    f"the id of service {seen[service.service_id]}; each service needs its own id"
                )
            seen[service.service_id] = number


@dataclass(frozen=True)
class StoredService:
    """A service as the database holds it for a practice."""

    id: int
    practice_id: str
    source: str
    format: SourceFormat
    service: Service
    imported_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = None  # when it went missing from its feed
