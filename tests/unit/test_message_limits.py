"""An over-long message is refused in every channel before Rasa reads it (issue 13, item 8).

Each channel is served as Rasa mounts it, on a real Sanic server on loopback, in front of a
stand-in for Rasa's message handler that reads a message as Rasa's NLU does: on the event loop,
about 3 seconds per 60,000 characters, so everyone else waits. (These tests run at the channel
level: the end-to-end harness, tests/e2e, needs a trained model, and none is trained here.)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar
from unittest.mock import AsyncMock
from urllib.parse import urlencode

import aiohttp
import pytest
import socketio
from channel_server import free_port, serving_channel
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels import limits
from bot.channels.limits import TOO_LONG, refusing_too_long, too_long, too_long_reply
from bot.channels.rest import TokenRestInput
from bot.channels.telegram import SECRET_HEADER, TelegramInput, TelegramOutput, TelegramSettings
from bot.channels.twilio import TwilioInput, TwilioOutput, TwilioSettings
from bot.channels.webchat import TextOnlyServer, WebchatInput, buffer_size

LIMIT = 2000
SHORTEN = TOO_LONG.format(limit=LIMIT)
HUGE = "I want to tell you everything. " * 3300  # 102,300 characters
TOKEN = "a-rest-token"
ORIGIN = "http://127.0.0.1:8090"
PRACTICE = "demo-practice"
TWILIO_URL = "https://chat.practice.example/webhooks/twilio/webhook"
TWILIO_TOKEN = "f00dcafe" * 4
TELEGRAM_SECRET = "a-secret-only-telegram-knows"
NLU_SECONDS_PER_CHARACTER = 3 / 60_000  # spaCy and the risk detector, on the event loop


@pytest.fixture(autouse=True)
def setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_MESSAGE_CHARS", str(LIMIT))
    # Sanic rewrites its own methods when an app starts; in test mode from the originals.
    monkeypatch.setattr(Sanic, "test_mode", True)


class StandInRasa:
    """Rasa's message handler, as far as timing goes: reads the whole text on the loop, then answers."""

    def __init__(self) -> None:
        self.read: list[str] = []

    async def on_new_message(self, message: UserMessage) -> None:
        self.read.append(message.text or "")
        time.sleep(len(message.text or "") * NLU_SECONDS_PER_CHARACTER)  # blocks, as NLU does
        await message.output_channel.send_response(message.sender_id, {"text": "Thank you for telling me."})


@asynccontextmanager
async def serving(channel: InputChannel, rasa: StandInRasa) -> AsyncIterator[str]:
    """The channel on loopback, mounted as Rasa mounts it; yields the server's address."""
    async with serving_channel(channel, rasa.on_new_message, f"/webhooks/{channel.url_prefix()}") as address:
        yield address


# --- REST ---------------------------------------------------------------------------------


async def say_over_rest(
    session: aiohttp.ClientSession, url: str, sender: str, text: str
) -> tuple[Any, float]:
    started = time.monotonic()
    async with session.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as answer:
        assert answer.status == 200
        return await answer.json(), time.monotonic() - started


def test_100000_characters_over_rest_get_the_shorten_reply_at_once_and_the_next_person_is_answered() -> None:
    rasa = StandInRasa()

    async def two_people() -> tuple[tuple[Any, float], tuple[Any, float]]:
        async with serving(TokenRestInput(TOKEN), rasa) as url, aiohttp.ClientSession() as session:
            long_one = asyncio.ensure_future(say_over_rest(session, url, "person-a", HUGE))
            await asyncio.sleep(0.05)  # the next person writes while the long message is in
            next_one = await say_over_rest(session, url, "person-b", "hello")
            return await long_one, next_one

    (long_reply, long_took), (next_reply, next_took) = asyncio.run(two_people())
    assert long_reply == [{"recipient_id": "person-a", "text": SHORTEN}]
    assert next_reply == [{"recipient_id": "person-b", "text": "Thank you for telling me."}]
    assert long_took < 1.0, f"the long message took {long_took:.1f} s"  # loosely: it was 5 s
    assert next_took < 1.0, f"the next person waited {next_took:.1f} s"
    assert rasa.read == ["hello"]  # the long one never reached Rasa: nothing of it is stored


