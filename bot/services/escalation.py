"""When the person needs a human: a disclosure of risk flags their plan for urgent review, and a
request to talk to a person is marked on it."""

from __future__ import annotations

import copy
import logging
from dataclasses import replace
from datetime import datetime

from bot.careplan.model import CarePlan, PlanStatus
from bot.clock import utc
from bot.safety.risk import RiskFlag
from bot.services.delivery import FLAG, deliver_first, queue
from bot.services.drafting import draft_plan
from bot.services.versions import merged_flags, store_draft, stored_plan
from bot.store.database import Database
from bot.store.unit_of_work import is_unavailable
from bot.text_safety import without_bidi_controls

logger = logging.getLogger(__name__)


def flag_risk(db: Database, plan: CarePlan, flag: RiskFlag, *, now: datetime | None = None) -> CarePlan:
    """A disclosure of risk: the plan as it stands is written at once, for urgent
    review, with this flag added to any earlier ones, even mid-conversation.

    Never lost: when the database cannot be reached, the flag is queued on local
    disk (written when the database is back, see `deliver_pending`) and the plan
    is returned as it would have been stored, with no id and without flags only
    the database knew. `delivery.queued(db, plan.conversation_id,
    practice_id=plan.practice_id)` then says so.
    """
    now = utc(now)
    plan, flag = without_bidi_controls(plan), without_bidi_controls(flag)
    down = deliver_first(db)
    try:
        if down is not None:
            raise down
        earlier = stored_plan(db, plan.conversation_id, practice_id=plan.practice_id)
        flags = merged_flags(earlier.risk_flags if earlier else [], [flag.as_dict()])
        flagged = replace(plan, risk_flags=flags, status=PlanStatus.URGENT_REVIEW)
        return store_draft(db, flagged, now, suggest=False)
    except Exception as error:
        if not is_unavailable(error):
            raise
        logger.error("flag_risk: the database is unavailable (%s): the flag is queued", type(error).__name__)
        queue(db, FLAG, plan, now, flag=flag.as_dict())
        flags = merged_flags(plan.risk_flags, [flag.as_dict()])
        return replace(copy.deepcopy(plan), risk_flags=flags, status=PlanStatus.URGENT_REVIEW)


def request_handoff(db: Database, plan: CarePlan, *, now: datetime | None = None) -> CarePlan:
    """The person asked to talk to a person: the plan as it stands says so."""
    return draft_plan(db, replace(plan, handoff_requested=True), now=now)
