"""End to end: with its settings blank (as on a fresh machine), a messaging channel is off.

The shared assistant starts with no messaging settings at all: it must start
(no call to Twilio or Telegram), and its messaging webhooks answer nobody.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from e2e_assistant import Assistant

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("channel", ["twilio", "telegram"])
def test_a_channel_left_blank_is_off(assistant: Assistant, channel: str) -> None:
    url = f"{assistant.url}/webhooks/{channel}/webhook"
    request = urllib.request.Request(url, data=b"{}", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 404
    assert f"The {channel.capitalize()} channel is off" in refused.value.read().decode()
