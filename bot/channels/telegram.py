"""Telegram: `bot.channels.telegram.TelegramInput` in credentials.yml.

Telegram posts each update to /webhooks/telegram/webhook, the address this
channel registers with Telegram (setWebhook) when the server starts.

What it changes in Rasa 3.6's Telegram channel:
- it works past the first message: Rasa's registers the webhook inside
  `asyncio.run()`, and aiogram then keeps that closed loop's HTTP session
  ("Event loop is closed"). Here one aiogram Bot is made inside the server's
  own loop and closed when the server stops;
- every update must carry the secret token given to Telegram with the webhook
  (`X-Telegram-Bot-Api-Secret-Token`): anything else gets 403. Rasa's asked
  Telegram for the bot's name on every message instead, which proves nothing;
- starting offline does not crash: a failed setWebhook is logged, not fatal;
- an update that is not one Telegram sends is answered 200 and ignored (anything
  else and Telegram sends it again, for ever); one seen already (its update_id)
  is ignored too, so a replayed or resent update is answered once;
- buttons are a one-tap reply keyboard of their titles, and the title that comes
  back (or a number) chooses the button through the conversation's tracker, so an
  old button tapped later is read as words, never as a stale choice;
- the crisis marker actions/safety.py adds to its messages is never sent as API
  arguments (the crisis text itself goes as a normal message);
- a message over MAX_MESSAGE_CHARS is answered with a request to shorten it and
  never reaches Rasa (bot/channels/limits.py);
- with TELEGRAM_ACCESS_TOKEN blank the channel is off: no call to Telegram, and
  its webhook answers 404.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.types import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiogram.utils.exceptions import TelegramAPIError, ValidationError
from aiohttp import ClientError
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import text_only
from bot.channels.replays import SeenIds
from bot.channels.webhook import Handler, channel_webhook, settings_from

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
MESSAGE_LIMIT = 4096  # characters in one Telegram message
SEND_TIMEOUT_SECONDS = 15
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram sends /start when someone opens the bot: it means hello.
START_COMMAND = "/start"
GREETING = "/greet"


@dataclass(frozen=True)
class TelegramSettings:
    """The channel's settings, from credentials.yml (which reads them from .env)."""

    access_token: str = ""
    secret_token: str = ""
    webhook_url: str = ""
    api_url: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.access_token)

    def missing(self) -> list[str]:
        """What an enabled channel still needs, as .env names."""
        needed = {"TELEGRAM_SECRET_TOKEN": self.secret_token, "TELEGRAM_WEBHOOK_URL": self.webhook_url}
        return [name for name, value in needed.items() if not value]

    def authentic(self, secret_header: str) -> bool:
        return hmac.compare_digest(secret_header.encode(), self.secret_token.encode())


@dataclass(frozen=True)
class Message:
    """What we read of a message someone sent the bot."""

    chat_id: str
    private: bool
    text: str  # blank for a photo, a voice note, a sticker


@dataclass(frozen=True)
class Update:
    update_id: int
    message: Message | None  # None for edits, button callbacks, channel posts: nothing we asked for


def parse_update(body: bytes) -> Update | None:
    """The update Telegram posted, or None when it is not one Telegram sends."""
    try:
        update = json.loads(body)
    except ValueError:
        return None
    if not isinstance(update, dict) or type(update.get("update_id")) is not int:
        return None
    if "message" not in update:
        return Update(update["update_id"], None)
    message = _message(update["message"])
    return Update(update["update_id"], message) if message else None


def _message(message: Any) -> Message | None:
    chat = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat, dict) or type(chat.get("id")) is not int:
        return None
    text = message.get("text") or ""
    if not isinstance(text, str):
        return None
    return Message(str(chat["id"]), chat.get("type") == "private", text.strip())


class TelegramOutput(OutputChannel):
    """Sends the bot's messages with aiogram's Bot, shared by the whole process."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # Takes away the keyboard of an earlier question, so its buttons can't be tapped late.
        await self._send(recipient_id, text, ReplyKeyboardRemove())

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        keyboard = ReplyKeyboardMarkup(resize_keyboard=True, one_time_keyboard=True)
        for button in buttons:
            keyboard.add(KeyboardButton(button["title"]))
        await self._send(recipient_id, text, keyboard)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Dropped: Rasa's channel would turn this dict into API calls. The only custom
        message we send is the crisis marker, and its text has gone already."""

    async def _send(
        self, chat_id: str, text: str, keyboard: ReplyKeyboardMarkup | ReplyKeyboardRemove
    ) -> None:
        parts = text_only.split_to_fit(text, MESSAGE_LIMIT)
        for number, part in enumerate(parts, start=1):
            # The keyboard goes with the last part, under the question it answers.
            markup = keyboard if number == len(parts) else None
            try:
                await self.bot.send_message(chat_id, part, reply_markup=markup)
            except (TelegramAPIError, ClientError, asyncio.TimeoutError) as error:
                # Never the message or the chat: only what went wrong.
                logger.error("Telegram did not take a message: %s", type(error).__name__)


