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
from actions.interview import TOO_LONG, ActionChangeSection, ActionStartAgain, ValidateCarePlanForm
from actions.questions import replies, wording
from actions.session import ActionSessionStart
from bot.careplan import interview
from bot.careplan.model import CarePlan
from bot.safety.signposting import crisis_messages
from bot.services import consents, drafting, stored_plans

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


def activation_tracker(slots: dict[str, Any], text: str = "hello") -> Tracker:
    """What the validation sees when the form starts: Rasa has activated the loop, no question waits."""
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "action", "name": "care_plan_form"},
    ]
    return make_tracker(slots, text=text, intent="greet", latest_action="care_plan_form", events=events)


def run(action: Any, tracker: Tracker, domain: dict) -> tuple[list, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return events, dispatcher.messages


def slot_values(events: list) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def complete_answers(**overrides: Any) -> dict[str, Any]:
    values = {slot: f"my words for {slot}" for slot in interview.all_interview_slots()}
    values.update({"consent": True, "goal_1_confidence": "8", "goal_1_more": False, **overrides})
    values.update(interview.applicability_updates(values))
    return values


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages]


def waiting(question: str, **slots: Any) -> dict[str, Any]:
    """Consent given, `question` asked, every earlier question answered."""
    order = interview.all_interview_slots()
    earlier = order[: order.index(question)] if question in order else order
    values = {slot: f"my words for {slot}" for slot in earlier}
    values.update({"consent": True, "goal_1_confidence": "8", "goal_1_more": False, **slots})
    values.update({slot: None for slot in order[order.index(question) :]} if question in order else {})
    values.update(interview.applicability_updates(values))
    return {**values, "requested_slot": question}


def test_an_answer_is_kept_word_for_word_and_the_next_question_follows(domain: dict) -> None:
    text = "Pottering in the garden then fish and chips with my sister"
    tracker = form_tracker(waiting("what_matters_good_day"), text=text)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["what_matters_good_day"] == text
    assert values["requested_slot"] == "what_matters_do_again"
    assert texts(messages) == [wording("what_matters_do_again").ask]


def test_a_first_hello_gets_the_greeting_and_the_consent_question(domain: dict) -> None:
    events, messages = run(ValidateCarePlanForm(), activation_tracker({"requested_slot": None}), domain)
    assert slot_values(events)["requested_slot"] == "consent"
    assert texts(messages) == [replies()["greet"], wording("consent").ask]
    assert messages[1]["buttons"] == wording("consent").buttons


@pytest.mark.parametrize(
    "reply", ["Yes, fine, go ahead. I might have to stop if my wife needs me", "Yep, go for it", "/affirm"]
)
def test_consent_in_many_words_starts_the_interview_and_is_recorded(store, domain: dict, reply: str) -> None:
    tracker = form_tracker({"requested_slot": "consent"}, text=reply)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["consent"] is True and values["requested_slot"] == "what_matters_good_day"
    assert texts(messages)[-1] == wording("what_matters_good_day").ask
    consent = consents.latest_consent(store, "patient-1", practice_id="practice-test")
    assert consent is not None and consent.given is True and "Is it OK to start?" in consent.wording


def test_an_aside_about_breaks_with_the_yes_is_answered_kindly(store, domain: dict) -> None:
    reply = "Yes, fine, go ahead. I might have to stop if my wife needs me"
    _, messages = run(ValidateCarePlanForm(), form_tracker({"requested_slot": "consent"}, text=reply), domain)
    assert texts(messages)[0] == replies()["breaks_are_fine"]


