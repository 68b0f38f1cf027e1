"""A messaging channel's webhook on loopback, mounted as Rasa mounts it, for the channel tests."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoTrackers:
    """Rasa's tracker store, for a channel that looks up the last buttons: a new conversation each time."""

    async def retrieve(self, _: str) -> None:
        return None

    async def retrieve_full_tracker(self, _: str) -> None:
        return None


@asynccontextmanager
async def serving_channel(
    channel: InputChannel, on_new_message: Callable[[UserMessage], Awaitable[Any]], prefix: str
) -> AsyncIterator[str]:
    """The channel's blueprint at `prefix` on a server of its own; yields the server's address.

    Sanic must be in test mode (`Sanic.test_mode`) for more than one app to start in a process.
    """
    app = Sanic(f"channel_{uuid.uuid4().hex}")
    app.ctx.agent = SimpleNamespace(tracker_store=NoTrackers())
    app.blueprint(channel.blueprint(on_new_message), url_prefix=prefix)
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    app.is_running = True  # as app.run (Rasa's way) sets it: channels may then add background tasks
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()
