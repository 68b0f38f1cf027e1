"""Simulated patients, end to end over the REST channel against the real servers.

Each of the 33 people in tests/e2e/patients talks to the assistant from hello
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

# Known, with their reason; strict, so each fails the suite the day it is put right
# (then take it off this list).
KNOWN_FAILURES = {
    "p02_ken": "a joke in place of an answer ('Ask our Linda, she'll tell thee nowt! Ha.') is kept as it",
    "p12_maya": "issue 12: 'talking to someone about the anxiety' raises a false alarm (the classifier)",
    "p28_joan": "issue 12: 'so many tablets I worry I'll muddle them' is read as an overdose, a false alarm",
}
# The held-out people (tests/e2e/patients_heldout) were written after the reader was tuned
# and never read: this many of them must get a faithful plan (the first run's figure).
MIN_FAITHFUL_HELD_OUT = 5  # of 14, on 2026-12-02


def test_there_are_at_least_thirty_people_each_with_an_interjection() -> None:
    assert len(PATIENTS) >= 30
    assert all(p.get("interjections") for p in PATIENTS)


def _known(patient: dict):
    reason = KNOWN_FAILURES.get(patient["id"])
    return pytest.param(
        patient, id=patient["id"], marks=[pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    )


@pytest.mark.parametrize("patient", [_known(p) for p in PATIENTS])
def test_a_simulated_patient_gets_a_faithful_plan(assistant: Assistant, patient: dict) -> None:
    problems, done = _talk(assistant, patient)
    if done.asked_again:
        print(f"{patient['id']}: asked again after an answer at {done.asked_again}")
    assert problems == []


def test_held_out_patients_are_scored_and_never_shown(assistant: Assistant) -> None:
    """Only the count and the ids are printed, so no one tunes on what they said."""
    faithful, failed = 0, []
    for patient in HELD_OUT:
        try:
            problems, _ = _talk(assistant, patient)
        except AssertionError:
            problems = ["the conversation did not end"]
        faithful += not problems
        failed += [patient["id"]] if problems else []
    print(f"held-out patients with a faithful plan: {faithful}/{len(HELD_OUT)}; not: {failed}")
    assert faithful >= MIN_FAITHFUL_HELD_OUT


def _talk(assistant: Assistant, patient: dict):
    sender = f"sim-{patient['id']}-{uuid.uuid4().hex[:6]}"
    done = converse(
        patient,
        say=lambda message: " ".join(assistant.say(sender, message)),
        waiting=lambda: waiting_question(assistant.url, assistant.token, sender),
    )
    return check_plan(patient, done, assistant.plan(sender)), done
