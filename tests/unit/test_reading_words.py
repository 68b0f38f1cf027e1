"""Words spelt as they sound, and punctuation said to voice typing, read as meant."""

from __future__ import annotations

import pytest

from bot.careplan.interview import expects
from bot.careplan.parsing import parse_confidence_with_rest
from bot.careplan.reading import read_reply
from bot.careplan.reading_words import normalise


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("can i chanj wot i sed befor", "can i change what i said before"),
        ("fone me pls", "phone me pls"),
        ("yes comma lose some weight full stop", "yes, lose some weight."),
        # Real words stay as typed, even where a spelling could be read as another.
        ("I ate my tea", "i ate my tea"),
        ("my phone", "my phone"),
    ],
)
def test_spellings_as_they_sound_are_read_as_meant(typed: str, read_as: str) -> None:
    assert normalise(typed) == read_as


@pytest.mark.parametrize(
    ("typed", "number"),
    [("for out of ten", 4), ("too out of ten not very sure", 2), ("ate i think", 8), ("tree/10", 3)],
)
def test_numbers_written_as_they_sound_before_out_of_ten_or_alone(typed: str, number: int) -> None:
    assert parse_confidence_with_rest(typed)[0] == number


def test_a_sound_alike_word_in_a_sentence_is_not_a_number() -> None:
    assert parse_confidence_with_rest("I ate, then 5")[0] == 5
    assert parse_confidence_with_rest("going to try for it")[0] is None


@pytest.mark.parametrize(
    ("question", "reply", "kind"),
    [
        ("contact_preferences", "fone or tekst", "choice"),
        ("what_matters_do_again", "can i chanj wot i sed befor about a good day", "change"),
        ("support_people", "ok im bak", "resume"),
        ("share_with", "Will all this go on my records up the surgery then?", "ask_privacy"),
        ("summary_ok", "nope u got the goal wrong", "no"),  # which part? comes next
        ("summary_ok", "can I change what I said about my goal", "change"),
        ("goal_first_step", "Ring Dai and ask him to give me a lift Tuesday", "answer"),
        ("what_matters_good_day", "are you a real person or a computer?", "smalltalk"),
        # Found by simulated patients: words of a request or an aside inside a real answer.
        ("what_matters_good_day", "A good day is one where I speak to at least one human being", "answer"),
        (
            "what_matters_good_day",
            "A guid day's when the creels are full and I'm back in the harbour by two",
            "answer",
        ),
        ("concerns_health", "My heart races and I feel sick before I have to go anywhere", "answer"),
        (
            "accessibility",
            "I use voice to text because my hands hurt so sorry about the spelling and phone "
            "calls are better for me than long letters",
            "answer",
        ),
        ("what_matters_good_day", "good day is when the app is busy n i get loads of orders", "answer"),
        ("strengths_good_at", "Sorry, I'm taking ages to type this, sorry.", "smalltalk"),
        (
            "concerns_health",
            "He wants to know if he can stop taking his amlodipine, it makes his ankles swell",
            "ask_medical",
        ),
        (
            "concerns_health",
            "may I ask whether it would be in order to take my furosemide at lunchtime?",
            "ask_medical",
        ),
        ("support_needs", "can sum1 from the surgery just txt me back innit this is long", "ask_human"),
        (
            "support_from_practice",
            "He's asking if a doctor can ring him instead. Can someone call my dad?",
            "ask_human",
        ),
        ("what_matters_good_day", "when i sleep proper and my mates text me back fr", "answer"),
        (
            "accessibility",
            "Nothing really. If I'm slurring on the phone, just give me a moment to get there.",
            "answer",
        ),
        ("strengths_coping", "I'm so sorry, would it be terribly rude if we took a little break?", "pause"),
        (
            "concerns_life",
            "This is more personal than my last date, and at least he bought dinner.",
            "smalltalk",
        ),
        ("goal_description", "Sorry, brain's like porridge today.", "smalltalk"),
        ("goal_first_step", "Sorry, actually, is it ok if I change that? It's too much.", "change"),
        ("concerns_health", "can you tell me should I put my pregabalin up", "ask_medical"),
        ("carry_on", "ill keep goin til then", "yes"),
        ("support_needs", "could one of the girls at the surgery give me a bell back sometime?", "ask_human"),
        ("contact_preferences", "give us a ring bab", "choice"),
        ("goal_1_more", "Oh go on then, in for a penny", "yes"),
        ("summary_ok", "Sorry I'm slow at typing, is that ok?", "smalltalk"),
        (
            "concerns_life",
            "Please wait some minutes, my son has come from school, I must give him food",
            "pause",
        ),
        (
            "support_people",
            "I would like all information I have provided to be erased forthwith.",
            "delete_data",
        ),
        ("goal_confidence", "Does the doctor see the number I put?", "ask_privacy"),
    ],
)
def test_replies_in_these_spellings_are_read_for_what_they_are(question: str, reply: str, kind: str) -> None:
    assert read_reply(expects(question), reply, question=question).kind == kind


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        # Someone typing for another person: read in that person's own words.
        ("He says yes, that's him all over", "yes, that's me all over"),
        ("sevan, she says", "sevan"),
        (
            "He won't do it on here, he wants the surgery to ring him",
            "i won't do it on here, i want the surgery to ring me",
        ),
        # A question asked without a question mark is read as one.
        (
            "I was wondering whether my employer could see this",
            "i was wondering whether my employer could see this?",
        ),
        # A person's own words about others stay as they are.
        ("He is my rock", "he is my rock"),
        ("My sister helps her neighbour", "my sister helps her neighbour"),
    ],
)
def test_words_typed_for_someone_and_questions_without_a_mark_are_read_as_meant(
    typed: str, read_as: str
) -> None:
    assert normalise(typed) == read_as


