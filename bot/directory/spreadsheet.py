"""Reading a directory kept as a spreadsheet, for practices without an ORUK feed.

The CSV's first line names its columns: `name,description,categories,area,contact,url`
(any order; only `name` must be there, and an `id` column may be added). Categories are
separated by `;` or `|`. The contact is a phone number, an email, or both separated by `/`.
Without an `id`, a service's id is made from its name, so re-importing the sheet updates
the same services.
"""

from __future__ import annotations

import csv
import io
import re

from bot.directory.model import Directory, DirectoryError, Service, SourceFormat

COLUMNS = ("name", "description", "categories", "area", "contact", "url")
_OPTIONAL = ("id",)
_EMAIL = re.compile(r"[^@\s/;,]+@[^@\s/;,]+\.[^@\s/;,]+")


def parse_csv(text: str, source: str) -> Directory:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [(column or "").strip().casefold() for column in reader.fieldnames or ()]
    if not header:
        raise DirectoryError(f"{source}: the CSV is empty (expected the columns {','.join(COLUMNS)})")
    unknown = [column for column in header if column not in (*COLUMNS, *_OPTIONAL)]
    if unknown:
        raise DirectoryError(
            f"{source}: unknown column {unknown[0]!r} "
            f"(the columns are {','.join(COLUMNS)}, and optionally id)"
        )
    if "name" not in header:
        raise DirectoryError(f"{source}: no 'name' column (the columns are {','.join(COLUMNS)})")
    reader.fieldnames = header
    services = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise DirectoryError(f"{source}, line {line}: more cells than columns (a comma not in quotes?)")
        cells = {column: " ".join((value or "").split()) for column, value in row.items()}
        if not any(cells.values()):
            continue  # a blank line
        name = cells.get("name", "")
        if not name:
            raise DirectoryError(f"{source}, line {line}: field 'name': empty; every service needs a name")
        url = cells.get("url") or None
        if url and not re.match(r"^https?://", url, re.IGNORECASE):
            raise DirectoryError(
                f"{source}, line {line} ({name!r}): field 'url': {url!r} is not a web address (https://...)"
            )
        contact = cells.get("contact", "")
        email = _EMAIL.search(contact)
        phone = _EMAIL.sub("", contact).strip(" /;,") or None
        services.append(
            Service(
                service_id=cells.get("id") or _id_from_name(name),
                name=name,
                description=cells.get("description", ""),
                categories=tuple(
                    dict.fromkeys(
                        c.strip() for c in re.split(r"[;|]", cells.get("categories", "")) if c.strip()
                    )
                ),
                area=cells.get("area") or None,
                email=email.group(0) if email else None,
                phone=phone,
                url=url,
                record={column: value for column, value in cells.items() if value},
            )
        )
    return Directory(source=source, format=SourceFormat.CSV, services=tuple(services))


def _id_from_name(name: str) -> str:
    return "csv-" + "-".join(re.findall(r"[a-z0-9]+", name.casefold()))
