"""The custom actions, run as the action server runs them, on a real SQLite store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import adapters
from actions.interview import (
    ActionChangeSection,
    ActionExplainQuestion,
    ActionSkipQuestion,
    ActionStartAgain,
    ValidateCarePlanForm,
)
from actions.plan import ActionDraftPlan, ActionRecordConsent, ActionShowSummary
from actions.questions import wording
from actions.replies import TOO_LONG
from actions.session import ActionSessionStart
from bot import services
from bot.careplan import interview

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain")).as_dict()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'plans.db'}")
    monkeypatch.setenv("PRACTICE_ID", "practice-test")
    adapters.settings.cache_clear()
    adapters.database.cache_clear()
    yield adapters.database()
    adapters.database.cache_clear()
    adapters.settings.cache_clear()


def make_tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    confidence: float = 0.99,
    latest_action: str = "action_listen",
    active_loop: str | None = "care_plan_form",
    events: list[dict] | None = None,
    **message: Any,
) -> Tracker:
    latest_message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    latest_message.update(message)
    if events is None:
        events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text}]
    return Tracker(
        sender_id="patient-1",
        slots=dict(slots or {}),
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=latest_action,
    )


def form_tracker(slots: dict[str, Any], text: str, intent: str = "inform", **message: Any) -> Tracker:
    """What Rasa sends the form's validation after a message: a copy of the tracker
    that ends with the form's own action."""
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "slot", "name": "requested_slot", "value": slots.get("requested_slot")},
        {"event": "action", "name": "care_plan_form"},
    ]
    return make_tracker(
        slots, text=text, intent=intent, latest_action="care_plan_form", events=events, **message
    )


def activation_tracker(slots: dict[str, Any]) -> Tracker:
    """What the validation sees when the form starts, right after consent."""
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/affirm"},
        {"event": "action", "name": "action_record_consent"},
        {"event": "action", "name": "care_plan_form"},
    ]
    return make_tracker(slots, text="/affirm", intent="affirm", latest_action="care_plan_form", events=events)


def run(action: Any, tracker: Tracker, domain: dict) -> tuple[list, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, dispatcher.messages


def slot_values(events: list) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def complete_answers(**overrides: Any) -> dict[str, Any]:
    values = {slot: f"my words for {slot}" for slot in interview.all_interview_slots()}
    values.update({"goal_1_confidence": "8", "goal_1_more": False, **overrides})
    values.update(interview.applicability_updates(values))
    return values


def test_an_answer_is_kept_word_for_word_and_the_next_question_follows(domain: dict) -> None:
    text = "Pottering in the garden then fish and chips with my sister"
    tracker = form_tracker({"requested_slot": "what_matters_good_day"}, text=text)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["what_matters_good_day"] == text
    assert values["requested_slot"] == "what_matters_do_again"
    assert [m["text"] for m in messages] == [wording("what_matters_do_again").ask]


def test_starting_the_form_takes_no_answer_and_asks_the_first_question(domain: dict) -> None:
    events, messages = run(ValidateCarePlanForm(), activation_tracker({"requested_slot": None}), domain)
    values = slot_values(events)
    assert values["requested_slot"] == "what_matters_good_day"
    assert [m["text"] for m in messages] == [wording("what_matters_good_day").ask]
    assert values["goal_2_description"] == interview.NOT_ASKED
    assert "what_matters_good_day" not in values


def test_an_interruption_is_handed_back_to_the_rules(domain: dict) -> None:
    tracker = form_tracker({"requested_slot": "strengths_coping"}, text="why do you ask?", intent="ask_why")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    assert events == [] and messages == []


def test_an_unreadable_confidence_is_asked_again_kindly(domain: dict) -> None:
    slots = {**complete_answers(goal_1_confidence=None), "requested_slot": "goal_1_confidence"}
    tracker = form_tracker(slots, text="depends on the weather")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["requested_slot"] == "goal_1_confidence"
    question = wording("goal_1_confidence")
    assert [m["text"] for m in messages] == [question.unclear, question.ask]


def test_an_unclear_yes_or_no_asks_again_with_its_buttons(domain: dict) -> None:
    slots = {**complete_answers(goal_1_more=None), "requested_slot": "goal_1_more"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="the weather is nice"), domain)
    assert slot_values(events)["requested_slot"] == "goal_1_more"
    question = wording("goal_1_more")
    assert [m["text"] for m in messages] == [question.unclear, question.ask]
    assert messages[1]["buttons"] == question.buttons != []


