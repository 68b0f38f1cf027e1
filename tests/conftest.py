"""Shared fixtures: migrated databases to test the store against.

`database_url` (and `db`, built on it) runs a test once on SQLite and once on
PostgreSQL: the server named by `TEST_DATABASE_URL`, or else a local one at
127.0.0.1:5432 (database `test`) if it answers. Each test gets its own freshly
created schema, dropped afterwards, so concurrent runs never collide.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.careplan.interview import build_plan
from bot.careplan.model import CarePlan, SupportPerson
from bot.store.database import Database, migrate

if TYPE_CHECKING:
    from bot.store.outbox import Outbox

POSTGRES_ENV = "TEST_DATABASE_URL"


@pytest.fixture(autouse=True, scope="session")
def _tests_outbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What the service layer queues while a database is down (bot/store/outbox.py) goes to a
    folder of this run, never to the project's var/ (nor is .env read to find it)."""
    from bot.services import delivery
    from bot.store.outbox import Outbox

    delivery.use_outbox(Outbox(tmp_path_factory.mktemp("outbox") / "outbox.jsonl"))
    yield
    delivery.use_outbox(None)


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Outbox]:
    """An outbox of this test's own; the run's outbox is back afterwards (never var/'s)."""
    from bot.services import delivery
    from bot.store.outbox import Outbox

    before = delivery.outbox()
    outbox = Outbox(tmp_path / "outbox" / "outbox.jsonl")
    delivery.use_outbox(outbox)
    yield outbox
    delivery.use_outbox(before)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'whatmatters.db'}"


LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@functools.lru_cache(maxsize=1)
def _postgres_base_url() -> str | None:
    """TEST_DATABASE_URL when set (then it must work), else a local server if one answers."""
    if os.environ.get(POSTGRES_ENV):
        return os.environ[POSTGRES_ENV]
    engine = create_engine(LOCAL_POSTGRES, future=True, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            return LOCAL_POSTGRES
    except Exception:  # no server here: the PostgreSQL variants skip, saying why
        return None
    finally:
        engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections all use a new, empty schema of their own."""
    base_url = _postgres_base_url()
    if not base_url:
        pytest.skip(
            f"no PostgreSQL at {LOCAL_POSTGRES} and {POSTGRES_ENV} is not set "
            "(e.g. postgresql://user@host:5432/dbname)"
        )
    schema = f"wm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # In the URL rather than connect_args, so migrate() and subprocesses get it too.
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database's URL, on each backend in turn."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated, empty database."""
    migrate(database_url)
    database = Database.from_url(database_url)
    try:
        yield database
    finally:
        database.dispose()


# About 600 words over several paragraphs, with the punctuation people use.
_LONG_SENTENCE = (
    "A good day starts slowly, with tea in the garden; I feed the birds, "
    "read the paper and, if my knees allow, walk down to the allotment (it's only "
    "ten minutes) where Bill and I talk about the weather, the bus timetable, and "
    "whether the beans will come up this year. "
)
LONG_ANSWER = "\n\n".join(" ".join([_LONG_SENTENCE.strip()] * 4) for _ in range(3))


@pytest.fixture
def sample_plan() -> CarePlan:
    """A plan as the interview builds it: two goals, two supporters, a skipped and an unsure answer."""
    values = {
        "what_matters_good_day": LONG_ANSWER,
        "what_matters_do_again": "Walk to the allotment with my grandson *every* Sunday",
        "strengths_good_at": "Gardening & baking <b>bread</b>",
        "strengths_coping": None,
        "concerns_health": "# My knees hurt\n- all the time",
        "concerns_life": "I don't know really, money maybe",
        "goal_1_description": "Walk to the allotment again",
        "goal_1_first_step": "Walk to the end of the road",
        "goal_1_timeframe": "in 2 weeks",
        "goal_1_confidence": "about a 6",
        "goal_1_confidence_boost": "If my daughter came with me",
        "goal_1_more": True,
        "goal_2_description": "Bake for the church fair",
        "goal_2_first_step": "Buy flour",
        "goal_2_timeframe": "by December",
        "goal_2_confidence": "8",
        "goal_2_more": False,
        "support_needs": "Help with the shopping",
        "support_people": "My daughter Sarah, and my neighbour",
        "support_from_practice": "A health coach and the nurse",
        "contact_preferences": "Phone in the mornings",
        "accessibility": "Large print please",
        "share_with": "My daughter",
        "contingency": "Call Sarah, then 111",
    }
    return build_plan(
        values,
        conversation_id="sender-123",
        practice_id="practice-a",
        unanswered={"strengths_coping": "skipped", "concerns_life": "dont_know"},
        support_people=[SupportPerson("Sarah", "daughter"), SupportPerson(None, "neighbour")],
        today=date(2025, 3, 3),
    )


# --- The trained assistant ---------------------------------------------------


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The Rasa model, trained at most once per session and only when a hash of
    its inputs changed (bot/training.py): an unchanged project reuses models/."""
    from bot import training

    return training.ensure_model()


@pytest.fixture(scope="session")
def agent(trained_model: Path):
    """The model loaded in this process, for Rasa's own evaluation functions."""
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


# --- A real browser: Debian's Chromium, driven by Playwright -------------------------

CHROMIUM = Path("/usr/bin/chromium")
# Playwright cannot download its own browsers here; these make Debian's quiet and headless.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module (each test opens its own context).

    Not one per session: while Playwright's sync API runs, its event loop is the running
    loop of the main thread, and any later test calling asyncio.run() would fail."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- In CI, an end-to-end test may not skip, nor the store's on PostgreSQL -------

NEVER_SKIPPED_IN_CI = {"e2e", "rasa", "postgres"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    in_ci = os.environ.get("CI", "").lower() == "true"
    if in_ci and report.skipped and NEVER_SKIPPED_IN_CI & set(item.keywords):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where this test must run: {report.longrepr}"
