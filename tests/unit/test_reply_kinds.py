"""The reply classifier (bot/nlu/reply_kinds.py): its data, how well it learns it, and the
one place the reader listens to it.

Its own figure here is cross-validated on its training replies (each fifth read by a
classifier trained on the other four); what it adds on replies it never saw is measured in
tests/robustness/test_reading.py, on the held-out corpus.
"""

from __future__ import annotations

import pytest

from bot.careplan.interview import expects
from bot.careplan.reading import REPLY_KIND_MIN_CONFIDENCE, read_reply
from bot.careplan.reading_kinds import Nlu, NotAnAnswer
from bot.nlu.reply_kinds import ANSWER, Example, ReplyKindClassifier, load_examples, with_reply_kind

QUESTIONS = {
    "what_matters_good_day",
    "what_matters_do_again",
    "strengths_good_at",
    "strengths_coping",
    "concerns_health",
    "concerns_life",
    "goal_description",
    "goal_first_step",
    "goal_timeframe",
    "goal_confidence_boost",
    "support_needs",
    "support_people",
    "contingency",
}
MIN_CROSS_VALIDATED = {"answer_kept": 0.95, "not_an_answer_caught": 0.80}


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


def test_every_example_is_labelled_with_a_kind_the_reader_knows(examples: list[Example]) -> None:
    kinds = {ANSWER} | {kind.value for kind in NotAnAnswer}
    assert len(examples) >= 1000
    assert {e.label for e in examples} <= kinds
    assert {e.question for e in examples} <= QUESTIONS
    assert not [e for e in examples if not e.text.strip()]


def test_it_keeps_answers_and_catches_what_is_not_one_on_replies_it_was_not_trained_on(
    examples: list[Example],
) -> None:
    folds = 5
    kept = answers = caught = not_answers = 0
    for fold in range(folds):
        trained = ReplyKindClassifier([e for i, e in enumerate(examples) if i % folds != fold])
        for example in examples[fold::folds]:
            guess = trained.guess(example.text)
            says_not_an_answer = guess.label != ANSWER and guess.confidence >= REPLY_KIND_MIN_CONFIDENCE
            if example.label == ANSWER:
                answers += 1
                kept += not says_not_an_answer
            else:
                not_answers += 1
                caught += says_not_an_answer
    print(f"\ncross-validated: answers kept {kept}/{answers}, not-answers caught {caught}/{not_answers}")
    assert kept / answers >= MIN_CROSS_VALIDATED["answer_kept"]
    assert caught / not_answers >= MIN_CROSS_VALIDATED["not_an_answer_caught"]


def test_the_same_replies_train_the_same_classifier(examples: list[Example]) -> None:
    first, second = ReplyKindClassifier(examples), ReplyKindClassifier(list(examples))
    for text in ("need a brew first hang on", "walking the dog with my sister"):
        assert first.guess(text) == second.guess(text)


def test_one_label_is_not_enough_to_learn_from() -> None:
    with pytest.raises(ValueError, match="two labels"):
        ReplyKindClassifier([Example("goal_description", "walk more", ANSWER)])


QUESTION = "goal_first_step"


def _read(reply: str, kind: str, confidence: float, question: str = QUESTION):
    nlu = Nlu("inform", 1.0, {}, kind, confidence)
    return read_reply(expects("goal_1_first_step"), reply, nlu, question=question)


def test_a_reply_the_patterns_would_keep_is_what_the_classifier_is_sure_it_is() -> None:
    assert _read("need a brew first hang on", "pause", 0.9).kind == "pause"


def test_an_unsure_guess_or_an_answer_guess_leaves_the_words_as_the_answer() -> None:
    unsure = REPLY_KIND_MIN_CONFIDENCE - 0.01
    assert _read("need a brew first hang on", "pause", unsure).value == "need a brew first hang on"
    assert _read("ring the gym", ANSWER, 0.99).kind == "answer"


@pytest.mark.parametrize("kind", ["skip", "dont_know", "start_again", "delete_data", "change", "ask_human"])
def test_a_guess_that_would_lose_answers_or_set_work_in_train_only_asks_again(kind: str) -> None:
    # "pass on that" could be a skip; on the classifier's word alone nothing is lost or started.
    assert _read("walk to the postbox and back", kind, 0.99).kind == "unclear"


def test_no_guess_for_a_question_it_has_learnt_no_replies_to() -> None:
    nlu = with_reply_kind(Nlu("inform", 1.0), "No, I'm fine thank you", "accessibility")
    assert nlu.reply_kind is None
    assert with_reply_kind(Nlu("inform", 1.0), "need a brew first", QUESTION).reply_kind is not None


def test_the_patterns_come_first() -> None:
    # A reply the patterns read as a request is that request, whatever the classifier says.
    assert _read("can I speak to a real person", ANSWER, 0.99).kind == "ask_human"


def test_a_questions_own_terms_are_an_answer_whatever_the_classifier_says() -> None:
    reading = read_reply(
        expects("goal_1_timeframe"),
        "by next summer",
        Nlu("inform", 1.0, {}, "skip", 0.99),
        question="goal_timeframe",
    )
    assert (reading.kind, reading.value) == ("answer", "by next summer")
