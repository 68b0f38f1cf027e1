"""The assistant started scaled out (`python -m bot servers start --scaled`) on free loopback ports,
with a PostgreSQL database and a Redis key prefix of its own."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

from e2e_assistant import Assistant, _free_port

from bot.careplan.model import CarePlan
from bot.servers import port_answers
from bot.services import stored_plans
from bot.store.database import Database


class ScaledAssistant(Assistant):
    """Two Rasa replicas and two action servers behind nginx, sharing PostgreSQL and Redis."""

    def __init__(self, run_dir: Path, trained_model: Path, database_url: str, redis_url: str) -> None:
        super().__init__(run_dir, trained_model)
        self.ports = {name: _free_port() for name in ("rasa-1", "rasa-2", "actions-1", "actions-2")}
        self.replica_urls = [f"http://127.0.0.1:{self.ports[name]}" for name in ("rasa-1", "rasa-2")]
        self.env.update({
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "LOCK_STORE_KEY_PREFIX": f"wmtest{uuid.uuid4().hex[:8]}",
            "SCALED_RASA_PORTS": f"{self.ports['rasa-1']},{self.ports['rasa-2']}",
            "SCALED_ACTION_PORTS": f"{self.ports['actions-1']},{self.ports['actions-2']}",
            "CONSOLE_PORT": str(_free_port()),
            "CONSOLE_SECRET_KEY": uuid.uuid4().hex,
        })  # fmt: skip

    def start(self) -> None:
        started = self.bot("servers", "start", "--scaled", check=False)
        assert started.returncode == 0, started.stderr[-3000:] + self.logs()[-3000:]

    def stored_plan(self, sender: str) -> CarePlan | None:
        """The sender's plan, read from PostgreSQL here (50 `plans show` processes would take minutes)."""
        database = Database.from_url(self.env["DATABASE_URL"])
        try:
            return stored_plans.get_plan(database, sender, practice_id=self.env["PRACTICE_ID"])
        finally:
            database.dispose()

    def kill(self, name: str) -> None:
        """End a server at once, as a crash would (no clean shutdown), and wait until it is gone.

        A dying Rasa server's socket still accepts connections for a moment and then resets
        them; nginx rightly never resends a POST it sent, so a message in that moment gets a
        502 and must be sent again. These tests crash a server between two messages.
        """
        pid = int((self.run_dir / "run" / f"{name}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)
        port = self.ports[name]
        deadline = time.monotonic() + 30
        while port_answers(f"tcp://127.0.0.1:{port}") and time.monotonic() < deadline:
            time.sleep(0.1)

    def balanced_replicas(self) -> set[str]:
        """The replicas nginx sent REST messages to (its access log names them)."""
        log = (self.run_dir / "log" / "nginx-access.log").read_text()
        return {line.split()[4] for line in log.splitlines() if "/webhooks/rest/webhook" in line}
