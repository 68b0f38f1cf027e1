"""The action server as `make run` starts it (bot.servers.action_server), a real process on
loopback: no one without Rasa's secret runs an action, compressed bodies are inflated only up
to a cap (issue 13, item 1), and with the database unavailable nothing the person said reaches
its log or any reply (issue 13, item 5). No Rasa model is needed: these call it as Rasa would.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from e2e_assistant import ROOT, _free_port
from sqlalchemy import text

from bot import servers
from bot.careplan.model import CarePlan
from bot.config import Settings
from bot.scaled.nginx import find_nginx, write_nginx_conf
from bot.services import drafting
from bot.store.database import Database, migrate

pytestmark = pytest.mark.e2e

MAX_BODY = 1_000_000  # small, so a test's bodies stay small
PHONE = "+447700900417"  # a sender id as the SMS channel makes it: the person's phone number
WORDS = "my neighbour Doreen waters the tomatoes on Tuesdays"  # the person's own words


@dataclass
class ActionServer:
    url: str
    token: str
    log: Path
    database_url: str

    def call(self, body: bytes, headers: dict[str, str], path: str = "/webhook") -> tuple[int, str]:
        request = urllib.request.Request(f"{self.url}{path}", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def run(self, action_call: dict, authorization: str | None = None) -> tuple[int, str]:
        """POST /webhook as Rasa does, with the server's secret unless told otherwise ("" for none)."""
        headers = {"Content-Type": "application/json"}
        authorization = f"Bearer {self.token}" if authorization is None else authorization
        if authorization:
            headers["Authorization"] = authorization
        return self.call(json.dumps(action_call).encode(), headers)

    def get(self, path: str, authorization: str = "") -> tuple[int, str]:
        headers = {"Authorization": authorization} if authorization else {}
        request = urllib.request.Request(f"{self.url}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@contextlib.contextmanager
def action_server_running(folder: Path) -> Iterator[ActionServer]:
    """One action server, started with the command and environment `make run` uses."""
    port, token = _free_port(), f"-{uuid.uuid4().hex}"  # a dash first, as token_urlsafe gives 1 time in 64
    database_url = f"sqlite:///{folder / 'plans.db'}"
    settings = replace(
        Settings.from_env(), action_server_host="127.0.0.1", action_server_token=token,
        database_url=database_url, run_dir=folder,
    )  # fmt: skip
    server = servers.action_server(settings, "actions", port)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PRACTICE_ID": "e2e-practice",
        "OUTBOX_PATH": str(folder / "outbox.jsonl"),
        "ACTION_SERVER_MAX_BODY_BYTES": str(MAX_BODY),
        **server.env,
    }
    log = folder / "actions.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(server.command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        running = ActionServer(f"http://127.0.0.1:{port}", token, log, database_url)
        deadline = time.monotonic() + 120
        while not _healthy(running):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the action server did not start"
            time.sleep(0.3)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(server: ActionServer) -> bool:
    try:
        return server.get("/health")[0] == 200
    except OSError:  # not listening yet
        return False


def tracker(sender: str, text_said: str = "hello", **slots: object) -> dict:
    """The tracker as Rasa sends it to the action server."""
    return {
        "sender_id": sender,
        "slots": {"requested_slot": None, **slots},
        "latest_message": {
            "text": text_said, "intent": {"name": "inform", "confidence": 0.99}, "entities": [],
            "risk": {"categories": ["self_harm"]},
        },
        "events": [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text_said}],
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
    }  # fmt: skip


def action_call(action: str, sender: str, text_said: str = "hello", **slots: object) -> dict:
    return {"next_action": action, "sender_id": sender, "tracker": tracker(sender, text_said, **slots),
            "domain": {}, "version": "3.6.21"}  # fmt: skip


# --- Item 1: only Rasa gets in -------------------------------------------------------------------


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    with action_server_running(tmp_path_factory.mktemp("actions")) as running:
        yield running