def test_no_to_starting_ends_it_kindly_and_records_the_refusal(store, domain: dict) -> None:
    tracker = form_tracker({"requested_slot": "consent"}, text="not right now thanks", intent="deny")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["consent"] is False and values["requested_slot"] is None
    assert values["interview_outcome"] == "refused"
    assert texts(messages) == [replies()["consent_refused"]]
    assert consents.latest_consent(store, "patient-1", practice_id="practice-test").given is False


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        ("why do you want to know that?", None),
        ("Need a 5 minute break, the kettle's on", "paused"),
        ("Ok, back. Carry on.", "welcome_back"),
        ("Sorry, I'm a slow typist, is it all right if I take my time?", "aside"),
        ("Can I get a copy of this at the end?", "copy_of_plan"),
    ],
)
def test_what_is_not_an_answer_is_answered_and_the_same_question_comes_again(
    domain: dict, reply: str, said: str | None
) -> None:
    tracker = form_tracker(waiting("strengths_coping"), text=reply)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["strengths_coping"] is None and values["requested_slot"] == "strengths_coping"
    first = wording("strengths_coping").why if said is None else replies()[said]
    assert texts(messages) == [first, wording("strengths_coping").ask]


def test_a_pause_no_pattern_knows_is_caught_by_the_reply_classifier(domain: dict) -> None:
    tracker = form_tracker(waiting("strengths_coping"), text="need a brew first hang on")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["strengths_coping"] is None
    assert texts(messages) == [replies()["paused"], wording("strengths_coping").ask]


def test_a_reply_said_again_word_for_word_is_meant_whatever_the_classifier_guessed(domain: dict) -> None:
    text = "need a brew first hang on"
    tracker = form_tracker(waiting("strengths_coping"), text=text)
    said_before = {"event": "user", "text": text.capitalize()}
    tracker.events[0:0] = [said_before, {"event": "action", "name": "care_plan_form"}]
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["strengths_coping"] == text


def test_a_medical_question_is_noted_for_the_team_and_not_answered(domain: dict) -> None:
    reply = "Should I just stop my metformin?"
    tracker = form_tracker(waiting("concerns_health"), text=reply)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["concerns_health"] is None
    assert values["questions_for_practice"] == [reply]
    assert messages[0]["response"] == "utter_no_medical_advice"


def test_asking_for_a_person_sets_the_handoff_and_asks_whether_to_carry_on(store, domain: dict) -> None:
    reply = "Can I speak to a real person? Is there a number I can ring?"
    tracker = form_tracker(waiting("what_matters_good_day"), text=reply)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["what_matters_good_day"] is None
    assert values["requested_slot"] == "carry_on"
    assert "call" in texts(messages)[0] and texts(messages)[1] == wording("carry_on").ask
    assert stored_plans.get_plan(store, "patient-1", practice_id="practice-test").handoff_requested is True


def test_yes_carry_on_is_never_an_answer_and_the_question_comes_again(domain: dict) -> None:
    slots = {**waiting("what_matters_good_day"), "pending_question": "carry_on", "requested_slot": "carry_on"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="yes, carry on"), domain)
    values = slot_values(events)
    assert values["pending_question"] is None
    assert values["requested_slot"] == "what_matters_good_day"
    assert "what_matters_good_day" not in values
    assert texts(messages) == [wording("what_matters_good_day").ask]


def test_stop_for_now_after_a_detour_ends_until_they_come_back(domain: dict) -> None:
    slots = {**waiting("concerns_life"), "pending_question": "carry_on", "requested_slot": "carry_on"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="no, stop for now"), domain)
    values = slot_values(events)
    assert values["requested_slot"] is None and values["interview_outcome"] == "stopped"
    assert texts(messages) == [replies()["stopped_for_now"]]
    back = {**complete_answers(concerns_life=None), "interview_outcome": "stopped", "requested_slot": None}
    for slot in interview.all_interview_slots()[interview.all_interview_slots().index("concerns_life") :]:
        back[slot] = None
    back.update(interview.applicability_updates(back))
    events, messages = run(ValidateCarePlanForm(), activation_tracker(back, text="hi, I'm back"), domain)
    assert texts(messages) == [replies()["welcome_back"], wording("concerns_life").ask]


def test_an_unreadable_confidence_is_asked_again_kindly(domain: dict) -> None:
    tracker = form_tracker(waiting("goal_1_confidence"), text="depends on the weather")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["requested_slot"] == "goal_1_confidence"
    question = wording("goal_1_confidence")
    assert texts(messages) == [question.unclear, question.ask]


