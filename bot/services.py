"""What the product does with plans, for the Rasa actions, the CLI and the web console.

Each function is one unit of work (one transaction, bot/store/unit_of_work.py, which owns
the session, the repositories and what the database's errors mean). Entrypoints call these
and never touch the repositories or SQL themselves; a plan's version is written only by
`UnitOfWork.save_version`, here and in `bot.review_services` alike (issue 15).

Nothing is lost when the database is down (issue 12, issue 13 item 12). A risk
flag that cannot be written is kept in a durable outbox on local disk
(bot/store/outbox.py, `OUTBOX_PATH`) and `flag_risk` returns as if it had been
stored; `queued` tells the caller which happened. A confirmed draft that cannot
be written is kept there too, and `draft_plan` still raises, so the person is
told truthfully that their plan is not saved yet. `deliver_pending` writes what
waits once the database answers: at the start of every call here that touches
the database, and every `OUTBOX_RETRY_SECONDS` in the action server
(bot/action_server.py). Delivery is idempotent: a flag delivered twice is stored
once, a draft delivered twice is one version. A deletion is never queued.

A conversation is found by its practice and its id together, never by its id alone (issue 13,
item 4): practices that share a database share conversation ids (a phone number), and each has
its own plan and consent for one. A plan carries its practice (`CarePlan.practice_id`, which the
actions take from the `PRACTICE_ID` setting); every other call here is given it as `practice_id`.
"""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import replace
from datetime import datetime
from weakref import WeakSet

from bot.careplan.audit import drafted
from bot.careplan.codec import plan_from_dict, plan_to_dict
from bot.careplan.model import CarePlan, CommunitySuggestion, Consent, PlanNotFound, PlanStatus
from bot.careplan.review import KEPT_ON_REDRAFT
from bot.careplan.suggestions import merge_suggestions
from bot.clock import utc
from bot.directory.plans import community_suggestions
from bot.safety.risk import RiskFlag
from bot.store.database import Database, migrate
from bot.store.outbox import Entry, Outbox
from bot.store.unit_of_work import Conflict, UnitOfWork, is_unavailable, unit_of_work
from bot.text_safety import without_bidi_controls

__all__ = [
    "PlanNotFound",
    "delete_conversation_data",
    "deliver_pending",
    "draft_plan",
    "flag_risk",
    "get_plan",
    "is_unavailable",
    "latest_consent",
    "list_plans",
    "open_plan_store",
    "plan_history",
    "queued",
    "record_consent",
    "request_handoff",
    "use_outbox",
]

logger = logging.getLogger(__name__)

FLAG, DRAFT = "flag", "draft"  # the kinds of outbox entry


def draft_plan(db: Database, plan: CarePlan, *, now: datetime | None = None) -> CarePlan:
    """Store the plan the person has just confirmed, and return it as stored.

    The first plan of a conversation becomes version 1; confirming again
    updates the same plan as the next version. Every version's snapshot is
    kept, so nothing the person said is ever lost. The caller's plan is not
    changed.

    When the database cannot be reached this raises, as the plan is not stored,
    but the plan is queued first (see `deliver_pending`), so it is written when
    the database is back.
    """
    now = utc(now)
    plan = without_bidi_controls(plan)  # the person's words, never reordered on screen
    down = _deliver_first(db)
    try:
        if down is not None:
            raise down
        return _draft(db, plan, now)
    except Exception as error:
        if is_unavailable(error):
            _queue(db, DRAFT, plan, now)
        raise


def record_consent(
    db: Database,
    conversation_id: str,
    given: bool,
    wording: str,
    *,
    practice_id: str,
    now: datetime | None = None,
) -> Consent:
    """Keep the person's answer to the consent question with the exact wording they saw."""
    _deliver_first(db)
    with unit_of_work(db) as work:
        return work.consents.record(conversation_id, given, wording, utc(now), practice_id=practice_id)


def latest_consent(db: Database, conversation_id: str, *, practice_id: str) -> Consent | None:
    """The consent answer in force for a practice's conversation, if it has been asked."""
    _deliver_first(db)
    with unit_of_work(db) as work:
        return work.consents.latest(conversation_id, practice_id=practice_id)


