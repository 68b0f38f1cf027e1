"""The assistant started scaled out (`python -m bot servers start --scaled`) on free loopback ports,
with a PostgreSQL database and a Redis key prefix of its own."""

from __future__ import annotations

import json
import os
import signal
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from e2e_assistant import Assistant, _free_port

from bot import services
from bot.bench.conversation import Turn
from bot.careplan.model import CarePlan
from bot.chat import send
from bot.store.database import Database


class ScaledAssistant(Assistant):
    """Two Rasa replicas and two action servers behind nginx, sharing PostgreSQL and Redis."""

    def __init__(self, run_dir: Path, trained_model: Path, database_url: str, redis_url: str) -> None:
        super().__init__(run_dir, trained_model)
        self.replica_urls = [f"http://127.0.0.1:{_free_port()}" for _ in range(2)]
        self.env.update({
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "LOCK_STORE_KEY_PREFIX": f"wmtest{uuid.uuid4().hex[:8]}",
            "SCALED_RASA_PORTS": ",".join(url.rsplit(":", 1)[1] for url in self.replica_urls),
            "SCALED_ACTION_PORTS": f"{_free_port()},{_free_port()}",
            "CONSOLE_PORT": str(_free_port()),
            "CONSOLE_SECRET_KEY": uuid.uuid4().hex,
        })  # fmt: skip

    def start(self) -> None:
        started = self.bot("servers", "start", "--scaled", check=False)
        assert started.returncode == 0, started.stderr[-3000:] + self.logs()[-3000:]

    def talk(self, sender: str, turns: list[Turn], url: str | None = None) -> None:
        """Say each message (through nginx unless `url` names a replica); replies must fit."""
        for message, expected in turns:
            replies = " ".join(reply.get("text", "") for reply in send(url or self.url, sender, message))
            assert expected.lower() in replies.lower(), f"after {message[:40]!r} got: {replies}"

    def stored_plan(self, sender: str) -> CarePlan | None:
        """The sender's plan, read from PostgreSQL here (50 `plans show` processes would take minutes)."""
        database = Database.from_url(self.env["DATABASE_URL"])
        try:
            return services.get_plan(database, sender)
        finally:
            database.dispose()

    def user_messages(self, sender: str) -> list[str]:
        """Every message of the sender's conversation as Rasa's tracker store holds it, in order."""
        query = urllib.parse.urlencode({"token": self.token, "include_events": "ALL"})
        url = f"{self.url}/conversations/{urllib.parse.quote(sender)}/tracker?{query}"
        with urllib.request.urlopen(url, timeout=60) as response:
            events = json.loads(response.read())["events"]
        return [event["text"] for event in events if event["event"] == "user"]

    def kill(self, name: str) -> None:
        """End a server at once, as a crash would (no clean shutdown)."""
        pid = int((self.run_dir / "run" / f"{name}.pid").read_text())
        os.killpg(pid, signal.SIGKILL)

    def balanced_replicas(self) -> set[str]:
        """The replicas nginx sent REST messages to (its access log names them)."""
        log = (self.run_dir / "log" / "nginx-access.log").read_text()
        return {line.split()[4] for line in log.splitlines() if "/webhooks/rest/webhook" in line}
