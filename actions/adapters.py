"""The small bridge between Rasa's tracker and our service layer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from rasa_sdk import Tracker

from bot.careplan.interview import build_plan
from bot.careplan.model import Answer, CarePlan, SupportPerson
from bot.config import Settings
from bot.store.database import Database, migrate

T = TypeVar("T")


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def database() -> Database:
    """The plan store, its schema brought up to date once per process."""
    url = settings().database_url
    migrate(url)
    return Database.from_url(url)


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking database work without holding up other conversations."""
    return await asyncio.to_thread(function, *args, **kwargs)


QUESTION_FOR_PRACTICE = "A question for the practice team (the assistant gave no advice)"


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
    return plan
