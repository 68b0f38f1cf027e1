"""Buttons on text-only channels: numbered options out, a number or a title back."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.channels.text_only import (
    REPLY_HINT,
    chosen_payload,
    last_buttons,
    split_to_fit,
    with_numbered_options,
)
from bot.chat import render

CONSENT = [
    {"title": "Yes, let's start", "payload": "/affirm"},
    {"title": "Not now", "payload": "/deny"},
]


def test_buttons_become_numbered_options_after_the_message() -> None:
    assert with_numbered_options("Is it OK to start?", CONSENT) == (
        f"Is it OK to start?\n\n1. Yes, let's start\n2. Not now\n\n{REPLY_HINT}"
    )


@pytest.mark.parametrize("reply", ["2", "2.", " 2 ", "not now", "Not now.", "  NOT   NOW "])
def test_a_number_or_the_title_chooses_the_button(reply: str) -> None:
    assert chosen_payload(reply, CONSENT) == "/deny"


def test_a_title_typed_with_a_curly_apostrophe_still_chooses_it() -> None:
    assert chosen_payload("yes, let\u2019s start", CONSENT) == "/affirm"


@pytest.mark.parametrize("reply", ["0", "3", "12", "2 please", "1 2", "yes", "-1", ""])
def test_anything_else_chooses_nothing(reply: str) -> None:
    assert chosen_payload(reply, CONSENT) is None


def test_no_buttons_means_no_choice() -> None:
    assert chosen_payload("1", []) is None


def test_the_last_buttons_are_those_of_the_bots_latest_message() -> None:
    goals = [{"title": "My goals", "payload": "/goals"}]
    events = [
        BotUttered("Is it OK to start?", data={"buttons": CONSENT}),
        UserUttered("1"),
        BotUttered("OK."),
        BotUttered("Which part?", data={"buttons": goals}),
        ActionExecuted("action_listen"),
    ]
    assert last_buttons(events) == goals


def test_a_later_question_without_buttons_takes_them_away() -> None:
    events = [
        BotUttered("Is it OK to start?", data={"buttons": CONSENT}),
        BotUttered("How sure are you, from 0 to 10?"),
    ]
    assert last_buttons(events) == []


def test_buttons_answered_already_are_not_offered_again() -> None:
    events = [BotUttered("Is it OK to start?", data={"buttons": CONSENT}), UserUttered("yes")]
    assert last_buttons(events) == []
    assert last_buttons([BotUttered("What does a good day look like?")]) == []


def test_short_text_is_one_part() -> None:
    assert split_to_fit("  Hello there. ", 1600) == ["Hello there."]


def test_long_text_breaks_between_paragraphs_then_words() -> None:
    first, second = "a" * 60, "b " * 30
    parts = split_to_fit(f"{first}\n\n{second}", 70)
    assert parts[0] == first
    assert all(len(part) <= 70 for part in parts)
    assert " ".join(parts[1:]).split() == second.split()


def test_one_unbroken_word_longer_than_the_limit_is_cut() -> None:
    assert split_to_fit("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_every_character_is_kept_across_parts() -> None:
    text = " ".join(f"word{n}" for n in range(500))
    parts = split_to_fit(text, 160)
    assert all(len(part) <= 160 for part in parts)
    assert " ".join(parts) == text


def test_the_terminal_chat_numbers_buttons_as_sms_does() -> None:
    replies = [{"text": "Hello!"}, {"text": "Is it OK to start?", "buttons": CONSENT}]
    text, buttons = render(replies)
    assert text == "Bot: Hello!\nBot: " + with_numbered_options("Is it OK to start?", CONSENT)
    assert chosen_payload("1", buttons) == "/affirm"