@pytest.mark.parametrize(
    ("question", "reply", "kind"),
    [
        ("goal_1_confidence", "5 or 6, she says 6", "number"),
        ("summary_ok", "He says yes, that's him all over", "yes"),
        ("concerns_life", "Nani wants to know can she stop her water tablet", "ask_medical"),
        ("strengths_good_at", "He won't do it on here, he wants the surgery to ring him", "ask_human"),
        ("goal_description", "May I ask what this question is for, please", "ask_why"),
        # Said for someone, the answer is still the answer, kept as typed.
        ("support_people", "He says his daughter and the neighbour", "answer"),
    ],
)
def test_replies_typed_for_someone_are_read_for_what_they_are(question: str, reply: str, kind: str) -> None:
    got = read_reply(expects(question), reply, question=question)
    assert got.kind == kind
    if kind == "answer":
        assert got.value == reply


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("5 or 6, she says 6", 6),
        ("5 on a good day, 3 on a bad one, so say 4", 4),
        ("I was going to say 7 but maybe 6. Yeah 6", 6),
        ("eight, no, seven", 7),
        ("6 and say 2 if it rains", 6),
        ("7, yeah", 7),
    ],
)
def test_the_number_a_person_settles_on_is_the_one_meant(said: str, number: int) -> None:
    assert parse_confidence_with_rest(said)[0] == number


def test_a_reply_in_the_questions_own_terms_is_an_answer_whatever_the_language_model_guessed() -> None:
    from bot.careplan.interview import expects
    from bot.careplan.reading_kinds import Nlu

    sure_it_is_a_skip = Nlu("skip", 0.99)
    reading = read_reply(
        expects("goal_2_timeframe"), "Next July", sure_it_is_a_skip, question="goal_timeframe"
    )
    assert (reading.kind, reading.value) == ("answer", "Next July")
    # Without the question's own terms the model's sure guess still counts.
    assert (
        read_reply(expects("goal_2_timeframe"), "next", sure_it_is_a_skip, question="goal_timeframe").kind
        == "skip"
    )


@pytest.mark.parametrize(
    ("reply", "kind", "value"),
    [
        ("You're doing a good job, you know. In my day we did all this on paper", "smalltalk", None),
        ("I used to get letters but text is better now", "choice", ["text"]),
    ],
)
def test_an_option_named_in_a_story_of_how_things_were_is_not_chosen(
    reply: str, kind: str, value: object
) -> None:
    from bot.careplan.interview import expects

    reading = read_reply(expects("contact_preferences"), reply, question="contact_preferences")
    assert (reading.kind, reading.value) == (kind, value)
