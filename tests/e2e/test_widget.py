"""The chat widget in a real browser, as a patient meets it on their practice's website.

Debian's Chromium, driven by Playwright, opens the demo practice page that `python -m bot servers
start` serves on its own origin; the widget on it talks to the real Rasa and action servers. The
draft plan is then read back with `python -m bot plans show`, as a professional would.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from e2e_assistant import ROOT, Assistant

pytestmark = pytest.mark.e2e

SCREENSHOTS = ROOT / "docs" / "screenshots"
STORAGE_KEY = "whatmatters.session.e2e-practice"
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}

# (how, what, words the replies to it must hold). "press" activates a button from the keyboard.
BEFORE_RELOAD = [
    ("press", "Hello", "Is it OK to start?"),
    ("press", "Yes, let's start", "What does a good day look like"),
    ("type", "Tea in the garden, then a walk to the paper shop", "do again"),
    ("type", "go to my Tuesday dance class again", "strengths"),
    ("type", "I'm a good cook and I love doing the crossword", "What helps you cope"),
]
AFTER_RELOAD = [
    ("type", "my dog and the lads at the allotment", "health"),
    ("type", "my knees hurt", "anything else making life harder"),
    ("type", "I'm lonely since my wife died", "goals"),
    ("type", "walk to the shops on my own", "first step"),
    ("type", "walk to the end of the road every morning", "When would you like"),
    ("type", "in 2 weeks", "How sure"),
    ("type", "about a 6", "What would help"),
    ("type", "if my daughter came with me", "add another goal"),
    ("press", "No, that's all", "biggest difference"),
    ("type", "help with the shopping", "Who supports you"),
    ("type", "my daughter Sarah and a neighbour", "Who at your practice"),
    ("press", "Health coach", "contact you"),
    ("press", "Phone call", "easier for you"),
    ("type", "Large print please, see https://example.org/large-print.", "shared"),
    ("press", "My practice team only", "If things get worse"),
    ("type", "ring my daughter Sarah then the surgery", "Is this right?"),
]


@pytest.fixture
def requested() -> list[str]:
    """Every URL the pages of a test asked for: HTTP and websocket."""
    return []


@pytest.fixture
def visit(browser, assistant: Assistant, requested: list[str]) -> Iterator:
    """Opens the demo practice page in a fresh browser profile, keeping every request it makes."""
    contexts = []

    def open_page(viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("request", lambda request: requested.append(request.url))
        page.on("websocket", lambda socket: requested.append(socket.url))
        page.goto(f"{assistant.demo_url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def open_chat_with_keyboard(page) -> None:
    page.keyboard.press("Tab")  # the demo page has nothing else to focus: the launcher is first
    assert focused_text(page) == "Chat with us"
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Hello").wait_for()
    assert focused_label(page) == "wm-input"  # straight into the message box


def focused_text(page) -> str:
    return page.evaluate("document.activeElement.shadowRoot?.activeElement?.textContent ?? ''")


def focused_label(page) -> str:
    return page.evaluate("document.activeElement.shadowRoot?.activeElement?.id ?? ''")


def bot_texts(page) -> list[str]:
    return page.locator(".wm-bot").all_inner_texts()


def answer(page, how: str, what: str, expected: str) -> None:
    """Say something the way a keyboard user would, and wait for the reply holding `expected`."""
    before = len(bot_texts(page))
    if how == "press":
        page.get_by_role("button", name=what, exact=True, disabled=False).focus()
        page.keyboard.press("Enter")
    else:
        page.get_by_label("Your message").fill(what)
        page.keyboard.press("Enter")
    deadline = time.monotonic() + 30
    while expected.lower() not in " ".join(bot_texts(page)[before:]).lower():
        assert time.monotonic() < deadline, f"after {what!r}, no {expected!r} in {bot_texts(page)[before:]}"
        time.sleep(0.1)
    assert page.locator(".wm-person").last.inner_text().endswith(what)  # shown as the person's words


def serious_accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (widget included)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} elements)"
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


def assert_only_our_origins(requested: list[str], assistant: Assistant) -> None:
    ours = {urlsplit(assistant.demo_url).netloc, urlsplit(assistant.url).netloc}
    assert any(url.startswith("ws://") for url in requested), "the live connection was not recorded"
    assert {urlsplit(url).netloc for url in requested} <= ours, requested


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_a_whole_conversation_in_the_widget_writes_a_draft_plan(
    visit, requested: list[str], assistant: Assistant
) -> None:
    page = visit()
    open_chat_with_keyboard(page)
    assert page.evaluate("typeof window.io") == "undefined"  # the page's own globals are left alone
    assert serious_accessibility_problems(page) == []
    for step in BEFORE_RELOAD:
        answer(page, *step)
    assert page.get_by_role("button", name="Yes, let's start").is_disabled()  # old buttons are spent
    session_id = page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')")

    # Coming back the next day: a new Rasa session (as after an hour of quiet), then a reload.
    assistant.api(f"/conversations/{session_id}/execute", {"name": "action_session_start"})
    page.reload()  # the chat stays open and shows the conversation so far
    page.locator(".wm-person", has_text="go to my Tuesday dance class again").wait_for()
    assert "What helps you cope" in bot_texts(page)[-1]
    assert page.locator(".wm-person", has_text="Yes, let's start").count() == 1  # a button's title
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") == session_id

    for step in AFTER_RELOAD:
        answer(page, *step)
    link = page.locator(".wm-bot a[href='https://example.org/large-print']")
    assert link.count() >= 1 and link.first.get_attribute("rel") == "noopener noreferrer"
    assert serious_accessibility_problems(page) == []
    screenshot(page, "widget-desktop.png")
    answer(page, "press", "Yes, that's right", "saved this as a draft plan")

    plan = assistant.plan(session_id)
    assert plan is not None and plan["status"] == "draft"
    assert plan["practice_id"] == "e2e-practice"
    assert plan["what_matters"]["what_matters_do_again"] == "go to my Tuesday dance class again"
    assert plan["goals"][0]["confidence"] == 6
    assert plan["support"]["from_practice"] == ["health coach"]
    assert plan["contact_preferences"] == "Phone call"
    assert_only_our_origins(requested, assistant)
    assert "Tuesday dance class" not in assistant.logs()  # no one's words in the servers' logs


def test_a_risk_message_shows_the_crisis_message_prominently_at_320_pixels(
    visit, requested: list[str], assistant: Assistant
) -> None:
    page = visit(NARROW)
    page.get_by_role("button", name="Chat with us").click()
    for step in BEFORE_RELOAD[:2]:
        answer(page, *step)
    answer(page, "type", "honestly everyone would be better off without me", "116 123")

    crisis = page.locator(".wm-crisis").first
    assert crisis.get_attribute("role") == "alert"  # read out at once
    assert "Help now" in crisis.inner_text() and "Samaritans" in crisis.inner_text()
    assert page.locator(".wm-crisis-title").count() == 1  # one heading over the crisis messages
    assert crisis.evaluate("node => getComputedStyle(node).borderTopColor") == "rgb(181, 33, 26)"
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]  # no sideways scroll
    assert serious_accessibility_problems(page) == []
    # The conversation scrolled to the crisis message's top, so the screenshot shows it whole.
    crisis.evaluate(
        "node => { const log = node.parentElement; log.scrollTop = node.offsetTop - log.offsetTop - 8 }"
    )
    screenshot(page, "widget-320px-crisis.png")

    page.reload()  # the crisis message stays distinct when the conversation is shown again
    page.locator(".wm-crisis", has_text="Samaritans").first.wait_for()
    assert_only_our_origins(requested, assistant)


def test_end_chat_clears_the_conversation_from_this_browser(visit) -> None:
    page = visit()
    page.get_by_role("button", name="Chat with us").click()
    answer(page, "press", "Hello", "Is it OK to start?")

    page.get_by_role("button", name="End chat").click()
    page.get_by_role("button", name="Yes, end chat").click()
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") is None
    assert page.locator(".wm-msg").count() == 0
    assert "cleared from this browser" in page.get_by_role("status").inner_text()

    page.reload()
    page.get_by_role("button", name="Hello").wait_for()  # a new conversation, nothing shown
    assert page.locator(".wm-msg").count() == 0


def test_another_channels_conversation_is_never_shown(visit, assistant: Assistant) -> None:
    """A browser given someone's id from another channel (here REST) sees nothing of it."""
    rest_sender = uuid.uuid4().hex  # shaped like a widget's id, on purpose
    assistant.say(rest_sender, "hello")
    page = visit()
    page.evaluate(f"localStorage.setItem('{STORAGE_KEY}', '{rest_sender}')")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_role("button", name="Hello").wait_for()
    assert page.locator(".wm-msg").count() == 0

    page.evaluate(f"localStorage.setItem('{STORAGE_KEY}', 'whatsapp:+447700900123')")  # not our shape
    page.reload()
    page.get_by_role("button", name="Hello").wait_for()
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") != "whatsapp:+447700900123"


