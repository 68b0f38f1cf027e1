"""Reviewing plans and managing accounts through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import insert, select

from bot import account_services, review_services
from bot.account_services import AccountError
from bot.careplan.accounts import Actor, Role, TokenScope, User
from bot.careplan.audit import AuditAction
from bot.careplan.errors import ReviewError, VersionConflict
from bot.careplan.model import CarePlan, PlanNotFound, PlanStatus
from bot.services import consents, drafting, stored_plans
from bot.store.database import Database, alembic_config, create_database_engine, migrate
from bot.store.plans import PlanSearch
from bot.store.tables.plans import care_plans

T1 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)
T2 = T1 + timedelta(hours=2)
PASSWORD = "a long enough password"


def _actor(practice: str = "practice-a", role: Role = Role.CLINICIAN, user_id: int = 1) -> Actor:
    user = User("dr@example.org", "Dr Asha Patel", role, practice, "hash", id=user_id)
    return Actor.for_user(user)


def _draft(
    db: Database, plan: CarePlan, conversation_id: str, practice: str = "practice-a", **changes
) -> CarePlan:
    return drafting.draft_plan(
        db, replace(plan, conversation_id=conversation_id, practice_id=practice, **changes)
    )


# --- Changes are versions with an audit trail -----------------------------------------------------


def test_an_edit_is_stored_as_a_new_version_with_its_audit(db: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(db, sample_plan, now=T1)

    edited = review_services.edit_plan(db, _actor(), plan.id, {"care_coordinator": "Chris Coach"}, now=T2)

    assert stored_plans.get_plan(db, "sender-123", practice_id="practice-a") == edited
    assert (edited.version, edited.care_coordinator, edited.status) == (
        2,
        "Chris Coach",
        PlanStatus.IN_REVIEW,
    )
    history = stored_plans.plan_history(db, "sender-123", practice_id="practice-a")
    assert [(p.version, p.care_coordinator) for p in history] == [(1, None), (2, "Chris Coach")]
    *edits, drafted = review_services.audit_trail(db, _actor(), plan.id)
    assert [(e.field, e.before, e.after) for e in edits] == [
        ("care_coordinator", None, "Chris Coach"),
        ("status", "draft", "in_review"),
    ]
    assert {(e.actor_name, e.actor_id, e.at, e.plan_version) for e in edits} == {("Dr Asha Patel", 1, T2, 2)}
    assert (drafted.action, drafted.actor_kind, drafted.plan_version, drafted.at) == (
        "drafted",
        "assistant",
        1,
        T1,
    )


def test_notes_actions_and_approval_come_back_whole(db: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(db, sample_plan, now=T1)
    actor = _actor()
    review_services.add_note(db, actor, plan.id, "Spoke to Mary", now=T1)
    changes = {"review_date": date(2025, 6, 1), "care_coordinator": "Chris", "patient_name": "Mary Smith"}
    review_services.edit_plan(db, actor, plan.id, changes, now=T1)

    approved = review_services.approve_plan(db, actor, plan.id, now=T2)

    loaded = review_services.plan_for_review(db, actor, plan.id)
    assert loaded == approved
    assert (loaded.approval.by, loaded.approval.at, loaded.approval.user_id) == ("Dr Asha Patel", T2, 1)
    assert [(n.text, n.author) for n in loaded.notes] == [("Spoke to Mary", "Dr Asha Patel")]
    actions = [e.action for e in review_services.audit_trail(db, actor, plan.id)]
    assert actions[0] == AuditAction.APPROVED and AuditAction.NOTE_ADDED in actions


def test_a_stale_version_is_a_conflict(db: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(db, sample_plan, now=T1)
    review_services.edit_plan(db, _actor(), plan.id, {"care_coordinator": "Chris"}, expected_version=1)

    with pytest.raises(VersionConflict, match="it is now at version 2"):
        review_services.edit_plan(db, _actor(), plan.id, {"care_coordinator": "Sam"}, expected_version=1)


def test_a_refused_change_stores_nothing(db: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(db, sample_plan, now=T1)
    audit = review_services.audit_trail(db, _actor(), plan.id)

    with pytest.raises(ReviewError):
        review_services.approve_plan(db, _actor(), plan.id)

    assert stored_plans.get_plan(db, "sender-123", practice_id="practice-a") == plan
    assert review_services.audit_trail(db, _actor(), plan.id) == audit


def test_a_redraft_keeps_what_professionals_added_but_not_the_approval(
    db: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(db, sample_plan, now=T1)
    actor = _actor()
    review_services.edit_plan(
        db, actor, plan.id, {"care_coordinator": "Chris", "review_date": date(2025, 6, 1)}, now=T1
    )
    review_services.add_note(db, actor, plan.id, "Call on Tuesday", now=T1)
    review_services.approve_plan(db, actor, plan.id, now=T1)

    redrafted = drafting.draft_plan(db, sample_plan, now=T2)

    assert (redrafted.care_coordinator, redrafted.review_date) == ("Chris", date(2025, 6, 1))
    assert [note.text for note in redrafted.notes] == ["Call on Tuesday"]
    assert (redrafted.status, redrafted.approval) == (PlanStatus.DRAFT, None)
    latest = [
        e for e in review_services.audit_trail(db, actor, plan.id) if e.plan_version == redrafted.version
    ]
    assert {e.field: (e.before, e.after) for e in latest}["status"] == ("approved", "draft")
    assert {(e.action, e.actor_name) for e in latest} == {(AuditAction.DRAFTED, "What Matters assistant")}


def test_erasing_a_reviewed_conversation_takes_its_audit_too(db: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(db, sample_plan, now=T1)
    review_services.add_note(db, _actor(), plan.id, "Mary's words are in here", now=T1)

    consents.delete_conversation_data(db, "sender-123", practice_id="practice-a")

    assert stored_plans.get_plan(db, "sender-123", practice_id="practice-a") is None


# --- One practice never sees another's plans ------------------------------------------------------


def test_another_practices_plan_does_not_exist_for_you(db: Database, sample_plan: CarePlan) -> None:
    theirs = _draft(db, sample_plan, "theirs", practice="practice-b")
    outsider = _actor("practice-a")

    for attempt in (
        lambda: review_services.plan_for_review(db, outsider, theirs.id),
        lambda: review_services.audit_trail(db, outsider, theirs.id),
        lambda: review_services.edit_plan(db, outsider, theirs.id, {"care_coordinator": "x"}),
        lambda: review_services.approve_plan(db, outsider, theirs.id),
        lambda: review_services.return_plan(db, outsider, theirs.id, "x"),
        lambda: review_services.add_note(db, outsider, theirs.id, "x"),
    ):
        with pytest.raises(PlanNotFound):
            attempt()
    assert review_services.inbox(db, outsider, PlanSearch()).total == 0


# --- The inbox ------------------------------------------------------------------------------------


def test_the_inbox_puts_urgent_then_flagged_plans_first(db: Database, sample_plan: CarePlan) -> None:
    flag = {"category": "self_harm", "message": "..."}
    _draft(db, sample_plan, "old-urgent", status=PlanStatus.URGENT_REVIEW, risk_flags=[flag])
    _draft(db, sample_plan, "flagged", risk_flags=[flag])
    _draft(db, sample_plan, "plain-newest")
    _draft(db, sample_plan, "elsewhere", practice="practice-b", status=PlanStatus.URGENT_REVIEW)

    found = review_services.inbox(db, _actor(), PlanSearch())

    assert [p.conversation_id for p in found.plans] == ["old-urgent", "flagged", "plain-newest"]
    assert found.counts[PlanStatus.URGENT_REVIEW] == 1
    assert found.counts[PlanStatus.DRAFT] == 2


def test_the_inbox_pages_and_counts(db: Database, sample_plan: CarePlan) -> None:
    for n in range(5):
        _draft(db, sample_plan, f"c{n}")

    first = review_services.inbox(db, _actor(), PlanSearch(limit=2, offset=0))
    last = review_services.inbox(db, _actor(), PlanSearch(limit=2, offset=4))

    assert (len(first.plans), first.total) == (2, 5)
    assert [p.conversation_id for p in last.plans] == ["c0"]


def test_search_finds_every_word_anywhere_ignoring_case(db: Database, sample_plan: CarePlan) -> None:
    plan = _draft(db, sample_plan, "mary")
    review_services.edit_plan(db, _actor(), plan.id, {"patient_name": "Mary O'Brien"})
    swimming = CarePlan("other", "practice-a", what_matters={"what_matters_good_day": "Swimming"})
    drafting.draft_plan(db, swimming)

    def found(words: str) -> list[str]:
        return [p.conversation_id for p in review_services.inbox(db, _actor(), PlanSearch(words=words)).plans]

    assert found("o'brien") == ["mary"]
    assert found("ALLOTMENT grandson") == ["mary"]  # words in the person's answers
    assert found("swimming") == ["other"]
    assert found("allotment swimming") == []
    assert found("100%") == [] and found("_") == []  # LIKE's wildcards are literal
    assert found("\x00") == ["other", "mary"]  # nothing left to look for: everything


def test_the_inbox_filters_by_status_and_conversation(db: Database, sample_plan: CarePlan) -> None:
    _draft(db, sample_plan, "urgent", status=PlanStatus.URGENT_REVIEW)
    _draft(db, sample_plan, "draft")

    urgent = review_services.inbox(db, _actor(), PlanSearch(status=PlanStatus.URGENT_REVIEW))
    one = review_services.inbox(db, _actor(), PlanSearch(conversation_id="draft"))

    assert [p.conversation_id for p in urgent.plans] == ["urgent"]
    assert [p.conversation_id for p in one.plans] == ["draft"]


# --- Users, sessions and tokens -------------------------------------------------------------------


def test_a_user_signs_in_with_their_password_only(db: Database) -> None:
    account_services.create_user(
        db,
        email=" Asha@Example.org ",
        name="Dr Asha Patel",
        role="clinician",
        practice_id="p",
        password=PASSWORD,
    )

    user = account_services.authenticate(db, "asha@example.org", PASSWORD)

    assert (user.email, user.role, user.practice_id) == ("asha@example.org", Role.CLINICIAN, "p")
    assert user.password_hash.startswith("$argon2id$")
    assert account_services.authenticate(db, "ASHA@example.org", PASSWORD) == user
    assert account_services.authenticate(db, "asha@example.org", PASSWORD + "!") is None
    assert account_services.authenticate(db, "nobody@example.org", PASSWORD) is None
    assert account_services.authenticate(db, "asha\x00@example.org", PASSWORD) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "not an email address"),
        ({"password": "short"}, "at least 12 characters"),
        ({"role": "surgeon"}, "Unknown role 'surgeon'"),
        ({"name": "  "}, "name cannot be empty"),
        ({"practice_id": ""}, "practice cannot be empty"),
    ],
)
def test_bad_users_are_refused(db: Database, changes: dict, message: str) -> None:
    user = {"email": "a@example.org", "name": "A", "role": "coach", "practice_id": "p", "password": PASSWORD}

    with pytest.raises(AccountError, match=message):
        account_services.create_user(db, **{**user, **changes})


def test_an_email_is_used_once(db: Database) -> None:
    account_services.create_user(
        db, email="a@example.org", name="A", role="coach", practice_id="p", password=PASSWORD
    )

    with pytest.raises(AccountError, match="already exists"):
        account_services.create_user(
            db, email="A@example.org", name="B", role="coach", practice_id="q", password=PASSWORD
        )


def test_sessions_expire_end_on_sign_out_and_when_deactivated(db: Database) -> None:
    user = account_services.create_user(
        db, email="a@example.org", name="A", role="coach", practice_id="p", password=PASSWORD
    )
    token = account_services.start_session(db, user, now=T1)
    other = account_services.start_session(db, user, now=T1)

    assert account_services.user_for_session(db, token, now=T1 + timedelta(hours=7)) == user
    assert account_services.user_for_session(db, token, now=T1 + timedelta(hours=9)) is None
    account_services.end_session(db, token)
    assert account_services.user_for_session(db, token, now=T1) is None
    assert account_services.deactivate_user(db, "a@example.org")
    assert account_services.user_for_session(db, other, now=T1) is None
    assert account_services.authenticate(db, "a@example.org", PASSWORD) is None


def test_an_api_token_works_until_revoked(db: Database) -> None:
    made = account_services.create_token(db, name="EMIS export", practice_id="p", scope=TokenScope.WRITE)

    actor = account_services.actor_for_token(db, made.secret)

    assert made.secret.startswith("wm_") and made.secret not in made.token.token_hash
    assert (actor.name, actor.practice_id, actor.role) == ("EMIS export", "p", "write")
    assert account_services.revoke_token(db, made.token.id)
    assert account_services.actor_for_token(db, made.secret) is None
    assert not account_services.revoke_token(db, made.token.id)  # already revoked
    assert account_services.actor_for_token(db, "wm_made-up") is None


# --- The migration fills the new columns for plans stored before it ---------------------------------


def test_plans_stored_before_the_console_are_searchable(database_url: str, sample_plan: CarePlan) -> None:
    _migrate_to(database_url, "0001")
    engine = create_database_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(care_plans.c.id.table).values(**_old_row(sample_plan)))
        migrate(database_url)
        with engine.connect() as connection:
            row = connection.execute(select(care_plans.c.risk_flagged, care_plans.c.search_text)).one()
    finally:
        engine.dispose()

    assert row.risk_flagged is True
    assert "allotment" in row.search_text and "old-conversation" in row.search_text


def _migrate_to(url: str, revision: str) -> None:
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _old_row(plan: CarePlan) -> dict:
    """A care_plans row as revision 0001 stored it."""
    return {
        "conversation_id": "old-conversation",
        "practice_id": "p",
        "status": "draft",
        "version": 1,
        "what_matters": plan.what_matters,
        "strengths": plan.strengths,
        "concerns": plan.concerns,
        "support_needs": plan.support.needs,
        "support_from_practice": plan.support.from_practice,
        "risk_flags": [{"kind": "self_harm"}],
        "handoff_requested": False,
        "created_at": T1,
        "updated_at": T1,
    }
