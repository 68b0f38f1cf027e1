"""What the Telegram and Twilio channels share: their settings read from credentials.yml, and a
blueprint whose webhook is off (404) while the channel's settings are blank, with a health route
and the message limit applied before Rasa reads a message (bot/channels/limits.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import configured_limit, refusing_too_long

Handler = Callable[[UserMessage], Awaitable[Any]]
Receive = Callable[[Request, Handler], Awaitable[HTTPResponse]]


class ChannelSettings(Protocol):
    @property
    def enabled(self) -> bool: ...


S = TypeVar("S")


def settings_from(kind: type[S], credentials: dict[str, Any] | None) -> S:
    """The channel's settings from its credentials.yml entry, each value as text (blank when unset)."""
    return kind(**{key: str(value or "") for key, value in (credentials or {}).items()})


def channel_webhook(
    channel: InputChannel, label: str, settings: ChannelSettings, on_new_message: Handler, receive: Receive
) -> Blueprint:
    """GET / says whether the channel is on; POST /webhook is answered 404 while it is off, and
    otherwise by `receive`, whose messages over the limit are answered before Rasa reads them."""
    webhook = Blueprint(f"{channel.name()}_webhook", type(channel).__module__)
    on_new_message = refusing_too_long(on_new_message, configured_limit())

    @webhook.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok" if settings.enabled else "off"})

    @webhook.route("/webhook", methods=["POST"])
    async def receive_when_on(request: Request) -> HTTPResponse:
        if not settings.enabled:
            return response.text(f"The {label} channel is off.", status=404)
        return await receive(request, on_new_message)

    return webhook
