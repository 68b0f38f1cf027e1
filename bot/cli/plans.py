"""`plans list` and `plans show`: the drafted care plans, as a table, JSON, Markdown or FHIR."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.careplan.codec import plan_to_dict
from bot.careplan.fhir import plan_to_fhir_bundle
from bot.careplan.markdown_export import plan_to_markdown
from bot.careplan.model import CarePlan
from bot.cli.output import columns, fail, minute, print_json
from bot.config import Settings
from bot.services import stored_plans
from bot.store.database import open_database


def list_plans(args: argparse.Namespace, url: str) -> int:
    plans = stored_plans.list_plans(open_database(url), status=args.status)
    if args.format == "json":
        print_json([plan_to_dict(plan) for plan in plans])
    elif not plans:
        print(f"No plans yet with status {args.status}." if args.status else "No plans yet.")
    else:
        print(_table(plans))
    return 0


def show_plan(args: argparse.Namespace, url: str) -> int:
    practice = args.practice or Settings.from_env().practice_id
    plan = stored_plans.get_plan(open_database(url), args.conversation, practice_id=practice)
    if plan is None:
        return fail(f"No plan found for conversation {args.conversation!r} at practice {practice!r}.")
    if args.format == "markdown":
        sys.stdout.write(plan_to_markdown(plan))
    elif args.format == "fhir":
        print_json(plan_to_fhir_bundle(plan))
    else:
        print_json(plan_to_dict(plan))
    return 0


def _table(plans: Sequence[CarePlan]) -> str:
    header = ("ID", "CONVERSATION", "STATUS", "VERSION", "UPDATED (UTC)", "GOALS")
    rows = [
        (
            str(plan.id),
            plan.conversation_id,
            plan.status.value,
            str(plan.version),
            minute(plan.updated_at),
            str(len(plan.goals)),
        )
        for plan in plans
    ]
    return columns(header, rows)