def test_a_number_with_words_keeps_the_words_as_what_would_help(domain: dict) -> None:
    reply = "5. Would be higher if someone actually rang me."
    events, _ = run(ValidateCarePlanForm(), form_tracker(waiting("goal_1_confidence"), text=reply), domain)
    values = slot_values(events)
    assert values["goal_1_confidence"] == reply
    assert values["goal_1_confidence_boost"] == "Would be higher if someone actually rang me"
    assert values["requested_slot"] == "goal_1_more"


def test_a_low_number_with_its_reason_still_asks_what_would_help(domain: dict) -> None:
    reply = "Like a 5? I've tried this before"
    events, _ = run(ValidateCarePlanForm(), form_tracker(waiting("goal_1_confidence"), text=reply), domain)
    values = slot_values(events)
    assert values["goal_1_confidence"] == reply
    assert values["requested_slot"] == "goal_1_confidence_boost"


def test_a_low_confidence_alone_asks_what_would_help(domain: dict) -> None:
    events, _ = run(
        ValidateCarePlanForm(), form_tracker(waiting("goal_1_confidence"), text="about a 5"), domain
    )
    assert slot_values(events)["requested_slot"] == "goal_1_confidence_boost"


def test_another_goal_answered_with_the_goal_itself_keeps_it(domain: dict) -> None:
    tracker = form_tracker(waiting("goal_1_more"), text="Get my blood pressure checked")
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["goal_1_more"] is True
    assert values["goal_2_description"] == "Get my blood pressure checked"
    assert values["requested_slot"] == "goal_2_first_step"


def test_an_unclear_yes_or_no_asks_again_with_its_buttons(domain: dict) -> None:
    events, messages = run(ValidateCarePlanForm(), form_tracker(waiting("goal_1_more"), text="hmm"), domain)
    assert slot_values(events)["requested_slot"] == "goal_1_more"
    question = wording("goal_1_more")
    assert texts(messages) == [question.unclear, question.ask]
    assert messages[1]["buttons"] == question.buttons != []


def test_a_first_step_is_never_read_as_skip(domain: dict) -> None:
    reply = "Book a chat with occupational health"
    events, messages = run(
        ValidateCarePlanForm(), form_tracker(waiting("goal_1_first_step"), text=reply), domain
    )
    assert slot_values(events)["goal_1_first_step"] == reply
    assert replies()["skipped"] not in texts(messages)


def test_skip_is_recorded_as_skipped(domain: dict) -> None:
    tracker = form_tracker(waiting("concerns_life"), text="I'd rather not say", intent="skip")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["concerns_life"] == "skip"
    assert values["unanswered"] == {"concerns_life": "skipped"}
    assert texts(messages) == [replies()["skipped"], wording("goal_1_description").ask]


def test_a_change_of_mind_replaces_the_goal_being_asked(domain: dict) -> None:
    slots = waiting("goal_1_timeframe", goal_1_description="go swimming", goal_1_first_step="buy a costume")
    reply = "Actually, can I change my goal? I'll never go swimming, walking with my sister instead"
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text=reply), domain)
    values = slot_values(events)
    assert values["goal_1_description"] is None and values["goal_1_first_step"] is None
    assert values["requested_slot"] == "goal_1_description"
    assert texts(messages) == [replies()["change_section"], wording("goal_1_description").ask]


def test_a_change_of_mind_with_reasons_after_it_changes_the_goal_being_asked(domain: dict) -> None:
    slots = waiting(
        "goal_1_confidence",
        goal_1_description="play guitar",
        goal_1_first_step="restring it",
        goal_1_timeframe="soon",
    )
    reply = "Wait actually can I change the guitar one? I'd rather do running, it helps my head more"
    events, _ = run(ValidateCarePlanForm(), form_tracker(slots, text=reply), domain)
    values = slot_values(events)
    assert values["goal_1_description"] is None and values["goal_1_timeframe"] is None
    assert values["requested_slot"] == "goal_1_description"


def test_easy_read_on_request_asks_the_rest_plainly(domain: dict) -> None:
    events, messages = run(
        ValidateCarePlanForm(), form_tracker(waiting("concerns_life"), text="too many words"), domain
    )
    assert slot_values(events)["easy_read"] is True
    assert texts(messages) == [replies()["easy_read"], wording("concerns_life", easy_read=True).ask]
    assert len(wording("concerns_life", easy_read=True).ask) < len(wording("concerns_life").ask)


