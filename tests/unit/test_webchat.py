"""The web widget's channel, without a server: what the widget is sent, and its settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot import servers
from bot.channels.webchat import CHANNEL_NAME, bot_message, came_through_widget, history, widget_script
from bot.config import Settings
from bot.demo_site import content_security_policy, render_page

ROOT = Path(__file__).resolve().parents[2]
CONSENT = BotUttered(
    "Is it OK to start?",
    {
        "buttons": [
            {"title": "Yes, let's start", "payload": "/affirm"},
            {"title": "Not now", "payload": "/deny"},
        ]
    },
)
CRISIS = BotUttered(
    "You can call Samaritans free on 116 123.", {"custom": {"crisis": True, "categories": ["self_harm"]}}
)


def said(text: str, channel: str = CHANNEL_NAME) -> UserUttered:
    return UserUttered(text, input_channel=channel)


def test_a_crisis_reply_is_one_message_with_its_flag() -> None:
    message = bot_message(CRISIS.message())
    assert message == {"text": "You can call Samaritans free on 116 123.", "buttons": [], "crisis": True}


def test_buttons_travel_with_their_text_and_other_replies_are_not_crisis() -> None:
    message = bot_message(CONSENT.message())
    assert message["buttons"] == [
        {"title": "Yes, let's start", "payload": "/affirm"},
        {"title": "Not now", "payload": "/deny"},
    ]
    assert message["crisis"] is False


def test_a_reply_without_text_is_not_sent() -> None:
    assert bot_message({"text": None, "image": "https://example.org/x.png"}) is None


def test_history_shows_what_was_said_with_pressed_buttons_as_their_titles() -> None:
    events = [said("hello"), ActionExecuted("utter_greet"), CONSENT, said("/affirm"), CRISIS]
    assert history(events) == [
        {"from": "person", "text": "hello"},
        {"from": "bot", "text": "Is it OK to start?", "crisis": False},  # its buttons are spent
        {"from": "person", "text": "Yes, let's start"},
        {"from": "bot", "text": "You can call Samaritans free on 116 123.", "buttons": [], "crisis": True},
    ]


def test_history_keeps_the_buttons_of_a_question_still_waiting_for_an_answer() -> None:
    [*_, last] = history([said("hello"), CONSENT])
    assert [button["title"] for button in last["buttons"]] == ["Yes, let's start", "Not now"]


def test_a_typed_slash_is_not_mistaken_for_a_button_press_later() -> None:
    events = [CONSENT, said("/affirm"), BotUttered("What does a good day look like?"), said("/affirm")]
    assert [message["text"] for message in history(events)][-1] == "/affirm"


def test_only_conversations_held_through_the_widget_are_shown_to_it() -> None:
    assert came_through_widget([said("hello"), CONSENT])
    assert not came_through_widget([said("hello", channel="rest"), CONSENT])
    assert not came_through_widget([])


def test_the_socket_io_client_is_bundled_without_a_global_or_a_source_map() -> None:
    script = widget_script()
    assert script.index("var module = { exports: {} }") < script.index("Socket.IO v4.8")
    assert "var io = module.exports;" in script
    assert "sourceMappingURL" not in script
    assert "innerHTML" not in script  # text is only ever set with textContent


@pytest.mark.parametrize(
    "value, origins",
    [
        ("https://www.practice.nhs.uk/", ("https://www.practice.nhs.uk",)),
        ("https://a.example, https://b.example", ("https://a.example", "https://b.example")),
    ],
)
def test_allowed_origins_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, origins: tuple[str, ...]
) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", value)
    assert Settings.from_env().widget_allowed_origins == origins


def test_any_origin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "*")
    with pytest.raises(ValueError, match="may not be"):
        Settings.from_env()


def test_the_demo_page_escapes_settings_and_has_the_one_script_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "http://127.0.0.1:8090")
    settings = replace(Settings.from_env(), practice_name="<b>Dr Who & Co</b>", practice_id="p-1")
    page = render_page(settings)
    assert "&lt;b&gt;Dr Who &amp; Co&lt;/b&gt;" in page and "<b>" not in page
    assert page.count("<script") == 1
    assert f'src="{settings.rasa_url}/webhooks/webchat/widget.js"' in page and 'data-practice="p-1"' in page


def test_the_demo_pages_policy_lets_the_widget_reach_only_the_chat_server() -> None:
    policy = content_security_policy("https://chat.example.nhs.uk")
    assert "script-src 'self' https://chat.example.nhs.uk;" in policy
    assert "connect-src https://chat.example.nhs.uk wss://chat.example.nhs.uk;" in policy


def test_make_run_starts_the_demo_site_beside_rasa(tmp_path: Path) -> None:
    settings = replace(Settings.from_env(), demo_site_port=8124, rasa_port=5123)
    [demo_site] = [
        server for server in servers.servers(settings, tmp_path / "m.tar.gz") if server.name == "demo-site"
    ]
    assert demo_site.command[-2:] == ["bot", "demo-site"]
    assert demo_site.health_url == "http://127.0.0.1:8124/health"
    assert (demo_site.env["DEMO_SITE_PORT"], demo_site.env["RASA_PORT"]) == ("8124", "5123")
    assert "demo-site" in servers.STOP_ORDER  # `make stop` stops it too


def test_the_screenshots_are_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("widget-desktop.png", "widget-320px-crisis.png"):
        assert f"docs/screenshots/{name}" in readme
        assert (ROOT / "docs" / "screenshots" / name).is_file()
