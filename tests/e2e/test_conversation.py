"""End to end: the real Rasa server and action server on loopback, a whole
conversation over the REST channel, and the draft plan read back through the
command line a professional would use.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from e2e_assistant import Assistant, talk

from bot.bench.conversation import PATIENT

pytestmark = pytest.mark.e2e


# The answers of one person, question by question, with the words a plan must keep.
# About 340 words: several hundred, kept whole (under the 2,000-character limit for one message).
LONG_GOOD_DAY = " ".join(
    ["On a good day I get up early, have my porridge and feed the birds, then walk to the paper shop."] * 18
)
# The benchmark's patient (bot/bench/conversation.py) from their first answer to the last
# question, with a long answer in place of their first. PATIENT[:2] are the greeting and the
# consent; PATIENT[-1] confirms the summary.
_, first_expected = PATIENT[2]
INTERVIEW = [(LONG_GOOD_DAY, first_expected), *PATIENT[3:-1]]


def test_a_whole_conversation_writes_a_draft_plan(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    greeting, consent = assistant.say(sender, "hello")[-2:]
    assert greeting.startswith("Hello, I'm the What Matters assistant") and consent.endswith(
        "Is it OK to start?"
    )
    talk(assistant, sender, [("/affirm", "What does a good day look like")])
    talk(assistant, sender, INTERVIEW)
    talk(assistant, sender, [("/affirm", "saved this as a draft plan")])

    shown = assistant.bot("plans", "show", "--conversation", sender, "--format", "json")
    plan = json.loads(shown.stdout)
    assert plan["conversation_id"] == sender
    assert plan["practice_id"] == "e2e-practice"
    assert (plan["status"], plan["version"]) == ("draft", 1)
    assert plan["what_matters"]["what_matters_good_day"] == LONG_GOOD_DAY  # kept whole
    [goal] = plan["goals"]
    assert goal["description"] == "walk to the shops on my own"
    assert goal["first_step"] == "walk to the end of the road every morning"
    assert goal["timeframe"] == "in 2 weeks" and goal["target_date"] is not None
    assert goal["confidence"] == 6
    assert goal["confidence_boost"] == "if my daughter came with me the first few times"
    assert {"name": "Sarah", "relationship": "daughter"} in plan["support"]["people"]
    assert {"name": None, "relationship": "neighbour"} in plan["support"]["people"]
    assert plan["support"]["from_practice"] == ["health coach"]
    assert plan["contact_preferences"] == "Phone call"
    assert plan["risk_flags"] == [] and plan["handoff_requested"] is False

    markdown = assistant.bot("plans", "show", "--conversation", sender, "--format", "markdown").stdout
    assert "walk to the shops on my own" in markdown


def test_a_change_at_the_summary_makes_a_new_version(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    talk(assistant, sender, [("hello", "Is it OK to start?"), ("/affirm", "good day")])
    talk(assistant, sender, INTERVIEW)
    talk(assistant, sender, [("/affirm", "draft plan")])
    talk(assistant, sender, [
        ("can I change what I said about if things get worse", "If things get worse, what should happen?"),
        ("call 111 and then my son", "Is this right?"),
        ("/affirm", "draft plan"),
    ])  # fmt: skip
    plan = json.loads(assistant.bot("plans", "show", "--conversation", sender).stdout)
    assert plan["version"] == 2
    assert plan["contingency"] == "call 111 and then my son"


def test_stopping_and_coming_back_after_a_restart_carries_on(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    talk(assistant, sender, [("hello", "Is it OK to start?"), ("/affirm", "good day")])
    talk(assistant, sender, INTERVIEW[:3])
    talk(assistant, sender, [("I need to stop now, can we carry on later", "What helps you cope")])

    # The servers restart (a deployment, a crash): the tracker store keeps the conversation.
    assistant.bot("servers", "stop")
    assistant.bot("servers", "start")
    # A new session starts when someone comes back after a while.
    assistant.api(f"/conversations/{sender}/execute", {"name": "action_session_start"})

    talk(assistant, sender, [("hi, I'm back", "What helps you cope")])
    talk(assistant, sender, INTERVIEW[3:])
    talk(assistant, sender, [("/affirm", "draft plan")])
    plan = json.loads(assistant.bot("plans", "show", "--conversation", sender).stdout)
    assert plan["strengths"]["strengths_good_at"] == "I'm a good cook and I love doing the crossword"


def test_a_refusal_writes_no_plan(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    talk(assistant, sender, [("hello", "Is it OK to start?"), ("/deny", "That's fine")])
    shown = assistant.bot("plans", "show", "--conversation", sender, check=False)
    assert shown.returncode == 1 and "No plan" in shown.stderr


@pytest.mark.parametrize("authorization", [None, "Bearer not-the-token", "TOKEN_WITHOUT_BEARER"])
def test_the_rest_channel_answers_only_holders_of_the_servers_token(
    assistant: Assistant, authorization: str | None
) -> None:
    """Senders are guessable (a phone number): without the token nobody carries on, or reads, theirs."""
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization.replace("TOKEN_WITHOUT_BEARER", assistant.token)
    request = urllib.request.Request(
        f"{assistant.url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": "hello"}).encode(),
        headers=headers,
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    assert assistant.user_messages(sender) == []  # nothing of it reached the conversation
    assert assistant.say(sender, "hello")  # with the token, the same message is answered
