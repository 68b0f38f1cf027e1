"""Practices that share a database share conversation ids (issue 13, item 4).

A phone number is one person's at every practice they talk to, so the same conversation id
can come to two practices' deployments over one database. A plan, its consent and what waits
in the outbox belong to (practice, conversation): practice B's draft never takes over practice
A's plan, and B's "delete my data" never touches A's. Each test runs on SQLite and on
PostgreSQL (tests/conftest.py), and migration 0005 is tested on a database that holds plans.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import Boolean, String, Text, column, func, insert, select, table
from sqlalchemy.exc import IntegrityError

from bot import review_services
from bot.careplan.accounts import Actor, Role
from bot.careplan.model import CarePlan, PlanNotFound
from bot.services import consents, drafting, escalation, stored_plans
from bot.store.accounts import User
from bot.store.database import (
    Database,
    alembic_config,
    create_database_engine,
    migrate,
    migration_engine,
)
from bot.store.tables.audit import audit_log
from bot.store.tables.plans import answers, care_plans, goals, plan_notes, plan_versions
from bot.store.tables.schema import UTCDateTime

PHONE = "+447700900123"  # the same person, texting two practices
T1 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
T3 = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)


def at(practice: str, plan: CarePlan, **changes) -> CarePlan:
    return replace(plan, conversation_id=PHONE, practice_id=practice, **changes)


def clinician(practice: str) -> Actor:
    return Actor.for_user(User("dr@example.org", "Dr Asha Patel", Role.CLINICIAN, practice, "hash", id=1))


# --- Two practices, one conversation id -------------------------------------------------------------


def test_two_practices_drafting_for_one_conversation_get_two_plans_each_with_its_own_notes(
    db: Database, sample_plan: CarePlan
) -> None:
    a = drafting.draft_plan(db, at("practice-a", sample_plan), now=T1)
    review_services.add_note(db, clinician("practice-a"), a.id, "Spoke to her daughter", now=T2)

    b = drafting.draft_plan(db, at("practice-b", sample_plan, contingency="Call my son"), now=T3)

    assert b.id != a.id and (b.version, b.notes) == (1, [])  # a plan of its own, without A's notes
    stored_a = stored_plans.get_plan(db, PHONE, practice_id="practice-a")
    stored_b = stored_plans.get_plan(db, PHONE, practice_id="practice-b")
    assert (stored_a.id, stored_a.practice_id, stored_a.version) == (a.id, "practice-a", 2)  # 2: the note
    assert [note.text for note in stored_a.notes] == ["Spoke to her daughter"]
    assert stored_a.contingency == sample_plan.contingency
    assert (stored_b.id, stored_b.practice_id, stored_b.notes) == (b.id, "practice-b", [])
    assert stored_b.contingency == "Call my son"
    assert stored_plans.get_plan(db, PHONE, practice_id="practice-c") is None
    # Each practice's inbox has its own plan only.
    assert [p.id for p in stored_plans.list_plans(db, practice_id="practice-a")] == [a.id]
    assert [p.id for p in stored_plans.list_plans(db, practice_id="practice-b")] == [b.id]


def test_a_redraft_in_one_practice_is_the_next_version_of_that_practice_s_plan_only(
    db: Database, sample_plan: CarePlan
) -> None:
    a = drafting.draft_plan(db, at("practice-a", sample_plan), now=T1)
    drafting.draft_plan(db, at("practice-b", sample_plan), now=T2)
    drafting.draft_plan(db, at("practice-b", sample_plan, contingency="Call 111"), now=T3)

    assert [p.version for p in stored_plans.plan_history(db, PHONE, practice_id="practice-a")] == [1]
    assert [p.version for p in stored_plans.plan_history(db, PHONE, practice_id="practice-b")] == [1, 2]
    assert stored_plans.get_plan(db, PHONE, practice_id="practice-a") == a
    with pytest.raises(PlanNotFound):
        stored_plans.plan_history(db, PHONE, practice_id="practice-c")


def test_a_risk_flag_in_one_practice_is_not_on_the_other_s_plan(db: Database, sample_plan: CarePlan) -> None:
    from bot.safety.risk import RiskCategory, RiskFlag

    drafting.draft_plan(db, at("practice-a", sample_plan), now=T1)
    flag = RiskFlag(RiskCategory.SELF_HARM, "I hurt myself again", T2)
    escalation.flag_risk(db, at("practice-b", sample_plan), flag, now=T2)

    assert stored_plans.get_plan(db, PHONE, practice_id="practice-a").risk_flags == []
    [flagged] = stored_plans.get_plan(db, PHONE, practice_id="practice-b").risk_flags
    assert flagged["message"] == "I hurt myself again"


def test_deleting_in_one_practice_leaves_the_other_s_plan_and_consent(
    db: Database, sample_plan: CarePlan
) -> None:
    a = drafting.draft_plan(db, at("practice-a", sample_plan), now=T1)
    review_services.add_note(db, clinician("practice-a"), a.id, "Call back on Monday", now=T2)
    drafting.draft_plan(db, at("practice-b", sample_plan), now=T2)
    consents.record_consent(db, PHONE, True, "May I keep your answers?", practice_id="practice-a", now=T1)
    consents.record_consent(db, PHONE, True, "May I keep your answers?", practice_id="practice-b", now=T1)

    consents.delete_conversation_data(db, PHONE, practice_id="practice-b")

    assert stored_plans.get_plan(db, PHONE, practice_id="practice-b") is None
    assert consents.latest_consent(db, PHONE, practice_id="practice-b") is None
    kept = stored_plans.get_plan(db, PHONE, practice_id="practice-a")
    assert (kept.id, [note.text for note in kept.notes]) == (a.id, ["Call back on Monday"])
    assert len(stored_plans.plan_history(db, PHONE, practice_id="practice-a")) == 2
    assert consents.latest_consent(db, PHONE, practice_id="practice-a").given is True
    with db.session() as session:  # A's versions and audit trail are all still there
        versions = session.execute(select(func.count()).select_from(plan_versions)).scalar_one()
        audited = session.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert versions == 2 and audited > 0


def test_consent_is_given_or_refused_per_practice(db: Database) -> None:
    consents.record_consent(db, PHONE, True, "May I keep your answers?", practice_id="practice-a", now=T1)
    consents.record_consent(db, PHONE, False, "May I keep your answers?", practice_id="practice-b", now=T2)

    at_a = consents.latest_consent(db, PHONE, practice_id="practice-a")
    at_b = consents.latest_consent(db, PHONE, practice_id="practice-b")
    assert (at_a.given, at_a.practice_id, at_a.recorded_at) == (True, "practice-a", T1)
    assert (at_b.given, at_b.practice_id, at_b.recorded_at) == (False, "practice-b", T2)
    assert consents.latest_consent(db, PHONE, practice_id="practice-c") is None


def test_the_database_holds_one_plan_per_practice_and_conversation(
    db: Database, sample_plan: CarePlan
) -> None:
    drafting.draft_plan(db, at("practice-a", sample_plan), now=T1)
    row = _plan_row(PHONE, "practice-a")
    with pytest.raises(IntegrityError), db.session() as session:
        session.execute(insert(care_plans).values(**row))
    with db.session() as session:
        session.execute(insert(care_plans).values(**{**row, "practice_id": "practice-b"}))


def test_a_conversation_is_never_looked_up_without_its_practice(db: Database, sample_plan: CarePlan) -> None:
    with pytest.raises(TypeError):
        stored_plans.get_plan(db, PHONE)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="practice_id"):
        stored_plans.get_plan(db, PHONE, practice_id="")
    with pytest.raises(ValueError, match="practice_id"):
        drafting.draft_plan(db, at("", sample_plan))


# --- Migration 0005 -----------------------------------------------------------------------------------


def _to(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade or downgrade as `alembic` does: on the engine migrations run on."""
    engine = migration_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def _plan_row(conversation_id: str, practice_id: str) -> dict:
    """A care_plans row, as revision 0004 stored it and as it still is."""
    return {
        "conversation_id": conversation_id,
        "practice_id": practice_id,
        "status": "draft",
        "version": 1,
        "what_matters": {"what_matters_good_day": "Tea in the garden"},
        "strengths": {},
        "concerns": {},
        "support_from_practice": [],
        "risk_flags": [],
        "handoff_requested": False,
        "created_at": T1,
        "updated_at": T1,
        "risk_flagged": False,
        "search_text": "tea in the garden",
    }


