"""A loopback stand-in for the third-party APIs the messaging channels call.

It answers as Twilio's Messages API (POST /2010-04-01/Accounts/<sid>/Messages.json)
and Telegram's Bot API (POST /bot<token>/<method>) answer, and keeps every call,
so a test can read what the assistant sent to a person.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

TWILIO_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")
TELEGRAM_METHOD = re.compile(r"^/bot(?P<token>\d+:[\w-]+)/(?P<method>\w+)$")


@dataclass(frozen=True)
class Call:
    path: str
    params: dict[str, str]
    authorization: str


class ProviderApis:
    """What was sent, call by call, in the order the assistant sent it."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def record(self, call: Call) -> int:
        with self._lock:
            self.calls.append(call)
            return next(self._ids)

    def twilio_messages(self, to: str) -> list[Call]:
        return [c for c in self.calls if TWILIO_MESSAGES.match(c.path) and c.params.get("To") == to]

    def telegram_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if (m := TELEGRAM_METHOD.match(c.path)) and m["method"] == method]

    def telegram_messages(self, chat_id: int) -> list[Call]:
        return [c for c in self.telegram_calls("sendMessage") if c.params.get("chat_id") == str(chat_id)]

    def wait_for(self, method: str, timeout: float = 30) -> list[Call]:
        deadline = time.monotonic() + timeout
        while not self.telegram_calls(method) and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.telegram_calls(method)


@contextmanager
def provider_apis() -> Iterator[tuple[str, ProviderApis]]:
    """The stand-in listening on a free loopback port: its base URL and its record."""
    record = ProviderApis()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(record))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", record
    finally:
        server.shutdown()
        server.server_close()


def _handler_for(record: ProviderApis) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            call = Call(self.path, dict(parse_qsl(body)), self.headers.get("Authorization", ""))
            number = record.record(call)
            if match := TWILIO_MESSAGES.match(self.path):
                self._answer(201, _twilio_message(match["sid"], number, call.params))
            elif match := TELEGRAM_METHOD.match(self.path):
                self._answer(200, _telegram_result(match["method"], number, call.params))
            else:
                self._answer(404, {"ok": False, "description": "Not Found"})

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    return Handler


def _twilio_message(account_sid: str, number: int, params: dict[str, str]) -> dict:
    return {
        "sid": f"SM{number:032d}", "account_sid": account_sid, "status": "queued",
        "to": params.get("To"), "from": params.get("From"), "body": params.get("Body"),
        "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
    }  # fmt: skip


def _telegram_result(method: str, number: int, params: dict[str, str]) -> dict:
    if method != "sendMessage":  # setWebhook and the like
        return {"ok": True, "result": True}
    chat = {"id": int(params["chat_id"]), "type": "private", "first_name": "Test"}
    message = {"message_id": number, "date": int(time.time()), "chat": chat, "text": params.get("text", "")}
    return {"ok": True, "result": message}
