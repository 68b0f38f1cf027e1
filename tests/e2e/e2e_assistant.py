"""The assistant started for real on loopback, and how the end-to-end tests talk to it."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from bot.chat import send

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Assistant:
    """The assistant started by `python -m bot servers start`, in its own folder and ports."""

    def __init__(self, run_dir: Path, trained_model: Path, extra_env: dict[str, str] | None = None) -> None:
        self.run_dir = run_dir
        rasa_port, action_port = _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{rasa_port}"
        demo_site_port = _free_port()  # the demo practice website, with the chat widget
        self.demo_url = f"http://127.0.0.1:{demo_site_port}"
        self.token = uuid.uuid4().hex
        self.action_token = uuid.uuid4().hex  # Rasa's secret for the action server (issue 13, item 1)
        self.env = {
            **os.environ,
            "PRACTICE_ID": "e2e-practice",
            "DATABASE_URL": f"sqlite:///{run_dir / 'plans.db'}",
            "TRACKER_STORE_DB": str(run_dir / "tracker.db"),
            "RASA_PORT": str(rasa_port),
            "RASA_AUTH_TOKEN": self.token,
            "ACTION_SERVER_PORT": str(action_port),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
            "ACTION_SERVER_TOKEN": self.action_token,
            "RUN_DIR": str(run_dir),
            "CONSOLE_PORT": str(_free_port()),  # never the default 8000, which others may hold
            "DEMO_SITE_PORT": str(demo_site_port),
            "WIDGET_ALLOWED_ORIGINS": self.demo_url,
            **(extra_env or {}),  # e.g. a messaging channel's settings, last so they win
        }

    def bot(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=600, check=check,
        )  # fmt: skip

    def say(self, sender: str, message: str, url: str | None = None) -> list[str]:
        """The replies' texts; `url` names one Rasa server when there are several."""
        return [reply.get("text", "") for reply in send(url or self.url, self.token, sender, message)]

    def user_messages(self, sender: str) -> list[str]:
        """Every message of the sender's conversation as Rasa's tracker store holds it, in order."""
        query = urllib.parse.urlencode({"token": self.token, "include_events": "ALL"})
        url = f"{self.url}/conversations/{urllib.parse.quote(sender)}/tracker?{query}"
        with urllib.request.urlopen(url, timeout=60) as response:
            events = json.loads(response.read())["events"]
        return [event["text"] for event in events if event["event"] == "user"]

    def plan(self, sender: str) -> dict | None:
        """The sender's draft plan as `python -m bot plans show` prints it, or None."""
        shown = self.bot("plans", "show", "--conversation", sender, check=False)
        return json.loads(shown.stdout) if shown.returncode == 0 else None

    def logs(self) -> str:
        return "".join(path.read_text(errors="replace") for path in (self.run_dir / "log").glob("*.log"))

    def api(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}?token={self.token}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


@contextlib.contextmanager
def servers_running(assistant: Assistant) -> Iterator[Assistant]:
    """The assistant's servers started (or the start's error shown), and stopped afterwards."""
    started = assistant.bot("servers", "start", check=False)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        yield assistant
    finally:
        assistant.bot("servers", "stop", check=False)


def talk(assistant: Assistant, sender: str, turns: list[tuple[str, str]], url: str | None = None) -> None:
    """Say each message (to `url`, one Rasa server, if given); the replies must contain the expected words."""
    for message, expected in turns:
        replies = " ".join(assistant.say(sender, message, url))
        assert expected.lower() in replies.lower(), f"after {message[:40]!r} got: {replies}"