# consent_records as revision 0004 had it: no practice.
_consent_records_0004 = table(
    "consent_records",
    column("conversation_id", String),
    column("given", Boolean),
    column("wording", Text),
    column("recorded_at", UTCDateTime),
)


def _store_old_rows(url: str) -> int:
    """Revision 0004's rows: a plan with a goal, an answer, a note, a version and an audit entry;
    a consent for its conversation and one for a conversation without a plan. Its id."""
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            plan_id = connection.execute(
                insert(care_plans).values(**_plan_row(PHONE, "practice-a"))
            ).inserted_primary_key[0]
            connection.execute(insert(goals).values(plan_id=plan_id, position=0, description="Walk again"))
            connection.execute(
                insert(answers).values(
                    plan_id=plan_id, position=0, question_id="q", question="Q?", text="A", status="answered"
                )
            )
            connection.execute(
                insert(plan_notes).values(
                    plan_id=plan_id, position=0, text="Spoke to her daughter", author="Dr P", written_at=T1
                )
            )
            connection.execute(
                insert(plan_versions).values(plan_id=plan_id, version=1, snapshot={"v": 1}, created_at=T1)
            )
            connection.execute(
                insert(audit_log).values(
                    plan_id=plan_id,
                    plan_version=1,
                    action="drafted",
                    actor_kind="patient",
                    actor_name="the person",
                    at=T1,
                )
            )
            consent = {"given": True, "wording": "May I keep your answers?", "recorded_at": T1}
            connection.execute(
                insert(_consent_records_0004),
                [{**consent, "conversation_id": PHONE}, {**consent, "conversation_id": "no-plan-yet"}],
            )
    finally:
        engine.dispose()
    return plan_id


