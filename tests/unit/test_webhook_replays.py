"""Twilio's and Telegram's webhooks on a real Sanic server: a request seen already is
ignored, and a malformed Telegram update is answered 200 and dropped (issue 13, item 10)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from channel_server import free_port, serving_channel
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels.replays import SeenIds
from bot.channels.telegram import SECRET_HEADER, TelegramInput, TelegramSettings
from bot.channels.twilio import TwilioInput, TwilioSettings

TWILIO_URL = "https://chat.practice.example/webhooks/twilio/webhook"
AUTH_TOKEN = "f00dcafe" * 4
SECRET = "a-secret-only-telegram-knows"


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sanic rewrites its own methods when an app starts; in test mode from the originals,
    so more than one app can start in this process."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@asynccontextmanager
async def serving(channel: InputChannel, handled: list[UserMessage], fail: int = 0) -> AsyncIterator[str]:
    """The channel's webhook on loopback, as Rasa mounts it; its messages go to `handled`
    (the first `fail` of them raise, as a Rasa turn that goes wrong would)."""

    async def on_new_message(message: UserMessage) -> None:
        handled.append(message)
        if len(handled) <= fail:
            raise RuntimeError("the turn failed")

    async with serving_channel(channel, on_new_message, f"/{channel.url_prefix()}") as address:
        yield f"{address}/{channel.url_prefix()}/webhook"


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as answer:
        return answer.status


# --- Twilio -------------------------------------------------------------------------


def twilio() -> TwilioInput:
    return TwilioInput(
        TwilioSettings(
            account_sid="AC" + "0" * 32,
            auth_token=AUTH_TOKEN,
            sms_number="+441632960000",
            webhook_url=TWILIO_URL,
        )
    )


def sms(message_sid: str, body: str = "hello") -> tuple[bytes, dict[str, str]]:
    form = {"MessageSid": message_sid, "From": "+447700900123", "To": "+441632960000", "Body": body}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(TWILIO_URL, form),
    }
    return urlencode(form).encode(), headers


def test_a_replayed_twilio_message_is_answered_once() -> None:
    handled: list[UserMessage] = []

    async def replay() -> list[int]:
        async with serving(twilio(), handled) as url:
            first, again, other = sms("SM" + "1" * 32), sms("SM" + "1" * 32), sms("SM" + "2" * 32)
            return [await post(url, *first), await post(url, *again), await post(url, *other)]

    assert asyncio.run(replay()) == [200, 200, 200]
    assert len(handled) == 2


def test_a_twilio_message_whose_turn_failed_is_handled_when_sent_again() -> None:
    handled: list[UserMessage] = []

    async def retry() -> list[int]:
        async with serving(twilio(), handled, fail=1) as url:
            return [await post(url, *sms("SM" + "3" * 32)), await post(url, *sms("SM" + "3" * 32))]

    assert asyncio.run(retry()) == [500, 200]
    assert len(handled) == 2


# --- Telegram -----------------------------------------------------------------------


def telegram() -> TelegramInput:
    # Telegram's API on a port nothing listens on: registering the webhook fails, and is logged.
    settings = TelegramSettings(
        "123456:ABC-test", SECRET, "https://x.example/webhook", f"http://127.0.0.1:{free_port()}"
    )
    return TelegramInput(settings)


def update(update_id: Any, text: Any = "hello", chat: Any = None) -> bytes:
    chat = {"id": 42, "type": "private"} if chat is None else chat
    return json.dumps(
        {"update_id": update_id, "message": {"message_id": 1, "chat": chat, "text": text}}
    ).encode()


def to_telegram(bodies: list[bytes], handled: list[UserMessage], fail: int = 0) -> list[int]:
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}

    async def send() -> list[int]:
        async with serving(telegram(), handled, fail) as url:
            return [await post(url, body, headers) for body in bodies]

    return asyncio.run(send())


@pytest.mark.parametrize(
    "body",
    [
        b"not json", b"[1]", b'"text"', json.dumps({"message": {"chat": {"id": 42}}}).encode(),
        update(7, chat="not a chat"), update(8, chat={"type": "private"}), update(9, text=5),
        update("10"), json.dumps({"update_id": 11, "message": "hi"}).encode(),
    ],
)  # fmt: skip
def test_a_malformed_telegram_update_is_answered_200_and_ignored(body: bytes) -> None:
    handled: list[UserMessage] = []
    assert to_telegram([body], handled) == [200]
    assert handled == []


def test_a_replayed_telegram_update_is_answered_once() -> None:
    handled: list[UserMessage] = []
    assert to_telegram([update(1), update(1), update(2, "again")], handled) == [200, 200, 200]
    assert [message.text for message in handled] == ["hello", "again"]


def test_a_telegram_update_whose_turn_failed_is_handled_when_resent() -> None:
    handled: list[UserMessage] = []
    assert to_telegram([update(3), update(3)], handled, fail=1) == [500, 200]
    assert len(handled) == 2


# --- How long ids are kept ------------------------------------------------------------


def clock_at(times: list[float]) -> Callable[[], float]:
    return lambda: times[0]


def test_an_id_is_remembered_for_a_day_then_forgotten() -> None:
    now = [0.0]
    seen = SeenIds(window_seconds=86_400, clock=clock_at(now))
    runs: list[str] = []

    async def handle() -> None:
        runs.append("ran")

    async def at(moment: float) -> bool:
        now[0] = moment
        return await seen.once("SM1", handle)

    assert [asyncio.run(at(0)), asyncio.run(at(86_399)), asyncio.run(at(86_401))] == [True, False, True]
    assert len(runs) == 2


def test_memory_stays_bounded() -> None:
    seen = SeenIds(limit=2)

    async def nothing() -> None:
        return None

    async def send(ids: list[str]) -> list[bool]:
        return [await seen.once(message_id, nothing) for message_id in ids]

    assert asyncio.run(send(["a", "b", "c", "a"])) == [True, True, True, True]  # "a" went first
