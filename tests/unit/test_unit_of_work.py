"""The unit of work (issue 15): one write path for a plan's version, and the store's errors in the
project's own words, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from bot.careplan.accounts import Role, User
from bot.careplan.audit import AuditAction, AuditEntry, drafted
from bot.careplan.model import CarePlan
from bot.clock import utc
from bot.services import delivery, stored_plans
from bot.store import unit_of_work as uow
from bot.store.database import Database
from bot.store.unit_of_work import Conflict, unit_of_work

T1 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)


def _first(plan: CarePlan) -> CarePlan:
    return replace(plan, id=None, version=1, created_at=T1, updated_at=T1)


def test_a_first_version_is_added_with_its_snapshot_and_audit(db: Database, sample_plan: CarePlan) -> None:
    with unit_of_work(db) as work:
        stored = work.save_version(_first(sample_plan), lambda saved: drafted(None, saved, T1))

    with unit_of_work(db) as work:
        assert stored.id is not None
        assert work.plans.get(stored.id) == stored
        assert [snapshot["version"] for snapshot in work.plans.versions(stored.id)] == [1]
        assert [entry.action for entry in work.audit.for_plan(stored.id)] == [AuditAction.DRAFTED]


def test_a_version_whose_audit_cannot_be_written_is_not_kept(db: Database, sample_plan: CarePlan) -> None:
    def explain(_saved: CarePlan) -> list[AuditEntry]:
        raise RuntimeError("the audit entries cannot be made")

    with pytest.raises(RuntimeError), unit_of_work(db) as work:
        work.save_version(_first(sample_plan), explain)

    assert stored_plans.get_plan(db, sample_plan.conversation_id, practice_id=sample_plan.practice_id) is None


def test_a_broken_unique_rule_is_a_conflict_with_the_database_error_as_its_cause(db: Database) -> None:
    user = User("a@example.org", "A", Role.CLINICIAN, "practice-a", "hash", created_at=T1)
    with unit_of_work(db) as work:
        work.users.add(replace(user))

    with pytest.raises(Conflict) as raised, unit_of_work(db) as work:
        work.users.add(replace(user))

    assert isinstance(raised.value.__cause__, IntegrityError)


def test_the_services_tell_an_outage_by_the_unit_of_works_rule() -> None:
    assert delivery.is_unavailable is uow.is_unavailable


def test_the_clock_gives_utc_and_refuses_a_naive_time() -> None:
    assert utc().tzinfo == timezone.utc
    assert utc(datetime(2025, 3, 3, 12, 0, tzinfo=timezone(timedelta(hours=2)))) == T1
    with pytest.raises(ValueError, match="timezone-aware"):
        utc(datetime(2025, 3, 3, 10, 0))
