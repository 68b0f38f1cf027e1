"""A plan as Markdown: a document a professional can read, print and check with the person.

Pure functions, no I/O. The person's words are escaped so that nothing they
typed becomes formatting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone

from bot.careplan.interview import CLOSING_QUESTIONS, OPENING_QUESTIONS, goal_slot
from bot.careplan.model import (
    STATUS_LABELS,
    Answer,
    AnswerStatus,
    CarePlan,
    CommunitySuggestion,
    Goal,
    SuggestionStatus,
    Support,
    SupportPerson,
)
from bot.careplan.parsing import CONFIDENCE_NEEDING_BOOST

TITLE = "Personalised care and support plan (draft)"
DRAFT_NOTICE = (
    "This is a draft written by the assistant, in the person's own words, for a professional to review."
)
_LABELS = {q.slot: q.label for q in OPENING_QUESTIONS + CLOSING_QUESTIONS}


def plan_to_markdown(plan: CarePlan) -> str:
    """The plan as a document a professional can read, print and check with the person."""
    answers = {answer.question_id: answer for answer in plan.answers}
    blocks = [
        *_header(plan),
        *_question_section("What matters to me", plan.what_matters, answers),
        *_question_section("My strengths", plan.strengths, answers),
        *_question_section("My concerns", plan.concerns, answers),
        *_goals_section(plan.goals, answers),
        *_support_section(plan.support, answers),
        *_text_section("How to contact me", "contact_preferences", plan.contact_preferences, answers),
        *_text_section("Communication and accessibility needs", "accessibility", plan.accessibility, answers),
        *_text_section("Sharing this plan", "share_with", plan.share_with, answers),
        *_text_section("If things get worse", "contingency", plan.contingency, answers),
        *_community_section(plan.community_suggestions),
    ]
    return "\n\n".join(blocks) + "\n"


def escape_markdown(text: str) -> str:
    """The person's words as literal text: nothing they type can become formatting.

    Characters that format anywhere are escaped everywhere; those that only
    format at the start of a line (lists, headings, quotes) only there. HTML
    is neutralised with entities, which every Markdown renderer respects.
    """
    lines = [_escape_line(line.strip()) for line in text.strip().splitlines()]
    return "\n".join(lines)


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_LINE_START_SPECIAL = re.compile(r"^([-+=])")
_ORDERED_LIST_START = re.compile(r"^(\d+)([.)])")


def _escape_line(line: str) -> str:
    line = _INLINE_SPECIAL.sub(r"\\\1", line)
    line = _ENTITY_LIKE.sub("&amp;", line).replace("<", "&lt;").replace(">", "&gt;")
    line = _LINE_START_SPECIAL.sub(r"\\\1", line)
    return _ORDERED_LIST_START.sub(r"\1\\\2", line)


def _header(plan: CarePlan) -> list[str]:
    facts = [
        f"- **Status:** {STATUS_LABELS.get(plan.status, plan.status.value)}",
        f"- **Version:** {plan.version}",
        f"- **Created:** {_human_datetime(plan.created_at)}",
        f"- **Last updated:** {_human_datetime(plan.updated_at)}",
        f"- **Conversation:** {_inline(plan.conversation_id)}",
    ]
    if plan.risk_flags:
        facts.append("- **Needs prompt review:** safety concerns were flagged during the conversation.")
    if plan.handoff_requested:
        facts.append("- **Asked to talk to someone:** the person asked to speak to a member of the practice.")
    return [f"# {TITLE}", f"_{DRAFT_NOTICE}_", "\n".join(facts)]


def _question_section(
    title: str, words: Mapping[str, str | None], answers: Mapping[str, Answer]
) -> list[str]:
    blocks = [f"## {title}"]
    for question_id, text in words.items():
        answer = answers.get(question_id)
        blocks += [f"### {_label(question_id, answer)}", _reply(text, answer)]
    if not words:
        blocks.append("_Nothing recorded._")
    return blocks


def _goals_section(goals: list[Goal], answers: Mapping[str, Answer]) -> list[str]:
    blocks = ["## My goals"]
    for number, goal in enumerate(goals, start=1):
        blocks += [
            f"### Goal {number}",
            _reply(goal.description, _goal_answer(answers, number, "description")),
        ]
        blocks.append("\n".join(_goal_details(number, goal, answers)))
    if not goals:
        blocks.append("_No goals set yet._")
    return blocks


def _goal_details(number: int, goal: Goal, answers: Mapping[str, Answer]) -> list[str]:
    def reply(goal_field: str, text: str | None) -> str:
        return _reply(text, _goal_answer(answers, number, goal_field), inline=True)

    details = [
        f"- **First step:** {reply('first_step', goal.first_step)}",
        f"- **Timeframe:** {reply('timeframe', goal.timeframe)}",
    ]
    if goal.target_date:
        details.append(f"- **Target date:** {_human_date(goal.target_date)}")
    confidence_answer = _goal_answer(answers, number, "confidence")
    if goal.confidence is not None:
        details.append(f"- **Confidence:** {goal.confidence}/10")
    else:
        details.append(
            f"- **Confidence:** {reply('confidence', confidence_answer and confidence_answer.text)}"
        )
    if _boost_was_asked(goal, _goal_answer(answers, number, "confidence_boost")):
        details.append(f"- **What would help:** {reply('confidence_boost', goal.confidence_boost)}")
    return details


def _boost_was_asked(goal: Goal, answer: Answer | None) -> bool:
    """Only a low confidence gets asked "what would help?": otherwise don't list it as skipped."""
    if goal.confidence_boost or (answer and answer.status == AnswerStatus.DONT_KNOW):
        return True
    return goal.confidence is not None and goal.confidence < CONFIDENCE_NEEDING_BOOST