def test_asking_for_short_questions_at_the_accessibility_question_is_its_answer_too(domain: dict) -> None:
    """ "Short questions. Jean helps read." switches easy read on and answers the question, so it
    is not asked again (it was, round and round)."""
    reply = "Short questions. Jean helps read."
    events, _ = run(ValidateCarePlanForm(), form_tracker(waiting("accessibility"), text=reply), domain)
    values = slot_values(events)
    assert values["easy_read"] is True and values["accessibility"] == reply
    assert values["requested_slot"] == "share_with"


def test_the_last_answer_reads_the_plan_back_and_asks_if_it_is_right(domain: dict) -> None:
    slots = {**complete_answers(contingency=None), "requested_slot": "contingency"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="ring my son Dave"), domain)
    assert slot_values(events)["requested_slot"] == "summary_ok"
    said = texts(messages)
    assert said[0] == replies()["summary_intro"]
    assert said[1].startswith("What matters to you:")
    assert any(t.startswith("Goal 1:") and "8 out of 10" in t for t in said)
    assert any(t.startswith("If things get worse") and "ring my son Dave" in t for t in said)
    assert said[-1] == "Is this right?" and messages[-1]["buttons"] == wording("summary_ok").buttons


@pytest.mark.parametrize("reply", ["Yes, that's a fair summary", "Yes correct, thank you", "Yes. Good."])
def test_confirming_the_summary_in_words_saves_the_draft(store, domain: dict, reply: str) -> None:
    slots = {**complete_answers(), "requested_slot": "summary_ok"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text=reply), domain)
    values = slot_values(events)
    assert values["summary_ok"] is True and values["requested_slot"] is None
    assert values["interview_outcome"] == "confirmed"
    assert texts(messages) == [replies()["plan_saved"]]
    plan = stored_plans.get_plan(store, "patient-1", practice_id="practice-test")
    assert plan is not None and plan.version == 1 and plan.status.value == "draft"
    assert plan.practice_id == "practice-test"


def test_a_question_at_the_summary_is_answered_and_is_this_right_comes_again(domain: dict) -> None:
    slots = {**complete_answers(), "requested_slot": "summary_ok"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="can I get a copy?"), domain)
    assert slot_values(events)["requested_slot"] == "summary_ok"
    assert texts(messages) == [replies()["copy_of_plan"], "Is this right?"]


def test_no_at_the_summary_naming_a_part_asks_that_part_again(domain: dict) -> None:
    slots = {**complete_answers(), "requested_slot": "summary_ok"}
    tracker = form_tracker(slots, text="No, the contact bit is wrong")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["contact_preferences"] is None and values["requested_slot"] == "contact_preferences"
    assert texts(messages)[0] == replies()["change_section"]


def test_change_something_asks_which_part_then_that_part_again(domain: dict) -> None:
    slots = {**complete_answers(), "requested_slot": "summary_ok"}
    events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="/change_section"), domain)
    assert slot_values(events)["requested_slot"] == "section_to_change"
    assert texts(messages) == [wording("section_to_change").ask]
    after = {**slots, **slot_values(events)}
    button = form_tracker(
        after, text="/change_section", entities=[{"entity": "section", "value": "strengths"}]
    )
    values = slot_values(run(ValidateCarePlanForm(), button, domain)[0])
    assert values["strengths_good_at"] is None and values["requested_slot"] == "strengths_good_at"


def test_when_the_plan_cannot_be_saved_the_person_is_told_so(
    tmp_path: Path, monkeypatch, domain: dict
) -> None:
    # Nothing listens on port 1: every connection is refused, as when the database is down.
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/test")
    adapters.settings.cache_clear()
    adapters.database.cache_clear()
    try:
        slots = {**complete_answers(), "requested_slot": "summary_ok"}
        events, messages = run(ValidateCarePlanForm(), form_tracker(slots, text="yes"), domain)
    finally:
        adapters.database.cache_clear()
        adapters.settings.cache_clear()
    values = slot_values(events)
    assert "summary_ok" not in values or values["summary_ok"] is None
    assert values["requested_slot"] == "summary_ok"
    assert replies()["plan_saved"] not in texts(messages)
    assert texts(messages)[0].startswith("I'm sorry, I couldn't save your plan")


