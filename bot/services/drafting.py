"""The plan the person has just confirmed, stored as its conversation's next version."""

from __future__ import annotations

from datetime import datetime

from bot.careplan.model import CarePlan
from bot.clock import utc
from bot.services.delivery import DRAFT, deliver_first, queue
from bot.services.versions import store_draft
from bot.store.database import Database
from bot.store.unit_of_work import is_unavailable
from bot.text_safety import without_bidi_controls


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
    down = deliver_first(db)
    try:
        if down is not None:
            raise down
        return store_draft(db, plan, now)
    except Exception as error:
        if is_unavailable(error):
            queue(db, DRAFT, plan, now)
        raise
