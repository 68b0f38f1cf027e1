"""The messaging channels' settings: off when blank, refused when half set, always in Rasa's environment."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import pytest
from rasa.shared.exceptions import RasaException

from bot.channels.telegram import TelegramInput, TelegramSettings
from bot.channels.twilio import TwilioInput, TwilioSettings, whatsapp_address
from bot.config import MESSAGING_SETTINGS, Settings
from bot.servers import servers

ROOT = Path(__file__).resolve().parents[2]
TWILIO = {
    "account_sid": "AC00000000000000000000000000000000",
    "auth_token": "token",
    "sms_number": "+441234567890",
    "whatsapp_number": "+441234500000",
    "webhook_url": "https://chat.practice.example/webhooks/twilio/webhook",
    "api_url": "",
}


def test_blank_settings_leave_both_channels_off() -> None:
    assert not TwilioInput.from_credentials(dict.fromkeys(TWILIO, "")).settings.enabled
    assert not TelegramInput.from_credentials({"access_token": "", "secret_token": ""}).settings.enabled


def test_twilio_on_without_its_webhook_url_refuses_to_start() -> None:
    with pytest.raises(RasaException, match="TWILIO_WEBHOOK_URL"):
        TwilioInput.from_credentials({**TWILIO, "webhook_url": ""})


def test_telegram_on_without_a_secret_token_refuses_to_start() -> None:
    with pytest.raises(RasaException, match="TELEGRAM_SECRET_TOKEN"):
        TelegramInput.from_credentials({"access_token": "123:abc", "webhook_url": "https://x.example/w"})


def test_a_malformed_telegram_token_refuses_to_start() -> None:
    credentials = {"access_token": "not a token", "secret_token": "s", "webhook_url": "https://x.example/w"}
    with pytest.raises(RasaException, match="BotFather"):
        TelegramInput.from_credentials(credentials)


def test_replies_go_from_the_practice_number_on_the_same_service() -> None:
    settings = TwilioSettings(**TWILIO)
    assert settings.sender_for("+447700900123") == "+441234567890"
    assert settings.sender_for("whatsapp:+447700900123") == "whatsapp:+441234500000"
    assert TwilioSettings(**{**TWILIO, "whatsapp_number": ""}).sender_for("whatsapp:+447700900123") == ""


def test_a_whatsapp_number_gets_its_prefix_once() -> None:
    assert whatsapp_address("+441234500000") == "whatsapp:+441234500000"
    assert whatsapp_address("whatsapp:+441234500000") == "whatsapp:+441234500000"


def test_only_the_exact_telegram_secret_is_authentic() -> None:
    settings = TelegramSettings(access_token="123:abc", secret_token="s3cret")
    assert settings.authentic("s3cret")
    assert not settings.authentic("s3cre") and not settings.authentic("")


def test_rasa_gets_every_variable_credentials_yml_reads_even_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in MESSAGING_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("bot.config.load_dotenv", lambda *args, **kwargs: None)  # not this machine's .env
    [rasa] = [
        server for server in servers(Settings.from_env(), Path("model.tar.gz")) if server.name == "rasa"
    ]

    read = set(re.findall(r"\$\{(\w+)\}", (ROOT / "credentials.yml").read_text()))
    assert read and read <= rasa.env.keys()
    assert all(rasa.env[name] == "" for name in MESSAGING_SETTINGS)


def test_every_messaging_setting_is_documented() -> None:
    documented = set(re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    assert set(MESSAGING_SETTINGS) <= documented


def test_telegram_out_of_reach_at_start_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as closed:  # a port nothing listens on: Telegram unreachable
        closed.bind(("127.0.0.1", 0))
        api_url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    settings = TelegramSettings("123:abc", "secret", "https://x.example/webhook", api_url)
    channel = TelegramInput(settings)

    async def start_and_stop() -> None:
        await channel._set_webhook()
        await channel._telegram_bot().session.close()

    asyncio.run(start_and_stop())
    assert "Could not register the Telegram webhook (NetworkError)" in caplog.text
    assert "123:abc" not in caplog.text  # the token is a secret