def test_a_low_confidence_asks_what_would_help(domain: dict) -> None:
    slots = {
        **complete_answers(goal_1_confidence=None, goal_1_confidence_boost=None),
        "requested_slot": "goal_1_confidence",
    }
    assert slots["goal_1_confidence_boost"] == interview.NOT_ASKED
    events, _ = run(ValidateCarePlanForm(), form_tracker(slots, text="about a 5"), domain)
    assert slot_values(events)["requested_slot"] == "goal_1_confidence_boost"


def test_the_last_answer_ends_the_form(domain: dict) -> None:
    slots = {**complete_answers(contingency=None), "requested_slot": "contingency"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="ring my son Dave"), domain)
    assert slot_values(events)["requested_slot"] is None
    assert messages == []


def test_support_people_found_by_spacy_are_kept(domain: dict) -> None:
    people = [{"name": "Sarah", "relationship": "daughter"}]
    tracker = form_tracker(
        {"requested_slot": "support_people"}, text="my daughter Sarah", support_people=people
    )
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["support_people_found"] == people


def test_skip_is_recorded_as_skipped(domain: dict) -> None:
    tracker = make_tracker({"requested_slot": "concerns_life"}, text="skip", intent="skip")
    events, _ = run(ActionSkipQuestion(), tracker, domain)
    values = slot_values(events)
    assert values["concerns_life"] == "skip"
    assert values["unanswered"] == {"concerns_life": "skipped"}


def test_why_explains_the_waiting_question(domain: dict) -> None:
    _, messages = run(ActionExplainQuestion(), make_tracker({"requested_slot": "goal_2_timeframe"}), domain)
    assert messages[0]["text"] == wording("goal_2_timeframe").why


def test_change_my_second_goal_clears_only_that_goal(domain: dict) -> None:
    slots = complete_answers(goal_1_more=True, goal_2_confidence="9", goal_2_more=False)
    tracker = make_tracker(slots, text="change my second goal", intent="change_section", active_loop=None)
    events, _ = run(ActionChangeSection(), tracker, domain)
    values = slot_values(events)
    assert values["change_target_found"] is True
    assert all(
        values[f"goal_2_{f}"] is None for f in ("description", "first_step", "timeframe", "confidence")
    )
    assert "goal_1_description" not in values


def test_change_something_asks_which_part(domain: dict) -> None:
    tracker = make_tracker(
        complete_answers(), text="/change_section", intent="change_section", active_loop=None
    )
    events, _ = run(ActionChangeSection(), tracker, domain)
    assert slot_values(events) == {"change_target_found": False}


def test_the_section_button_names_the_part(domain: dict) -> None:
    tracker = make_tracker(
        complete_answers(),
        text="/change_section",
        intent="change_section",
        active_loop=None,
        entities=[{"entity": "section", "value": "strengths"}],
    )
    values = slot_values(run(ActionChangeSection(), tracker, domain)[0])
    assert values["strengths_good_at"] is None and values["strengths_coping"] is None


def test_start_again_clears_every_answer(domain: dict) -> None:
    events, _ = run(ActionStartAgain(), make_tracker(complete_answers()), domain)
    values = slot_values(events)
    assert all(values[s] is None for s in interview.required_slots({}))
    assert values["goal_2_description"] == interview.NOT_ASKED


def test_a_new_session_reopens_an_unfinished_interview(domain: dict) -> None:
    slots = {"what_matters_good_day": "gardening", "requested_slot": "what_matters_do_again"}
    events, _ = run(ActionSessionStart(), make_tracker(slots), domain)
    assert events[0]["event"] == "session_started"
    assert SlotSet("what_matters_good_day", "gardening") in events
    assert ActiveLoop("care_plan_form") in events
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")


