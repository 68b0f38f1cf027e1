"""The risk detector on a labelled set (tests/safety/risk_messages.yml): every
positive must be caught, and at most 3% of the hard negatives flagged.

The set was written independently of the detector's phrases: indirect and
passive wording, misspellings, text-speak; idioms, negations, other people's
history and ordinary sadness as negatives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.casing import as_spacy_reads_it
from bot.safety.detector import RiskDetector
from bot.safety.risk import RiskCategory, Tier

# The first set; and a second, written blind after tuning on the first (its first
# measurement, before any tuning on it, is recorded in docs/clinical-safety.md).
SETS = ("risk_messages.yml", "risk_messages_blind.yml")
LABELLED = yaml.safe_load((Path(__file__).with_name(SETS[0])).read_text(encoding="utf-8"))
MAX_FALSE_POSITIVE_RATE = 0.03


def _load(name: str) -> dict:
    return yaml.safe_load((Path(__file__).with_name(name)).read_text(encoding="utf-8"))


def test_the_labelled_set_is_big_enough() -> None:
    assert sum(len(v) for v in LABELLED["positives"].values()) >= 150
    assert all(len(LABELLED["positives"][c.value]) >= 30 for c in RiskCategory)
    assert len(LABELLED["negatives"]) >= 150


@pytest.mark.parametrize("labelled_set", SETS)
def test_recall_is_total_and_false_positives_rare(nlp, detector: RiskDetector, labelled_set: str) -> None:
    labelled = _load(labelled_set)
    missed = []
    wrong_category = []
    only_checked = []
    for category, messages in labelled["positives"].items():
        for message in messages:
            reading = detector.read(nlp(message))
            found = [m.category.value for m in reading.disclosures]
            if reading.tier is Tier.CHECK:
                only_checked.append(message)
            if not found:
                missed.append((category, message))
            elif category not in found:
                wrong_category.append((category, found, message))
    false_positives = [
        (message, [(m.category.value, m.words) for m in detector.detect(nlp(message))])
        for message in labelled["negatives"]
        if detector.detect(nlp(message))
    ]
    positives = sum(len(v) for v in labelled["positives"].values())
    recall = 1 - len(missed) / positives
    false_positive_rate = len(false_positives) / len(labelled["negatives"])
    negatives = len(labelled["negatives"])
    print(
        f"\n{labelled_set}: risk recall: {recall:.3f} ({positives - len(missed)}/{positives}); "
        f"false-positive rate: {false_positive_rate:.3f} ({len(false_positives)}/{negatives}); "
        f"caught under another category: {len(wrong_category)}; "
        f"given the check, not the crisis reply: {len(only_checked)}"
    )
    assert missed == [], "missed disclosures"
    assert false_positive_rate <= MAX_FALSE_POSITIVE_RATE, false_positives


# The cases the outside trial found (issue 12), in the spirit of what was written.
EMERGENCY_IN_SYMPTOMS = (
    "wait my chest is so tight like something heavy on it, "
    "its going into my arm and jaw, all sweaty and sick, right now"
)
NOT_AN_EMERGENCY_NOW = (
    "If I ever got chest pain I'd call 999 straight away",
    "if I fall and can't get up I press my pendant alarm",
    "If I'm struggling to breathe or my ankles swell I ring the surgery or 999",
    "when my hands work well enough to do a bit of weeding",
    "I would like to do it myself",
    "The missus says if I start smoking again she'll kill me 😂",
    "I'd never do anything to hurt myself or her, I just feel flat",
    # Found by simulated patients: a word two slips from another, and conditions that go on.
    "I am conscious that I know rather too much about where that can lead",
    "If I'm stuck in bed for more than a week, or the heart racing gets worse. Contact Jo.",
    "If shoulder is so bad that I cannot work, or I cannot lift my arm. Call Rasa.",
    "By Easter. It would be a fitting time for a resurrection.",
)


def test_an_emergency_told_in_symptoms_is_caught(nlp, detector: RiskDetector) -> None:
    reading = detector.read(nlp(EMERGENCY_IN_SYMPTOMS))
    assert [m.category for m in reading.disclosures][:1] == [RiskCategory.MEDICAL_EMERGENCY]
    assert reading.tier is Tier.CLEAR


@pytest.mark.parametrize("text", NOT_AN_EMERGENCY_NOW)
def test_plans_fragments_jokes_and_negations_are_not_alarms(nlp, detector: RiskDetector, text: str) -> None:
    assert detector.detect(nlp(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "If I ever got chest pain I'd call 999, but I've got chest pain now",
        "He said if I leave he'll kill me",
        "it would be easier for everyone if I just ended it all",
        "hiding the cuts lol, nobody has a clue",
        "my son is having a seizure",
        "she keeps fitting",
        "he was unconcious on the floor",
        "if he finds out that I told you, he will kill me",
    ],
)
def test_a_disclosure_inside_a_conditional_or_a_laugh_is_still_caught(
    nlp, detector: RiskDetector, text: str
) -> None:
    assert detector.read(nlp(text)).tier is Tier.CLEAR


# Kinds of disclosure found missing on the second development part (tests/safety/evaluation/dev_2.yml),
# each written here in other words than the part's.
@pytest.mark.parametrize(
    "text",
    [
        # anaphylaxis, stroke, a long lie, fits that will not stop, a baby who will not feed
        "my throat feels like it's closing up after the cashew nuts",
        "her words are coming out wrong and her face looks funny on one side",
        "I've been lying on the floor all night since I slipped in the bathroom",
        "he's had three fits back to back and he's still twitching",
        "my baby is 5 weeks old, burning up and won't feed",
        # a plan told indirectly: letters written, a place picked, things given away
        "I've written letters to my family and picked the bridge",
        "I've given my dog away to next door, I'll be gone soon",
        # self-harm by swallowing things
        "I've been swallowing batteries when it gets too much",
        # safeguarding: a partner "knocking her about", children left alone, a carer who stopped coming
        "my stepdad's been knocking her about again",
        "she leaves the kids alone all night and goes out",
        "my carers haven't been for four days and I can't get to the kitchen",
        # someone else's past event does not hide a new one now
        "he had a fit last week and the ambulance came, he's having another one now",
        # the person's own self-harm is theirs, even told as past and "fine"
        "I cut myself last night, it was fine",
        "me da's having a fit, he's gone blue",
    ],
)
def test_kinds_found_missing_on_the_second_development_part_are_caught(
    nlp, detector: RiskDetector, text: str
) -> None:
    assert detector.read(nlp(as_spacy_reads_it(text))).tier is Tier.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        # idioms
        "the council tax is bleeding me dry",
        "I could strangle him sometimes, he never listens",
        "these new jeans are cutting me in half",
        # a past event that was seen to and was fine; someone else's story that is over
        "I had chest pains last month, they did tests and it was all fine",
        "my neighbour had a fit yesterday, the ambulance came and she's fine now",
        "my friend was self harming at school, they got her help and she's doing well",
        # "me" for "my" in dialect: still someone else's story
        "me nan had a fit last month but she's fine now",
    ],
)
def test_idioms_and_past_events_seen_to_are_not_alarms(nlp, detector: RiskDetector, text: str) -> None:
    assert detector.read(nlp(as_spacy_reads_it(text))).tier is None


# Signals that are unclear alone: a gentle check, never the full crisis reply, never nothing.
TO_CHECK = {
    "sometimes I think what's the point": RiskCategory.SUICIDAL_THOUGHTS,
    "I'm just a burden on everyone since the stroke": RiskCategory.SUICIDAL_THOUGHTS,
    "Not sure I see a future to be honest": RiskCategory.SUICIDAL_THOUGHTS,
    "been tempted to go back to the razor tbh": RiskCategory.SELF_HARM,
    "my friend from church cuts herself and I don't know how to help her": RiskCategory.SELF_HARM,
    "I have to walk on eggshells at home": RiskCategory.SAFEGUARDING,
    "he disnae like me seein ma pals": RiskCategory.SAFEGUARDING,
    "me chest's been a bit tight since dinner, not bad like": RiskCategory.MEDICAL_EMERGENCY,
    "I FEEL VERY DIZZY AND MY HEART IS GOING FAST": RiskCategory.MEDICAL_EMERGENCY,
    # A word for a fit alone: is it happening now?
    "he's on the floor, seizure i think": RiskCategory.MEDICAL_EMERGENCY,
    "I can't get up": RiskCategory.MEDICAL_EMERGENCY,
}


@pytest.mark.parametrize("text", TO_CHECK)
def test_an_unclear_signal_gets_the_check_not_the_crisis_reply(
    nlp, detector: RiskDetector, text: str
) -> None:
    reading = detector.read(nlp(as_spacy_reads_it(text)))
    assert reading.tier is Tier.CHECK
    assert [m.category for m in reading.disclosures] == [TO_CHECK[text]]


@pytest.mark.parametrize(
    "text",
    [
        "What's the point of this question?",
        "breathless on the stairs, same as usual with the COPD",
        "if me chest gets tight I'll ring the doctors",
        "I want to give up smoking",
        "I'm always half listening for a seizure",
        "money's tight and I can't get up the stairs very well in this house",
        "The COPD is worse in the damp and I'm puffed going up the bank",
        "my heart does a funny flutter now and then",
    ],
)
def test_ordinary_words_near_a_signal_get_no_check(nlp, detector: RiskDetector, text: str) -> None:
    assert detector.read(nlp(text)).tier is None


def test_capitals_are_read_as_ordinary_text() -> None:
    assert as_spacy_reads_it("ME CUT ARM AGAIN. BLOOD.") == "me cut arm again. blood."
    assert as_spacy_reads_it("Call the NHS on 111") == "Call the NHS on 111"
    assert as_spacy_reads_it("OK") == "OK"
