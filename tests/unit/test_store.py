"""The store and the service layer, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from bot.careplan.model import Answer, AnswerStatus, CarePlan, Goal, PlanNotFound, PlanStatus
from bot.services import consents, drafting, stored_plans
from bot.store.database import Database, alembic_config, create_database_engine, migrate
from bot.store.plans import PlanRepository
from bot.store.tables.plans import goals
from bot.store.tables.schema import metadata

T1 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)
T2 = T1 + timedelta(days=2, hours=3)
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_drafted_plan_comes_back_whole(db: Database, sample_plan: CarePlan) -> None:
    stored = drafting.draft_plan(db, sample_plan, now=T1)
    loaded = stored_plans.get_plan(db, "sender-123", practice_id="practice-a")

    assert loaded == stored
    assert loaded.id is not None
    assert (loaded.version, loaded.status) == (1, PlanStatus.DRAFT)
    assert loaded.created_at == loaded.updated_at == T1
    assert loaded.created_at.tzinfo is not None
    assert loaded.what_matters == sample_plan.what_matters
    assert [g.target_date for g in loaded.goals] == [date(2025, 3, 17), date(2025, 12, 1)]
    assert [g.confidence for g in loaded.goals] == [6, 8]
    assert [(p.name, p.relationship) for p in loaded.support.people] == [
        ("Sarah", "daughter"),
        (None, "neighbour"),
    ]
    assert loaded.support.from_practice == ["practice nurse", "health coach"]
    assert loaded.answers == sample_plan.answers


def test_a_600_word_answer_is_kept_word_for_word(db: Database, sample_plan: CarePlan) -> None:
    long_answer = sample_plan.what_matters["what_matters_good_day"]
    assert len(long_answer.split()) >= 600

    drafting.draft_plan(db, sample_plan, now=T1)
    loaded = stored_plans.get_plan(db, "sender-123", practice_id="practice-a")

    assert loaded.what_matters["what_matters_good_day"] == long_answer
    assert _answer(loaded, "what_matters_good_day").text == long_answer


def test_skipped_and_unsure_answers_keep_their_status(db: Database, sample_plan: CarePlan) -> None:
    drafting.draft_plan(db, sample_plan, now=T1)
    loaded = stored_plans.get_plan(db, "sender-123", practice_id="practice-a")

    skipped = _answer(loaded, "strengths_coping")
    assert (skipped.status, skipped.text) == (AnswerStatus.SKIPPED, None)
    assert loaded.strengths["strengths_coping"] is None
    unsure = _answer(loaded, "concerns_life")
    assert unsure.status == AnswerStatus.DONT_KNOW
    assert loaded.concerns["concerns_life"] == "I don't know really, money maybe"


def test_redrafting_makes_version_2_and_keeps_version_1(db: Database, sample_plan: CarePlan) -> None:
    first = replace(sample_plan, risk_flags=[{"kind": "self_harm", "text": "..."}], handoff_requested=True)
    drafting.draft_plan(db, first, now=T1)
    changed_goals = [Goal("Walk to the park"), *sample_plan.goals[1:]]

    second = drafting.draft_plan(db, replace(sample_plan, goals=changed_goals), now=T2)

    stored = stored_plans.get_plan(db, "sender-123", practice_id="practice-a")
    assert stored == second
    assert (stored.version, stored.created_at, stored.updated_at) == (2, T1, T2)
    assert stored.goals[0].description == "Walk to the park"
    # Not repeated in the new draft, but never dropped.
    assert stored.risk_flags == [{"kind": "self_harm", "text": "..."}]
    assert stored.handoff_requested is True
    history = stored_plans.plan_history(db, "sender-123", practice_id="practice-a")
    assert [plan.version for plan in history] == [1, 2]
    assert history[0].goals[0].description == "Walk to the allotment again"
    assert history[0].updated_at == T1
    assert history[1] == stored


def test_redrafting_replaces_goal_rows(db: Database, sample_plan: CarePlan) -> None:
    drafting.draft_plan(db, sample_plan, now=T1)
    drafting.draft_plan(db, replace(sample_plan, goals=[Goal("Just one")]), now=T2)

    with db.session() as session:
        assert session.execute(select(func.count()).select_from(goals)).scalar_one() == 1


def test_an_urgent_review_is_never_downgraded(db: Database, sample_plan: CarePlan) -> None:
    drafting.draft_plan(db, replace(sample_plan, status=PlanStatus.URGENT_REVIEW), now=T1)

    redrafted = drafting.draft_plan(db, sample_plan, now=T2)

    assert redrafted.status == PlanStatus.URGENT_REVIEW


def test_the_assistant_only_writes_drafts(db: Database, sample_plan: CarePlan) -> None:
    stored = drafting.draft_plan(db, replace(sample_plan, status=PlanStatus.APPROVED, version=7), now=T1)

    assert (stored.status, stored.version) == (PlanStatus.DRAFT, 1)


def test_draft_plan_leaves_the_callers_plan_alone(db: Database, sample_plan: CarePlan) -> None:
    drafting.draft_plan(db, sample_plan, now=T1)

    assert (sample_plan.id, sample_plan.created_at) == (None, None)


def test_a_plan_stored_without_a_snapshot_gets_one_before_it_changes(
    db: Database, sample_plan: CarePlan
) -> None:
    with db.session() as session:
        PlanRepository(session).add(replace(sample_plan, created_at=T1, updated_at=T1))

    drafting.draft_plan(db, sample_plan, now=T2)

    assert [
        plan.version for plan in stored_plans.plan_history(db, "sender-123", practice_id="practice-a")
    ] == [
        1,
        2,
    ]


def test_two_drafts_at_once_make_two_versions(db: Database, sample_plan: CarePlan) -> None:
    start = threading.Barrier(2)

    def draft() -> CarePlan:
        start.wait()
        return drafting.draft_plan(db, sample_plan)

    with ThreadPoolExecutor(max_workers=2) as pool:
        drafts = [future.result() for future in [pool.submit(draft), pool.submit(draft)]]

    assert sorted(plan.version for plan in drafts) == [1, 2]
    assert [
        plan.version for plan in stored_plans.plan_history(db, "sender-123", practice_id="practice-a")
    ] == [
        1,
        2,
    ]


def test_history_of_an_unknown_conversation_is_an_error(db: Database) -> None:
    with pytest.raises(PlanNotFound):
        stored_plans.plan_history(db, "nobody", practice_id="practice-a")
    assert stored_plans.get_plan(db, "nobody", practice_id="practice-a") is None


def test_updating_a_plan_that_was_never_stored_is_an_error(db: Database, sample_plan: CarePlan) -> None:
    with db.session() as session, pytest.raises(PlanNotFound):
        PlanRepository(session).update(replace(sample_plan, id=999, created_at=T1, updated_at=T1))


def test_times_must_be_timezone_aware(db: Database, sample_plan: CarePlan) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        drafting.draft_plan(db, sample_plan, now=datetime(2025, 3, 3, 10, 0))


def test_list_plans_filters_and_puts_the_newest_first(db: Database, sample_plan: CarePlan) -> None:
    drafting.draft_plan(db, replace(sample_plan, conversation_id="a"), now=T1)
    urgent = replace(
        sample_plan, conversation_id="b", practice_id="practice-b", status=PlanStatus.URGENT_REVIEW
    )
    drafting.draft_plan(db, urgent, now=T1 + timedelta(hours=1))
    drafting.draft_plan(db, replace(sample_plan, conversation_id="c"), now=T2)

    def ids(plans: list[CarePlan]) -> list[str]:
        return [plan.conversation_id for plan in plans]

    assert ids(stored_plans.list_plans(db)) == ["c", "b", "a"]
    assert ids(stored_plans.list_plans(db, status=PlanStatus.DRAFT)) == ["c", "a"]
    assert ids(stored_plans.list_plans(db, status="urgent_review")) == ["b"]
    assert ids(stored_plans.list_plans(db, practice_id="practice-a")) == ["c", "a"]
    assert ids(stored_plans.list_plans(db, status=PlanStatus.APPROVED)) == []
    assert all(len(plan.goals) == 2 and len(plan.answers) > 20 for plan in stored_plans.list_plans(db))


def test_consent_records_keep_every_answer_and_the_latest_counts(db: Database) -> None:
    assert consents.latest_consent(db, "sender-123", practice_id="practice-a") is None

    consents.record_consent(
        db, "sender-123", False, "May I keep your answers?", now=T1, practice_id="practice-a"
    )
    consents.record_consent(
        db, "sender-123", True, "May I keep your answers? (v2)", now=T2, practice_id="practice-a"
    )
    consents.record_consent(
        db, "someone-else", False, "May I keep your answers?", now=T2, practice_id="practice-a"
    )

    latest = consents.latest_consent(db, "sender-123", practice_id="practice-a")
    assert (latest.given, latest.wording, latest.recorded_at) == (True, "May I keep your answers? (v2)", T2)
    assert latest.id is not None


def test_migrating_twice_is_harmless(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)

    assert _current_revision(database_url) == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_the_migrations_build_exactly_the_tables(database_url: str) -> None:
    migrate(database_url)
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_processes_starting_together_all_migrate(database_url: str) -> None:
    code = "import sys; from bot.store.database import migrate; migrate(sys.argv[1])"
    processes = [
        subprocess.Popen([sys.executable, "-c", code, database_url], cwd=REPO_ROOT, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [process.communicate(timeout=120)[1].decode() for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0, 0], errors
    assert _current_revision(database_url) is not None


def _answer(plan: CarePlan, question_id: str) -> Answer:
    return next(answer for answer in plan.answers if answer.question_id == question_id)


def _current_revision(url: str) -> str | None:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