def _support_section(support: Support, answers: Mapping[str, Answer]) -> list[str]:
    people_answer = answers.get("support_people")
    if support.people:
        people = "\n".join(f"- {_person(person)}" for person in support.people)
    else:
        people = _reply(people_answer and people_answer.text, people_answer)
    practice_answer = answers.get("support_from_practice")
    from_practice = _reply(practice_answer and practice_answer.text, practice_answer)
    if support.from_practice:
        roles = "Roles named: " + ", ".join(_inline(role) for role in support.from_practice)
        from_practice = roles if practice_answer is None else f"{from_practice}\n\n{roles}"
    return [
        "## Support",
        f"### {_label('support_needs', None)}",
        _reply(support.needs, answers.get("support_needs")),
        f"### {_label('support_people', None)}",
        people,
        f"### {_label('support_from_practice', None)}",
        from_practice,
    ]


SUGGESTION_STATUS_LABELS = {
    SuggestionStatus.SUGGESTED: "to discuss",
    SuggestionStatus.OFFERED: "offered",
    SuggestionStatus.REFERRED: "referred",
    SuggestionStatus.DECLINED: "declined",
}


def _community_section(suggestions: list[CommunitySuggestion]) -> list[str]:
    """The local services suggested from the practice's directory, for the professional to discuss."""
    if not suggestions:
        return []
    items = []
    for suggestion in suggestions:
        status = SUGGESTION_STATUS_LABELS[SuggestionStatus(suggestion.status)]
        details = " · ".join(_inline(part) for part in (suggestion.contact, suggestion.url) if part)
        item = f"- **{_inline(suggestion.name)}** ({status}): {_inline(suggestion.why)}"
        items.append(item + (f" ({details})" if details else ""))
    return ["## Community support to discuss", "\n".join(items)]


def _person(person: SupportPerson) -> str:
    if person.name and person.relationship:
        return f"{_inline(person.name)} ({_inline(person.relationship)})"
    return _inline(person.name or person.relationship or "Someone")


def _text_section(title: str, question_id: str, text: str | None, answers: Mapping[str, Answer]) -> list[str]:
    return [f"## {title}", _reply(text, answers.get(question_id))]


def _reply(text: str | None, answer: Answer | None, *, inline: bool = False) -> str:
    """The person's words, or why there are none: skipped, or not sure yet."""
    render = _inline if inline else _block
    if answer is not None and answer.status == AnswerStatus.DONT_KNOW:
        words = text if text is not None else answer.text
        return "_Not sure yet_" + (f": {render(words)}" if words and words.strip() else "")
    if text is None or not text.strip():
        return "_Skipped_"
    return render(text)


def _block(text: str) -> str:
    """Paragraphs kept, each line escaped."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(escape_markdown(p) for p in paragraphs)


def _inline(text: str) -> str:
    """For a list item: line breaks would end it, so whitespace becomes single spaces."""
    return escape_markdown(" ".join(text.split()))


def _label(question_id: str, answer: Answer | None) -> str:
    if question_id in _LABELS:
        return _LABELS[question_id]
    return _inline(answer.question if answer else question_id)


def _goal_answer(answers: Mapping[str, Answer], number: int, goal_field: str) -> Answer | None:
    return answers.get(goal_slot(number, goal_field))


def _human_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _human_datetime(moment: datetime | None) -> str:
    if moment is None:
        return "not saved yet"
    utc = moment.astimezone(timezone.utc)
    return f"{utc.day} {utc:%B %Y, %H:%M} UTC"
