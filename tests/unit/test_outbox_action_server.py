"""The action server writes what was queued while the database was down, with no one talking
(issue 12; issue 13, item 12): its background task, every OUTBOX_RETRY_SECONDS."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.careplan.model import CarePlan
from bot.config import Settings
from bot.safety.risk import RiskCategory, RiskFlag
from bot.services import escalation, stored_plans
from bot.store.database import Database, migrate
from bot.store.outbox import Outbox

NOW = datetime(2026, 12, 2, 16, 30, tzinfo=timezone.utc)


def test_the_action_servers_task_writes_a_queued_flag_with_no_one_talking(
    box: Outbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions import adapters
    from bot.action_server import deliver_queued_work

    folder = tmp_path / "store"
    url = f"sqlite:///{folder / 'whatmatters.db'}"
    migrate(url)
    db = Database.from_url(url)
    plan = CarePlan(conversation_id="c-1", practice_id="p")
    away = folder.with_name("store.away")
    folder.rename(away)  # the database cannot be opened
    escalation.flag_risk(db, plan, RiskFlag(RiskCategory.SELF_HARM, "I cut myself last night", NOW), now=NOW)
    away.rename(folder)  # back, and no one calls a service
    assert not box.is_empty()
    monkeypatch.setattr(adapters, "settings", lambda: replace(Settings.from_env(), outbox_retry_seconds=0.05))
    monkeypatch.setattr(adapters, "database", lambda: db)

    async def serve_a_little() -> None:
        task = asyncio.ensure_future(deliver_queued_work())
        for _ in range(100):
            await asyncio.sleep(0.05)
            if box.is_empty():
                break
        task.cancel()

    asyncio.run(serve_a_little())
    assert box.is_empty()
    assert (
        stored_plans.get_plan(db, "c-1", practice_id="p").risk_flags[0]["message"]
        == "I cut myself last night"
    )
    db.dispose()
