"""The reading of replies in context, on a corpus that is never trained on.

tests/robustness/replies_*.yml hold patients' replies to each question, written
by helper sessions that never saw the code or the training data, in voices
unlike it (an 80-year-old's full sentences, text-speak, English as a second
language, BSL grammar, dialect, jokes, asides), each labelled with how it must be
read. `replies_dev_*` are the development part: the reader's words
(bot/careplan/reading_words.yml) are tuned on them. `replies_heldout_*` are
never read while tuning: their figures say how the reader does on voices it
has not met.

The figures are printed per kind of answer; "never kept" counts the replies
that are not answers (pauses, asides, questions to the assistant...) that were
read as an answer, which must never happen on the development part.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.careplan.interview import expects
from bot.careplan.reading import read_reply
from bot.careplan.reading_kinds import ANSWER_KINDS, Nlu, Reading
from bot.nlu.reply_kinds import with_reply_kind

HERE = Path(__file__).parent
DEV = sorted(HERE.glob("replies_dev_*.yml"))
HELDOUT = sorted(HERE.glob("replies_heldout_*.yml"))

MIN_ACCURACY_DEV = 0.97
# The held-out part misses the 97% target (see the closing notes); these floors
# stop it getting worse while the reader improves.
# Measured 2026-12-04 with a fifth held-out part (new voices): answers 1313/1390,
# not-an-answer 496/619, kept as an answer 97/619. The fifth part alone scored 0.873 as written
# and 0.880 after that day's tuning on two new development parts (which went 0.904 -> 0.989
# and 0.880 -> 0.977): the patterns learnt from one set of voices carry little to the next.
# Then the reply classifier (bot/nlu/reply_kinds.py, trained on 3,242 replies written for it in
# 20 other voices), with nothing else changed: answers 1314/1390, not-an-answer 524/619, kept
# 43/619; the development part unchanged (4137/4167, none kept). With 1,600 more replies in ten
# more voices (decided before measuring): 1314/1390, 521/619, kept 47/619 - no gain held-out,
# though cross-validated on its own replies it caught 84% of non-answers, not 81%.
MIN_ACCURACY_HELDOUT = {"answers": 0.94, "not_an_answer": 0.84}
MAX_KEPT_HELDOUT = 0.08

# Where a question gives a kind of reply a meaning of its own (reading_words.yml
# own_meaning and question_yes_no), the reading is that meaning: "ok I'm back" to "carry
# on or stop?" is a yes, and "hold on" to "delete your answers?" keeps them.
# And at "anything that would make it easier ...?", asking for simpler words is the answer too:
# the dialogue keeps it word for word and switches to easy read (bot/careplan/dialogue.py).
SAME_AS = {
    ("carry_on", "resume"): "yes",
    ("carry_on", "pause"): "no",
    ("confirm_delete", "pause"): "no",
    ("accessibility", "easy_read"): "answer",
}

# The corpus names goal questions without their number.
_SLOT_FOR_QUESTION = {"goal_more": "goal_1_more", "goal_confidence": "goal_1_confidence"}


def _replies(paths: list[Path]) -> list[dict]:
    return [reply for path in paths for reply in yaml.safe_load(path.read_text(encoding="utf-8"))["replies"]]


def _expected(label: object) -> tuple[str, object]:
    """The label as (kind, value); YAML reads an unquoted yes/no as a bool."""
    if isinstance(label, bool):
        return ("yes" if label else "no"), None
    label = str(label)
    if label.startswith("number:"):
        return "number", int(label.split(":")[1])
    if label.startswith("choice:"):
        return "choice", label.split(":")[1].split("+")
    return label, None


def _read(reply: dict, nlu: Nlu) -> Reading:
    question = reply["question"]
    return read_reply(_expects(question), reply["reply"], nlu, question=question)


def _expects(question: str):
    return expects(_SLOT_FOR_QUESTION.get(question, question))


@pytest.fixture(scope="module")
def language_model(agent):
    """The trained models' reading of a message, as the assistant's actions see it."""

    def parse(text: str, question: str) -> Nlu:
        intent = asyncio.run(agent.parse_message(text))["intent"]
        return with_reply_kind(Nlu(intent.get("name"), intent.get("confidence", 0.0)), text, question)

    return parse


def _score(paths: list[Path], language_model) -> tuple[Counter, Counter, int, int, list]:
    """Right readings per group, replies per group, non-answers kept, non-answers, and the misses."""
    right, total, kept, not_answers, misses = Counter(), Counter(), 0, 0, []
    for reply in _replies(paths):
        kind, value = _expected(reply["reading"])
        question = reply["question"]
        kind = SAME_AS.get((question, kind), kind)
        group = _expects(question).value if kind in ANSWER_KINDS else "not_an_answer"
        got = _read(reply, language_model(reply["reply"], question))
        got_kind = SAME_AS.get((question, got.kind), got.kind)
        good = got_kind == kind and (value is None or got.value == value)
        total[group] += 1
        right[group] += good
        if group == "not_an_answer":
            not_answers += 1
            kept += got.is_answer
        if not good:
            misses.append((question, reply["reply"], kind, value, got.kind, got.value))
    return right, total, kept, not_answers, misses


def _report(name: str, right: Counter, total: Counter, kept: int, not_answers: int) -> None:
    print(f"\n{name}: {sum(total.values())} replies")
    for group in sorted(total):
        print(f"  {group:16} {right[group]:4}/{total[group]:<4} {right[group] / total[group]:.3f}")
    print(f"  not-an-answer kept as an answer: {kept}/{not_answers}")


def test_the_corpus_is_big_enough_and_labelled_by_kind() -> None:
    replies = _replies(DEV + HELDOUT)
    assert len(replies) >= 1000
    groups = Counter(
        "not_an_answer" if _expected(r["reading"])[0] not in ANSWER_KINDS else r["question"] for r in replies
    )
    assert groups["not_an_answer"] >= 150
    assert DEV and HELDOUT


@pytest.mark.rasa
def test_every_kind_is_read_right_on_the_development_part(language_model) -> None:
    right, total, kept, not_answers, misses = _score(DEV, language_model)
    _report("development part", right, total, kept, not_answers)
    for miss in misses:
        print("  missed:", miss)
    assert kept == 0, "a pause, aside or question to the assistant was kept as an answer"
    for group in total:
        assert right[group] / total[group] >= MIN_ACCURACY_DEV, group


@pytest.mark.rasa
def test_the_held_out_part_is_reported_and_held_to_its_floor(language_model) -> None:
    """Prints the figures only: the replies themselves are not shown, so no one tunes on them."""
    right, total, kept, not_answers, _ = _score(HELDOUT, language_model)
    _report("held-out part", right, total, kept, not_answers)
    answers = sum(right[g] for g in total if g != "not_an_answer") / sum(
        total[g] for g in total if g != "not_an_answer"
    )
    assert answers >= MIN_ACCURACY_HELDOUT["answers"]
    assert right["not_an_answer"] / total["not_an_answer"] >= MIN_ACCURACY_HELDOUT["not_an_answer"]
    assert kept / not_answers <= MAX_KEPT_HELDOUT


@pytest.mark.parametrize(
    ("question", "reply", "kind", "value"),
    [
        # The issue's own examples (tests/robustness never holds them).
        ("consent", "Yes, fine, go ahead. I might have to stop if my wife needs me", "yes", True),
        ("summary_ok", "Yes, that's a fair summary", "yes", True),
        ("summary_ok", "Yes correct, thank you", "yes", True),
        ("consent", "Yes dear, that's quite all right", "yes", True),
        ("consent", "not right now", "no", False),
        ("goal_1_more", "Get my blood pressure checked", "item", "Get my blood pressure checked"),
        ("what_matters_good_day", "Need a 5 minute break", "pause", None),
        ("strengths_coping", "Ok, back. Carry on.", "resume", None),
        ("concerns_health", "Should I just stop my metformin?", "ask_medical", None),
        ("good_day", "Can I speak to a real person? Is there a number I can ring?", "ask_human", 0),
        ("carry_on", "yes, carry on", "yes", True),
        ("goal_1_confidence", "5. Would be higher if someone actually rang me.", "number", 5),
        ("goal_1_first_step", "Book a chat with occupational health", "answer", None),
        ("goal_1_timeframe", "Actually, can I change my goal? I'll never go swimming", "change", None),
        ("what_matters_do_again", "Too many words", "easy_read", None),
        ("contact_preferences", "dont call me pls just txt", "choice", ["text"]),
    ],
)
def test_replies_from_the_issue(question: str, reply: str, kind: str, value: object) -> None:
    got = read_reply(expects(question), reply, question=question)
    assert got.kind == kind
    if value:
        assert got.value == value
