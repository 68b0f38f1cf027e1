"""Reading Open Referral UK services, in both versions councils publish.

- ORUK 3.0 (HSDS 3.0): a page is `{total_items, total_pages, page_number, ..., contents: [service]}`;
  a service has `schedules`, `attributes` (each with a `taxonomy_term`), `service_at_locations`
  (a `location` with its `addresses` or `physical_addresses`), `contacts` with `phones`,
  `cost_options`, `minimum_age` and `maximum_age`.
- ORUK 1.0 (HSDS 1.1): a page is `{totalElements, totalPages, number, ..., content: [service]}`;
  a service has `regular_schedules`, `service_taxonomys` (each with a `taxonomy`) and
  `eligibilitys` (with the ages).

Optional fields may be missing or null. The fields we rely on are checked: a
service needs an `id` and a `name`, a known `status` if it has one, and whole
numbers for ages; lists must be lists and records objects. The first problem
raises `DirectoryError` naming the page, the service and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.directory.model import DirectoryError, Service, ServiceStatus, SourceFormat

_STATUSES = {status.value: status for status in ServiceStatus}
_STATUSES.update({"temporarily_closed": ServiceStatus.TEMPORARILY_CLOSED, "closed": ServiceStatus.DEFUNCT})
_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
_FREQUENCIES = {"WEEKLY": "every week", "MONTHLY": "every month", "DAILY": "every day"}


@dataclass(frozen=True)
class Page:
    """One page of a feed's `/services`, in either version."""

    format: SourceFormat
    services: tuple[Service, ...]
    number: int | None  # as the feed numbers it (0- or 1-based: feeds differ)
    total_pages: int | None
    total_items: int | None
    last: bool | None


def detect_format(data: Any) -> SourceFormat:
    """Which ORUK version a page (or a bare list of services) is in."""
    if isinstance(data, dict):
        if "contents" in data:
            return SourceFormat.ORUK_3
        if "content" in data:
            return SourceFormat.ORUK_1
        if "id" in data and "name" in data:  # a single service, as /services/{id} returns it
            return _format_of_services([data])
        raise DirectoryError(
            "not an ORUK services page: expected 'contents' (ORUK 3.0) or 'content' (ORUK 1.0), "
            f"found {', '.join(sorted(map(str, data))) or 'an empty object'}"
        )
    if isinstance(data, list):
        return _format_of_services(data)
    raise DirectoryError(f"not an ORUK services page: expected a JSON object, got {_kind(data)}")


def parse_page(data: Any, *, page_label: str = "the page") -> Page:
    """A page of services (or a bare list, or a single service) in the format it is in."""
    version = detect_format(data)
    if isinstance(data, list):
        return Page(version, _services(data, version, page_label), None, 1, len(data), True)
    if "contents" not in data and "content" not in data:
        return Page(version, _services([data], version, page_label), None, 1, 1, True)
    page = _Fields(data, page_label)
    if version is SourceFormat.ORUK_3:
        items = page.items("contents")
        number, total_pages = page.integer("page_number"), page.integer("total_pages")
        total_items, last = page.integer("total_items"), page.boolean("last_page")
    else:
        items = page.items("content")
        number, total_pages = page.integer("number"), page.integer("totalPages")
        total_items, last = page.integer("totalElements"), page.boolean("last")
    return Page(version, _services(items, version, page_label), number, total_pages, total_items, last)


def _format_of_services(items: Sequence[Any]) -> SourceFormat:
    one_point_oh = ("regular_schedules", "service_taxonomys", "eligibilitys")
    if any(isinstance(item, dict) and any(key in item for key in one_point_oh) for item in items):
        return SourceFormat.ORUK_1
    return SourceFormat.ORUK_3


def _services(items: Iterable[Any], version: SourceFormat, page_label: str) -> tuple[Service, ...]:
    read = _service_3 if version is SourceFormat.ORUK_3 else _service_1
    services = []
    for number, item in enumerate(items, start=1):
        where = f"service {number} on {page_label}"
        if not isinstance(item, dict):
            raise DirectoryError(f"{where}: expected an object, got {_kind(item)}")
        ident, name = item.get("id"), item.get("name")
        if isinstance(ident, (str, int)) and not isinstance(ident, bool) and str(ident).strip():
            where += f" (id {str(ident).strip()!r}"
            where += f", {name.strip()!r})" if isinstance(name, str) and name.strip() else ")"
        services.append(read(_Fields(item, where)))
    return tuple(services)


def _service_3(service: _Fields) -> Service:
    ages = (service.integer("minimum_age"), service.integer("maximum_age"))
    return Service(
        **_common(service),
        categories=_unique(
            _term_name(attribute, "taxonomy_term") for attribute in service.records("attributes")
        ),
        schedule=_schedules(service, "schedules"),
        minimum_age=ages[0],
        maximum_age=ages[1],
        eligibility=service.text("eligibility_description"),
        record=service.data,
    )


def _service_1(service: _Fields) -> Service:
    categories = _unique(_term_name(link, "taxonomy") for link in service.records("service_taxonomys"))
    eligibilities = service.records("eligibilitys")
    lows = [age for e in eligibilities if (age := e.integer("minimum_age")) is not None]
    highs = [age for e in eligibilities if (age := e.integer("maximum_age")) is not None]
    words = [text for e in eligibilities if (text := e.text("eligibility"))]
    return Service(
        **_common(service),
        categories=categories,
        schedule=_schedules(service, "regular_schedules"),
        minimum_age=min(lows) if lows else None,
        maximum_age=max(highs) if highs else None,
        eligibility="; ".join(words) or None,
        record=service.data,
    )


