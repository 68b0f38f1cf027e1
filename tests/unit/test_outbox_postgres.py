"""Nothing lost when PostgreSQL is down (issue 12; issue 13, item 12), on a server of the test's own.

The test makes a PostgreSQL cluster in a temporary folder (initdb), on a free port of loopback,
stops it mid-conversation and starts it again: the flag and the draft given while it was
stopped are in the database afterwards, once each. Skipped, saying why, where PostgreSQL's
programs are missing; in CI (CI=true) that skip is a failure (the `postgres` mark, conftest.py).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.careplan.model import CarePlan, PlanStatus
from bot.safety.risk import RiskCategory, RiskFlag
from bot.services import consents, delivery, drafting, escalation, plan_store, stored_plans
from bot.store.database import Database, migrate
from bot.store.outbox import Outbox

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc)
UNPRIVILEGED = "postgres"  # PostgreSQL refuses to run as root: as root, it runs as this user


def _programs() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, or Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(folders[-1]).parent if folders else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnPostgres:
    """A PostgreSQL server of this test module's own, to stop and start at will."""

    def __init__(self, programs: Path, folder: Path, as_user: list[str]) -> None:
        self.programs, self.folder, self.as_user = programs, folder, as_user
        self.data, self.log = folder / "data", folder / "server.log"
        self.port = _free_port()

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self.as_user, str(self.programs / program), *arguments]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}{log}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.log)
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}?connect_timeout=5"


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    programs = _programs()
    if programs is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not on this machine (apt-get install postgresql)")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="wm-own-postgres-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(UNPRIVILEGED)
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip(f"running as root, and there is no {UNPRIVILEGED!r} user to run PostgreSQL as")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", UNPRIVILEGED, "--"]
    server = OwnPostgres(programs, folder, as_user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        with contextlib.suppress(RuntimeError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running(own_postgres: OwnPostgres) -> Iterator[OwnPostgres]:
    """The server, running when the test starts and when it ends, whatever the test did."""
    if not _answers(own_postgres):
        own_postgres.start()
    yield own_postgres
    if not _answers(own_postgres):
        own_postgres.start()


def _answers(server: OwnPostgres) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def database_name(running: OwnPostgres, request: pytest.FixtureRequest) -> str:
    name = f"wm_{request.node.name[5:40]}".lower()
    admin = create_engine(running.url(), future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name


def plan(good_day: str = "tea in the garden") -> CarePlan:
    return CarePlan(conversation_id="+447700900123", practice_id="p", what_matters={"good_day": good_day})


def test_a_flag_given_while_postgres_is_stopped_is_in_the_database_once_it_is_back(
    running: OwnPostgres, database_name: str, box: Outbox
) -> None:
    url = running.url(database_name)
    migrate(url)
    db = Database.from_url(url)
    drafting.draft_plan(db, plan(), now=NOW)  # mid-conversation: a plan already stored
    running.stop()
    flag = RiskFlag(RiskCategory.SUICIDAL_THOUGHTS, "I don't want to be here any more", NOW)
    returned = escalation.flag_risk(db, plan(), flag, now=NOW)  # no raise
    assert returned.status == PlanStatus.URGENT_REVIEW
    assert delivery.queued(db, plan().conversation_id, practice_id="p") is True
    assert delivery.deliver_pending(db) == 0  # still stopped: kept
    running.start()
    assert delivery.deliver_pending(db) == 1
    assert delivery.deliver_pending(db) == 0
    stored = stored_plans.get_plan(db, plan().conversation_id, practice_id="p")
    assert [f["message"] for f in stored.risk_flags] == ["I don't want to be here any more"]
    assert stored.status == PlanStatus.URGENT_REVIEW and stored.version == 2
    assert delivery.queued(db, plan().conversation_id, practice_id="p") is False
    db.dispose()


def test_a_draft_given_while_postgres_is_stopped_is_written_once_it_is_back_and_deletion_never_waits(
    running: OwnPostgres, database_name: str, box: Outbox
) -> None:
    url = running.url(database_name)
    migrate(url)
    db = Database.from_url(url)
    consents.record_consent(
        db, plan().conversation_id, True, "wording", now=NOW, practice_id="p"
    )  # a pooled connection
    running.stop()
    with pytest.raises(OperationalError):  # the person is told it is not saved yet
        drafting.draft_plan(db, plan(good_day="walking to the allotment"), now=NOW)
    with pytest.raises(OperationalError):  # and that nothing is deleted
        consents.delete_conversation_data(db, plan().conversation_id, practice_id="p")
    assert [entry.kind for entry in box.entries()] == ["draft"]
    running.start()
    # The next call that touches the database writes it first.
    stored = stored_plans.get_plan(db, plan().conversation_id, practice_id="p")
    assert stored is not None and stored.what_matters == {"good_day": "walking to the allotment"}
    assert box.is_empty()
    assert len(stored_plans.plan_history(db, plan().conversation_id, practice_id="p")) == 1
    db.dispose()


def test_an_action_server_started_while_postgres_is_down_queues_and_migrates_when_it_is_back(
    running: OwnPostgres, database_name: str, box: Outbox
) -> None:
    running.stop()
    db = plan_store.open_plan_store(running.url(database_name))  # never migrated, and no raise
    flag = RiskFlag(RiskCategory.MEDICAL_EMERGENCY, "my chest is crushing and it's going down my arm", NOW)
    escalation.flag_risk(db, plan(), flag, now=NOW)
    running.start()
    assert delivery.deliver_pending(db) == 1  # migrated first
    stored = stored_plans.get_plan(db, plan().conversation_id, practice_id="p")
    assert stored.risk_flags[0]["category"] == "medical_emergency"
    db.dispose()
