"""A terminal chat with the running assistant, over Rasa's REST channel.

Buttons are shown as numbered options; typing the number sends that button.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from bot.channels.text_only import chosen_payload, with_numbered_options
from bot.config import Settings


def send(rasa_url: str, token: str, sender: str, message: str, timeout: float = 60) -> list[dict[str, Any]]:
    """One message to the REST channel, which wants the server's token; the assistant's replies."""
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"[]")


def render(replies: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """The replies as text, as SMS shows them, and the buttons a reply can choose."""
    lines, buttons = [], []
    for reply in replies:
        text = reply.get("text", "")
        if reply.get("buttons"):
            buttons = reply["buttons"]
            text = with_numbered_options(text, buttons)
        if text:
            lines.append(f"Bot: {text}")
    return "\n".join(lines), buttons


def chat(settings: Settings, sender: str | None = None) -> None:
    sender = sender or f"terminal-{uuid.uuid4().hex[:8]}"
    print(f"Chatting as '{sender}'. Say hello to start; Ctrl-D or /quit to leave.")
    buttons: list[dict[str, str]] = []
    while True:
        try:
            message = input("You: ").strip()
        except EOFError:
            print()
            return
        if message == "/quit":
            return
        message = chosen_payload(message, buttons) or message
        text, buttons = render(send(settings.rasa_url, settings.rasa_auth_token, sender, message))
        print(text)
