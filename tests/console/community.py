"""A made-up directory of four services for practice A, for the community support tests (issue 16).

A plan seeded with the conftest's answers (knees, money, shopping, a walk) is suggested the first three;
nothing it says fits the choir, which a professional can add from the directory.
"""

from __future__ import annotations

from conftest import PRACTICE_A, T0, seed_plan

from bot import directory_services
from bot.careplan.model import CarePlan
from bot.directory.model import Directory, Service, SourceFormat
from bot.store.database import Database

WALKING = "walk-1"
MONEY = "money-2"
SHOPPING = "shop-3"
CHOIR = "choir-4"

SERVICES = (
    Service(
        WALKING,
        "Walking for Health <b>Ashby</b>",
        "Short, friendly group walks in the park for people getting active again.",
        categories=("Walking groups", "Physical activity"),
        url="https://walks.example",
        phone="01632 960100",
    ),
    Service(
        MONEY,
        "Money Matters Debt Advice",
        "Free advice on money worries, debt, bills and benefits.",
        categories=("Money and debt advice",),
        email="money@advice.example",
    ),
    Service(
        SHOPPING,
        "Good Neighbours Shopping Help",
        "Volunteers help with the shopping, or do it for you.",
        categories=("Shopping help", "Practical help"),
    ),
    Service(
        CHOIR,
        "Vale Voices Community Choir",
        "Sing with others every week; no experience needed.",
        categories=("Singing", "Music"),
    ),
)


def plan_with_suggestions(db: Database) -> CarePlan:
    """Practice A's directory imported, then a plan drafted: it holds the walk, money and shopping."""
    directory = Directory("ours.json", SourceFormat.ORUK_3, SERVICES)
    directory_services.import_directory(db, directory, PRACTICE_A, now=T0)
    return seed_plan(db, "mary-conversation")