def flag_risk(db: Database, plan: CarePlan, flag: RiskFlag, *, now: datetime | None = None) -> CarePlan:
    """A disclosure of risk: the plan as it stands is written at once, for urgent
    review, with this flag added to any earlier ones, even mid-conversation.

    Never lost: when the database cannot be reached, the flag is queued on local
    disk (written when the database is back, see `deliver_pending`) and the plan
    is returned as it would have been stored, with no id and without flags only
    the database knew. `queued(db, plan.conversation_id, practice_id=plan.practice_id)` then
    says so.
    """
    now = utc(now)
    plan, flag = without_bidi_controls(plan), without_bidi_controls(flag)
    down = _deliver_first(db)
    try:
        if down is not None:
            raise down
        earlier = _get(db, plan.conversation_id, practice_id=plan.practice_id)
        flags = _merged(earlier.risk_flags if earlier else [], [flag.as_dict()])
        flagged = replace(plan, risk_flags=flags, status=PlanStatus.URGENT_REVIEW)
        return _draft(db, flagged, now, suggest=False)
    except Exception as error:
        if not is_unavailable(error):
            raise
        logger.error("flag_risk: the database is unavailable (%s): the flag is queued", type(error).__name__)
        _queue(db, FLAG, plan, now, flag=flag.as_dict())
        flags = _merged(plan.risk_flags, [flag.as_dict()])
        return replace(copy.deepcopy(plan), risk_flags=flags, status=PlanStatus.URGENT_REVIEW)


def request_handoff(db: Database, plan: CarePlan, *, now: datetime | None = None) -> CarePlan:
    """The person asked to talk to a person: the plan as it stands says so."""
    return draft_plan(db, replace(plan, handoff_requested=True), now=now)


def delete_conversation_data(db: Database, conversation_id: str, *, practice_id: str) -> None:
    """The person asked to delete their answers: their plan, every version and consent record go,
    at this practice; another practice's plan for the same conversation id stays.

    Never queued: when the database cannot be reached this raises and nothing is
    deleted. What waits in the outbox for the conversation is delivered first and
    then deleted with the rest, so it cannot bring the plan back later."""
    down = _deliver_first(db)
    if down is not None:
        raise down
    with unit_of_work(db) as work:
        work.plans.delete_conversation(conversation_id, practice_id=practice_id)
        work.consents.delete_conversation(conversation_id, practice_id=practice_id)
    outbox().remove_conversation(_database_key(db), conversation_id, practice_id=practice_id)


def get_plan(db: Database, conversation_id: str, *, practice_id: str) -> CarePlan | None:
    """A practice's plan for a conversation, if there is one."""
    _deliver_first(db)
    return _get(db, conversation_id, practice_id=practice_id)


def list_plans(
    db: Database, status: PlanStatus | str | None = None, practice_id: str | None = None
) -> list[CarePlan]:
    """Plans, most recently updated first."""
    status = PlanStatus(status) if status is not None else None
    _deliver_first(db)
    with unit_of_work(db) as work:
        return work.plans.list(status=status, practice_id=practice_id)


def plan_history(db: Database, conversation_id: str, *, practice_id: str) -> list[CarePlan]:
    """Every kept version of a practice's plan for a conversation, oldest first."""
    _deliver_first(db)
    with unit_of_work(db) as work:
        plan = work.plans.get_by_conversation(conversation_id, practice_id=practice_id)
        if plan is None or plan.id is None:
            raise PlanNotFound(f"no plan for conversation {conversation_id!r} at practice {practice_id!r}")
        return [plan_from_dict(snapshot) for snapshot in work.plans.versions(plan.id)]


# --- Nothing lost when the database is down -----------------------------------------------------

_outbox: Outbox | None = None
_outbox_lock = threading.Lock()
_unmigrated: WeakSet[Database] = WeakSet()  # opened while the database was down


def use_outbox(box: Outbox | None) -> None:
    """Where queued work is kept; None: the `OUTBOX_PATH` setting (read when first needed)."""
    global _outbox
    with _outbox_lock:
        _outbox = box


def outbox() -> Outbox:
    global _outbox
    with _outbox_lock:
        if _outbox is None:
            from bot.config import Settings  # settings are read once, by whoever needs them

            _outbox = Outbox(Settings.from_env().outbox_path)
        return _outbox


