"""A terminal chat with the running assistant, over Rasa's REST channel.

Buttons are shown as numbered options; typing the number sends that button.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from bot.config import Settings


def send(rasa_url: str, sender: str, message: str, timeout: float = 60) -> list[dict[str, Any]]:
    """One message to the REST channel; the assistant's replies."""
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"[]")


def render(replies: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """The replies as text, and the buttons a number can choose."""
    lines, buttons = [], []
    for reply in replies:
        if reply.get("text"):
            lines.append(f"Bot: {reply['text']}")
        for button in reply.get("buttons") or []:
            buttons.append(button)
            lines.append(f"  {len(buttons)}. {button['title']}")
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
        if message.isdigit() and 1 <= int(message) <= len(buttons):
            message = buttons[int(message) - 1]["payload"]
        text, buttons = render(send(settings.rasa_url, sender, message))
        print(text)