def test_a_new_session_after_a_saved_plan_does_not_reopen_it(domain: dict) -> None:
    history = [
        {"event": "action", "name": "action_draft_plan"},
        {"event": "action", "name": "utter_plan_saved"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker(complete_answers(), active_loop=None, events=history)
    events, _ = run(ActionSessionStart(), tracker, domain)
    assert ActiveLoop("care_plan_form") not in events


@pytest.mark.parametrize(
    "waiting_with",
    [
        ["care_plan_form", "utter_summary_intro", "action_show_summary", "utter_ask_summary_ok"],
        ["action_change_section", "utter_ask_which_section"],
    ],
    ids=["is this right?", "which part?"],
)
def test_a_new_session_at_the_summary_reopens_the_interview(domain: dict, waiting_with: list[str]) -> None:
    """The form then finds every answer given and reads them back again."""
    history = [{"event": "action", "name": name} for name in [*waiting_with, "action_listen"]]
    tracker = make_tracker(complete_answers(), active_loop=None, events=history)
    events, _ = run(ActionSessionStart(), tracker, domain)
    assert ActiveLoop("care_plan_form") in events


def test_the_summary_reads_back_each_section(domain: dict) -> None:
    _, messages = run(ActionShowSummary(), make_tracker(complete_answers(), active_loop=None), domain)
    texts = [m["text"] for m in messages]
    assert texts[0].startswith("What matters to you:")
    assert any(t.startswith("Goal 1:") and "8 out of 10" in t for t in texts)
    assert texts[-1].startswith("If things get worse:")


def test_confirming_writes_a_draft_and_a_change_makes_a_new_version(store, domain: dict) -> None:
    tracker = make_tracker(complete_answers(), active_loop=None)
    run(ActionDraftPlan(), tracker, domain)
    first = services.get_plan(store, "patient-1")
    assert first is not None and first.version == 1 and first.status.value == "draft"
    assert first.practice_id == "practice-test"

    changed = make_tracker(complete_answers(contingency="call 111 and my son"), active_loop=None)
    run(ActionDraftPlan(), changed, domain)
    second = services.get_plan(store, "patient-1")
    assert second.id == first.id and second.version == 2
    assert second.contingency == "call 111 and my son"
    assert [p.version for p in services.plan_history(store, "patient-1")] == [1, 2]


def test_consent_is_recorded_with_the_wording_shown(store, domain: dict) -> None:
    run(ActionRecordConsent(), make_tracker(active_loop=None), domain)
    consent = services.latest_consent(store, "patient-1")
    assert consent is not None and consent.given is True
    assert "Is it OK to start?" in consent.wording


def test_a_button_from_a_detour_is_not_an_answer(domain: dict) -> None:
    """After "Carry on" (a button), the waiting question is asked again, not answered with "/affirm"."""
    slots = {**complete_answers(what_matters_do_again=None), "requested_slot": "what_matters_do_again"}
    tracker = form_tracker(slots, text="/affirm", intent="affirm")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values == {"what_matters_do_again": None, "requested_slot": "what_matters_do_again"}
    assert [m["text"] for m in messages] == [wording("what_matters_do_again").ask]


def test_a_message_over_the_limit_is_not_taken_and_the_question_comes_again(domain: dict) -> None:
    text = "I like my garden. " * 200  # 3,600 characters; the default limit is 2,000
    tracker = form_tracker({"requested_slot": "what_matters_good_day"}, text=text)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events) == {"what_matters_good_day": None, "requested_slot": "what_matters_good_day"}
    assert [m["text"] for m in messages] == [
        TOO_LONG.format(limit=2000),
        wording("what_matters_good_day").ask,
    ]


def test_a_long_disclosure_of_risk_is_never_taken_as_an_answer(domain: dict) -> None:
    text = "I love my garden and the grandkids visit on Sundays but honestly I want to end my life " * 3
    tracker = form_tracker({"requested_slot": "what_matters_good_day"}, text=text, intent="risk_disclosure")
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    assert events == []


def test_answering_a_question_once_skipped_clears_its_mark(domain: dict) -> None:
    slots = {
        "requested_slot": "concerns_life",
        "unanswered": {"concerns_life": "skipped", "strengths_good_at": "dont_know"},
    }
    events, _ = run(ValidateCarePlanForm(), form_tracker(slots, text="money is tight"), domain)
    assert slot_values(events)["unanswered"] == {"strengths_good_at": "dont_know"}


def test_an_ordinary_answer_sets_no_record_of_unanswered(domain: dict) -> None:
    """Rasa reads every event back on every turn, so an unchanged slot is not set again."""
    slots = {"requested_slot": "concerns_life", "unanswered": {"strengths_good_at": "dont_know"}}
    events, _ = run(ValidateCarePlanForm(), form_tracker(slots, text="money is tight"), domain)
    assert "unanswered" not in slot_values(events)