def test_a_message_at_the_limit_still_goes_to_rasa_over_rest() -> None:
    rasa = StandInRasa()

    async def say() -> Any:
        async with serving(TokenRestInput(TOKEN), rasa) as url, aiohttp.ClientSession() as session:
            return (await say_over_rest(session, url, "person-a", "x" * LIMIT))[0]

    assert asyncio.run(say()) == [{"recipient_id": "person-a", "text": "Thank you for telling me."}]
    assert rasa.read == ["x" * LIMIT]


# --- The web widget -------------------------------------------------------------------------


async def widget(url: str) -> tuple[socketio.AsyncClient, asyncio.Queue]:
    """A browser on the practice's page, its conversation confirmed; replies go to the queue."""
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.get_running_loop().create_future()
    client.on("bot_uttered", replies.put_nowait)
    client.on("session_confirm", lambda session_id: confirmed.set_result(session_id))
    await client.connect(url, headers={"Origin": ORIGIN}, auth={"practice": PRACTICE}, transports=["polling"])
    await client.emit("session_request", {"session_id": None})
    await asyncio.wait_for(confirmed, 5)
    return client, replies


def webchat() -> WebchatInput:
    return WebchatInput(allowed_origins=[ORIGIN], practice_id=PRACTICE, max_message_chars=LIMIT)


def test_100000_characters_through_the_widget_get_the_shorten_reply_before_rasa_reads_them() -> None:
    rasa = StandInRasa()

    async def chat() -> tuple[Any, float, Any]:
        async with serving(webchat(), rasa) as url:
            client, replies = await widget(url)
            started = time.monotonic()
            await client.emit("user_uttered", {"message": HUGE})
            long_reply = await asyncio.wait_for(replies.get(), 5)
            took = time.monotonic() - started
            await client.emit("user_uttered", {"message": "hello"})
            next_reply = await asyncio.wait_for(replies.get(), 5)
            await client.disconnect()
            return long_reply, took, next_reply

    long_reply, took, next_reply = asyncio.run(chat())
    assert long_reply == {"text": SHORTEN, "buttons": [], "crisis": False}
    assert took < 1.0, f"the reply took {took:.1f} s"
    assert next_reply["text"] == "Thank you for telling me."
    assert rasa.read == ["hello"]


def test_the_widget_server_closes_a_connection_that_sends_binary_attachments() -> None:
    rasa = StandInRasa()

    async def send_binary() -> bool:
        async with serving(webchat(), rasa) as url:
            client, _ = await widget(url)
            closed = asyncio.get_running_loop().create_future()
            client.on("disconnect", lambda: closed.done() or closed.set_result(True))
            await client.emit("user_uttered", {"message": "hi", "files": [b"\x00" * 10, b"\x01" * 10]})
            return await asyncio.wait_for(closed, 5)

    assert asyncio.run(send_binary()) is True
    assert rasa.read == []


def test_a_binary_packet_is_never_kept_however_many_attachments_it_announces() -> None:
    server = TextOnlyServer(async_mode="asgi")
    server.eio.disconnect = AsyncMock()
    # A binary event (5) announcing 9,999,999,999 attachments: python-socketio itself would wait for them.
    announced = '59999999999-["user_uttered",{"_placeholder":true,"num":0}]'
    asyncio.run(server._handle_eio_message("eio-1", announced))
    asyncio.run(server._handle_eio_message("eio-1", b"\x00" * 100))
    assert server._binary_packet == {}
    assert server.eio.disconnect.await_count == 2


