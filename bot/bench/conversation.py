"""What one simulated patient says, turn by turn, and words each reply must contain.

The answers are a real person's kind of answers to every interview question,
ending with the draft plan written. The scale tests and the benchmark both use
them; a reply without the expected words counts as an error.
"""

from __future__ import annotations

Turn = tuple[str, str]  # (message, words the assistant's replies must contain)

PATIENT: list[Turn] = [
    ("hello", "Is it OK to start?"),
    ("/affirm", "What does a good day look like"),
    ("I get up early, have my porridge and feed the birds, then walk to the paper shop",
     "anything you would like to be able to do again"),
    ("go to my Tuesday dance class again", "strengths"),
    ("I'm a good cook and I love doing the crossword", "What helps you cope"),
    ("my dog and the lads at the allotment", "health"),
    ("my knees hurt and I worry about my blood pressure tablets", "anything else making life harder"),
    ("I'm lonely since my wife died", "goals"),
    ("walk to the shops on my own", "first step"),
    ("walk to the end of the road every morning", "When would you like"),
    ("in 2 weeks", "How sure"),
    ("about a 6", "What would help"),
    ("if my daughter came with me the first few times", "add another goal"),
    ("/deny", "biggest difference"),
    ("help with the shopping and some company", "Who supports you"),
    ("my daughter Sarah and a neighbour", "Who at your practice"),
    ("Health coach", "contact you"),
    ("Phone call", "easier for you"),
    ("I'm hard of hearing so large print please", "shared"),
    ("My practice team only", "If things get worse"),
    ("ring my daughter Sarah then the surgery", "Is this right?"),
    ("/affirm", "saved this as a draft plan"),
]  # fmt: skip

# What the draft plan of a patient who said all that must hold.
EXPECTED_GOAL = "walk to the shops on my own"


def messages(turns: list[Turn] = PATIENT) -> list[str]:
    return [message for message, _ in turns]
