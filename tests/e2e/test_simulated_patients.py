"""Simulated patients, end to end over the REST channel against the real servers.

Each of the 71 people in tests/e2e/patients talks to the assistant from hello
to the confirmed summary, with their interjections, and the plan read back
through the command line must hold their answers and none of their
interjections (tests/e2e/simulated_patients.py says what is checked).
"""

from __future__ import annotations

import uuid

import pytest
from e2e_assistant import Assistant
from simulated_patients import HELD_OUT_DIR, check_plan, converse, patients, waiting_question

pytestmark = pytest.mark.e2e

PATIENTS = patients()
HELD_OUT = patients(HELD_OUT_DIR)

# The people who do not yet get a faithful plan, and why. Their conversations run like
# everyone's (nothing is skipped or marked expected to fail): they count against the
# floor below, and a regression for anyone else fails their own test.
KNOWN_FAILURES = {
    "p02_ken": "a joke in place of an answer ('Ask our Linda, she'll tell thee nowt! Ha.') is kept as it",
}
MIN_FAITHFUL = 70  # of 71
# The held-out people (tests/e2e/patients_heldout) were written after the reader was tuned
# and never read: this many of them must get a faithful plan (the first run's figure).
# 5 of the first 14 on 2026-12-02; 10 of 26 on 2026-12-03; 15 of 38 on 2026-12-04, the twelve
# written that day scoring 4 as written and 4 after the day's tuning on twelve other new people;
# 19 of 38 with the reply classifier (bot/nlu/reply_kinds.py), nothing tuned on them.
MIN_FAITHFUL_HELD_OUT = 18  # of 38: one below the measured 19, for a model trained afresh


def test_there_are_at_least_thirty_people_each_with_an_interjection() -> None:
    assert len(PATIENTS) >= 30
    assert all(p.get("interjections") for p in PATIENTS)


EXPECTED_FAITHFUL = [p for p in PATIENTS if p["id"] not in KNOWN_FAILURES]


@pytest.mark.parametrize("patient", EXPECTED_FAITHFUL, ids=[p["id"] for p in EXPECTED_FAITHFUL])
def test_a_simulated_patient_gets_a_faithful_plan(assistant: Assistant, patient: dict) -> None:
    problems, done = _talk(assistant, patient)
    if done.asked_again:
        print(f"{patient['id']}: asked again after an answer at {done.asked_again}")
    assert problems == []


def test_the_people_known_to_fail_are_scored_with_everyone(assistant: Assistant) -> None:
    """All of them count: the known failures are run and shown, with their reasons."""
    known = [p for p in PATIENTS if p["id"] in KNOWN_FAILURES]
    still_failing = [p["id"] for p in known if _problems(assistant, p)]
    for name in still_failing:
        print(f"{name}: {KNOWN_FAILURES[name]}")
    assert len(PATIENTS) - len(still_failing) >= MIN_FAITHFUL


def test_held_out_patients_are_scored_and_never_shown(assistant: Assistant) -> None:
    """Only the count and the ids are printed, so no one tunes on what they said."""
    faithful, failed = 0, []
    for patient in HELD_OUT:
        problems = _problems(assistant, patient)
        faithful += not problems
        failed += [patient["id"]] if problems else []
    print(f"held-out patients with a faithful plan: {faithful}/{len(HELD_OUT)}; not: {failed}")
    assert faithful >= MIN_FAITHFUL_HELD_OUT


def _problems(assistant: Assistant, patient: dict) -> list[str]:
    try:
        return _talk(assistant, patient)[0]
    except AssertionError as stuck:  # the conversation went round in circles
        return [str(stuck)]


def _talk(assistant: Assistant, patient: dict):
    sender = f"sim-{patient['id']}-{uuid.uuid4().hex[:6]}"
    done = converse(
        patient,
        say=lambda message: " ".join(assistant.say(sender, message)),
        waiting=lambda: waiting_question(assistant.url, assistant.token, sender),
    )
    return check_plan(patient, done, assistant.plan(sender)), done