def _plans(database_url: str) -> int:
    database = Database.from_url(database_url)
    try:
        with database.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM care_plans")).scalar_one()
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "authorization", ["", "Bearer not-the-secret", "Bearer ", "Basic c2VjcmV0", "TOKEN_WITHOUT_BEARER"]
)
def test_a_forged_call_without_the_secret_is_refused_and_deletes_nothing(
    action_server: ActionServer, sample_plan: CarePlan, authorization: str
) -> None:
    """Issue 13's probe: `action_delete_my_data` with a phone number as the sender, no credentials."""
    migrate(action_server.database_url)
    database = Database.from_url(action_server.database_url)
    try:
        sender = f"{PHONE}-{uuid.uuid4().hex[:6]}"
        # The action server's own practice, so that a forged deletion there would find this plan.
        mine = replace(sample_plan, conversation_id=sender, practice_id="e2e-practice")
        stored = drafting.draft_plan(database, mine)
    finally:
        database.dispose()
    before = _plans(action_server.database_url)
    forged = action_call("action_delete_my_data", stored.conversation_id)
    authorization = authorization.replace("TOKEN_WITHOUT_BEARER", action_server.token)

    status, body = action_server.run(forged, authorization)
    assert status == 401, body
    assert "events" not in body
    assert _plans(action_server.database_url) == before  # the plan is still there
    # Nor are forged drafts or risk flags written.
    for action in ("action_respond_to_risk", "action_request_handoff", "validate_care_plan_form"):
        assert action_server.run(action_call(action, stored.conversation_id), authorization)[0] == 401
    assert _plans(action_server.database_url) == before