def open_plan_store(url: str) -> Database:
    """The plan store for an entrypoint, even when the database is down at start-up.

    Migrates when the database answers (as `open_database` does). When it does
    not, the Database is returned all the same, so that `flag_risk` can queue;
    the migration then runs before the first delivery, once the database answers.
    Other errors (a wrong URL, a failed migration) raise."""
    try:
        migrate(url)
    except Exception as error:
        if not is_unavailable(error):
            raise
        logger.error("the plan store is unavailable at start-up (%s)", type(error).__name__)
        db = Database.from_url(url)
        _unmigrated.add(db)
        return db
    return Database.from_url(url)


def queued(db: Database, conversation_id: str, *, practice_id: str) -> bool:
    """Whether something of this practice's conversation waits in the outbox, not yet in the
    database (after `flag_risk`: True when the flag was only queued, False when it was stored)."""
    key = (practice_id, conversation_id)
    return any((e.practice_id, e.conversation_id) == key for e in outbox().entries(_database_key(db)))


def deliver_pending(db: Database) -> int:
    """Write what waits in the outbox for this database, oldest first; returns how many
    entries are done (written now, or found already written).

    Idempotent: a flag already on the stored plan is not added again, and a draft is
    not written over a plan stored at or after the moment it was queued (it is that
    draft, delivered before, or a later one built from the same conversation, which
    holds all it held). Stops at the first sign that the database is still down,
    keeping the rest; an entry that fails otherwise is kept and retried next time.
    An outbox that cannot be read is logged, never raised: the database's own work
    goes on without it."""
    return _deliver(db)[0]


def _deliver_first(db: Database) -> BaseException | None:
    """At the start of every call that touches the database: deliver what waits, and
    say whether the database just proved unavailable (so the caller need not try again)."""
    return _deliver(db)[1]


def _deliver(db: Database) -> tuple[int, BaseException | None]:
    if db in _unmigrated:
        try:
            migrate(db.engine.url.render_as_string(hide_password=False))
        except Exception as error:
            if is_unavailable(error):
                return 0, error
            raise
        _unmigrated.discard(db)
    box = outbox()
    try:
        if box.is_empty():
            return 0, None
        with box.draining() as mine:
            if not mine:
                return 0, None  # another thread or process is delivering
            done, down = _deliver_all(db, box.entries(_database_key(db)))
            box.remove(done)
    except OSError as error:  # the outbox's own disk: never a reason to refuse the call itself
        logger.error("outbox: %s cannot be read or written (%s)", box.path, type(error).__name__)
        return 0, None
    if done:
        logger.info("outbox: %d queued entries written to the database", len(done))
    return len(done), down


def _deliver_all(db: Database, entries: list[Entry]) -> tuple[list[str], BaseException | None]:
    done: list[str] = []
    for entry in entries:
        try:
            _deliver_one(db, entry)
        except Exception as error:
            if is_unavailable(error):
                return done, error  # still down: the rest waits
            # Kept for the next try; never the entry's words in the log.
            logger.error("outbox: entry %s not delivered (%s)", entry.id, type(error).__name__)
            continue
        done.append(entry.id)
    return done, None


def _deliver_one(db: Database, entry: Entry) -> None:
    plan = plan_from_dict(entry.payload["plan"])
    stored = _get(db, plan.conversation_id, practice_id=plan.practice_id)  # the plan it would write
    newer = stored is not None and stored.updated_at is not None and stored.updated_at >= entry.queued_at
    if entry.kind == DRAFT:
        if not newer:
            _draft(db, plan, entry.queued_at)
        return
    if entry.kind != FLAG:
        raise ValueError(f"unknown outbox entry kind {entry.kind!r}")
    flag = entry.payload["flag"]
    if stored is not None and flag in stored.risk_flags:
        return  # delivered before
    # On a plan stored after the flag was queued, the flag is added to that plan as it is.
    base = stored if newer and stored is not None else plan
    flags = _merged(stored.risk_flags if stored else [], plan.risk_flags, [flag])
    at = None if newer else entry.queued_at  # never older than what is stored
    _draft(db, replace(base, risk_flags=flags, status=PlanStatus.URGENT_REVIEW), at, suggest=False)


def _queue(db: Database, kind: str, plan: CarePlan, now: datetime, *, flag: dict | None = None) -> None:
    payload: dict = {"plan": plan_to_dict(plan)}
    if flag is not None:
        payload["flag"] = flag
    entry = Entry(
        kind, _database_key(db), plan.conversation_id, payload, queued_at=now, practice_id=plan.practice_id
    )
    outbox().put(entry)


