"""Rasa's REST channel, answering only callers that hold the Rasa server's token.

Rasa's own REST channel answers anyone who can reach the server, as any
sender they name. Senders are guessable (a Twilio sender is a phone number),
so anyone could carry on a person's conversation and read their answers back.
Our REST callers are trusted tools (`make shell`, the benchmark, the tests),
and each already holds RASA_AUTH_TOKEN, the key to Rasa's HTTP API, which
reads every conversation anyway: this channel asks them for it as a bearer
token. Patients reach us through the widget and the messaging channels.

As in every channel of ours, a message over MAX_MESSAGE_CHARS is answered with
a request to shorten it and never reaches Rasa (bot/channels/limits.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import configured_limit, refusing_too_long


class TokenRestInput(RestInput):
    """POST /webhooks/rest/webhook with `Authorization: Bearer <RASA_AUTH_TOKEN>`."""

    @classmethod
    def name(cls) -> str:
        return "rest"  # the same address as Rasa's own REST channel

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        token = (credentials or {}).get("token") or ""
        if not token:
            raise RasaException("The REST channel needs a token: set RASA_AUTH_TOKEN in .env.")
        return cls(token)

    def __init__(self, token: str) -> None:
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # An over-long message is answered before Rasa reads it (bot/channels/limits.py).
        webhook = super().blueprint(refusing_too_long(on_new_message, configured_limit()))

        @webhook.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            if request.method == "POST" and not self.is_authorised(request):
                return response.json({"error": "This channel needs the server's bearer token."}, status=401)
            return None

        return webhook

    def is_authorised(self, request: Request) -> bool:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and hmac.compare_digest(given.encode(), self.token.encode())
