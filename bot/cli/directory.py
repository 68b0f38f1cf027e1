"""`directory import|list|show|remove|suggest`: the practices' directories of local services."""

from __future__ import annotations

import argparse

from bot import directory_services
from bot.cli.output import fail, minute, print_json, print_table
from bot.config import Settings
from bot.directory.model import DirectoryError, StoredService
from bot.store.database import open_database


def import_directory(args: argparse.Namespace, url: str) -> int:
    practice = args.practice or Settings.from_env().practice_id
    try:
        result = directory_services.import_from(
            open_database(url), args.location, practice, replace=args.replace
        )
    except DirectoryError as error:
        return fail(f"Nothing imported: {error}")
    print(f"Imported {result}")
    return 0


def list_directory(args: argparse.Namespace, url: str) -> int:
    stored = directory_services.list_services(open_database(url), args.practice, active_only=args.active)
    if args.format == "json":
        print_json([_service_dict(s) for s in stored])
        return 0
    header = ("ID", "PRACTICE", "NAME", "STATUS", "AGES", "CATEGORIES")
    rows = [
        (
            str(s.id),
            s.practice_id,
            _shorten(s.service.name, 48),
            s.service.status.value,
            _ages(s),
            _shorten(", ".join(s.service.categories), 50),
        )
        for s in stored
    ]
    print_table(header, rows, "No services in the directory yet.")
    return 0


def show_service(args: argparse.Namespace, url: str) -> int:
    stored = directory_services.get_service(open_database(url), args.service_id)
    if stored is None:
        return _no_service(args.service_id)
    if args.format == "json":
        print_json({**_service_dict(stored), "record": stored.service.record})
        return 0
    service = stored.service
    lines = [
        (service.name, None),
        (
            "Status",
            service.status.value
            + (f" (gone from its feed {minute(stored.withdrawn_at)})" if stored.withdrawn_at else ""),
        ),
        ("Practice", stored.practice_id),
        ("Service id", f"{service.service_id} ({stored.format.value}, from {stored.source})"),
        ("Organisation", service.organization),
        ("Categories", ", ".join(service.categories)),
        ("Ages", _ages(stored) if _ages(stored) != "-" else None),
        ("Eligibility", service.eligibility),
        ("Where", service.area),
        ("When", service.schedule),
        ("Cost", service.cost),
        ("Contact", service.contact),
        ("Web", service.url),
        ("Updated (UTC)", minute(stored.updated_at)),
    ]
    for label, value in lines:
        if value is None and label == service.name:
            print(label)
        elif value:
            print(f"  {label}: {value}")
    if service.description:
        print()
        print(service.description)
    return 0


def remove_service(args: argparse.Namespace, url: str) -> int:
    removed = directory_services.remove_service(open_database(url), args.service_id)
    if removed is None:
        return _no_service(args.service_id)
    print(f"Removed {removed.service.name!r} from practice {removed.practice_id}'s directory.")
    return 0


def suggest(args: argparse.Namespace, url: str) -> int:
    from bot.directory.matching import Said

    practice = args.practice or Settings.from_env().practice_id
    said = [Said("said", " ".join(args.words))]
    suggestions = directory_services.suggest(
        open_database(url), practice, said, age=args.age, limit=args.limit
    )
    if not suggestions:
        print(f"Nothing in practice {practice}'s directory fits those words.")
    for number, suggestion in enumerate(suggestions, start=1):
        service = suggestion.service
        print(f"{number}. {service.name} (score {suggestion.score:.1f})")
        for reason in suggestion.why:
            print(f"     why: {reason}")
        if audience := service.audience():
            print(f"     for people {audience}")
    return 0


def _no_service(service_id: int) -> int:
    return fail(f"No service {service_id} in the directory.")


def _service_dict(stored: StoredService) -> dict[str, object]:
    service = stored.service
    return {
        "id": stored.id,
        "practice_id": stored.practice_id,
        "service_id": service.service_id,
        "name": service.name,
        "status": service.status.value,
        "description": service.description,
        "categories": list(service.categories),
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "eligibility": service.eligibility,
        "area": service.area,
        "schedule": service.schedule,
        "cost": service.cost,
        "phone": service.phone,
        "email": service.email,
        "url": service.url,
        "organization": service.organization,
        "source": stored.source,
        "format": stored.format.value,
        "updated_at": stored.updated_at.isoformat(),
        "withdrawn_at": stored.withdrawn_at.isoformat() if stored.withdrawn_at else None,
    }


def _ages(stored: StoredService) -> str:
    low, high = stored.service.minimum_age, stored.service.maximum_age
    if low is None and high is None:
        return "-"
    return f"{low if low is not None else 0}-{high if high is not None else ''}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
