"""One scaled-out assistant for the session (starting it takes about two minutes), on a
fresh PostgreSQL database that is dropped afterwards and Redis keys of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from scaled_assistant import ScaledAssistant
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.servers import port_answers

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/2"


@pytest.fixture(scope="session")
def scaled_database() -> Iterator[str]:
    base = make_url(os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES)
    if not port_answers(f"tcp://{base.host}:{base.port or 5432}"):
        pytest.skip(f"no PostgreSQL at {base.host}:{base.port or 5432} (set TEST_DATABASE_URL)")
    name = f"wm_scale_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", future=True)
    try:
        yield base.set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def scaled(
    trained_model: Path, scaled_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ScaledAssistant]:
    redis_url = os.environ.get("TEST_REDIS_URL", LOCAL_REDIS)
    if not port_answers(f"tcp://{make_url(redis_url).host}:{make_url(redis_url).port or 6379}"):
        pytest.skip(f"no Redis at {redis_url} (set TEST_REDIS_URL)")
    cluster = ScaledAssistant(tmp_path_factory.mktemp("scaled"), trained_model, scaled_database, redis_url)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.bot("servers", "stop", check=False)