def test_delete_my_answers_asks_first_then_deletes(store, domain: dict) -> None:
    consents.record_consent(store, "patient-1", True, "wording", practice_id="practice-test")
    # Another practice sharing the database, with the same conversation id (issue 13, item 4).
    theirs = CarePlan("patient-1", "another-practice", what_matters={"what_matters_good_day": "Bowls"})
    drafting.draft_plan(store, theirs)
    consents.record_consent(store, "patient-1", True, "wording", practice_id="another-practice")
    tracker = form_tracker(waiting("concerns_life"), text="please delete my answers")
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["requested_slot"] == "confirm_delete"
    assert texts(messages) == [wording("confirm_delete").ask]
    after = {**waiting("concerns_life"), **slot_values(events)}
    events, messages = run(ValidateCarePlanForm(), form_tracker(after, text="yes delete them"), domain)
    values = slot_values(events)
    assert values["erase_conversation"] is True and values["requested_slot"] is None
    assert texts(messages) == [replies()["deleted"]]
    assert consents.latest_consent(store, "patient-1", practice_id="practice-test") is None
    # This deployment's practice (PRACTICE_ID) only: the other practice's plan and consent stay.
    assert stored_plans.get_plan(store, "patient-1", practice_id="another-practice").what_matters == {
        "what_matters_good_day": "Bowls"
    }
    assert consents.latest_consent(store, "patient-1", practice_id="another-practice").given is True


def test_the_delete_my_data_action_deletes_this_practice_s_plan_only(store, domain: dict) -> None:
    from actions.safety import ActionDeleteMyData

    for practice in ("practice-test", "another-practice"):  # PRACTICE_ID is practice-test
        drafting.draft_plan(store, CarePlan("patient-1", practice, what_matters={"good_day": practice}))
    events, messages = run(ActionDeleteMyData(), make_tracker(text="delete my data"), domain)
    assert slot_values(events)["erase_conversation"] is True
    assert texts(messages) == [replies()["deleted"]]
    assert stored_plans.get_plan(store, "patient-1", practice_id="practice-test") is None
    assert stored_plans.get_plan(store, "patient-1", practice_id="another-practice") is not None


def test_a_risk_disclosure_is_handed_to_the_safety_rules(domain: dict) -> None:
    text = "I love my garden and the grandkids visit on Sundays but honestly I want to end my life " * 3
    tracker = form_tracker(waiting("what_matters_good_day"), text=text, intent="risk_disclosure")
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    assert events == []


def test_a_message_over_the_limit_is_not_taken_and_the_question_comes_again(domain: dict) -> None:
    text = "I like my garden. " * 200  # 3,600 characters; the default limit is 2,000
    tracker = form_tracker(waiting("what_matters_good_day"), text=text)
    events, messages = run(ValidateCarePlanForm(), tracker, domain)
    values = slot_values(events)
    assert values["what_matters_good_day"] is None and values["requested_slot"] == "what_matters_good_day"
    assert texts(messages) == [TOO_LONG.format(limit=2000), wording("what_matters_good_day").ask]


def test_support_people_found_by_spacy_are_kept(domain: dict) -> None:
    people = [{"name": "Sarah", "relationship": "daughter"}]
    tracker = form_tracker(waiting("support_people"), text="my daughter Sarah", support_people=people)
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["support_people_found"] == people


def test_answering_a_question_once_skipped_clears_its_mark(domain: dict) -> None:
    slots = {
        **waiting("concerns_life"),
        "unanswered": {"concerns_life": "skipped", "strengths_good_at": "dont_know"},
    }
    events, _ = run(ValidateCarePlanForm(), form_tracker(slots, text="money is tight"), domain)
    assert slot_values(events)["unanswered"] == {"strengths_good_at": "dont_know"}