def _counts(url: str) -> dict[str, int]:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (care_plans, goals, answers, plan_notes, plan_versions, audit_log)
            }
    finally:
        engine.dispose()


def test_the_migration_keeps_every_plan_and_row_and_gives_consent_a_practice(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRACTICE_ID", "the-migrating-practice")
    _to(database_url, "0004_directory")
    plan_id = _store_old_rows(database_url)
    before = _counts(database_url)

    migrate(database_url)

    assert _counts(database_url) == before == dict.fromkeys(before, 1)
    db = Database.from_url(database_url)
    try:
        kept = stored_plans.get_plan(db, PHONE, practice_id="practice-a")
        assert kept.id == plan_id and [note.text for note in kept.notes] == ["Spoke to her daughter"]
        assert [goal.description for goal in kept.goals] == ["Walk again"]
        # The consent of a conversation with a plan is that plan's practice's.
        assert consents.latest_consent(db, PHONE, practice_id="practice-a").given is True
        assert consents.latest_consent(db, PHONE, practice_id="the-migrating-practice") is None
        # One without a plan is the migrating deployment's (PRACTICE_ID).
        orphan = consents.latest_consent(db, "no-plan-yet", practice_id="the-migrating-practice")
        assert orphan is not None and orphan.given is True
        # Now a second practice can have a plan for the same conversation id.
        other = drafting.draft_plan(db, CarePlan(PHONE, "practice-b", what_matters={"x": "y"}), now=T2)
        assert other.id != plan_id
        assert stored_plans.get_plan(db, PHONE, practice_id="practice-a").notes == kept.notes
    finally:
        db.dispose()


def test_the_migration_downgrades_and_refuses_while_two_practices_share_a_conversation(
    database_url: str, sample_plan: CarePlan
) -> None:
    migrate(database_url)
    db = Database.from_url(database_url)
    try:
        drafting.draft_plan(db, at("practice-a", sample_plan), now=T1)
        drafting.draft_plan(db, at("practice-b", sample_plan), now=T2)
        consents.record_consent(db, PHONE, True, "wording", practice_id="practice-a", now=T1)
        with pytest.raises(RuntimeError, match="more than one practice"):
            _to(database_url, "0004_directory", down=True)
        assert stored_plans.get_plan(db, PHONE, practice_id="practice-b") is not None  # nothing changed
        consents.delete_conversation_data(db, PHONE, practice_id="practice-b")
    finally:
        db.dispose()
    before = _counts(database_url)

    _to(database_url, "0004_directory", down=True)

    assert _counts(database_url) == before and before["goals"] == len(sample_plan.goals)
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT COUNT(*) FROM consent_records").scalar_one() == 1
        # The old key is back: one plan per conversation id, whatever the practice.
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(care_plans).values(**_plan_row(PHONE, "practice-b")))
    finally:
        engine.dispose()

    migrate(database_url)  # and up again
    db = Database.from_url(database_url)
    try:
        assert stored_plans.get_plan(db, PHONE, practice_id="practice-a").goals == sample_plan.goals
        assert consents.latest_consent(db, PHONE, practice_id="practice-a").given is True
    finally:
        db.dispose()


def test_on_sqlite_the_migration_refuses_to_run_with_foreign_keys_enforced(sqlite_url: str) -> None:
    """Rebuilding care_plans with foreign keys on would delete every plan's goals and notes."""
    _to(sqlite_url, "0004_directory")
    _store_old_rows(sqlite_url)
    engine = create_database_engine(sqlite_url)  # foreign keys on, as the product's engines have them
    try:
        with pytest.raises(RuntimeError, match="foreign keys off"), engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    assert _counts(sqlite_url) == dict.fromkeys(_counts(sqlite_url), 1)
    migrate(sqlite_url)  # the way the product migrates works
    assert _counts(sqlite_url) == dict.fromkeys(_counts(sqlite_url), 1)