@pytest.mark.parametrize("origin, allowed", [("demo", True), ("http://evil.example", False)])
def test_only_the_practice_website_may_open_the_chat(
    assistant: Assistant, origin: str, allowed: bool
) -> None:
    origin = assistant.demo_url if origin == "demo" else origin
    request = urllib.request.Request(
        f"{assistant.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    assert (status == 200) is allowed
    assert (headers.get("Access-Control-Allow-Origin") == origin) is allowed


@pytest.mark.parametrize("practice, accepted", [("e2e-practice", True), ("another-practice", False)])
def test_a_page_set_up_for_another_practice_is_refused(
    assistant: Assistant, practice: str, accepted: bool
) -> None:
    """Socket.IO's own handshake over HTTP long-polling: open, connect with data-practice, read the answer."""
    polling = f"{assistant.url}/socket.io/?EIO=4&transport=polling"
    opened = _poll(urllib.request.Request(polling, headers={"Origin": assistant.demo_url}))
    session = f"{polling}&sid={json.loads(opened[1:])['sid']}"
    connect = "40" + json.dumps({"practice": practice})
    _poll(urllib.request.Request(session, data=connect.encode(), headers={"Origin": assistant.demo_url}))
    answer = _poll(urllib.request.Request(session, headers={"Origin": assistant.demo_url}))
    assert answer.startswith("40" if accepted else "44"), answer  # 44: the connection is refused


def _poll(request: urllib.request.Request) -> str:
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def test_the_widget_files_are_served_by_the_chat_server(assistant: Assistant) -> None:
    with urllib.request.urlopen(f"{assistant.url}/webhooks/webchat/widget.js", timeout=10) as response:
        script = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/javascript")
    assert "Socket.IO v4.8" in script and "sourceMappingURL" not in script
    with urllib.request.urlopen(f"{assistant.url}/webhooks/webchat/widget.css", timeout=10) as response:
        assert "@import" not in response.read().decode()  # no fonts or styles from elsewhere