def test_an_ordinary_answer_sets_no_record_of_unanswered(domain: dict) -> None:
    """Rasa reads every event back on every turn, so an unchanged slot is not set again."""
    slots = {**waiting("concerns_life"), "unanswered": {"strengths_good_at": "dont_know"}}
    events, _ = run(ValidateCarePlanForm(), form_tracker(slots, text="money is tight"), domain)
    assert "unanswered" not in slot_values(events)


def test_change_my_second_goal_after_the_plan_was_saved_clears_only_that_goal(domain: dict) -> None:
    slots = complete_answers(goal_1_more=True, goal_2_confidence="9", goal_2_more=False, summary_ok=True)
    tracker = make_tracker(slots, text="change my second goal", intent="change_section", active_loop=None)
    events, _ = run(ActionChangeSection(), tracker, domain)
    values = slot_values(events)
    assert all(
        values[f"goal_2_{f}"] is None for f in ("description", "first_step", "timeframe", "confidence")
    )
    assert values["summary_ok"] is None
    assert "goal_1_description" not in values


def test_change_something_after_saving_asks_which_part(domain: dict) -> None:
    tracker = make_tracker(
        complete_answers(), text="/change_section", intent="change_section", active_loop=None
    )
    events, _ = run(ActionChangeSection(), tracker, domain)
    assert slot_values(events)["pending_question"] == "section_to_change"


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
        {"event": "action", "name": "care_plan_form"},
        {"event": "active_loop", "name": None},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker(complete_answers(summary_ok=True), active_loop=None, events=history)
    events, _ = run(ActionSessionStart(), tracker, domain)
    assert ActiveLoop("care_plan_form") not in events


def test_hello_after_the_plan_was_saved_says_so_and_asks_nothing(domain: dict) -> None:
    slots = {**complete_answers(summary_ok=True), "interview_outcome": "confirmed", "requested_slot": None}
    events, messages = run(ValidateCarePlanForm(), activation_tracker(slots), domain)
    assert slot_values(events)["requested_slot"] is None
    assert texts(messages) == [replies()["plan_already_saved"]]


def test_a_risk_the_detector_cannot_name_still_gets_a_flag(store, domain: dict) -> None:
    """Fail closed: an 'unspecified' risk once crashed the action. Its help is the static
    utter_crisis Rasa says before the action (test_crisis_replies_are_static_and_fit_the_kind)."""
    from actions.safety import ActionRespondToRisk

    risk = {"categories": ["unspecified"], "words": []}
    tracker = make_tracker(
        waiting("support_needs"), text="it all gets too much", intent="risk_disclosure", risk=risk
    )
    events, messages = run(ActionRespondToRisk(), tracker, domain)
    assert texts(messages) == [replies()["risk_flagged"]]
    assert slot_values(events) == {"risk_to_check": None, "pending_question": "carry_on"}
    [flag] = stored_plans.get_plan(store, "patient-1", practice_id="practice-test").risk_flags
    assert flag["category"] == "unspecified"


def test_the_action_adds_the_crisis_reply_for_each_further_kind_of_risk(store, domain: dict) -> None:
    """Rasa said the most urgent kind's reply already; the others come from the action, once each."""
    from actions.safety import ActionRespondToRisk

    risk = {"tier": "clear", "categories": ["medical_emergency", "suicidal_thoughts"], "words": []}
    tracker = make_tracker(waiting("support_needs"), text="took all my pills, want to die",
                           intent="risk_disclosure", risk=risk)  # fmt: skip
    _, messages = run(ActionRespondToRisk(), tracker, domain)
    said = [m.get("text") for m in messages if m.get("text")]
    assert said == [*crisis_messages(["suicidal_thoughts"]), replies()["risk_flagged"]]
    flags = stored_plans.get_plan(store, "patient-1", practice_id="practice-test").risk_flags
    assert [f["category"] for f in flags] == ["medical_emergency", "suicidal_thoughts"]