def test_nothing_but_health_answers_without_the_secret(action_server: ActionServer) -> None:
    assert action_server.get("/health") == (200, '{"status":"ok"}')
    assert action_server.get("/actions")[0] == 401
    status, listed = action_server.get("/actions", f"Bearer {action_server.token}")
    assert status == 200 and "action_delete_my_data" in listed


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_rasa_s_own_client_sends_the_secret_from_the_endpoints_file(
    action_server: ActionServer, endpoints: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa reads `action_endpoint` (with its headers) from the file `make run` or `make run-scaled`
    gives it, and calls the action server with Rasa's own HTTP client, compressed or not."""
    from rasa.utils.endpoints import read_endpoint_config

    environment = {
        "ACTION_ENDPOINT_URL": f"{action_server.url}/webhook", "ACTION_SERVER_TOKEN": action_server.token,
        "TRACKER_STORE_DB": "unused.db", "TRACKER_STORE_HOST": "db", "TRACKER_STORE_PORT": "5432",
        "TRACKER_STORE_NAME": "db", "TRACKER_STORE_USER": "u", "TRACKER_STORE_PASSWORD": "p",
        "LOCK_STORE_HOST": "redis", "LOCK_STORE_PORT": "6379", "LOCK_STORE_DB": "1",
        "LOCK_STORE_PASSWORD": "", "LOCK_STORE_KEY_PREFIX": "wm",
    }  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    endpoint = read_endpoint_config(str(ROOT / endpoints), "action_endpoint")
    call = action_call("action_session_start", f"rasa-{uuid.uuid4().hex}")

    for compress in (False, True):  # Rasa compresses when COMPRESS_ACTION_SERVER_REQUEST is set
        reply = asyncio.run(endpoint.request(json=call, method="post", compress=compress))
        assert reply["events"][0]["event"] == "session_started", reply


def test_a_compressed_body_is_inflated_only_up_to_the_cap(action_server: ActionServer) -> None:
    secret = {"Authorization": f"Bearer {action_server.token}", "Content-Type": "application/json"}
    bomb = b" " * (MAX_BODY * 50)  # 50 MB once inflated; a few kilobytes as sent
    for encoding, packed in (("deflate", zlib.compress(bomb, 9)), ("gzip", gzip.compress(bomb, 9))):
        assert len(packed) < 100_000
        status, body = action_server.call(packed, {**secret, "Content-Encoding": encoding})
        assert status == 413, (encoding, body)
    # A body over the cap as it is, too: 413 as soon as its Content-Length is read (the
    # server may close the connection before the client has sent it all).
    try:
        status = action_server.call(b" " * (MAX_BODY + 10), secret)[0]
    except urllib.error.URLError as error:
        assert isinstance(error.reason, (ConnectionResetError, BrokenPipeError)), error
    else:
        assert status == 413
    # Without the secret, not even inflated.
    assert action_server.call(zlib.compress(bomb), {"Content-Encoding": "deflate"})[0] == 401
    # What Rasa sends compressed still works, and the server is still there.
    call = json.dumps(action_call("action_session_start", f"zip-{uuid.uuid4().hex}")).encode()
    status, body = action_server.call(zlib.compress(call), {**secret, "Content-Encoding": "deflate"})
    assert status == 200, body
    assert action_server.get("/health")[0] == 200


@pytest.mark.skipif(
    not shutil.which("nginx", path="/usr/sbin:/usr/bin"),
    reason="nginx is not installed (apt-get install nginx; .ci/run installs it)",
)
def test_make_run_scaled_s_balancer_lets_rasa_s_secret_through_and_nothing_else(
    action_server: ActionServer, tmp_path: Path
) -> None:
    """`make run-scaled` puts nginx on ACTION_SERVER_PORT in front of the action servers: the
    secret passes through it, and a call without it is refused behind it."""
    port = int(action_server.url.rsplit(":", 1)[1])
    settings = replace(
        Settings.from_env(), run_dir=tmp_path, rasa_host="127.0.0.1", rasa_port=_free_port(),
        action_server_host="127.0.0.1", action_server_port=_free_port(),
        scaled_rasa_ports=(_free_port(),), scaled_action_ports=(port,),
    )  # fmt: skip
    (tmp_path / "log").mkdir()
    conf = write_nginx_conf(settings)
    nginx = subprocess.Popen(
        [find_nginx(), "-p", str(conf.parent), "-c", str(conf)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        balancer = replace(action_server, url=f"http://127.0.0.1:{settings.action_server_port}")
        deadline = time.monotonic() + 30
        while not _healthy(balancer):
            assert nginx.poll() is None and time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.2)
        call = action_call("action_session_start", f"nginx-{uuid.uuid4().hex}")
        assert balancer.run(call, authorization="")[0] == 401
        assert balancer.run(call, authorization="Bearer not-the-secret")[0] == 401
        status, body = balancer.run(call)
        assert status == 200 and "session_started" in body
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)


# --- Item 5: the database unavailable, and nothing of the person's in the log or any reply -------


def _drop_every_table(database_file: Path) -> None:
    with contextlib.closing(sqlite3.connect(database_file)) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            connection.execute(f'DROP TABLE "{table}"')
        connection.commit()


def test_with_the_database_unavailable_no_log_or_reply_holds_what_the_person_said(tmp_path: Path) -> None:
    calls = [
        action_call(action, PHONE, WORDS, what_matters_good_day=WORDS, support_people=WORDS)
        for action in ("action_request_handoff", "action_respond_to_risk", "action_delete_my_data")
    ]
    replies: list[tuple[int, str]] = []
    with action_server_running(tmp_path) as server:
        assert server.run(calls[0])[0] == 200  # the plan store works: the database is migrated
        _drop_every_table(tmp_path / "plans.db")  # unavailable, the first way: its tables gone
        replies += [server.run(call) for call in calls]
        (tmp_path / "plans.db").write_bytes(b"not a database " * 100)  # the second: the file unreadable
        replies += [server.run(call) for call in calls]
        # A malformed tracker fails inside the executor too.
        broken = {**calls[0], "tracker": {"sender_id": PHONE, "slots": {"x": WORDS}}}
        replies.append(server.run(broken))
    log = server.log.read_text(errors="replace")

    assert any(status == 500 for status, _ in replies), replies  # the failures did happen
    for status, body in replies:
        assert WORDS not in body and "Doreen" not in body, (status, body)
        assert PHONE not in body, (status, body)
        assert "request_body" not in body and "tracker" not in body
    assert WORDS not in log and "Doreen" not in log, log[-3000:]
    assert PHONE not in log, log[-3000:]
    # What is logged: the action and the kind of failure.
    assert "action action_respond_to_risk failed: sqlalchemy.exc." in log, log[-3000:]
    assert "action action_request_handoff failed: " in log, log[-3000:]  # caught by the action itself
