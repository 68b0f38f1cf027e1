"""The interview's shape, and the draft plan built from its answers."""

from datetime import date
from pathlib import Path

import yaml

from actions.questions import wording
from bot.careplan import interview
from bot.careplan.interview import NOT_ASKED, build_plan, required_slots
from bot.careplan.model import AnswerStatus, SupportPerson

ROOT = Path(__file__).resolve().parents[2]
OPENING = [q.slot for q in interview.OPENING_QUESTIONS]
CLOSING = [q.slot for q in interview.CLOSING_QUESTIONS]


def answers(**overrides: object) -> dict:
    """A complete interview with one goal, confident enough not to need a boost."""
    values = {slot: f"words for {slot}" for slot in OPENING + CLOSING}
    values.update(
        goal_1_description="walk to the shops",
        goal_1_first_step="walk to the end of the road",
        goal_1_timeframe="in 2 weeks",
        goal_1_confidence="8",
        goal_1_more=False,
    )
    values.update(overrides)
    return values


def test_one_confident_goal_asks_no_boost_and_no_second_goal() -> None:
    goal_slots = [s for s in required_slots(answers()) if s.startswith("goal_")]
    assert goal_slots == [
        "goal_1_description", "goal_1_first_step", "goal_1_timeframe", "goal_1_confidence", "goal_1_more",
    ]  # fmt: skip


def test_low_confidence_adds_what_would_help() -> None:
    assert "goal_1_confidence_boost" in required_slots(answers(goal_1_confidence="about a 5"))
    assert "goal_1_confidence_boost" not in required_slots(answers(goal_1_confidence="7"))


def test_yes_to_another_goal_adds_its_questions_up_to_three() -> None:
    slots = required_slots(answers(goal_1_more=True, goal_2_more=True))
    assert "goal_3_description" in slots
    assert "goal_3_more" not in slots  # three is the most


def test_questions_that_do_not_apply_are_marked_so_rasa_never_asks_them() -> None:
    updates = interview.applicability_updates(answers())
    assert updates["goal_1_confidence_boost"] == NOT_ASKED
    assert updates["goal_2_description"] == NOT_ASKED
    # and they apply again when an answer changes
    values = {**answers(), **updates, "goal_1_confidence": "3"}
    assert interview.applicability_updates(values)["goal_1_confidence_boost"] is None


def test_the_first_empty_slot_in_domain_order_is_always_the_next_question() -> None:
    """After an interruption Rasa asks the first empty slot in the domain's order."""
    values = answers(goal_1_confidence="4", goal_1_more=None, support_needs=None)
    values.update(interview.applicability_updates(values))
    domain_order = interview.all_interview_slots()
    first_empty = next(s for s in domain_order if values.get(s) is None)
    assert first_empty == next(s for s in required_slots(values) if values.get(s) is None)


def test_domain_form_holds_every_question_in_order_from_consent_to_the_summary() -> None:
    domain = yaml.safe_load((ROOT / "domain" / "interview.yml").read_text())
    questions = ["consent", *interview.all_interview_slots(), "summary_ok"]
    assert domain["forms"]["care_plan_form"]["required_slots"] == questions
    for slot in interview.all_interview_slots():
        assert slot in domain["slots"]


def test_only_the_validation_action_asks_the_questions() -> None:
    """An `action_ask_` or `utter_ask_` for a slot would make Rasa ask it a second time."""
    names = {
        name for path in (ROOT / "domain").glob("*.yml")
        for section in ("actions", "responses")
        for name in (yaml.safe_load(path.read_text()).get(section) or [])
    }  # fmt: skip
    for slot in interview.all_interview_slots():
        assert {f"action_ask_{slot}", f"utter_ask_{slot}"}.isdisjoint(names)


def test_next_question_runs_from_consent_to_is_this_right() -> None:
    assert interview.next_question({}) == "consent"
    assert interview.next_question({"consent": False}) is None  # they said no: nothing more
    assert interview.next_question({"consent": True}) == "what_matters_good_day"
    values = {**answers(goal_1_confidence="about a 5", goal_1_confidence_boost=None), "consent": True}
    assert interview.next_question(values) == "goal_1_confidence_boost"
    values = {**answers(), "consent": True}
    values.update(interview.applicability_updates(values))
    assert interview.next_question(values) == "summary_ok"
    assert interview.next_question({**values, "pending_question": "carry_on"}) == "carry_on"
    assert interview.next_question({**values, "summary_ok": True}) is None


def test_every_question_has_wording_and_a_reason() -> None:
    for slot in interview.all_interview_slots():
        question = wording(slot)
        assert question.ask.strip()
        assert question.why.strip()
        assert len(question.ask.split()) <= 40, f"{slot}: keep questions short"


def test_build_plan_keeps_the_persons_words_and_skips() -> None:
    long_answer = " ".join(["I used to walk the dog along the canal every morning."] * 60)
    values = answers(
        what_matters_good_day=long_answer,
        strengths_good_at="skip",
        goal_1_confidence="about a 6",
        goal_1_confidence_boost="if my daughter came with me",
        support_from_practice="the nurse and a health coach",
    )
    plan = build_plan(
        values,
        conversation_id="sender-1",
        practice_id="practice-a",
        unanswered={"strengths_good_at": "skipped"},
        support_people=[SupportPerson(name="Sarah", relationship="daughter")],
        today=date(2026, 11, 23),
    )
    assert plan.what_matters["what_matters_good_day"] == long_answer
    assert plan.strengths["strengths_good_at"] is None
    skipped = next(a for a in plan.answers if a.question_id == "strengths_good_at")
    assert skipped.status == AnswerStatus.SKIPPED and skipped.text == "skip"
    [goal] = plan.goals
    assert goal.confidence == 6
    assert goal.confidence_boost == "if my daughter came with me"
    assert goal.target_date == date(2026, 12, 7)
    assert plan.support.people == [SupportPerson(name="Sarah", relationship="daughter")]
    assert plan.support.from_practice == ["practice nurse", "health coach"]
    assert plan.conversation_id == "sender-1" and plan.practice_id == "practice-a"


def test_questions_not_asked_are_left_out_of_the_answers() -> None:
    plan = build_plan(
        {**answers(), **interview.applicability_updates(answers())}, conversation_id="c", practice_id="p"
    )
    asked = [a.question_id for a in plan.answers]
    assert "goal_1_confidence_boost" not in asked
    assert "goal_2_description" not in asked
    assert plan.goals[0].confidence_boost is None


def test_change_a_goal_clears_only_that_goal() -> None:
    values = answers(goal_1_more=True, goal_2_description="sleep better")
    assert interview.slots_for_section("goals", 2, values) == [f"goal_2_{f}" for f in interview.GOAL_FIELDS]
    assert interview.slots_for_section("goals", -1, values)[0] == "goal_2_description"
    assert interview.slots_for_section("support", None, values) == [
        "support_needs", "support_people", "support_from_practice",
    ]  # fmt: skip


def test_easy_read_asked_for_in_the_conversation_is_in_the_communication_needs() -> None:
    values = {**answers(accessibility="large print please"), "easy_read": True}
    plan = build_plan(values, conversation_id="c", practice_id="p")
    assert plan.accessibility == f"large print please\n{interview.EASY_READ_NOTE}"
    [answer] = [a for a in plan.answers if a.question_id == "accessibility"]
    assert answer.text == "large print please"  # the person's words stay as they were
    assert build_plan(answers(accessibility="no"), conversation_id="c", practice_id="p").accessibility == "no"