def test_a_long_answer_that_discloses_risk_is_kept_as_the_answer_too(store, domain: dict) -> None:
    """The flag and help first; the answer is not lost, so the person is not asked it again
    and again, and "yes, carry on" is never taken for it (issue 11, item 4)."""
    from actions.safety import ActionRespondToRisk

    answer = ("My heart failure is the main thing. My ankles swell by the evening and I get "
              "breathless on the stairs, and I've had chest pain since this morning")  # fmt: skip
    risk = {"tier": "clear", "categories": ["medical_emergency"], "words": ["chest pain"]}
    tracker = make_tracker(waiting("concerns_health"), text=answer, intent="risk_disclosure", risk=risk)
    events, _ = run(ActionRespondToRisk(), tracker, domain)
    assert slot_values(events)["concerns_health"] == answer
    assert slot_values(events)["pending_question"] == "carry_on"
    assert stored_plans.get_plan(store, "patient-1", practice_id="practice-test").risk_flags


def test_a_short_disclosure_is_not_taken_for_the_answer(store, domain: dict) -> None:
    from actions.safety import ActionRespondToRisk

    risk = {"tier": "clear", "categories": ["suicidal_thoughts"], "words": []}
    tracker = make_tracker(waiting("what_matters_do_again"), text="everyone would be better off without me",
                           intent="risk_disclosure", risk=risk)  # fmt: skip
    events, _ = run(ActionRespondToRisk(), tracker, domain)
    assert "what_matters_do_again" not in slot_values(events)


CHECK = {"tier": "check", "categories": ["suicidal_thoughts"], "words": ["what's the point"]}


def checked_tracker(
    slots: dict[str, Any], text: str, intent: str = "risk_disclosure", **message: Any
) -> Tracker:
    """The form after Rasa's rules offered help for a signal to check (utter_risk_check_help)."""
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "action", "name": "utter_risk_check_help"},
        {"event": "slot", "name": "requested_slot", "value": slots.get("requested_slot")},
        {"event": "action", "name": "care_plan_form"},
    ]
    return make_tracker(
        slots, text=text, intent=intent, latest_action="care_plan_form", events=events, **message
    )


def test_a_signal_to_check_keeps_the_answer_and_asks_gently_first(store, domain: dict) -> None:
    text = "worried I'm a burden, sometimes I think what's the point"
    events, messages = run(
        ValidateCarePlanForm(), checked_tracker(waiting("concerns_life"), text, risk=CHECK), domain
    )
    values = slot_values(events)
    assert values["concerns_life"] == text  # the person's words are their answer
    assert values["pending_question"] == "risk_check" and values["requested_slot"] == "risk_check"
    assert values["risk_to_check"] == {"categories": ["suicidal_thoughts"], "message": text}
    assert texts(messages) == [wording("risk_check", variant="suicidal_thoughts").ask]
    assert "ending your life" in texts(messages)[0]
    assert (
        stored_plans.get_plan(store, "patient-1", practice_id="practice-test") is None
    )  # no flag before the answer


def test_a_signal_to_check_is_read_without_the_reply_classifier(store, domain: dict) -> None:
    # It once read "what's the point" as a question about the form (ask_why, 0.83 sure).
    text = "some days I think what's the point"
    tracker = checked_tracker(waiting("what_matters_good_day"), text, risk=CHECK)
    events, _ = run(ValidateCarePlanForm(), tracker, domain)
    assert slot_values(events)["what_matters_good_day"] == text


def test_no_to_the_check_carries_on_and_is_noted_without_an_urgent_flag(store, domain: dict) -> None:
    to_check = {"categories": ["suicidal_thoughts"], "message": "what's the point"}
    slots = waiting("risk_check", pending_question="risk_check", risk_to_check=to_check)
    slots["concerns_life"] = "what's the point"
    events, messages = run(
        ValidateCarePlanForm(), form_tracker(slots, "No, nothing like that, just fed up"), domain
    )
    values = slot_values(events)
    assert values["pending_question"] is None and values["risk_to_check"] is None
    assert values["risk_checks"] == [{**to_check, "answer": "no"}]
    assert texts(messages)[0] == replies()["risk_check_no"]
    assert values["requested_slot"] != "risk_check"  # the interview goes on
    assert stored_plans.get_plan(store, "patient-1", practice_id="practice-test") is None


