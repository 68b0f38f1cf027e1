"""Importing a practice's directory of local services (issue 16): ORUK 3.0 and 1.0, files and
feeds served page by page over real HTTP, CSV, re-imports, --replace, and bad records.

The store's tests run on SQLite and on PostgreSQL (`db`, see conftest.py).
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli

from bot import directory_services
from bot.directory.model import DirectoryError, ServiceStatus, SourceFormat
from bot.directory.sources import load, load_file
from bot.store.database import Database

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIRECTORY = REPO_ROOT / "bot" / "directory" / "demo_directory.json"
T1 = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


# --- Feeds, as councils publish them ------------------------------------------------------------


def oruk3_service(ident: str, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "description": f"{name}: a made-up service for the tests.",
        "status": "active",
        "attributes": [{"taxonomy_term": {"id": f"t-{ident}", "name": "Social groups", "taxonomy": "demo"}}],
        **fields,
    }


def oruk3_page(
    services: list[dict[str, Any]], number: int = 1, total_pages: int = 1, total: int | None = None
):
    return {
        "total_items": len(services) if total is None else total,
        "total_pages": total_pages,
        "page_number": number,
        "size": len(services),
        "first_page": number == 1,
        "last_page": number == total_pages,
        "empty": not services,
        "contents": services,
    }


def oruk1_service(ident: str, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "description": f"{name}: a made-up service for the tests.",
        "status": "active",
        "url": f"https://www.example.org/{ident}",
        "organization": {"id": "org-1", "name": "Made-up Council"},
        "contacts": [
            {"id": f"c-{ident}", "name": "Reception", "phones": [{"id": "p", "number": "01632 960100"}]}
        ],
        "regular_schedules": [{"id": "s", "byday": "WE", "opens_at": "10:00:00", "closes_at": "12:00:00"}],
        "service_taxonomys": [
            {"id": "st", "taxonomy": {"id": "bef", "name": "Befriending", "vocabulary": "demo"}}
        ],
        "eligibilitys": [{"id": "e", "eligibility": "adult", "minimum_age": 18, "maximum_age": None}],
        "service_at_locations": [
            {
                "id": "sal",
                "location": {
                    "id": "loc",
                    "name": "Town Library",
                    "physical_addresses": [
                        {"id": "a", "address_1": "2 Station Road", "postal_code": "ZZ99 1AV"}
                    ],
                },
            }
        ],
        **fields,
    }


def oruk1_page(services: list[dict[str, Any]], number: int, total_pages: int, total: int) -> dict[str, Any]:
    return {
        "totalElements": total,
        "totalPages": total_pages,
        "number": number,
        "size": len(services),
        "first": number == 0,
        "last": number == total_pages - 1,
        "content": services,
    }


class Feed:
    """A real HTTP server on loopback serving `/services` pages by their `?page=`."""

    def __init__(self) -> None:
        self.pages: dict[str | None, Any] = {}
        self.details: dict[str, Any] = {}  # /services/{id}
        self.requests: list[str] = []
        self.fail_with: int | None = None
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                feed.requests.append(self.path)
                parts = urllib.parse.urlsplit(self.path)
                page = urllib.parse.parse_qs(parts.query).get("page", [None])[0]
                detail = parts.path.removeprefix("/api/services/")
                if detail in feed.details and not feed.fail_with:
                    self._send(feed.details[detail])
                elif feed.fail_with or parts.path != "/api/services" or page not in feed.pages:
                    self.send_response(feed.fail_with or 404)
                    self.end_headers()
                else:
                    self._send(feed.pages[page])

            def _send(self, data: Any) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def feed() -> Iterator[Feed]:
    served = Feed()
    try:
        yield served
    finally:
        served.close()


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def names(db: Database, practice: str = "practice-a", *, active_only: bool = False) -> list[str]:
    return [s.service.name for s in directory_services.list_services(db, practice, active_only=active_only)]


# --- ORUK 3.0 ------------------------------------------------------------------------------------


def test_an_oruk_3_file_is_imported_with_the_fields_we_show_and_match_on(db: Database) -> None:
    result = directory_services.import_from(db, str(DEMO_DIRECTORY), "demo-practice")

    assert (result.added, result.updated, result.withdrawn) == (55, 0, 0)
    stored = {s.service.name: s for s in directory_services.list_services(db, "demo-practice")}
    assert len(stored) == 55
    lunch = stored["Silver Threads Lunch Club"]
    assert lunch.format is SourceFormat.ORUK_3
    assert lunch.source == "demo_directory.json"
    assert lunch.service.categories == ("Lunch clubs", "Social groups", "Older people")
    assert (lunch.service.minimum_age, lunch.service.maximum_age) == (60, None)
    assert lunch.service.schedule == "every week Thu 12:00–14:30"
    assert lunch.service.area == "Ashby Vale Community Centre, 1 Market Street, Ashby Vale, ZZ99 1AV"
    assert lunch.service.phone.startswith("01632 ")
    assert lunch.service.cost == "£4.50 for lunch"
    assert lunch.service.record["id"] == lunch.service.service_id  # the feed's whole record, kept
    assert stored["Riverside Lunch Club"].service.status is ServiceStatus.DEFUNCT
    assert stored["Walking Netball"].service.status is ServiceStatus.TEMPORARILY_CLOSED
    assert stored["Young Carers Club"].service.is_for_children_only()


def test_an_oruk_3_feed_is_read_page_by_page_from_the_api_address(db: Database, feed: Feed) -> None:
    services = [oruk3_service(f"s{n}", f"Service {n}") for n in range(1, 8)]
    feed.pages = {
        None: oruk3_page(services[0:3], 1, 3, total=7),
        "2": oruk3_page(services[3:6], 2, 3, total=7),
        "3": oruk3_page(services[6:], 3, 3, total=7),
    }

    result = directory_services.import_from(db, feed.url, "practice-a")  # the API's address, not /services

    assert result.added == 7
    assert result.source == f"{feed.url}/services"
    assert feed.requests == ["/api/services", "/api/services?page=2", "/api/services?page=3"]
    assert names(db) == sorted(f"Service {n}" for n in range(1, 8))


def test_a_listed_service_without_its_categories_is_fetched_whole(db: Database, feed: Feed) -> None:
    full = oruk3_service("s/1", "Befriending", minimum_age=18)
    listed = {key: full[key] for key in ("id", "name", "description", "status")}  # no child records
    feed.pages = {None: oruk3_page([listed, oruk3_service("s2", "Choir")])}
    feed.details = {"s%2F1": full}

    directory_services.import_from(db, feed.url, "practice-a")

    assert feed.requests == ["/api/services", "/api/services/s%2F1"]
    stored = {s.service.service_id: s.service for s in directory_services.list_services(db, "practice-a")}
    assert (stored["s/1"].categories, stored["s/1"].minimum_age) == (("Social groups",), 18)


def test_optional_fields_may_be_missing_or_null(db: Database, tmp_path: Path) -> None:
    bare = {"id": "bare-1", "name": "Just a name"}
    nulls = {**oruk3_service("nulls-1", "Nulls everywhere"), "description": None, "attributes": None}
    nulls.update(schedules=None, contacts=None, minimum_age=None, url=None, service_at_locations=None)
    # As the uk-profile's own example has them: links without what they link to, fees in words.
    sparse = oruk3_service("sparse-1", "Sparse", attributes=[{"id": "a1", "link_type": "x"}], fees="Ask us")
    sparse.update(service_at_locations=[{"id": "sal-1"}], contacts=[{"id": "c1", "name": "Reception"}])
    sparse["cost_options"] = [{"option": "Over 60s", "amount": 3, "amount_description": "a session"}]
    directory = load_file(write_json(tmp_path / "bare.json", [bare, nulls, sparse]))

    directory_services.import_directory(db, directory, "practice-a", now=T1)

    stored = {s.service.service_id: s.service for s in directory_services.list_services(db, "practice-a")}
    assert stored["bare-1"].description == "" and stored["bare-1"].status is ServiceStatus.ACTIVE
    assert stored["nulls-1"].categories == () and stored["nulls-1"].minimum_age is None
    assert (stored["sparse-1"].categories, stored["sparse-1"].area, stored["sparse-1"].phone) == (
        (),
        None,
        None,
    )
    assert stored["sparse-1"].cost == "Over 60s: £3.00 a session; Ask us"


# --- ORUK 1.0 ------------------------------------------------------------------------------------


def test_an_oruk_1_feed_is_read_page_by_page_counting_from_0(db: Database, feed: Feed) -> None:
    services = [oruk1_service(f"v1-{n}", f"Old-style service {n}") for n in range(5)]
    services[4]["eligibilitys"] = [
        {"id": "e", "eligibility": "young people", "minimum_age": 11, "maximum_age": 17}
    ]
    feed.pages = {
        None: oruk1_page(services[:2], 0, 3, 5),
        "1": oruk1_page(services[2:4], 1, 3, 5),
        "2": oruk1_page(services[4:], 2, 3, 5),
    }

    result = directory_services.import_from(db, f"{feed.url}/services", "practice-a")

    assert result.added == 5
    assert feed.requests == ["/api/services", "/api/services?page=1", "/api/services?page=2"]
    stored = {s.service.service_id: s for s in directory_services.list_services(db, "practice-a")}
    first = stored["v1-0"]
    assert first.format is SourceFormat.ORUK_1
    assert first.service.categories == ("Befriending",)
    assert (first.service.minimum_age, first.service.maximum_age, first.service.eligibility) == (
        18,
        None,
        "adult",
    )
    assert first.service.schedule == "Wed 10:00–12:00"
    assert first.service.area == "Town Library, 2 Station Road, ZZ99 1AV"
    assert (first.service.phone, first.service.organization) == ("01632 960100", "Made-up Council")
    assert stored["v1-4"].service.is_for_children_only()


def test_an_oruk_1_file_is_imported(db: Database, tmp_path: Path) -> None:
    page = oruk1_page([oruk1_service("a", "Alpha"), oruk1_service("b", "Beta")], 1, 1, 2)

    result = directory_services.import_from(
        db, str(write_json(tmp_path / "council.json", page)), "practice-a"
    )

    assert (result.added, result.source) == (2, "council.json")
    assert names(db) == ["Alpha", "Beta"]


# --- Re-importing ------------------------------------------------------------------------------


def test_reimporting_updates_by_id_and_marks_services_gone_from_the_feed_inactive(db: Database) -> None:
    first = [oruk3_service("a", "Alpha"), oruk3_service("b", "Beta"), oruk3_service("c", "Gamma")]
    directory_services.import_directory(db, _directory(first), "practice-a", now=T1)
    second = [oruk3_service("a", "Alpha renamed"), oruk3_service("c", "Gamma"), oruk3_service("d", "Delta")]

    result = directory_services.import_directory(db, _directory(second), "practice-a", now=T2)

    assert (result.added, result.updated, result.unchanged, result.withdrawn) == (1, 1, 1, 1)
    stored = {s.service.service_id: s for s in directory_services.list_services(db, "practice-a")}
    assert stored["a"].service.name == "Alpha renamed"
    assert (stored["a"].imported_at, stored["a"].updated_at) == (T1, T2)
    assert stored["b"].service.status is ServiceStatus.INACTIVE
    assert stored["b"].withdrawn_at == T2
    assert names(db, active_only=True) == ["Alpha renamed", "Delta", "Gamma"]

    # Back in the feed: active again, as the feed says.
    again = directory_services.import_directory(db, _directory(first), "practice-a", now=T2)
    assert (again.added, again.updated, again.withdrawn) == (0, 2, 1)
    assert names(db, active_only=True) == ["Alpha", "Beta", "Gamma"]


def test_a_reimport_leaves_the_practices_other_sources_and_other_practices_alone(
    db: Database, tmp_path: Path
) -> None:
    csv = tmp_path / "our-groups.csv"
    csv.write_text("name,description,categories\nKnit Club,Knitting together,Crafts\n", encoding="utf-8")
    directory_services.import_from(db, str(csv), "practice-a")
    directory_services.import_directory(db, _directory([oruk3_service("a", "Alpha")]), "practice-a", now=T1)
    directory_services.import_directory(db, _directory([oruk3_service("a", "Alpha")]), "practice-b", now=T1)

    result = directory_services.import_directory(db, _directory([]), "practice-a", now=T2)

    assert result.withdrawn == 1
    assert names(db, active_only=True) == ["Knit Club"]
    assert names(db, "practice-b", active_only=True) == ["Alpha"]


def test_replace_makes_the_file_the_practices_whole_directory(db: Database, tmp_path: Path) -> None:
    csv = tmp_path / "our-groups.csv"
    csv.write_text("name,description,categories\nKnit Club,Knitting together,Crafts\n", encoding="utf-8")
    directory_services.import_from(db, str(csv), "practice-a")
    directory_services.import_directory(db, _directory([oruk3_service("a", "Alpha")]), "practice-b", now=T1)
    feed = write_json(tmp_path / "council.json", oruk3_page([oruk3_service("x", "Xylophone Club")]))

    result = directory_services.import_from(db, str(feed), "practice-a", replace=True)

    assert (result.added, result.removed) == (1, 1)
    assert names(db) == ["Xylophone Club"]
    assert names(db, "practice-b") == ["Alpha"]


# --- Bad input: a clear error naming the record and the field, and nothing imported ----------------

BAD_RECORDS = [
    ({"id": None}, "field 'id': missing"),
    ({"name": "  "}, "field 'name': empty"),
    ({"minimum_age": "eighteen"}, "field 'minimum_age': expected a whole number, got 'eighteen'"),
    ({"status": "open"}, "field 'status': unknown status 'open'"),
    ({"attributes": {"taxonomy_term": "x"}}, "field 'attributes': expected a list, got an object"),
    (
        {"attributes": [{"taxonomy_term": "Befriending"}]},
        "field 'attributes[0].taxonomy_term': expected an object",
    ),
    (
        {"contacts": [{"phones": [{"number": ["01632"]}]}]},
        "field 'contacts[0].phones[0].number': expected text",
    ),
    ({"cost_options": [{"amount": "a fiver"}]}, "field 'cost_options[0].amount': expected a number"),
]


@pytest.mark.parametrize(("change", "message"), BAD_RECORDS, ids=[m.split(":")[0] for _, m in BAD_RECORDS])
def test_a_bad_record_is_named_with_its_field_and_nothing_is_imported(
    db: Database, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    directory_services.import_directory(db, _directory([oruk3_service("keep", "Kept")]), "practice-a", now=T1)
    bad = {**oruk3_service("bad-1", "Broken Service"), **change}
    page = oruk3_page([oruk3_service("ok-1", "Fine Service"), bad, oruk3_service("ok-2", "Fine too")])

    with pytest.raises(DirectoryError) as raised:
        directory_services.import_from(db, str(write_json(tmp_path / "feed.json", page)), "practice-a")

    assert "service 2 on feed.json" in str(raised.value)
    assert message in str(raised.value)
    if change.get("id", "") is not None and change.get("name", "x").strip():
        assert "(id 'bad-1', 'Broken Service')" in str(raised.value)
    assert names(db) == ["Kept"]


def test_a_bad_record_on_a_later_page_of_a_feed_imports_nothing(db: Database, feed: Feed) -> None:
    broken = {**oruk1_service("v1-3", "Broken"), "eligibilitys": [{"minimum_age": -4}]}
    feed.pages = {
        None: oruk1_page([oruk1_service("v1-1", "One"), oruk1_service("v1-2", "Two")], 0, 2, 4),
        "1": oruk1_page([broken, oruk1_service("v1-4", "Four")], 1, 2, 4),
    }

    with pytest.raises(
        DirectoryError,
        match=r"service 1 on page 1 .*\(id 'v1-3', 'Broken'\): field 'eligibilitys\[0\]\.minimum_age'",
    ):
        directory_services.import_from(db, feed.url, "practice-a")

    assert names(db) == []


def test_a_feed_whose_pages_hold_fewer_services_than_it_says_imports_nothing(
    db: Database, feed: Feed
) -> None:
    feed.pages = {
        None: oruk3_page([oruk3_service("a", "A")], 1, 2, total=3),
        "2": oruk3_page([], 2, 2, total=3),
    }

    with pytest.raises(
        DirectoryError, match="says it has 3 services but its 1 pages held 1; nothing imported"
    ):
        directory_services.import_from(db, feed.url, "practice-a")

    assert names(db) == []


def test_a_feed_that_fails_says_how(db: Database, feed: Feed) -> None:
    feed.fail_with = 503

    with pytest.raises(DirectoryError, match="the feed answered HTTP 503"):
        directory_services.import_from(db, feed.url, "practice-a")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ({"items": []}, "not an ORUK services page: expected 'contents' (ORUK 3.0) or 'content' (ORUK 1.0)"),
        (oruk3_page([oruk3_service("a", "A")], 1, 4), "holds page 1 of 4 of a feed; import the feed's URL"),
        ({"contents": {"id": "a"}}, "field 'contents': expected a list, got an object"),
        (
            [oruk3_service("a", "A"), oruk3_service("a", "Again")],
            "field 'id': 'a' is also the id of service 1",
        ),
    ],
)
def test_a_file_that_is_not_a_directory_is_refused(tmp_path: Path, data: Any, message: str) -> None:
    path = tmp_path / "feed.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")

    with pytest.raises(DirectoryError) as raised:
        load(str(path))

    assert message in str(raised.value)


# --- CSV ---------------------------------------------------------------------------------------

CSV = """name,description,categories,area,contact,url
Knit and Natter,"Knitting, crochet and a chat",Crafts; Social groups,Ashby Vale Library,01632 960200 / knit@example.org,https://www.example.org/knit
Vale Walkers,Gentle walks for all,Walking groups|Physical activity,,walkers@example.org,
Youth Club,Games for teenagers,Children and young people,,,
"""


def test_a_csv_is_imported_and_reimported_by_name(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "our-groups.csv"
    path.write_text("\ufeff" + CSV, encoding="utf-8")  # as Excel saves it

    result = directory_services.import_from(db, str(path), "practice-a")

    assert result.added == 3
    stored = {s.service.name: s.service for s in directory_services.list_services(db, "practice-a")}
    knit = stored["Knit and Natter"]
    assert knit.service_id == "csv-knit-and-natter"
    assert knit.description == "Knitting, crochet and a chat"
    assert knit.categories == ("Crafts", "Social groups")
    assert (knit.area, knit.phone, knit.email) == ("Ashby Vale Library", "01632 960200", "knit@example.org")
    assert knit.url == "https://www.example.org/knit"
    assert stored["Vale Walkers"].categories == ("Walking groups", "Physical activity")
    assert (stored["Vale Walkers"].phone, stored["Vale Walkers"].email) == (None, "walkers@example.org")
    assert stored["Youth Club"].is_for_children_only()  # no ages in a CSV: its category says so

    path.write_text(CSV.replace("Gentle walks for all", '"Gentle walks, every Friday"'), encoding="utf-8")
    again = directory_services.import_from(db, str(path), "practice-a")
    assert (again.added, again.updated, again.unchanged) == (0, 1, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV is empty"),
        ("name,catgories\nA,B\n", "unknown column 'catgories'"),
        ("description,categories\nA,B\n", "no 'name' column"),
        ("name,description\nA,fine\n,no name here\n", "line 3: field 'name': empty"),
        (
            "name,url\nA,www.example.org\n",
            "line 2 ('A'): field 'url': 'www.example.org' is not a web address",
        ),
        ("name,description\nA,one,two\n", "line 2: more cells than columns"),
    ],
)
def test_a_bad_csv_is_refused_saying_where(db: Database, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "groups.csv"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(DirectoryError) as raised:
        directory_services.import_from(db, str(path), "practice-a")

    assert message in str(raised.value)
    assert names(db) == []


# --- The command line ----------------------------------------------------------------------------


def test_the_directory_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'whatmatters.db'}"

    imported = run_cli(
        "directory", "import", str(DEMO_DIRECTORY), "--practice", "demo-practice", database_url=url
    )
    assert imported.returncode == 0, imported.stderr
    assert "55 added" in imported.stdout

    listed = run_cli("directory", "list", "--practice", "demo-practice", "--format", "json", database_url=url)
    services = json.loads(listed.stdout)
    assert len(services) == 55
    befriending = next(s for s in services if s["name"] == "Ashby Vale Befriending")

    shown = run_cli("directory", "show", str(befriending["id"]), database_url=url)
    assert shown.returncode == 0, shown.stderr
    assert "Ashby Vale Befriending" in shown.stdout and "Categories: Befriending, Loneliness" in shown.stdout

    suggested = run_cli(
        "directory",
        "suggest",
        "I've been so lonely since Jim died",
        "--practice",
        "demo-practice",
        database_url=url,
    )
    assert suggested.returncode == 0, suggested.stderr
    assert suggested.stdout.startswith("1. Ashby Vale Befriending (score ")
    assert '     why: "lonely" (loneliness) → ' in suggested.stdout

    removed = run_cli("directory", "remove", str(befriending["id"]), database_url=url)
    assert (removed.returncode, removed.stdout.strip()) == (
        0,
        "Removed 'Ashby Vale Befriending' from practice demo-practice's directory.",
    )
    assert run_cli("directory", "show", str(befriending["id"]), database_url=url).returncode == 1

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "x", "name": "X", "maximum_age": "old"}]), encoding="utf-8")
    refused = run_cli(
        "directory", "import", str(bad), "--practice", "demo-practice", "--replace", database_url=url
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        "Nothing imported: service 1 on bad.json (id 'x', 'X'): field 'maximum_age'"
    )
    table = run_cli("directory", "list", "--practice", "demo-practice", database_url=url).stdout
    assert len(table.strip().splitlines()) == 1 + 54  # the header, and the directory as it was


def _directory(services: list[dict[str, Any]]):
    from bot.directory.model import Directory
    from bot.directory.oruk import parse_page

    page = parse_page(copy.deepcopy(oruk3_page(services)), page_label="the test feed")
    return Directory(source="test-feed", format=page.format, services=page.services)


def test_make_run_loads_the_demo_directory_into_the_demo_practice_only_and_again_changes_nothing(
    tmp_path: Path,
) -> None:
    """The command is read from the Makefile's `run` recipe, so the test follows what `make run` does."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun: setup\n", 1)[1].split("\n\n", 1)[0]
    [command] = [line.split("-m bot ", 1)[1] for line in recipe.splitlines() if "directory import" in line]
    url = f"sqlite:///{tmp_path / 'plans.db'}"

    first = run_cli(*command.split(), database_url=url)
    again = run_cli(*command.split(), database_url=url)

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "55 added" in first.stdout and "55 unchanged" in again.stdout
    db = Database.from_url(url)
    assert {s.practice_id for s in directory_services.list_services(db)} == {"demo-practice"}
