"""Community suggestions in the plan (issue 16, "In the plan"), on SQLite and PostgreSQL.

The practice's directory is matched against the person's words when the assistant writes a draft
and again when a professional edits the plan; the statuses professionals give (offered, referred,
declined) survive both, each mark is a new, audited version, and the suggestions are in the plan's
JSON, its kept versions and its FHIR bundle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from cli_runner import run_cli
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, inspect, select

from bot import directory_services, review_services
from bot.careplan.accounts import Actor, Role, User
from bot.careplan.audit import AuditAction
from bot.careplan.codec import plan_to_dict
from bot.careplan.errors import InvalidEdit
from bot.careplan.fhir import SOCIAL_PRESCRIBING_REFERRAL, plan_to_fhir_bundle
from bot.careplan.model import CarePlan, CommunitySuggestion, PlanStatus, SuggestionStatus
from bot.careplan.suggestions import merge_suggestions
from bot.directory import plans as directory_plans
from bot.directory.matching import Matcher
from bot.directory.model import Directory, Service, ServiceStatus, SourceFormat
from bot.directory.words import Word, plain_analyser
from bot.safety.risk import RiskCategory, RiskFlag
from bot.services import consents, drafting, escalation, stored_plans
from bot.store.audit import AuditRepository
from bot.store.database import Database, alembic_config, migrate, migration_engine
from bot.store.tables.plans import community_suggestions as community_suggestions_table

PRACTICE = "practice-a"
OTHER_PRACTICE = "practice-b"
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)

BEFRIENDING = "befriend-1"
WARM_HOMES = "warm-2"
GARDEN = "garden-3"
YOUTH = "youth-4"
CLOSED = "closed-5"

SERVICES = (
    Service(
        BEFRIENDING,
        "Ashby Vale Befriending",
        "A volunteer visits or phones each week for a friendly chat, for anyone lonely or isolated.",
        categories=("Befriending", "Loneliness and isolation"),
        url="https://befriending.example",
        phone="01632 960001",
        minimum_age=60,
    ),
    Service(
        WARM_HOMES,
        "Warm Homes Ashby Vale",
        "Free energy advice: help with heating bills, grants for insulation and switching supplier.",
        categories=("Energy advice", "Money and benefits"),
        email="warm@homes.example",
    ),
    Service(
        GARDEN,
        "Vale Community Garden",
        "Grow vegetables and flowers with others on the community allotment.",
        categories=("Gardening", "Green activities"),
    ),
    Service(
        YOUTH,
        "Young Carers Club",
        "A friendly club for lonely young carers: chat, trips and someone to talk to.",
        categories=("Young carers", "Befriending"),
    ),
    Service(
        CLOSED,
        "Old Friends Lunch Club",
        "Lunch and a chat for lonely older people.",
        categories=("Befriending", "Lunch club"),
        status=ServiceStatus.INACTIVE,
    ),
)
THEIR_SERVICE = Service(
    "theirs-1",
    "Another Town Befriending",
    "A friendly chat for anyone lonely.",
    categories=("Befriending", "Loneliness"),
)


def _directory(db: Database) -> None:
    ours = Directory("ours.json", SourceFormat.ORUK_3, SERVICES)
    directory_services.import_directory(db, ours, PRACTICE, now=T0)
    theirs = Directory("theirs.json", SourceFormat.ORUK_3, (THEIR_SERVICE,))
    directory_services.import_directory(db, theirs, OTHER_PRACTICE, now=T0)


def _plan(sample_plan: CarePlan, **words: str | None) -> CarePlan:
    """The sample plan, saying it is lonely and worried about the heating unless told otherwise."""
    what_matters = {"what_matters_good_day": "Since my wife died I'm lonely, nobody to talk to"}
    concerns = {"concerns_health": None, "concerns_life": "The heating bills frighten me"}
    plan = replace(sample_plan, what_matters=what_matters, concerns=concerns, goals=[])
    plan = replace(plan, support=replace(plan.support, needs=None), practice_id=PRACTICE)
    for key, text in words.items():
        section = "what_matters" if key.startswith("what_matters") else "concerns"
        plan = replace(plan, **{section: {**getattr(plan, section), key: text}})
    return plan


def _coach() -> Actor:
    user = User("coach@a.example", "Chris Coach", Role.COACH, PRACTICE, password_hash="x", id=7)
    return Actor.for_user(user)


def _ids(plan: CarePlan) -> list[str]:
    return [s.service_id for s in plan.community_suggestions]


def _status(plan: CarePlan, service_id: str) -> SuggestionStatus:
    return next(s.status for s in plan.community_suggestions if s.service_id == service_id)


@pytest.fixture
def with_directory(db: Database) -> Database:
    _directory(db)
    return db


# --- Worked out when the draft is written ------------------------------------------------------------


def test_a_draft_holds_the_practices_services_that_fit_what_the_person_said(
    with_directory: Database, sample_plan: CarePlan
) -> None:
    stored = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)

    plan = stored_plans.get_plan(with_directory, stored.conversation_id, practice_id=PRACTICE)
    data = plan_to_dict(plan)["community_suggestions"]
    assert {s["service_id"] for s in data} >= {BEFRIENDING, WARM_HOMES}
    assert not {s["service_id"] for s in data} & {YOUTH, CLOSED, THEIR_SERVICE.service_id}
    befriending = next(s for s in data if s["service_id"] == BEFRIENDING)
    assert list(befriending) == ["service_id", "name", "why", "url", "contact", "status", "added_by"]
    assert befriending["added_by"] is None  # matched, not added by hand
    assert befriending["name"] == "Ashby Vale Befriending"
    assert "lonely" in befriending["why"] and "Befriending" in befriending["why"]
    assert "for people aged 60 and over" in befriending["why"]
    assert (befriending["url"], befriending["contact"]) == ("https://befriending.example", "01632 960001")
    assert {s["status"] for s in data} == {"suggested"}
    # Kept with the version, and in the drafted audit entry.
    snapshot = stored_plans.plan_history(with_directory, stored.conversation_id, practice_id=PRACTICE)[-1]
    assert snapshot.community_suggestions == plan.community_suggestions
    with with_directory.session() as session:
        entries = AuditRepository(session).for_plan(plan.id)
    assert [e.action for e in entries] == [AuditAction.DRAFTED]


def test_plans_show_json_gives_the_suggestions(sqlite_url: str, sample_plan: CarePlan) -> None:
    migrate(sqlite_url)
    db = Database.from_url(sqlite_url)
    try:
        _directory(db)
        plan = drafting.draft_plan(db, _plan(sample_plan), now=T0)
    finally:
        db.dispose()
    command_line = ["plans", "show", "--conversation", plan.conversation_id, "--practice", PRACTICE]

    result = run_cli(*command_line, "--format", "json", database_url=sqlite_url)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)["community_suggestions"]
    assert shown == plan_to_dict(plan)["community_suggestions"]
    assert {s["service_id"] for s in shown} >= {BEFRIENDING, WARM_HOMES}


def test_without_a_directory_a_plan_has_no_suggestions(db: Database, sample_plan: CarePlan) -> None:
    stored = drafting.draft_plan(db, _plan(sample_plan), now=T0)

    assert stored.community_suggestions == []
    assert plan_to_dict(stored)["community_suggestions"] == []


def test_a_redraft_keeps_what_a_professional_marked(with_directory: Database, sample_plan: CarePlan) -> None:
    first = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    review_services.mark_suggestion(
        with_directory, _coach(), first.id, BEFRIENDING, "referred", now=T0 + timedelta(hours=1)
    )
    review_services.mark_suggestion(
        with_directory, _coach(), first.id, WARM_HOMES, "declined", now=T0 + timedelta(hours=2)
    )

    # The person confirms again, now saying nothing about the heating.
    again = drafting.draft_plan(
        with_directory, _plan(sample_plan, concerns_life="Nothing much"), now=T0 + timedelta(hours=3)
    )

    assert _status(again, BEFRIENDING) == SuggestionStatus.REFERRED  # still suggested: status kept
    assert _status(again, WARM_HOMES) == SuggestionStatus.DECLINED  # no longer matched, but decided
    stored = stored_plans.get_plan(with_directory, first.conversation_id, practice_id=PRACTICE)
    assert stored.community_suggestions == again.community_suggestions


def test_the_matching_failing_never_stops_a_draft(
    with_directory: Database, sample_plan: CarePlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("spaCy is broken")

    monkeypatch.setattr(directory_plans.Matcher, "suggest", broken)
    again = drafting.draft_plan(with_directory, _plan(sample_plan, concerns_life="x"), now=T0 + timedelta(1))

    assert again.version == 2
    assert again.community_suggestions == first.community_suggestions  # as they were


def test_a_risk_flag_is_written_without_waiting_for_the_matching(
    with_directory: Database, sample_plan: CarePlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    calls: list[object] = []
    monkeypatch.setattr(directory_plans.Matcher, "suggest", lambda *args, **kwargs: calls.append(args))
    flag = RiskFlag(RiskCategory.SELF_HARM, "I cut myself last night", T0 + timedelta(hours=1))

    flagged = escalation.flag_risk(with_directory, _plan(sample_plan), flag, now=T0 + timedelta(hours=1))

    assert calls == []
    assert flagged.status == PlanStatus.URGENT_REVIEW
    assert flagged.community_suggestions == first.community_suggestions


# --- Worked out again when a professional edits the plan ------------------------------------------


def test_an_edit_works_the_suggestions_out_again_keeping_the_professionals_statuses(
    with_directory: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    assert GARDEN not in _ids(plan)
    plan = review_services.mark_suggestion(with_directory, _coach(), plan.id, BEFRIENDING, "offered", now=T0)

    edited = review_services.edit_plan(
        with_directory,
        _coach(),
        plan.id,
        {"concerns": {"concerns_life": "I miss my allotment and growing vegetables"}},
        now=T0 + timedelta(hours=1),
    )

    assert GARDEN in _ids(edited)  # the edited words
    assert WARM_HOMES not in _ids(edited)  # suggested only, and no longer fits
    assert _status(edited, BEFRIENDING) == SuggestionStatus.OFFERED
    with with_directory.session() as session:
        entries = AuditRepository(session).for_plan(plan.id)
    newest = {e.field for e in entries if e.plan_version == edited.version}
    assert newest == {"concerns", "status", "community_suggestions"}


def test_marking_a_suggestion_is_a_new_audited_version_that_keeps_the_plans_status(
    with_directory: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    moment = T0 + timedelta(hours=1)

    marked = review_services.mark_suggestion(
        with_directory,
        _coach(),
        plan.id,
        WARM_HOMES,
        SuggestionStatus.REFERRED,
        expected_version=1,
        now=moment,
    )

    assert (marked.version, marked.status) == (2, PlanStatus.DRAFT)
    assert _status(marked, WARM_HOMES) == SuggestionStatus.REFERRED
    with with_directory.session() as session:
        entry = AuditRepository(session).for_plan(plan.id)[0]
    assert (entry.action, entry.field, entry.actor_name, entry.at) == (
        AuditAction.EDITED,
        "community_suggestions",
        "Chris Coach",
        moment,
    )
    assert [s["status"] for s in entry.before if s["service_id"] == WARM_HOMES] == ["suggested"]
    assert [s["status"] for s in entry.after if s["service_id"] == WARM_HOMES] == ["referred"]


@pytest.mark.parametrize(
    ("service_id", "status", "message"),
    [
        (WARM_HOMES, "suggested", "offered, referred or declined"),
        (WARM_HOMES, "sent", "offered, referred or declined"),
        (GARDEN, "offered", "not among this plan's community suggestions"),
        (THEIR_SERVICE.service_id, "offered", "not among this plan's community suggestions"),
    ],
)
def test_a_mark_that_cannot_be_made_says_why_and_changes_nothing(
    with_directory: Database, sample_plan: CarePlan, service_id: str, status: str, message: str
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)

    with pytest.raises(InvalidEdit, match=message):
        review_services.mark_suggestion(with_directory, _coach(), plan.id, service_id, status, now=T0)

    assert review_services.plan_for_review(with_directory, _coach(), plan.id).version == 1


def test_an_admin_cannot_mark_a_suggestion(with_directory: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    admin = Actor.for_user(User("a@a.example", "Ada", Role.ADMIN, PRACTICE, password_hash="x", id=8))

    with pytest.raises(Exception, match="cannot change plans"):
        review_services.mark_suggestion(with_directory, admin, plan.id, WARM_HOMES, "offered", now=T0)


# --- The referral in the FHIR bundle --------------------------------------------------------------


def test_each_suggestion_is_a_service_request_draft_until_referred(
    with_directory: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    plan = review_services.mark_suggestion(with_directory, _coach(), plan.id, BEFRIENDING, "referred", now=T0)

    bundle = plan_to_fhir_bundle(plan)

    Bundle.parse_obj(bundle)  # valid FHIR R4(B)
    requests = {
        r["performer"][0]["identifier"]["value"]: r
        for r in (e["resource"] for e in bundle["entry"])
        if r["resourceType"] == "ServiceRequest"
    }
    assert requests[BEFRIENDING]["status"] == "active"
    assert requests[WARM_HOMES]["status"] == "draft"
    assert requests[BEFRIENDING]["code"]["coding"] == [SOCIAL_PRESCRIBING_REFERRAL]


# --- Migration 0006 -----------------------------------------------------------------------------------


def _to(url: str, revision: str, *, down: bool = False) -> None:
    engine = migration_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def test_the_migration_downgrades_and_upgrades_again(
    database_url: str, with_directory: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    with_directory.dispose()

    _to(database_url, "0005_practice_conversation", down=True)
    engine = migration_engine(database_url)
    try:
        assert "community_suggestions" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    _to(database_url, "head")

    reopened = Database.from_url(database_url)
    try:
        again = stored_plans.get_plan(reopened, plan.conversation_id, practice_id=PRACTICE)
        assert again is not None and again.community_suggestions == []  # until drafted or edited again
        history = stored_plans.plan_history(reopened, plan.conversation_id, practice_id=PRACTICE)
        assert history[-1].community_suggestions == plan.community_suggestions  # the version keeps them
    finally:
        reopened.dispose()


# --- Pure: the merge ----------------------------------------------------------------------------------


def _suggestion(service_id: str, status: str = "suggested", why: str = "why") -> CommunitySuggestion:
    return CommunitySuggestion(service_id, service_id.title(), why, status=SuggestionStatus(status))


def test_merging_keeps_statuses_takes_fresh_words_and_drops_only_undecided_ones() -> None:
    previous = [_suggestion("a", "offered"), _suggestion("b"), _suggestion("c", "declined")]
    fresh = [_suggestion("d", why="new"), _suggestion("a", why="new words")]

    merged = merge_suggestions(previous, fresh)

    assert [(s.service_id, s.status.value, s.why) for s in merged] == [
        ("d", "suggested", "new"),
        ("a", "offered", "new words"),
        ("c", "declined", "why"),
    ]
    assert merge_suggestions(previous, None) == previous


def test_the_suggestions_round_trip_through_json() -> None:
    from bot.careplan.codec import plan_from_dict

    plan = CarePlan("c", PRACTICE, community_suggestions=[_suggestion("a", "referred")])

    assert plan_from_dict(json.loads(json.dumps(plan_to_dict(plan)))).community_suggestions == (
        plan.community_suggestions
    )
    old_snapshot = {k: v for k, v in plan_to_dict(plan).items() if k != "community_suggestions"}
    assert plan_from_dict(old_snapshot).community_suggestions == []


def test_the_action_server_can_load_the_matching_before_the_first_draft(
    with_directory: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []

    def analyser(texts: Sequence[str]) -> list[tuple[Word, ...]]:
        read.extend(texts)
        return plain_analyser(texts)

    monkeypatch.setattr(directory_plans, "shared_matcher", lambda: Matcher(analyser))

    assert directory_services.prepare_matching(with_directory, PRACTICE) is True
    assert directory_services.prepare_matching(with_directory, "practice-without-a-directory") is False
    # Every service that could be suggested has its words read then, not in the first edit (which
    # holds the plan's row).
    running = directory_services.list_services(with_directory, PRACTICE, active_only=True)
    suggestible = {s.service.name for s in running if s.service.fits_age(None)}
    assert len(suggestible) > 1 and suggestible <= set(read)
    assert THEIR_SERVICE.name not in read


def test_deleting_the_conversation_deletes_its_suggestions(
    with_directory: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    assert plan.community_suggestions

    consents.delete_conversation_data(with_directory, plan.conversation_id, practice_id=PRACTICE)

    with with_directory.session() as session:
        left = session.execute(select(func.count()).select_from(community_suggestions_table)).scalar_one()
    assert left == 0


def test_marking_an_approved_plan_keeps_it_approved(with_directory: Database, sample_plan: CarePlan) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    coach = _coach()
    changes = {"care_coordinator": "Chris Coach", "review_date": (T0 + timedelta(days=90)).date()}
    plan = review_services.edit_plan(with_directory, coach, plan.id, changes, now=T0)
    plan = review_services.approve_plan(with_directory, coach, plan.id, now=T0)

    marked = review_services.mark_suggestion(with_directory, coach, plan.id, BEFRIENDING, "referred", now=T0)

    assert marked.status == PlanStatus.APPROVED and marked.approval == plan.approval


# --- Added by a professional from the directory -------------------------------------------------------


def test_a_professional_adds_a_service_found_in_the_directory_and_it_stays(
    with_directory: Database, sample_plan: CarePlan
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)
    found = review_services.find_services(with_directory, _coach(), "garden")
    assert [s.service_id for s in found] == [GARDEN]

    added = review_services.add_suggestion(
        with_directory, _coach(), plan.id, GARDEN, expected_version=1, now=T0
    )

    garden = added.community_suggestions[-1]
    assert (garden.service_id, garden.status, garden.added_by) == (
        GARDEN,
        SuggestionStatus.SUGGESTED,
        "Chris Coach",
    )
    assert garden.why == "Added from the directory by Chris Coach"
    assert added.version == 2
    # Kept when the suggestions are worked out again, by a redraft or an edit.
    again = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0 + timedelta(hours=1))
    assert GARDEN in _ids(again)
    edited = review_services.edit_plan(
        with_directory,
        _coach(),
        plan.id,
        {"concerns": {"concerns_life": "Nothing"}},
        now=T0 + timedelta(hours=2),
    )
    assert GARDEN in _ids(edited)
    with pytest.raises(InvalidEdit, match="already in the plan's community support"):
        review_services.add_suggestion(with_directory, _coach(), plan.id, GARDEN, now=T0)


@pytest.mark.parametrize("service_id", [YOUTH, CLOSED, THEIR_SERVICE.service_id, "nonsense"])
def test_only_the_practices_running_services_for_adults_can_be_added_or_found(
    with_directory: Database, sample_plan: CarePlan, service_id: str
) -> None:
    plan = drafting.draft_plan(with_directory, _plan(sample_plan), now=T0)

    with pytest.raises(InvalidEdit, match="not in the practice's directory, or is not running"):
        review_services.add_suggestion(with_directory, _coach(), plan.id, service_id, now=T0)

    found = {
        s.service_id
        for s in review_services.find_services(with_directory, _coach(), "lonely friendly chat club")
    }
    assert service_id not in found and BEFRIENDING in found
