"""The summary read back to the person in chat, section by section, in their words."""

from __future__ import annotations

from bot.careplan.model import CarePlan, Goal

NOT_ANSWERED = "(skipped)"


def readback(plan: CarePlan) -> list[str]:
    """One short chat message per section of the plan."""
    sections = [
        ("What matters to you", _join(plan.what_matters.values())),
        ("Your strengths", _join(plan.strengths.values())),
        ("Your concerns", _join(plan.concerns.values())),
        *[(f"Goal {n}", _goal(goal)) for n, goal in enumerate(plan.goals, start=1)],
        ("Support you'd like", _support(plan)),
        ("How to contact you", _words(plan.contact_preferences)),
        ("Things that make it easier for you", _words(plan.accessibility)),
        ("Who can see your plan", _words(plan.share_with)),
        ("If things get worse", _words(plan.contingency)),
    ]
    return [f"{title}: {text}" for title, text in sections]


def _words(text: str | None) -> str:
    return f'"{text.strip()}"' if text and text.strip() else NOT_ANSWERED


def _join(texts: object) -> str:
    quoted = [_words(t) for t in texts if t]  # type: ignore[attr-defined]
    return " ".join(quoted) if quoted else NOT_ANSWERED


def _goal(goal: Goal) -> str:
    parts = [_words(goal.description)]
    if goal.first_step:
        parts.append(f"First step: {_words(goal.first_step)}")
    if goal.timeframe:
        parts.append(f"By: {_words(goal.timeframe)}")
    if goal.confidence is not None:
        parts.append(f"How sure you feel: {goal.confidence} out of 10")
    if goal.confidence_boost:
        parts.append(f"What would help: {_words(goal.confidence_boost)}")
    return ". ".join(parts)


def _support(plan: CarePlan) -> str:
    support = plan.support
    parts = [_words(support.needs)]
    people = [_person(p.name, p.relationship) for p in support.people]
    said = {a.question_id: a.text for a in plan.answers}.get("support_people")
    if people or said:
        parts.append("Who helps you now: " + (", ".join(people) if people else _words(said)))
    if support.from_practice:
        parts.append("From your practice: " + ", ".join(support.from_practice))
    return ". ".join(parts)


def _person(name: str | None, relationship: str | None) -> str:
    if name and relationship:
        return f"{name} ({relationship})"
    return name or relationship or ""
