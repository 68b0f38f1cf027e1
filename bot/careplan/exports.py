"""A plan as a JSON-ready dict (and back) and as printable Markdown.

Pure functions, no I/O. The dict is the plan's stable exchange format: the
store keeps each version as one, the CLI prints it, the web console will
serve it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from bot.careplan.interview import CLOSING_QUESTIONS, OPENING_QUESTIONS, goal_slot
from bot.careplan.model import (
    AgreedAction,
    Answer,
    AnswerStatus,
    Approval,
    CarePlan,
    CommunitySuggestion,
    Goal,
    PlanStatus,
    ProfessionalNote,
    SuggestionStatus,
    Support,
    SupportPerson,
)
from bot.careplan.parsing import CONFIDENCE_NEEDING_BOOST

TITLE = "Personalised care and support plan (draft)"
DRAFT_NOTICE = (
    "This is a draft written by the assistant, in the person's own words, for a professional to review."
)
STATUS_LABELS = {
    PlanStatus.DRAFT: "Draft",
    PlanStatus.URGENT_REVIEW: "Urgent review",
    PlanStatus.IN_REVIEW: "In review",
    PlanStatus.APPROVED: "Approved",
    PlanStatus.RETURNED: "Returned for changes",
}
_LABELS = {q.slot: q.label for q in OPENING_QUESTIONS + CLOSING_QUESTIONS}


# --- dict ---------------------------------------------------------------------------------------


def plan_to_dict(plan: CarePlan) -> dict[str, Any]:
    """The plan as plain JSON types: ISO 8601 dates and times, enum values as strings."""
    return {
        "id": plan.id,
        "conversation_id": plan.conversation_id,
        "practice_id": plan.practice_id,
        "status": plan.status.value,
        "version": plan.version,
        "what_matters": dict(plan.what_matters),
        "strengths": dict(plan.strengths),
        "concerns": dict(plan.concerns),
        "goals": [_goal_to_dict(goal) for goal in plan.goals],
        "support": _support_to_dict(plan.support),
        "contact_preferences": plan.contact_preferences,
        "accessibility": plan.accessibility,
        "share_with": plan.share_with,
        "contingency": plan.contingency,
        "risk_flags": copy.deepcopy(plan.risk_flags),
        "handoff_requested": plan.handoff_requested,
        "community_suggestions": [suggestion_to_dict(s) for s in plan.community_suggestions],
        **_review_to_dict(plan),
        "created_at": _iso(plan.created_at),
        "updated_at": _iso(plan.updated_at),
        "answers": [_answer_to_dict(answer) for answer in plan.answers],
    }


def plan_from_dict(data: Mapping[str, Any]) -> CarePlan:
    """The inverse of `plan_to_dict`."""
    support = data.get("support") or {}
    return CarePlan(
        id=data.get("id"),
        conversation_id=data["conversation_id"],
        practice_id=data["practice_id"],
        status=PlanStatus(data.get("status", PlanStatus.DRAFT.value)),
        version=data.get("version", 1),
        what_matters=dict(data.get("what_matters") or {}),
        strengths=dict(data.get("strengths") or {}),
        concerns=dict(data.get("concerns") or {}),
        goals=[_goal_from_dict(goal) for goal in data.get("goals") or []],
        support=Support(
            needs=support.get("needs"),
            people=[SupportPerson(p.get("name"), p.get("relationship")) for p in support.get("people") or []],
            from_practice=list(support.get("from_practice") or []),
        ),
        contact_preferences=data.get("contact_preferences"),
        accessibility=data.get("accessibility"),
        share_with=data.get("share_with"),
        contingency=data.get("contingency"),
        risk_flags=copy.deepcopy(list(data.get("risk_flags") or [])),
        handoff_requested=bool(data.get("handoff_requested", False)),
        community_suggestions=[
            suggestion_from_dict(s) for s in data.get("community_suggestions") or []
        ],  # none in snapshots from before issue 16
        **_review_from_dict(data),
        created_at=_parse_datetime(data.get("created_at")),
        updated_at=_parse_datetime(data.get("updated_at")),
        answers=[_answer_from_dict(answer) for answer in data.get("answers") or []],
    )


def suggestion_to_dict(suggestion: CommunitySuggestion) -> dict[str, Any]:
    return {
        "service_id": suggestion.service_id,
        "name": suggestion.name,
        "why": suggestion.why,
        "url": suggestion.url,
        "contact": suggestion.contact,
        "status": SuggestionStatus(suggestion.status).value,
        "added_by": suggestion.added_by,
    }


def suggestion_from_dict(data: Mapping[str, Any]) -> CommunitySuggestion:
    return CommunitySuggestion(
        service_id=str(data["service_id"]),
        name=data["name"],
        why=data.get("why") or "",
        url=data.get("url"),
        contact=data.get("contact"),
        status=SuggestionStatus(data.get("status", SuggestionStatus.SUGGESTED.value)),
        added_by=data.get("added_by"),
    )


def _review_to_dict(plan: CarePlan) -> dict[str, Any]:
    """What professionals add in the review console."""
    return {
        "patient_name": plan.patient_name,
        "nhs_number": plan.nhs_number,
        "notes": [
            {"text": note.text, "author": note.author, "written_at": _iso(note.written_at)}
            for note in plan.notes
        ],
        "agreed_actions": [
            {"description": a.description, "owner": a.owner, "due_date": _iso_date(a.due_date)}
            for a in plan.agreed_actions
        ],
        "care_coordinator": plan.care_coordinator,
        "review_date": _iso_date(plan.review_date),
        "return_reason": plan.return_reason,
        "approval": _approval_to_dict(plan.approval) if plan.approval else None,
    }


def _approval_to_dict(approval: Approval) -> dict[str, Any]:
    return {"by": approval.by, "role": approval.role, "at": _iso(approval.at), "user_id": approval.user_id}


def _review_from_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `_review_to_dict`; snapshots from before the console have none of these."""
    approval = data.get("approval")
    return {
        "patient_name": data.get("patient_name"),
        "nhs_number": data.get("nhs_number"),
        "notes": [
            ProfessionalNote(n["text"], n["author"], _parse_datetime(n["written_at"]))
            for n in data.get("notes") or []
        ],
        "agreed_actions": [
            AgreedAction(a["description"], a.get("owner"), _parse_date(a.get("due_date")))
            for a in data.get("agreed_actions") or []
        ],
        "care_coordinator": data.get("care_coordinator"),
        "review_date": _parse_date(data.get("review_date")),
        "return_reason": data.get("return_reason"),
        "approval": _approval_from_dict(approval) if approval else None,
    }