def test_yes_or_anything_unclear_to_the_check_gets_the_crisis_reply_and_a_flag(store, domain: dict) -> None:
    to_check = {"categories": ["self_harm"], "message": "been tempted to go back to the razor"}
    for reply in ("yes", "sort of, I don't know"):
        slots = waiting("risk_check", pending_question="risk_check", risk_to_check=to_check)
        events, messages = run(ValidateCarePlanForm(), form_tracker(slots, reply), domain)
        values = slot_values(events)
        assert crisis_messages(["self_harm"])[0] in texts_of(messages)
        assert replies()["risk_flagged"] in texts_of(messages)
        assert values["pending_question"] == "carry_on" and values["requested_slot"] == "carry_on"
    flags = stored_plans.get_plan(store, "patient-1", practice_id="practice-test").risk_flags
    assert [f["category"] for f in flags] == ["self_harm", "self_harm"]
    assert "been tempted to go back to the razor" in flags[0]["message"]


def texts_of(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m.get("text")]


def test_a_check_noted_no_reaches_the_plan_for_the_professional(domain: dict) -> None:
    from actions.adapters import plan_from_tracker

    check = {"categories": ["safeguarding"], "message": "I walk on eggshells at home", "answer": "no"}
    plan = plan_from_tracker(make_tracker({**complete_answers(), "risk_checks": [check]}, text="yes"))
    [noted] = [a for a in plan.answers if a.question_id == "risk_check"]
    assert "safeguarding" in noted.question and "eggshells" in noted.question and noted.text == "Said no"
    assert plan.risk_flags == []


DEMO_DIRECTORY = ROOT / "bot" / "directory" / "demo_directory.json"
LONELY = "I've been lonely since my wife died, the evenings are long"


@pytest.fixture
def groups_on(store, monkeypatch: pytest.MonkeyPatch):
    """A practice that turns on naming local groups, with the demo directory as its own."""
    from bot import directory_services

    monkeypatch.setenv("MENTION_LOCAL_GROUPS", "true")
    adapters.settings.cache_clear()
    directory_services.import_from(store, str(DEMO_DIRECTORY), "practice-test")
    return store


def confirmed_summary(domain: dict, events: list[dict] | None = None, **slots: Any) -> list[str]:
    answers = {**complete_answers(concerns_life=LONELY, **slots), "requested_slot": "summary_ok"}
    tracker = form_tracker(answers, text="yes that's right")
    if events is not None:
        tracker.events = [*events, *tracker.events]
    return texts(run(ValidateCarePlanForm(), tracker, domain)[1])


def test_where_the_practice_turns_it_on_the_person_hears_of_up_to_three_local_groups(
    groups_on, domain: dict
) -> None:
    said = confirmed_summary(domain)
    assert said[0] == replies()["plan_saved"]
    assert len(said) == 2 and said[1].startswith("Your practice team may talk to you about some local groups")
    suggested = [
        s.name
        for s in stored_plans.get_plan(
            groups_on, "patient-1", practice_id="practice-test"
        ).community_suggestions
    ]
    assert len(suggested) > 3  # the best three are named, in the plan's order
    assert all(name in said[1] for name in suggested[:3]) and suggested[3] not in said[1]
    assert "Befriending" in said[1]


def test_local_groups_are_never_named_after_a_sign_of_risk(groups_on, domain: dict) -> None:
    disclosed = {"event": "user", "text": "…", "parse_data": {"risk": {"tier": "check", "categories": []}}}
    assert confirmed_summary(domain, events=[disclosed]) == [replies()["plan_saved"]]
    checked_no = [{"categories": ["self_harm"], "message": "…"}]
    assert confirmed_summary(domain, risk_checks=checked_no) == [replies()["plan_saved"]]


def test_local_groups_are_not_named_unless_the_practice_turns_it_on(store, domain: dict) -> None:
    from bot import directory_services

    directory_services.import_from(store, str(DEMO_DIRECTORY), "practice-test")
    assert confirmed_summary(domain) == [replies()["plan_saved"]]
