"""The web widget's channel: Rasa 3.6's socket.io channel, made safe to put on a practice's website.

Configured in credentials.yml as `bot.channels.webchat.WebchatInput`. Compared with the stock
`socketio` channel it

- accepts socket.io connections only from the practice's own origins (WIDGET_ALLOWED_ORIGINS), where
  Rasa's own server accepts every origin;
- ties each browser to one conversation: the conversation id is a random UUID that only that browser
  holds (in localStorage). An id the browser did not get from us is replaced by a new one, and a
  message goes to the conversation its socket was confirmed for, never to one the message names;
- awaits python-socketio's `enter_room` when it is a coroutine (5.10+; RasaHQ/rasa#13027);
- sends each reply as one message: its text, its buttons and, for crisis signposting, a `crisis`
  flag (Rasa's own output would send the flag as a second event, or fail on it);
- sends the conversation so far when a browser comes back, so the widget shows it and carries on;
- answers a message over MAX_MESSAGE_CHARS with a request to shorten it, before Rasa reads it
  (bot/channels/limits.py); takes no socket.io message bigger than ten such messages
  (`max_http_buffer_size`), and no binary attachments at all: python-socketio (5.9 and every later 5.x)
  buffers as many as a packet announces, so one crafted packet could fill the server's memory;
- serves the widget itself (`/webhooks/webchat/widget.js` and `widget.css`): nothing is loaded from
  anyone else.
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio import exceptions as socketio_errors
from socketio import packet as socketio_packet

from bot.channels.limits import refusing_too_long
from bot.config import Settings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "webchat"
WIDGET_DIR = Path(__file__).resolve().parent / "widget"
SOCKET_IO_CLIENT = WIDGET_DIR / "vendor" / "socket.io.min.js"
# uuid4().hex, as the widget makes none of its own: 32 lowercase hex digits.
SESSION_ID = re.compile(r"[0-9a-f]{32}")
HISTORY_LIMIT = 200  # messages shown when someone comes back; a whole interview is about 60
ASSET_HEADERS = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
# JSON escapes a control character as \u00XX: 6 bytes for one character, at worst.
BYTES_PER_CHARACTER = 6
ENVELOPE_BYTES = 1024  # the event's name, the JSON around the text, engine.io's framing

Message = dict[str, Any]


class WebchatOutput(SocketIOOutput):
    """Each bot message as one `bot_uttered` event: text, buttons and the crisis flag together."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        shaped = bot_message(message)
        if shaped is not None:
            await self._send_message(recipient_id, shaped)


def buffer_size(max_message_chars: int) -> int:
    """The biggest socket.io message taken (`max_http_buffer_size`, bytes): room for a message of ten
    times MAX_MESSAGE_CHARS, however it is escaped, so a long paste still gets the kind reply; a
    bigger one is no one typing, and python-engineio closes its connection before reading it."""
    return 10 * max_message_chars * BYTES_PER_CHARACTER + ENVELOPE_BYTES


class TextOnlyServer(AsyncServer):
    """python-socketio's server, refusing binary packets: the widget sends none.

    python-socketio keeps every attachment a binary packet announces (its own limit is only the
    count's ten digits), in memory, until the last one comes: the unbounded-attachments hole that
    socket.io-parser 4.2.6 closed for Node (CVE-2026-33151). No 5.x release of python-socketio
    limits it, so such a packet closes its connection here before anything of it is kept.
    """

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        if not isinstance(data, str) or data[:1] in _BINARY_PACKETS:
            logger.warning("Closed a widget connection that sent binary data")
            await self.eio.disconnect(eio_sid)
            return
        await super()._handle_eio_message(eio_sid, data)


_BINARY_PACKETS = (str(socketio_packet.BINARY_EVENT), str(socketio_packet.BINARY_ACK))


class WebchatInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        settings = Settings.from_env()
        credentials = credentials or {}
        return cls(
            allowed_origins=settings.widget_allowed_origins,
            practice_id=settings.practice_id,
            max_message_chars=settings.max_message_chars,
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
        )

    def __init__(
        self,
        allowed_origins: Iterable[str],
        practice_id: str,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        max_message_chars: int = 2000,
    ) -> None:
        super().__init__(user_message_evt, bot_message_evt, session_persistence=True)
        self.allowed_origins = list(allowed_origins)
        self.practice_id = practice_id
        self.max_message_chars = max_message_chars

    def get_output_channel(self) -> OutputChannel | None:
        return WebchatOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # An empty list would switch python-engineio's origin check off (Rasa's default): never pass one.
        if not self.allowed_origins:
            raise ValueError("WIDGET_ALLOWED_ORIGINS is empty: name the practice website's origin.")
        sio = TextOnlyServer(
            async_mode="sanic",
            cors_allowed_origins=self.allowed_origins,
            max_http_buffer_size=buffer_size(self.max_message_chars),
        )
        self.sio = sio
        # An over-long message is answered before Rasa reads it (bot/channels/limits.py).
        on_new_message = refusing_too_long(on_new_message, self.max_message_chars)
        webhook = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        _add_widget_routes(webhook)

        @sio.on("connect")
        async def connect(sid: str, environ: dict, auth: dict | None) -> None:
            # A page set up for another practice would file its plans under ours.
            if (auth or {}).get("practice") != self.practice_id:
                logger.warning("Refused a widget set up for another practice (data-practice).")
                raise socketio_errors.ConnectionRefusedError("This chat is set up for a different practice.")

        @sio.on("session_request")
        async def session_request(sid: str, data: dict | None) -> None:
            asked_for = (data or {}).get("session_id")
            session_id = asked_for if _is_session_id(asked_for) else uuid.uuid4().hex
            await _enter_room(sio, sid, session_id)
            await sio.save_session(sid, {"session_id": session_id})
            await sio.emit("session_confirm", session_id, room=sid)
            if session_id == asked_for:  # coming back: show what was said so far
                said_so_far = await _history(sio.get_environ(sid)["sanic.request"].app, session_id)
                await sio.emit("history", {"messages": said_so_far}, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: dict | None) -> None:
            session_id = (await sio.get_session(sid)).get("session_id")
            text = (data or {}).get("message")
            if session_id is None or not isinstance(text, str):
                logger.warning("Ignored a widget message without text or a confirmed session.")
                return
            output = WebchatOutput(sio, self.bot_message_evt)
            await on_new_message(UserMessage(text, output, session_id, input_channel=CHANNEL_NAME))

        return webhook


# --- What the widget is sent ------------------------------------------------------------


def bot_message(message: dict[str, Any]) -> Message | None:
    """A bot message as the widget shows it: text, buttons, crisis flag. None if it has no text."""
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        return None  # we send no images or cards
    buttons = message.get("buttons") or message.get("quick_replies") or []
    custom = message.get("custom")
    return {
        "text": text,
        "buttons": [{"title": button["title"], "payload": button["payload"]} for button in buttons],
        "crisis": isinstance(custom, dict) and custom.get("crisis") is True,
    }


def history(events: Iterable[Event]) -> list[Message]:
    """What was said, oldest first, for a widget that comes back to a conversation.

    Messages are `{"from": "person" | "bot", "text": ...}` (bot ones also have `crisis`). A button
    the person pressed shows as its title, as it did when they pressed it. Only the last message
    keeps its buttons, and only if it is the bot's: the question still waiting for an answer.
    """
    messages: list[Message] = []
    last_buttons: dict[str, str] = {}
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            messages.append({"from": "person", "text": last_buttons.get(event.text, event.text)})
            last_buttons = {}
        elif isinstance(event, BotUttered) and (shaped := bot_message(event.message())):
            last_buttons = {button["payload"]: button["title"] for button in shaped["buttons"]}
            messages.append({"from": "bot", **shaped})
    for message in messages[:-1]:
        message.pop("buttons", None)
    return messages[-HISTORY_LIMIT:]


def came_through_widget(events: Iterable[Event]) -> bool:
    """Whether the person wrote through this channel: no other channel's conversation is shown here."""
    return any(isinstance(event, UserUttered) and event.input_channel == CHANNEL_NAME for event in events)


async def _history(app: Sanic, session_id: str) -> list[Message]:
    tracker = await app.ctx.agent.tracker_store.retrieve_full_tracker(session_id)
    if tracker is None or not came_through_widget(tracker.events):
        return []
    return history(tracker.events)


def _is_session_id(value: object) -> bool:
    return isinstance(value, str) and SESSION_ID.fullmatch(value) is not None


async def _enter_room(sio: AsyncServer, sid: str, room: str) -> None:
    entered = sio.enter_room(sid, room)
    if inspect.isawaitable(entered):  # python-socketio 5.10+ made it a coroutine
        await entered


# --- The widget's files --------------------------------------------------------------------


def widget_script() -> str:
    """widget.js with the socket.io client inside it, kept out of the page's globals.

    Given `module` and `exports`, the client's UMD wrapper takes its CommonJS path: no global `io`
    to clash with a practice page's own socket.io, and no `define()` call into a page's AMD loader.
    """
    client = SOCKET_IO_CLIENT.read_text(encoding="utf-8")
    client = re.sub(r"^//# sourceMappingURL=.*$", "", client, flags=re.MULTILINE)  # no map is served
    widget = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    return (
        "(function () {\n"
        "var module = { exports: {} }, exports = module.exports, define;\n"
        f"{client}\n"
        "var io = module.exports;\n"
        f"{widget}\n"
        "})();\n"
    )


def _add_widget_routes(webhook: Blueprint) -> None:
    script = widget_script()
    style = (WIDGET_DIR / "widget.css").read_text(encoding="utf-8")

    @webhook.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @webhook.route("/widget.js", methods=["GET"])
    async def widget_js(_: Request) -> HTTPResponse:
        return response.text(script, content_type="text/javascript; charset=utf-8", headers=ASSET_HEADERS)

    @webhook.route("/widget.css", methods=["GET"])
    async def widget_css(_: Request) -> HTTPResponse:
        return response.text(style, content_type="text/css; charset=utf-8", headers=ASSET_HEADERS)