def _common(service: _Fields) -> dict[str, Any]:
    """The fields both versions share."""
    contacts = service.records("contacts")
    phones = [
        number
        for holder in (service, *contacts)
        for phone in holder.records("phones")
        if (number := phone.text("number"))
    ]
    emails = [email for holder in (service, *contacts) if (email := holder.text("email"))]
    organization = service.record("organization")
    return {
        "service_id": service.identifier("id"),
        "name": service.text("name", required=True),
        "description": service.text("description") or "",
        "status": service.status("status"),
        "url": service.text("url"),
        "email": emails[0] if emails else None,
        "phone": phones[0] if phones else None,
        "area": _area(service),
        "cost": _cost(service),
        "organization": organization.text("name") if organization else None,
    }


def _term_name(holder: _Fields, field: str) -> str | None:
    """A taxonomy term's name, whichever of `name`, `term` or `code` the feed fills in."""
    term = holder.record(field)
    if term is None:
        return None
    return term.text("name") or term.text("term") or term.text("code")


def _area(service: _Fields) -> str | None:
    places = []
    for link in service.records("service_at_locations"):
        location = link.record("location")
        if location is None:
            continue
        addresses = [*location.records("addresses"), *location.records("physical_addresses")]
        address = next((a for a in addresses if a.text("address_type") in (None, "physical")), None)
        parts = [location.text("name")]
        if address is not None:
            parts += [address.text("address_1"), address.text("city"), address.text("postal_code")]
        if place := ", ".join(_unique(parts)):
            places.append(place)
    if not places:
        places = [
            text
            for area in service.records("service_areas")
            if (text := area.text("name") or area.text("service_area") or area.text("description"))
        ]
    return "; ".join(_unique(places)) or None


def _cost(service: _Fields) -> str | None:
    """Each cost option in words ("Over 60s: £3.00 a session"), or the service's fees."""
    options = []
    for option in service.records("cost_options"):
        amount = option.number("amount")
        price = " ".join(
            part
            for part in (f"£{amount:.2f}" if amount is not None else None, option.text("amount_description"))
            if part
        )
        who = option.text("option")
        options.append(f"{who}: {price}" if who and price else who or price)
    fees = service.text("fees_description") or service.text("fees")
    return "; ".join(_unique([*options, fees])) or None


def _schedules(service: _Fields, field: str) -> str | None:
    times = []
    for schedule in service.records(field):
        if said := schedule.text("description"):
            times.append(said)
            continue
        days = schedule.text("byday") or schedule.text("weekday") or ""
        day_names = ", ".join(
            _DAYS.get(day.strip().upper()[-2:], day.strip()) for day in days.split(",") if day
        )
        hours = "–".join(hour[:5] for hour in (schedule.text("opens_at"), schedule.text("closes_at")) if hour)
        often = _FREQUENCIES.get((schedule.text("freq") or "").upper(), "")
        if words := " ".join(part for part in (often, day_names, hours) if part):
            times.append(words)
    return "; ".join(_unique(times)) or None


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), f"a {type(value).__name__}"
    )


class _Fields:
    """A JSON object read field by field, each problem reported with where it is."""

    def __init__(self, data: dict[str, Any], where: str, prefix: str = "") -> None:
        self.data, self.where, self.prefix = data, where, prefix

    def fail(self, field: str, problem: str) -> DirectoryError:
        return DirectoryError(f"{self.where}: field '{self.prefix}{field}': {problem}")

    def text(self, field: str, *, required: bool = False) -> str | None:
        value = self.data.get(field)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise self.fail(field, f"expected text, got {_kind(value)}")
        value = " ".join(value.split()) if value else None
        if required and not value:
            raise self.fail(field, "missing" if field not in self.data else "empty")
        return value

    def identifier(self, field: str) -> str:
        value = self.data.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) and value is not None:
            raise self.fail(field, f"expected text, got {_kind(value)}")
        if not value or not value.strip():
            raise self.fail(field, "missing: every service needs an id, to update it on the next import")
        return value.strip()

    def integer(self, field: str) -> int | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(field, f"expected a whole number, got {value!r}")
        return value

    def number(self, field: str) -> float | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise self.fail(field, f"expected a number, got {value!r}") from None

    def boolean(self, field: str) -> bool | None:
        value = self.data.get(field)
        if value is not None and not isinstance(value, bool):
            raise self.fail(field, f"expected true or false, got {value!r}")
        return value

    def status(self, field: str) -> ServiceStatus:
        value = self.text(field)
        if value is None:
            return ServiceStatus.ACTIVE  # optional in ORUK 1.0; a feed lists what runs
        status = _STATUSES.get(value.casefold())
        if status is None:
            known = ", ".join(repr(s.value) for s in ServiceStatus)
            raise self.fail(field, f"unknown status {value!r} (expected one of {known})")
        return status

    def record(self, field: str) -> _Fields | None:
        value = self.data.get(field)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(field, f"expected an object, got {_kind(value)}")
        return _Fields(value, self.where, f"{self.prefix}{field}.")

    def records(self, field: str, *, required: bool = False) -> list[_Fields]:
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.fail(field, "missing")
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list, got {_kind(value)}")
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{field}[{index}]", f"expected an object, got {_kind(item)}")
            items.append(_Fields(item, self.where, f"{self.prefix}{field}[{index}]."))
        return items

    def items(self, field: str) -> list[Any]:
        """A list that must be there, its items left as they are."""
        value = self.data.get(field)
        if not isinstance(value, list):
            raise self.fail(field, "missing" if value is None else f"expected a list, got {_kind(value)}")
        return value

    def get(self, field: str) -> Any:
        return self.data.get(field)
