"""The small bridge between Rasa's tracker and our service layer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, TypeVar

from rasa_sdk import Tracker

from actions.questions import replies
from bot.careplan.interview import RISK_CHECKS, build_plan
from bot.careplan.model import Answer, CarePlan, SupportPerson
from bot.config import Settings
from bot.safety.risk import RiskFlag, category_named
from bot.services import delivery, escalation, plan_store
from bot.store.database import Database

T = TypeVar("T")


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def database() -> Database:
    """The plan store, opened even while the database is down (the service layer migrates
    and delivers what waited once it is back)."""
    return plan_store.open_plan_store(settings().database_url)


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking database work without holding up other conversations."""
    return await asyncio.to_thread(function, *args, **kwargs)


QUESTION_FOR_PRACTICE = "A question for the practice team (the assistant gave no advice)"
RISK_CHECKED = "Asked gently about risk ({kinds}) after: “{message}”"


async def flag_risk(tracker: Tracker, categories: list[str], message: str) -> str:
    """A flag per kind of risk on the plan as it stands, for a professional to see first.

    Returns what tells the person so truthfully (`flag_told`): told, or waiting to be
    told because the database is down (the flag is kept in the outbox until it is back).
    """
    now = datetime.now(timezone.utc)
    plan = plan_from_tracker(tracker)
    for category in categories:
        flag = RiskFlag(category_named(category), message, now)
        plan = await in_thread(escalation.flag_risk, database(), plan, flag)
    return flag_told(tracker)


def flag_told(tracker: Tracker) -> str:
    """What tells the person truthfully what happened to their flag."""
    # Reads the local outbox only; the practice is this deployment's, as on the plan.
    waiting = delivery.queued(database(), tracker.sender_id, practice_id=settings().practice_id)
    return replies()["risk_flag_waiting" if waiting else "risk_flagged"]


def plan_from_tracker(tracker: Tracker) -> CarePlan:
    """The draft plan as the conversation stands, in the person's words."""
    people = [SupportPerson(**person) for person in tracker.get_slot("support_people_found") or []]
    plan = build_plan(
        tracker.slots,
        conversation_id=tracker.sender_id,
        practice_id=settings().practice_id,
        unanswered=tracker.get_slot("unanswered") or {},
        support_people=people,
    )
    # Medical questions the assistant could not answer go to the team with the answers.
    plan.answers += [
        Answer("question_for_practice", QUESTION_FOR_PRACTICE, question)
        for question in tracker.get_slot("questions_for_practice") or []
    ]
    # A check that was answered "no": no urgent flag, but the professional knows it was asked.
    plan.answers += [
        Answer(
            "risk_check",
            RISK_CHECKED.format(kinds=_kinds(check), message=check.get("message", "")),
            "Said no",
        )
        for check in tracker.get_slot(RISK_CHECKS) or []
    ]
    return plan


def _kinds(check: dict) -> str:
    return ", ".join(str(c).replace("_", " ") for c in check.get("categories") or ["unspecified"])