class TelegramInput(InputChannel):
    """Receives Telegram's webhook updates."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = settings_from(TelegramSettings, credentials)
        if settings.enabled and settings.missing():
            raise RasaException(f"Telegram is on (TELEGRAM_ACCESS_TOKEN) but .env lacks {settings.missing()}")
        if settings.enabled and not _looks_like_a_bot_token(settings.access_token):
            raise RasaException("TELEGRAM_ACCESS_TOKEN is not a token from BotFather (123456:ABC...)")
        return cls(settings)

    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self._bot: Bot | None = None
        self._seen = SeenIds()

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        webhook = channel_webhook(self, "Telegram", self.settings, on_new_message, self._webhook)

        @webhook.listener("after_server_start")
        async def register_webhook(app: Sanic, _: Any) -> None:
            if self.settings.enabled:
                app.add_task(self._set_webhook())  # in the background: starting never waits on Telegram

        @webhook.listener("after_server_stop")
        async def close_bot(_: Sanic, __: Any) -> None:
            if self._bot is not None:
                await self._bot.session.close()  # (Bot.close is deprecated in aiogram 2)

        return webhook

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self._telegram_bot())

    async def _webhook(self, request: Request, on_new_message: Handler) -> HTTPResponse:
        if not self.settings.authentic(request.headers.get(SECRET_HEADER, "")):
            logger.warning("Refused a Telegram webhook request without the secret token")
            return response.text("Invalid secret token.", status=403)
        await self._receive(request, on_new_message)
        return response.text("ok")  # anything but 2xx and Telegram sends the update again

    async def _receive(self, request: Request, on_new_message: Handler) -> None:
        """An update handled once; anything else dropped, never an error (Telegram would resend it)."""
        update = parse_update(request.body)
        if update is None:
            logger.warning("Ignored a Telegram update that is not one Telegram sends")
            return
        message = update.message
        if message is None:
            return
        handled = await self._seen.once(
            str(update.update_id), lambda: self._handle(request, message, on_new_message)
        )
        if not handled:
            logger.warning("Ignored a Telegram update handled already (its update_id was seen)")

    async def _handle(self, request: Request, message: Message, on_new_message: Handler) -> None:
        if not message.private:
            # In a group, everyone there would read the person's answers.
            logger.warning("Ignored a Telegram message from a group chat")
            return
        chat_id, text = message.chat_id, message.text
        output = self.get_output_channel()
        if not text:
            await output.send_text_message(chat_id, text_only.ONLY_TEXT)
            return
        if text.split()[0] == START_COMMAND:
            text = GREETING
        text = await text_only.as_payload_if_chosen(request, chat_id, text)
        await on_new_message(UserMessage(text, output, chat_id, input_channel=self.name()))

    async def _set_webhook(self) -> None:
        arguments = {
            "url": self.settings.webhook_url,
            "secret_token": self.settings.secret_token,
            "allowed_updates": json.dumps(["message"]),
        }
        try:
            # aiogram 2.15 predates the secret token: the API method is called by name.
            await self._telegram_bot().request("setWebhook", arguments)
            logger.info("Telegram will send messages to TELEGRAM_WEBHOOK_URL")
        except (TelegramAPIError, ClientError, asyncio.TimeoutError, OSError) as error:
            # The error's name only: an HTTP error's text can hold the URL, and the URL the token.
            logger.warning(
                "Could not register the Telegram webhook (%s); it is tried again at the next start",
                type(error).__name__,
            )

    def _telegram_bot(self) -> Bot:
        """One Bot for this process, made on first use inside the server's event loop
        (aiogram's HTTP session belongs to the loop it was made in)."""
        if self._bot is None:
            server = TelegramAPIServer.from_base(self.settings.api_url or TELEGRAM_API)
            self._bot = Bot(self.settings.access_token, server=server, timeout=SEND_TIMEOUT_SECONDS)
        return self._bot


def _looks_like_a_bot_token(token: str) -> bool:
    try:
        return check_token(token)
    except ValidationError:
        return False
