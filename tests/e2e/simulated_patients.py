"""Simulated patients: whole conversations as different people would have them.

tests/e2e/patients/*.yml were written by helper sessions that never saw the
code: 71 people, each with their own voice, their answer to every question,
and interjections (a pause and a return, a question, asking for a person, an
aside, a change of mind, "too many words", a question at the summary). A
patient answers whatever question the assistant is waiting on, as Rasa's own
tracker says, so the conversation goes where the assistant takes it.

What a finished conversation must show, read back with `python -m bot plans
show`: every answer they gave, word for word, in its place; the goals they
meant (a changed goal replaced); a handoff when they asked for a person; and
none of their interjections anywhere in the plan.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PATIENTS_DIR = Path(__file__).with_name("patients")
HELD_OUT_DIR = Path(__file__).with_name("patients_heldout")  # scored only, never read
MAX_MESSAGES = 90  # a conversation that runs longer has gone round in circles
# Questions whose answer is not kept as words in the plan.
YES_NO = ("consent", "summary_ok", "carry_on")


def patients(folder: Path = PATIENTS_DIR) -> list[dict]:
    found = []
    for path in sorted(folder.glob("*.yml")):
        found += yaml.safe_load(path.read_text(encoding="utf-8"))["patients"]
    return found


@dataclass
class Conversation:
    """What one patient said, and what the assistant had to do again."""

    answers: dict[str, str] = field(default_factory=dict)  # question -> the words given as its answer
    interjections: list[str] = field(default_factory=list)  # every message that was not an answer
    medical_questions: list[str] = field(default_factory=list)
    asked_for_a_person: bool = False
    replaced_goals: list[str] = field(default_factory=list)  # goal descriptions changed away from
    asked_again: list[str] = field(default_factory=list)  # answers the assistant did not take
    transcript: list[str] = field(default_factory=list)

    def tail(self, lines: int = 8) -> str:
        return "\n".join(self.transcript[-lines:])


def waiting_question(rasa_url: str, token: str, sender: str) -> str | None:
    """The question the assistant is waiting on, from Rasa's tracker."""
    query = urllib.parse.urlencode({"token": token})
    # A phone number keeps its "+": the server does not decode %2B in a path.
    url = f"{rasa_url}/conversations/{urllib.parse.quote(sender, safe='+:')}/tracker?{query}"
    with urllib.request.urlopen(url, timeout=60) as response:
        tracker = json.loads(response.read())
    if (tracker.get("active_loop") or {}).get("name") != "care_plan_form":
        return None
    return tracker["slots"].get("requested_slot")


def converse(patient: dict, say: Callable[[str], str], waiting: Callable[[], str | None]) -> Conversation:
    """The whole conversation, from "hello" to the confirmed summary."""
    done = Conversation()
    replies = dict(patient["replies"])
    interjections = {item["before"]: item for item in patient.get("interjections") or []}

    def said(message: str) -> None:
        done.transcript += [f"> {message}", f"< {say(message)}"]

    said("hello")
    last_answered = None
    for _ in range(MAX_MESSAGES):
        question = waiting()
        if question is None:
            return done
        if question in interjections:
            _interject(interjections.pop(question), question, replies, done, said)
            continue
        if question == last_answered:
            done.asked_again.append(question)
            if done.asked_again.count(question) > 1:
                raise AssertionError(f"{patient['id']}: {question!r} asked again\n{done.tail()}")
        if question not in replies:
            raise AssertionError(
                f"{patient['id']}: asked {question!r}, which they had no reason to be\n{done.tail()}"
            )
        answer = replies[question]
        said(answer)
        done.answers[question] = answer
        last_answered = question
    raise AssertionError(f"{patient['id']}: no end after {MAX_MESSAGES} messages")


def _interject(
    item: dict, question: str, replies: dict, done: Conversation, say: Callable[[str], None]
) -> None:
    for message in item["say"]:
        say(message)
        done.interjections.append(message)
    if item["kind"] == "question" and any(
        w in " ".join(item["say"]).lower() for w in ("tablet", "metformin")
    ):
        done.medical_questions += item["say"]
    if item["kind"] == "person":
        done.asked_for_a_person = True
    if item["kind"] == "change_goal":
        number = question.split("_")[1]
        done.replaced_goals.append(replies[f"goal_{number}_description"])
        for key, words in item["new_goal"].items():
            replies[f"goal_{number}_{key}"] = words
        for key in list(done.answers):
            if key.startswith(f"goal_{number}_"):
                del done.answers[key]


def check_plan(patient: dict, done: Conversation, plan: dict | None) -> list[str]:
    """What is wrong with the plan read back, as sentences; empty when it is faithful."""
    if plan is None:
        return ["no plan was saved"]
    problems = []
    stored = {
        a["question_id"]: a["text"] for a in plan["answers"] if a["question_id"] != "question_for_practice"
    }
    for question, words in done.answers.items():
        if question in YES_NO or question.endswith("_more"):
            continue
        if stored.get(question) != words:
            problems.append(f"{question}: stored {stored.get(question)!r}, said {words!r}")
    for number, confidence in (patient.get("expect") or {}).items():
        index = int(number.split("_")[1]) - 1
        got = plan["goals"][index]["confidence"] if index < len(plan["goals"]) else None
        if got != confidence:
            problems.append(f"{number}: confidence {got}, meant {confidence}")
    everything = json.dumps({k: v for k, v in plan.items() if k != "answers"}) + json.dumps(
        list(stored.values())
    )
    for message in done.interjections:
        if _kept_in(message, everything):
            problems.append(f"an interjection was kept in the plan: {message!r}")
    for goal in done.replaced_goals:
        if json.dumps(goal)[1:-1] in everything:
            problems.append(f"a goal they changed is still in the plan: {goal!r}")
    if plan["handoff_requested"] is not done.asked_for_a_person:
        problems.append(f"handoff_requested is {plan['handoff_requested']}")
    return problems


def _kept_in(message: str, everything: str) -> bool:
    """Whether the plan holds the message: a short one ("back") as a whole value, since its words
    are in real answers too ("my back went"); a longer one anywhere in a value."""
    if len(message.split()) <= SHORT_MESSAGE_WORDS:
        return json.dumps(message) in everything
    return json.dumps(message)[1:-1] in everything


SHORT_MESSAGE_WORDS = 3
