"""Nothing lost when the database is down (issue 12, issue 13 item 12): the outbox of writes
queued on local disk, and their delivery once the database answers.

A risk flag that cannot be written is kept in a durable outbox (bot/store/outbox.py,
`OUTBOX_PATH`) and `flag_risk` returns as if it had been stored; `queued` tells the caller
which happened. A confirmed draft that cannot be written is kept there too, and `draft_plan`
still raises, so the person is told truthfully that their plan is not saved yet.
`deliver_pending` writes what waits once the database answers: at the start of every service
call that touches the database (`deliver_first`), and every `OUTBOX_RETRY_SECONDS` in the
action server (bot/action_server.py). Delivery is idempotent: a flag delivered twice is stored
once, a draft delivered twice is one version. A deletion is never queued.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime

from bot.careplan.codec import plan_from_dict, plan_to_dict
from bot.careplan.model import CarePlan, PlanStatus
from bot.services.plan_store import migrate_if_opened_down
from bot.services.versions import merged_flags, store_draft, stored_plan
from bot.store.database import Database
from bot.store.outbox import Entry, Outbox
from bot.store.unit_of_work import is_unavailable

logger = logging.getLogger(__name__)

FLAG, DRAFT = "flag", "draft"  # the kinds of outbox entry

_outbox: Outbox | None = None
_outbox_lock = threading.Lock()


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


def queued(db: Database, conversation_id: str, *, practice_id: str) -> bool:
    """Whether something of this practice's conversation waits in the outbox, not yet in the
    database (after `flag_risk`: True when the flag was only queued, False when it was stored)."""
    key = (practice_id, conversation_id)
    return any((e.practice_id, e.conversation_id) == key for e in outbox().entries(database_key(db)))


def queue(db: Database, kind: str, plan: CarePlan, now: datetime, *, flag: dict | None = None) -> None:
    """Keep a write (`DRAFT`, or `FLAG` with its flag) in the outbox, for when the database is back."""
    payload: dict = {"plan": plan_to_dict(plan)}
    if flag is not None:
        payload["flag"] = flag
    entry = Entry(
        kind, database_key(db), plan.conversation_id, payload, queued_at=now, practice_id=plan.practice_id
    )
    outbox().put(entry)


def database_key(db: Database) -> str:
    """Which database an entry belongs to: never delivered to another (a test's, or after a move)."""
    return db.engine.url.render_as_string(hide_password=True)


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


def deliver_first(db: Database) -> BaseException | None:
    """At the start of every call that touches the database: deliver what waits, and
    say whether the database just proved unavailable (so the caller need not try again)."""
    return _deliver(db)[1]


def _deliver(db: Database) -> tuple[int, BaseException | None]:
    down = migrate_if_opened_down(db)
    if down is not None:
        return 0, down
    box = outbox()
    try:
        if box.is_empty():
            return 0, None
        with box.draining() as mine:
            if not mine:
                return 0, None  # another thread or process is delivering
            done, down = _deliver_all(db, box.entries(database_key(db)))
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
    stored = stored_plan(db, plan.conversation_id, practice_id=plan.practice_id)  # the plan it would write
    newer = stored is not None and stored.updated_at is not None and stored.updated_at >= entry.queued_at
    if entry.kind == DRAFT:
        if not newer:
            store_draft(db, plan, entry.queued_at)
        return
    if entry.kind != FLAG:
        raise ValueError(f"unknown outbox entry kind {entry.kind!r}")
    flag = entry.payload["flag"]
    if stored is not None and flag in stored.risk_flags:
        return  # delivered before
    # On a plan stored after the flag was queued, the flag is added to that plan as it is.
    base = stored if newer and stored is not None else plan
    flags = merged_flags(stored.risk_flags if stored else [], plan.risk_flags, [flag])
    at = None if newer else entry.queued_at  # never older than what is stored
    store_draft(db, replace(base, risk_flags=flags, status=PlanStatus.URGENT_REVIEW), at, suggest=False)
