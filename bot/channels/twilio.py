"""SMS and WhatsApp through Twilio: `bot.channels.twilio.TwilioInput` in credentials.yml.

One channel serves both: Twilio posts each message a person sends to the
practice's SMS number or WhatsApp sender to /webhooks/twilio/webhook, and the
reply goes back from the number they wrote to ("whatsapp:+44..." for WhatsApp).

What it adds to Rasa 3.6's Twilio channel:
- every webhook request must carry a valid `X-Twilio-Signature`, computed over the
  public URL Twilio called (TWILIO_WEBHOOK_URL): anyone else gets 403;
- sending does not block the event loop (twilio's aiohttp client);
- buttons become numbered options, and a reply of a number chooses one;
- a message seen already (its MessageSid) is ignored, so a replayed request is
  answered once;
- the crisis marker actions/safety.py adds to its messages is never sent as
  API arguments (the crisis text itself goes as a normal message);
- a message over MAX_MESSAGE_CHARS is answered with a request to shorten it and
  never reaches Rasa (bot/channels/limits.py);
- with TWILIO_ACCOUNT_SID blank the channel is off: its webhook answers 404.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import ClientError
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels import text_only
from bot.channels.replays import SeenIds
from bot.channels.webhook import Handler, channel_webhook, settings_from

logger = logging.getLogger(__name__)
# twilio logs every request's address and headers at INFO: noise in a log we keep lean.
logging.getLogger("twilio").setLevel(logging.WARNING)

WHATSAPP = "whatsapp:"
SMS_LIMIT = 1600  # characters in one Twilio message, SMS or WhatsApp
SEND_TIMEOUT_SECONDS = 15
# Twilio reads the webhook's answer as TwiML: an empty one sends nothing back by itself.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass(frozen=True)
class TwilioSettings:
    """The channel's settings, from credentials.yml (which reads them from .env)."""

    account_sid: str = ""
    auth_token: str = ""
    sms_number: str = ""
    whatsapp_number: str = ""
    webhook_url: str = ""
    api_url: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid)

    def missing(self) -> list[str]:
        """What an enabled channel still needs, as .env names."""
        needed = {
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_WEBHOOK_URL": self.webhook_url,
            "TWILIO_SMS_NUMBER or TWILIO_WHATSAPP_NUMBER": self.sms_number or self.whatsapp_number,
        }
        return [name for name, value in needed.items() if not value]

    def sender_for(self, recipient: str) -> str:
        """The practice's number that writes to this person: WhatsApp to WhatsApp, SMS to SMS."""
        if recipient.startswith(WHATSAPP):
            return whatsapp_address(self.whatsapp_number) if self.whatsapp_number else ""
        return self.sms_number


def posted_form(request: Request) -> dict[str, str]:
    """The form Twilio posted, blank fields included: Twilio signs them too, and
    Sanic's `request.form` drops them."""
    if request.content_type.split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    return dict(parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True))


def whatsapp_address(number: str) -> str:
    """Twilio addresses a WhatsApp number as "whatsapp:+44...", whichever way it was written in .env."""
    return number if number.startswith(WHATSAPP) else f"{WHATSAPP}{number}"


class TwilioOutput(OutputChannel):
    """Sends the bot's messages through Twilio's Messages API."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, client: Client, settings: TwilioSettings) -> None:
        self.client = client
        self.settings = settings

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text_only.split_to_fit(text, SMS_LIMIT):
            await self._send(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, text_only.with_numbered_options(text, buttons))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Dropped: Rasa's channel would post this dict as API arguments. The only custom
        message we send is the crisis marker, and its text has gone already."""

    async def _send(self, recipient_id: str, body: str) -> None:
        try:
            # twilio's async client sets no timeout of its own.
            await asyncio.wait_for(
                self.client.messages.create_async(
                    to=recipient_id, from_=self.settings.sender_for(recipient_id), body=body
                ),
                timeout=SEND_TIMEOUT_SECONDS,
            )
        except TwilioRestException as error:
            # Never the message or the number: only what went wrong.
            logger.error("Twilio refused a message: HTTP %s, error %s", error.status, error.code)
        except (ClientError, asyncio.TimeoutError) as error:
            logger.error("Twilio could not be reached to send a message: %s", type(error).__name__)


class TwilioInput(InputChannel):
    """Receives Twilio's webhook for SMS and WhatsApp messages."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = settings_from(TwilioSettings, credentials)
        if settings.enabled and settings.missing():
            raise RasaException(f"Twilio is on (TWILIO_ACCOUNT_SID) but .env lacks {settings.missing()}")
        return cls(settings)

    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self._client: Client | None = None
        self._seen = SeenIds()

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        webhook = channel_webhook(self, "Twilio", self.settings, on_new_message, self._webhook)

        @webhook.listener("after_server_stop")
        async def close_client(_: Sanic, __: Any) -> None:
            if self._client is not None:
                await self._client.http_client.close()

        return webhook

    def get_output_channel(self) -> TwilioOutput:
        return TwilioOutput(self._twilio_client(), self.settings)

    async def _webhook(self, request: Request, on_new_message: Handler) -> HTTPResponse:
        form = posted_form(request)
        if not self._signed_by_twilio(request, form):
            logger.warning("Refused a Twilio webhook request without a valid X-Twilio-Signature")
            return response.text("Invalid signature.", status=403)
        await self._handle_once(request, form, on_new_message)
        return response.text(EMPTY_TWIML, content_type="text/xml")

    def _signed_by_twilio(self, request: Request, form: dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        validator = RequestValidator(self.settings.auth_token)
        return bool(signature) and validator.validate(self.settings.webhook_url, form, signature)

    async def _handle_once(self, request: Request, form: dict[str, str], on_new_message: Handler) -> None:
        message_sid = form.get("MessageSid", "")
        if not message_sid:  # Twilio always sends one; nothing to tell a copy by without it
            await self._handle(request, form, on_new_message)
        elif not await self._seen.once(message_sid, lambda: self._handle(request, form, on_new_message)):
            logger.warning("Ignored a Twilio message handled already (MessageSid seen)")

    async def _handle(self, request: Request, form: dict[str, str], on_new_message: Handler) -> None:
        sender = form.get("From", "")
        # Some carriers turn @ into ¡ on the way (as Rasa's own Twilio channel notes).
        text = form.get("Body", "").replace("¡", "@").strip()
        output = self.get_output_channel()
        if not output.settings.sender_for(sender):
            logger.warning("A message came in on WhatsApp, but TWILIO_WHATSAPP_NUMBER is blank")
            return
        if not text:  # a picture, a voice note or a location
            await output.send_text_message(sender, text_only.ONLY_TEXT)
            return
        text = await text_only.as_payload_if_chosen(request, sender, text)
        await on_new_message(UserMessage(text, output, sender, input_channel=self.name()))

    def _twilio_client(self) -> Client:
        """One client for this process, made on first use inside the server's event loop
        (its aiohttp session belongs to that loop)."""
        if self._client is None:
            http_client = AsyncTwilioHttpClient()
            self._client = Client(
                self.settings.account_sid, self.settings.auth_token, http_client=http_client
            )
            if self.settings.api_url:  # a loopback stand-in for Twilio's API, in tests
                self._client.api.base_url = self.settings.api_url
        return self._client
