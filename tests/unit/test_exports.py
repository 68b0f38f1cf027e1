"""The plan as a dict (and back) and as printable Markdown."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import markdown
import pytest

from bot.careplan.codec import plan_from_dict, plan_to_dict
from bot.careplan.markdown_export import escape_markdown, plan_to_markdown
from bot.careplan.model import CarePlan, CommunitySuggestion, Goal, PlanStatus, SuggestionStatus

CREATED = datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)
UPDATED = datetime(2025, 3, 5, 13, 30, tzinfo=timezone.utc)

TOP_LEVEL_KEYS = [
    "id",
    "conversation_id",
    "practice_id",
    "status",
    "version",
    "what_matters",
    "strengths",
    "concerns",
    "goals",
    "support",
    "contact_preferences",
    "accessibility",
    "share_with",
    "contingency",
    "risk_flags",
    "handoff_requested",
    "community_suggestions",
    "patient_name",
    "nhs_number",
    "notes",
    "agreed_actions",
    "care_coordinator",
    "review_date",
    "return_reason",
    "approval",
    "created_at",
    "updated_at",
    "answers",
]
SECTIONS = [
    "## What matters to me",
    "## My strengths",
    "## My concerns",
    "## My goals",
    "## Support",
    "## How to contact me",
    "## Communication and accessibility needs",
    "## Sharing this plan",
    "## If things get worse",
]


@pytest.fixture
def stored_plan(sample_plan: CarePlan) -> CarePlan:
    return replace(sample_plan, id=7, version=2, created_at=CREATED, updated_at=UPDATED)


def test_the_dict_has_exactly_the_agreed_keys_in_order(stored_plan: CarePlan) -> None:
    data = plan_to_dict(stored_plan)

    assert list(data) == TOP_LEVEL_KEYS
    assert list(data["goals"][0]) == [
        "description",
        "first_step",
        "timeframe",
        "target_date",
        "confidence",
        "confidence_boost",
    ]
    assert list(data["support"]) == ["needs", "people", "from_practice"]
    assert data["support"]["people"] == [
        {"name": "Sarah", "relationship": "daughter"},
        {"name": None, "relationship": "neighbour"},
    ]
    assert list(data["answers"][0]) == ["question_id", "question", "text", "status"]


def test_the_dict_uses_plain_json_types_and_iso_dates(stored_plan: CarePlan) -> None:
    data = plan_to_dict(stored_plan)

    assert data["status"] == "draft"
    assert data["created_at"] == "2025-03-03T10:00:00+00:00"
    assert data["updated_at"] == "2025-03-05T13:30:00+00:00"
    assert [goal["target_date"] for goal in data["goals"]] == ["2025-03-17", "2025-12-01"]
    assert {answer["status"] for answer in data["answers"]} == {"answered", "skipped", "dont_know"}
    assert json.loads(json.dumps(data)) == data


def test_a_goal_without_a_date_has_null(stored_plan: CarePlan) -> None:
    data = plan_to_dict(replace(stored_plan, goals=[Goal("Feel less tired")]))

    assert data["goals"][0]["target_date"] is None


def test_the_dict_turns_back_into_the_same_plan(stored_plan: CarePlan) -> None:
    flagged = replace(stored_plan, risk_flags=[{"kind": "crisis"}], handoff_requested=True)

    assert plan_from_dict(json.loads(json.dumps(plan_to_dict(flagged)))) == flagged


def test_an_unsaved_plan_round_trips_too(sample_plan: CarePlan) -> None:
    data = plan_to_dict(sample_plan)

    assert (data["id"], data["created_at"]) == (None, None)
    assert plan_from_dict(data) == sample_plan


def test_markdown_has_the_title_the_draft_notice_and_the_sections_in_order(stored_plan: CarePlan) -> None:
    markdown = plan_to_markdown(stored_plan)

    assert markdown.startswith("# Personalised care and support plan (draft)\n")
    assert (
        "draft written by the assistant, in the person's own words, for a professional to review" in markdown
    )
    assert "**Status:** Draft" in markdown
    assert "**Version:** 2" in markdown
    assert "5 March 2025, 13:30 UTC" in markdown
    positions = [markdown.index(section) for section in SECTIONS]
    assert positions == sorted(positions)


def test_markdown_shows_goals_with_their_details(stored_plan: CarePlan) -> None:
    markdown = plan_to_markdown(stored_plan)

    assert "### Goal 1\n\nWalk to the allotment again" in markdown
    assert "**First step:** Walk to the end of the road" in markdown
    assert "**Timeframe:** in 2 weeks" in markdown
    assert "**Target date:** 17 March 2025" in markdown
    assert "**Confidence:** 6/10" in markdown
    assert "**What would help:** If my daughter came with me" in markdown
    assert "**Confidence:** 8/10" in markdown
    assert markdown.count("What would help") == 1  # not asked at 8/10, so not "skipped"


def test_markdown_shows_skipped_and_not_sure_answers(stored_plan: CarePlan) -> None:
    markdown = plan_to_markdown(stored_plan)

    coping = markdown.split("### What helps me cope, and who I draw on\n\n")[1]
    assert coping.startswith("_Skipped_")
    assert "_Not sure yet_: I don't know really, money maybe" in markdown


def test_markdown_keeps_long_answers_whole(stored_plan: CarePlan) -> None:
    long_answer = stored_plan.what_matters["what_matters_good_day"]

    assert long_answer in plan_to_markdown(stored_plan)


def test_markdown_shows_support_people_and_flags(stored_plan: CarePlan) -> None:
    markdown = plan_to_markdown(replace(stored_plan, risk_flags=[{"kind": "crisis"}], handoff_requested=True))

    assert "- Sarah (daughter)\n- neighbour" in markdown
    assert "Roles named: practice nurse, health coach" in markdown
    assert "**Needs prompt review:**" in markdown
    assert "**Asked to talk to someone:**" in markdown


def test_the_persons_words_cannot_add_formatting(stored_plan: CarePlan) -> None:
    markdown = plan_to_markdown(stored_plan)

    assert r"my grandson \*every\* Sunday" in markdown
    assert "\n\\# My knees hurt\n\\- all the time" in markdown
    assert "&lt;b&gt;bread&lt;/b&gt;" in markdown
    assert "<b>" not in markdown


@pytest.mark.parametrize(
    ("words", "escaped"),
    [
        ("*bold* and _em_", r"\*bold\* and \_em\_"),
        ("# not a heading", r"\# not a heading"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("> not a quote", "&gt; not a quote"),
        ("- not a list\n+ nor this\n1. nor this", "\\- not a list\n\\+ nor this\n1\\. nor this"),
        ("[a link](http://x)", r"\[a link\](http://x)"),
        ("`code` | pipe ~~strike~~ back\\slash", r"\`code\` \| pipe \~\~strike\~\~ back\\slash"),
        ("Tom & Jerry &amp; co", "Tom & Jerry &amp;amp; co"),
        ("    indented code", "indented code"),
        ("heading underline\n===", "heading underline\n\\==="),
    ],
)
def test_escape_markdown(words: str, escaped: str) -> None:
    assert escape_markdown(words) == escaped


def test_rendered_markdown_has_no_formatting_from_the_persons_words(stored_plan: CarePlan) -> None:
    words = "*bold* <b>tag</b>\n# heading\n- item\n1. item\n> quote\n[link](http://example.com)"
    plan = replace(stored_plan, contingency=words)

    section = markdown.markdown(plan_to_markdown(plan)).split("If things get worse</h2>")[1]

    for tag in ("<strong>", "<em>", "<b>", "<h1>", "<li>", "<blockquote>", "<a ", "<ol>", "<ul>"):
        assert tag not in section
    assert "*bold* &lt;b&gt;tag&lt;/b&gt;" in section


def test_markdown_of_an_empty_plan_still_reads_well() -> None:
    plan = CarePlan(conversation_id="c-1", practice_id="p", status=PlanStatus.URGENT_REVIEW)

    markdown = plan_to_markdown(plan)

    assert "**Status:** Urgent review" in markdown
    assert "not saved yet" in markdown
    assert "_No goals set yet._" in markdown
    assert markdown.count("_Skipped_") == 7  # support (3) and the four one-question sections


def test_the_markdown_lists_the_community_suggestions_only_when_there_are_some(stored_plan: CarePlan) -> None:
    suggestions = [
        CommunitySuggestion(
            "a", "Knit *and* Natter", '"lonely" → category "Social groups"', contact="01632 960002"
        ),
        CommunitySuggestion(
            "b", "Warm Homes", "heating", url="https://warm.example", status=SuggestionStatus.REFERRED
        ),
    ]

    markdown = plan_to_markdown(replace(stored_plan, community_suggestions=suggestions))

    section = markdown[markdown.index("## Community support to discuss") :]
    assert section.splitlines()[2:4] == [
        '- **Knit \\*and\\* Natter** (to discuss): "lonely" → category "Social groups" (01632 960002)',
        "- **Warm Homes** (referred): heating (https://warm.example)",
    ]
    assert "Community support" not in plan_to_markdown(stored_plan)