def _database_key(db: Database) -> str:
    """Which database an entry belongs to: never delivered to another (a test's, or after a move)."""
    return db.engine.url.render_as_string(hide_password=True)


def _merged(*lists: list[dict]) -> list[dict]:
    """Risk flags, in order, each once."""
    merged: list[dict] = []
    for flags in lists:
        for flag in flags or []:
            if flag not in merged:
                merged.append(copy.deepcopy(flag))
    return merged


def _get(db: Database, conversation_id: str, *, practice_id: str) -> CarePlan | None:
    with unit_of_work(db) as work:
        return work.plans.get_by_conversation(conversation_id, practice_id=practice_id)


def _draft(db: Database, plan: CarePlan, now: datetime | None, *, suggest: bool = True) -> CarePlan:
    """Store the plan's next version. With `suggest`, its community suggestions are worked out
    from the practice's directory; a risk flag's write does not wait for that (it keeps them)."""
    now = utc(now)
    try:
        return _draft_once(db, plan, now, suggest)
    except Conflict:
        # Another process stored this conversation's plan (or version) between our
        # read and our write: build on what it stored.
        return _draft_once(db, plan, now, suggest)


def _draft_once(db: Database, plan: CarePlan, now: datetime, suggest: bool) -> CarePlan:
    """One try at storing the draft as the conversation's next version, with its audit entries."""
    with unit_of_work(db) as work:
        # Before the plan's row is locked: the matching reads only this draft's words.
        fresh = community_suggestions(plan, work.active_services(plan.practice_id)) if suggest else None
        previous = work.plans.get_by_conversation(
            plan.conversation_id, practice_id=plan.practice_id, for_update=True
        )
        if previous is not None and not _has_snapshot(work, previous):
            work.plans.add_version(previous)  # e.g. stored by hand, without a snapshot
        stored = _drafted_version(previous, plan, now, fresh)
        # The audit entries show a reviewer what the person changed.
        return work.save_version(stored, lambda saved: drafted(previous, saved, now))


def _has_snapshot(work: UnitOfWork, plan: CarePlan) -> bool:
    """Whether the stored plan's version has its snapshot (nothing to keep without an id): a re-draft
    never loses the version before it."""
    return plan.id is None or work.plans.has_version(plan.id, plan.version)


def _drafted_version(
    previous: CarePlan | None, plan: CarePlan, now: datetime, fresh: list[CommunitySuggestion] | None
) -> CarePlan:
    """The draft as the conversation's next version. Professionals' statuses are kept for services
    still suggested (and for any they marked); `fresh` None keeps the stored plan's as they are."""
    stored = _first_version(plan, now) if previous is None else _next_version(previous, plan, now)
    kept = previous.community_suggestions if previous is not None else []
    stored.community_suggestions = merge_suggestions(kept, fresh)
    return stored


def _first_version(plan: CarePlan, now: datetime) -> CarePlan:
    return replace(
        copy.deepcopy(plan),
        id=None,
        version=1,
        status=_draft_status(plan, None),
        created_at=now,
        updated_at=now,
    )


def _next_version(previous: CarePlan, plan: CarePlan, now: datetime) -> CarePlan:
    # A re-drafted plan is built afresh from the conversation: what was flagged
    # earlier must not vanish just because this draft does not repeat it.
    return replace(
        copy.deepcopy(plan),
        id=previous.id,
        version=previous.version + 1,
        status=_draft_status(plan, previous),
        risk_flags=copy.deepcopy(plan.risk_flags or previous.risk_flags),
        handoff_requested=plan.handoff_requested or previous.handoff_requested,
        created_at=previous.created_at,
        updated_at=now,
        # What professionals added in the review console is kept; an approval is not:
        # the person changed their words, so the plan needs reviewing again.
        **{name: copy.deepcopy(getattr(previous, name)) for name in KEPT_ON_REDRAFT},
    )


def _draft_status(plan: CarePlan, previous: CarePlan | None) -> PlanStatus:
    """The assistant only writes drafts, but never downgrades an urgent review."""
    statuses = {plan.status, previous.status if previous else None}
    return PlanStatus.URGENT_REVIEW if PlanStatus.URGENT_REVIEW in statuses else PlanStatus.DRAFT
