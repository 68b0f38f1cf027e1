"""A professional's work in a real browser: Debian's Chromium, driven by Playwright, against the real
console started with `python -m bot console` on a free loopback port and a temporary SQLite database.

Plans and users are seeded through the service layer, as the assistant and the CLI make them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PASSWORD, seed_plan
from conversations import write_conversation

from bot import account_services
from bot.store.database import Database, open_database

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
EMAIL = "asha@practice-a.example"
HOSTILE = """<script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = 'img'">"""


@dataclass
class Console:
    url: str
    db: Database
    tracker_db: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the console exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the console did not start: {log.read_text()}")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    database_url = f"sqlite:///{folder / 'whatmatters.db'}"
    db = open_database(database_url)
    account_services.create_user(
        db, email=EMAIL, name="Dr Asha Patel", role="clinician", practice_id="practice-a", password=PASSWORD
    )
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TRACKER_STORE_DB": str(folder / "tracker.db"),
        "CONSOLE_HOST": "127.0.0.1",
        "CONSOLE_PORT": str(port),
        "CONSOLE_SECRET_KEY": "browser-test-secret",
    }
    log = folder / "console.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", process, log)
        yield Console(f"http://127.0.0.1:{port}", db, folder / "tracker.db")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        db.dispose()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, console: Console) -> None:
    page.goto(f"{console.url}/")
    assert page.url.startswith(f"{console.url}/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{console.url}/")


def test_a_clinician_reviews_and_approves_an_urgent_plan(page, console: Console) -> None:
    seed_plan(console.db, "quiet-one")
    urgent = seed_plan(console.db, "urgent-one", urgent=True)
    seed_plan(console.db, "quiet-two")
    sign_in(page, console)

    first_row = page.locator("tbody tr").first
    assert "Urgent review" in first_row.inner_text()
    first_row.get_by_role("link").click()
    page.wait_for_url(f"{console.url}/plans/{urgent.id}")
    assert page.locator(".flags").inner_text().count("self harm") == 1

    page.get_by_text("Edit goals").click()
    page.get_by_label("Goal 1: description").fill("Walk to the park with my daughter")
    page.get_by_label("Goal 1: confidence (0-10)").fill("7")
    page.get_by_role("button", name="Save goals").click()
    page.wait_for_url(re.compile(r".*saved=1#goals$"))
    goals = page.locator("#goals")
    assert "Walk to the park with my daughter" in goals.inner_text()
    assert "7/10" in goals.inner_text()

    page.get_by_text("Edit care coordination").click()
    page.get_by_label("Named care coordinator").fill("Chris Coach")
    page.get_by_label("Review date").fill("2030-01-31")
    page.get_by_role("button", name="Save care coordination").click()
    page.get_by_role("button", name="Approve plan").click()

    assert page.locator("#plan-status").inner_text() == "Approved"
    assert "Approved by Dr Asha Patel (clinician)" in page.content()
    audit = page.locator("#audit tbody tr")
    rows = [audit.nth(n).inner_text() for n in range(audit.count())]
    assert any("Approved: Approval" in row and "Dr Asha Patel" in row for row in rows)
    assert any("Edited: Goals" in row and "Walk to the park with my daughter" in row for row in rows)


def test_a_persons_html_is_text_and_never_runs(page, console: Console) -> None:
    plan = seed_plan(console.db, "hostile", what_matters_good_day=HOSTILE, goal_1_description=HOSTILE)
    write_conversation(
        console.tracker_db, "hostile", [("assistant", "What matters to you?"), ("person", HOSTILE)]
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, console)

    for path in (f"/plans/{plan.id}", f"/plans/{plan.id}/prep", f"/plans/{plan.id}/print"):
        page.goto(f"{console.url}{path}")
        page.wait_for_load_state("load")

        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("img[src='x']").count() == 0, path
        assert page.locator("script:not([src])").count() == 0, path
        assert HOSTILE in page.locator("main").inner_text(), path
        if path == f"/plans/{plan.id}":
            assert HOSTILE in page.locator(".transcript").inner_text()  # the conversation, as typed
    assert dialogs == []