def test_the_widget_takes_no_socket_message_much_bigger_than_the_limit_allows() -> None:
    channel = webchat()
    channel.blueprint(StandInRasa().on_new_message)
    assert channel.sio.eio.max_http_buffer_size == buffer_size(LIMIT)
    assert len(json.dumps(["user_uttered", {"message": "\x01" * LIMIT}])) < buffer_size(LIMIT)
    assert buffer_size(LIMIT) < 1_000_000  # python-engineio's default, 1 MB, took 500 times the limit


# --- Twilio and Telegram ------------------------------------------------------------------------


class TwilioRecorder(TwilioOutput):
    sent: ClassVar[list[tuple[str, str]]] = []

    async def _send(self, recipient_id: str, body: str) -> None:
        self.sent.append((recipient_id, body))


class TelegramRecorder(TelegramOutput):
    sent: ClassVar[list[tuple[str, str]]] = []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent.append((recipient_id, text))


def test_an_over_long_sms_gets_the_shorten_reply_and_never_reaches_rasa() -> None:
    rasa = StandInRasa()
    settings = TwilioSettings(
        account_sid="AC" + "0" * 32,
        auth_token=TWILIO_TOKEN,
        sms_number="+441632960000",
        webhook_url=TWILIO_URL,
    )
    channel = TwilioInput(settings)
    channel.get_output_channel = lambda: TwilioRecorder(None, settings)  # type: ignore[method-assign]
    TwilioRecorder.sent = []
    form = {"MessageSid": "SM" + "1" * 32, "From": "+447700900123", "To": "+441632960000", "Body": HUGE}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(TWILIO_URL, form),
    }

    async def send() -> int:
        async with (
            serving(channel, rasa) as url,
            aiohttp.ClientSession() as session,
            session.post(f"{url}/webhooks/twilio/webhook", data=urlencode(form), headers=headers) as answer,
        ):
            return answer.status

    assert asyncio.run(send()) == 200
    assert TwilioRecorder.sent == [("+447700900123", SHORTEN)]
    assert rasa.read == []


def test_an_over_long_telegram_message_gets_the_shorten_reply_and_never_reaches_rasa() -> None:
    rasa = StandInRasa()
    settings = TelegramSettings(
        "123456:ABC-test", TELEGRAM_SECRET, "https://x.example/webhook", f"http://127.0.0.1:{free_port()}"
    )
    channel = TelegramInput(settings)
    channel.get_output_channel = lambda: TelegramRecorder(None)  # type: ignore[method-assign, arg-type]
    TelegramRecorder.sent = []
    body = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"}, "text": HUGE}}

    async def send() -> int:
        async with (
            serving(channel, rasa) as url,
            aiohttp.ClientSession() as session,
            session.post(
                f"{url}/webhooks/telegram/webhook",
                data=json.dumps(body),
                headers={"Content-Type": "application/json", SECRET_HEADER: TELEGRAM_SECRET},
            ) as answer,
        ):
            return answer.status

    assert asyncio.run(send()) == 200
    assert TelegramRecorder.sent == [("42", SHORTEN)]
    assert rasa.read == []


# --- The limit itself -----------------------------------------------------------------------------


def test_the_limit_counts_characters_and_the_reply_names_it() -> None:
    assert not too_long("é" * LIMIT, LIMIT)
    assert too_long("é" * (LIMIT + 1), LIMIT)
    assert not too_long(None, LIMIT)
    assert too_long_reply(LIMIT) == SHORTEN
    assert limits.configured_limit() == LIMIT


def test_a_refused_message_leaves_none_of_its_words_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    rasa = StandInRasa()
    handler = refusing_too_long(rasa.on_new_message, LIMIT)
    output = TelegramRecorder(None)  # type: ignore[arg-type]
    TelegramRecorder.sent = []
    words = " ".join(["my secret words"] * 200)
    asyncio.run(handler(UserMessage(words, output, "42", input_channel="telegram")))
    assert TelegramRecorder.sent == [("42", SHORTEN)]
    assert "secret" not in caplog.text
    assert f"{len(words)} characters" in caplog.text
