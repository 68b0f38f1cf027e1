"""Preparing a consultation from a plan: what to look out for and what to ask.

Pure functions for the health coach's one-page prep sheet. The questions are
prompts in the spirit of health coaching (open, one at a time, the person
leads), never advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.careplan.model import Answer, AnswerStatus, CarePlan, Goal
from bot.careplan.parsing import CONFIDENCE_NEEDING_BOOST


def describe_risk_flag(flag: Mapping[str, Any]) -> str:
    """A risk flag in words: its category and the person's message.

    The safety module writes {"category", "message", "detected_at"}; plans
    from before it used {"kind", "text"}.
    """
    category = str(flag.get("category") or flag.get("kind") or "risk").replace("_", " ")
    message = str(flag.get("message") or flag.get("text") or "").strip()
    return f"Risk disclosed in conversation: {category}" + (f": “{message}”" if message else "")


def flags(plan: CarePlan) -> list[str]:
    """What a professional must know before the consultation starts."""
    found = [describe_risk_flag(flag) for flag in plan.risk_flags]
    if any(_category(flag) == "safeguarding" for flag in plan.risk_flags):
        found.append(_safe_contact(plan))
    # A gentle check answered "no": not urgent, but worth knowing it was asked.
    found += [f"{a.question}: they said no." for a in plan.answers if a.question_id == "risk_check"]
    if plan.handoff_requested:
        found.append("The person asked to talk to someone at the practice.")
    if plan.accessibility and plan.accessibility.strip():
        found.append(f"Communication and accessibility needs: {plan.accessibility.strip()}")
    return found


def _category(flag: Mapping[str, Any]) -> str:
    return str(flag.get("category") or flag.get("kind") or "")


def _safe_contact(plan: CarePlan) -> str:
    """After a disclosure of abuse, a call or a letter can put the person in danger."""
    said = (plan.contact_preferences or "").strip()
    how = (
        f"use only the ways they said suit them: “{said}”."
        if said
        else "find a safe way: they did not say how to contact them."
    )
    return f"Before contacting them, {how} Check it is safe to talk."


def questions_to_explore(plan: CarePlan) -> list[str]:
    """Open questions drawn from the gaps and low confidence in the plan, most important first."""
    questions = []
    if plan.risk_flags:
        questions.append("How are you feeling today? Do you know who to contact if you feel unsafe?")
    for number, goal in enumerate(plan.goals, start=1):
        questions += _goal_questions(number, goal)
    questions += [_unanswered_question(answer) for answer in plan.answers if _unanswered(answer)]
    if not plan.support.people:
        questions.append("Who could you turn to for support, among family, friends or neighbours?")
    if not (plan.contingency and plan.contingency.strip()):
        questions.append("If things got worse, what would you like to happen, and who should we contact?")
    return questions


def _goal_questions(number: int, goal: Goal) -> list[str]:
    name = f"Goal {number}" + (f" (“{goal.description.strip()}”)" if goal.description else "")
    questions = []
    if goal.confidence is None:
        questions.append(f"{name}: how sure do you feel, from 0 to 10, that you can do it?")
    elif goal.confidence < CONFIDENCE_NEEDING_BOOST:
        questions.append(
            f"{name}: confidence {goal.confidence}/10. What would make it a point higher?"
            + (f" They said: “{goal.confidence_boost.strip()}”." if goal.confidence_boost else "")
        )
    if not (goal.first_step and goal.first_step.strip()):
        questions.append(f"{name}: what could be a first small step?")
    return questions


def _unanswered(answer: Answer) -> bool:
    # Goal questions are covered above, with the goal's context.
    return answer.status != AnswerStatus.ANSWERED and not answer.question_id.startswith("goal_")


def _unanswered_question(answer: Answer) -> str:
    if answer.status == AnswerStatus.DONT_KNOW:
        return f"They were not sure about “{answer.question}”: would they like to think about it together?"
    return f"They skipped “{answer.question}”: would they like to talk about it?"
