"""`python -m bot`, run as a real process against a temporary SQLite database."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cli_runner import run_cli

from bot.careplan.model import CarePlan, PlanStatus
from bot.services import drafting
from bot.store.database import open_database

# The sample plan, by its practice and conversation: a conversation id alone names no plan.
SHOW_SAMPLE = ("plans", "show", "--conversation", "sender-123", "--practice", "practice-a")


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    # A folder that does not exist yet, as on a brand-new machine.
    return f"sqlite:///{tmp_path / 'var' / 'whatmatters.db'}"


@pytest.fixture
def drafted(fresh_url: str, sample_plan: CarePlan) -> CarePlan:
    db = open_database(fresh_url)
    try:
        drafting.draft_plan(db, replace(sample_plan, conversation_id="older"), now=_at(3))
        return drafting.draft_plan(db, sample_plan, now=_at(5))
    finally:
        db.dispose()


def test_list_on_a_fresh_machine_says_there_are_no_plans(fresh_url: str) -> None:
    result = run_cli("plans", "list", database_url=fresh_url)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "No plans yet."


def test_list_json_on_a_fresh_machine_is_an_empty_list(fresh_url: str) -> None:
    result = run_cli("plans", "list", "--format", "json", database_url=fresh_url)

    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_show_of_an_unknown_conversation_fails_clearly(fresh_url: str) -> None:
    result = run_cli("plans", "show", "--conversation", "nobody", database_url=fresh_url)

    assert result.returncode == 1
    assert result.stdout == ""
    assert "No plan found for conversation 'nobody'" in result.stderr


def test_show_prints_the_plan_as_json_by_default(fresh_url: str, drafted: CarePlan) -> None:
    result = run_cli(*SHOW_SAMPLE, database_url=fresh_url)

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["conversation_id"], data["version"], data["status"]) == ("sender-123", 1, "draft")
    assert data["what_matters"] == drafted.what_matters
    assert len(data["goals"]) == 2


def test_show_prints_the_plan_as_markdown(fresh_url: str, drafted: CarePlan) -> None:
    args = (*SHOW_SAMPLE, "--format", "markdown")

    result = run_cli(*args, database_url=fresh_url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Personalised care and support plan (draft)")
    assert "## If things get worse" in result.stdout


def test_list_shows_a_table_newest_first(fresh_url: str, drafted: CarePlan) -> None:
    result = run_cli("plans", "list", database_url=fresh_url)

    assert result.returncode == 0, result.stderr
    header, newest, oldest = result.stdout.strip().splitlines()
    assert header.split() == ["ID", "CONVERSATION", "STATUS", "VERSION", "UPDATED", "(UTC)", "GOALS"]
    assert newest.split() == [str(drafted.id), "sender-123", "draft", "1", "2025-03-05", "10:00", "2"]
    assert oldest.split()[1] == "older"


def test_list_filters_by_status(fresh_url: str, drafted: CarePlan) -> None:
    urgent = run_cli("plans", "list", "--status", PlanStatus.URGENT_REVIEW.value, database_url=fresh_url)
    drafts = run_cli("plans", "list", "--status", "draft", "--format", "json", database_url=fresh_url)

    assert urgent.stdout.strip() == "No plans yet with status urgent_review."
    assert [plan["conversation_id"] for plan in json.loads(drafts.stdout)] == ["sender-123", "older"]


def test_the_database_url_option_overrides_the_environment(
    fresh_url: str, drafted: CarePlan, tmp_path: Path
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"

    before = run_cli("--database-url", elsewhere, "plans", "list", database_url=fresh_url)
    after = run_cli("plans", "list", "--database-url", elsewhere, database_url=fresh_url)

    assert before.stdout.strip() == after.stdout.strip() == "No plans yet."


def test_db_upgrade_creates_and_then_leaves_the_database(fresh_url: str) -> None:
    first = run_cli("db", "upgrade", database_url=fresh_url)
    again = run_cli("db", "upgrade", database_url=fresh_url)

    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    assert "is up to date" in again.stdout
    assert Path(fresh_url.removeprefix("sqlite:///")).exists()


def test_an_unreachable_database_is_reported_without_a_traceback() -> None:
    url = "postgresql://nobody:secret@127.0.0.1:1/none"

    result = run_cli("plans", "list", database_url=url)

    assert result.returncode == 2
    assert "Database error" in result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr


def _at(day: int) -> datetime:
    return datetime(2025, 3, day, 10, 0, tzinfo=timezone.utc)