def _approval_from_dict(data: Mapping[str, Any]) -> Approval:
    return Approval(data["by"], data["role"], _parse_datetime(data["at"]), data.get("user_id"))


def _goal_to_dict(goal: Goal) -> dict[str, Any]:
    return {
        "description": goal.description,
        "first_step": goal.first_step,
        "timeframe": goal.timeframe,
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
        "confidence": goal.confidence,
        "confidence_boost": goal.confidence_boost,
    }


def _goal_from_dict(data: Mapping[str, Any]) -> Goal:
    target_date = data.get("target_date")
    return Goal(
        description=data.get("description"),
        first_step=data.get("first_step"),
        timeframe=data.get("timeframe"),
        target_date=date.fromisoformat(target_date) if target_date else None,
        confidence=data.get("confidence"),
        confidence_boost=data.get("confidence_boost"),
    )


def _support_to_dict(support: Support) -> dict[str, Any]:
    return {
        "needs": support.needs,
        "people": [{"name": p.name, "relationship": p.relationship} for p in support.people],
        "from_practice": list(support.from_practice),
    }


def _answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {
        "question_id": answer.question_id,
        "question": answer.question,
        "text": answer.text,
        "status": answer.status.value,
    }


def _answer_from_dict(data: Mapping[str, Any]) -> Answer:
    status = AnswerStatus(data.get("status", AnswerStatus.ANSWERED.value))
    return Answer(data["question_id"], data["question"], data.get("text"), status)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _parse_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    # Python 3.10's fromisoformat() does not read a trailing "Z".
    return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)


# --- Markdown -----------------------------------------------------------------------------------


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
