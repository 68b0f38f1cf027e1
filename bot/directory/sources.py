"""Reading a directory from where it is: a JSON or CSV file, or an ORUK API's `/services`.

A feed is read whole, every page, before anything is stored: a page that fails
to come or to parse stops the import with nothing changed. ORUK feeds are open
(no key), so a URL is fetched with a plain GET. A listed service without its
categories is fetched again from `/services/{id}`, whole.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bot import __version__
from bot.directory.model import Directory, DirectoryError, Service, SourceFormat
from bot.directory.oruk import Page, parse_page
from bot.directory.spreadsheet import parse_csv

MAX_PAGES = 1000  # a feed that never says "last page" still ends
MAX_BYTES = 50 * 1024 * 1024  # one page; the largest council feeds send a few MB
TIMEOUT_SECONDS = 30
_PAGING_PARAMETERS = ("page", "per_page")
# The field holding a service's categories: a list without it gets each service's whole record.
_CATEGORIES = {SourceFormat.ORUK_3: "attributes", SourceFormat.ORUK_1: "service_taxonomys"}


def load(location: str) -> Directory:
    """The services at `location`: an http(s) URL of an ORUK API, or a path to a .json or .csv file."""
    if urllib.parse.urlsplit(location).scheme in ("http", "https"):
        return load_feed(location)
    return load_file(Path(location))


def load_file(path: Path) -> Directory:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DirectoryError(f"{path}: cannot read it ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DirectoryError(f"{path.name}: not UTF-8 text (byte {error.start}); save it as UTF-8") from error
    if path.suffix.casefold() == ".csv":
        return parse_csv(text, path.name)
    page = parse_page(_json(text, path.name), page_label=path.name)
    if page.total_pages is not None and page.total_pages > 1:
        raise DirectoryError(
            f"{path.name}: holds page {page.number} of {page.total_pages} of a feed; import the feed's "
            "URL instead, so every page is read (services on other pages would be marked inactive)"
        )
    return Directory(source=path.name, format=page.format, services=page.services)


def load_feed(url: str) -> Directory:
    """Every page of an ORUK API's `/services`, given the API's address or its `/services` URL."""
    url = _services_url(url)
    source = _source_name(url)
    first = parse_page(fetch_json(url), page_label=f"the first page of {source}")
    pages = [first]
    while not _is_last(pages[-1], len(pages)):
        if len(pages) >= MAX_PAGES:
            raise DirectoryError(f"{url}: more than {MAX_PAGES} pages; is the feed paging properly?")
        number = (pages[-1].number if pages[-1].number is not None else len(pages)) + 1
        page_url = _with_page(url, number)
        page = parse_page(fetch_json(page_url), page_label=f"page {number} of {source}")
        if page.format is not first.format:
            raise DirectoryError(
                f"{page_url}: in {page.format.value}, but the first page was {first.format.value}"
            )
        if not page.services:
            break
        if page.number is not None and page.number != number:
            raise DirectoryError(f"{page_url}: came back as page {page.number}: the feed ignores ?page=")
        pages.append(page)
    # A service that moved while we were paging can appear twice; its later copy is the newer one.
    services: dict[str, Service] = {}
    for page in pages:
        services.update((service.service_id, service) for service in page.services)
    for ident, service in list(services.items()):
        if _CATEGORIES[first.format] not in service.record:
            services[ident] = _full_record(url, service)
    if first.total_items is not None and len(services) < first.total_items:
        raise DirectoryError(
            f"{url}: the feed says it has {first.total_items} services but its {len(pages)} pages held "
            f"{len(services)}; nothing imported (try again, or ask the feed's publisher)"
        )
    return Directory(source=source, format=first.format, services=tuple(services.values()))


def _full_record(services_url: str, listed: Service) -> Service:
    """A service's whole record from `/services/{id}`: a feed's list may leave out its child
    records (HSDS 3.0 allows it), and without its taxonomy terms a service can hardly be matched."""
    parts = urllib.parse.urlsplit(services_url)
    path = f"{parts.path}/{urllib.parse.quote(listed.service_id, safe='')}"
    detail_url = urllib.parse.urlunsplit(parts._replace(path=path, query="", fragment=""))
    page = parse_page(fetch_json(detail_url), page_label=detail_url)
    if len(page.services) != 1 or page.services[0].service_id != listed.service_id:
        raise DirectoryError(f"{detail_url}: expected the service {listed.service_id!r} alone")
    return page.services[0]


def fetch_json(url: str) -> Any:
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"what-matters/{__version__}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise DirectoryError(f"{url}: the feed answered HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DirectoryError(f"{url}: could not fetch it ({reason})") from error
    if len(body) > MAX_BYTES:
        raise DirectoryError(f"{url}: a page larger than {MAX_BYTES // 1024 // 1024} MB")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DirectoryError(f"{url}: the answer is not UTF-8 JSON") from error
    return _json(text, url)


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DirectoryError(f"{where}: not valid JSON ({error.msg}, line {error.lineno})") from error


def _is_last(page: Page, pages_read: int) -> bool:
    if page.last is True:
        return True
    if page.total_pages is not None:
        return pages_read >= page.total_pages
    return page.last is None  # no paging information at all: one page


def _services_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    return urllib.parse.urlunsplit(parts._replace(path=path))


def _with_page(url: str, number: int) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(key, value) for key, value in urllib.parse.parse_qsl(parts.query) if key != "page"]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode([*query, ("page", number)])))


def _source_name(url: str) -> str:
    """The feed's address without its paging, so every import of it is the same source."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k not in _PAGING_PARAMETERS]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query), fragment=""))
