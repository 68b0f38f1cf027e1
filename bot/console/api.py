"""The JSON API under /api: thin routes over `bot.review_services`, the same calls the pages make.

Errors are JSON `{"detail": "..."}`: 401 without a valid session or token,
403 when the caller's role or token may not do it (or a CSRF token is
missing), 404 for a plan that does not exist *or belongs to another
practice*, 409 when the plan's status or version does not allow the change,
422 for bad input.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from bot import review_services
from bot.careplan.accounts import Actor
from bot.careplan.audit import AuditEntry
from bot.careplan.codec import plan_to_dict
from bot.careplan.fhir import plan_to_fhir_bundle
from bot.careplan.model import PlanStatus
from bot.console.auth import api_actor, database
from bot.console.schemas import (
    AuditList,
    Decision,
    InvalidInput,
    NoteRequest,
    PlanList,
    PlanOut,
    PlanPatch,
    Problem,
    ReturnRequest,
    ServiceList,
    SuggestionMark,
    SuggestionToAdd,
)
from bot.directory.model import Service
from bot.store.plans import PlanSearch

FHIR_JSON = "application/fhir+json"
MAX_ID = 2**31 - 1  # the database's integer: a larger id could never match

PlanId = Annotated[int, Path(ge=1, le=MAX_ID, description="The plan's id (`id` in a plan).")]
Caller = Annotated[Actor, Depends(api_actor)]

_errors: dict[int | str, dict[str, Any]] = {
    **{code: {"model": Problem} for code in (401, 403, 404)},
    422: {"model": InvalidInput, "description": "Bad input"},
}
_change_errors = {**_errors, 409: {"model": Problem, "description": "The plan's status or version."}}

router = APIRouter(prefix="/api", tags=["plans"], responses=_errors)


@router.get("/plans", response_model=PlanList, summary="Plans of your practice, urgent first")
def list_plans(
    request: Request,
    actor: Caller,
    status: Annotated[PlanStatus | None, Query(description="Only plans with this status.")] = None,
    conversation_id: Annotated[
        str | None, Query(max_length=255, regex=r"^[^\x00]*$", description="The Rasa sender id.")
    ] = None,
    q: Annotated[str, Query(max_length=200, description="Words that must all appear in the plan.")] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    search = PlanSearch(status=status, conversation_id=conversation_id, words=q, limit=limit, offset=offset)
    found = review_services.inbox(database(request), actor, search)
    return {
        "items": [plan_to_dict(p) for p in found.plans],
        "total": found.total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="One plan")
def get_plan(request: Request, actor: Caller, plan_id: PlanId) -> dict[str, Any]:
    return plan_to_dict(review_services.plan_for_review(database(request), actor, plan_id))


@router.patch(
    "/plans/{plan_id}", response_model=PlanOut, responses=_change_errors, summary="Edit sections of a plan"
)
def patch_plan(request: Request, actor: Caller, plan_id: PlanId, patch: PlanPatch) -> dict[str, Any]:
    plan = review_services.edit_plan(
        database(request), actor, plan_id, patch.changes(), expected_version=patch.expected_version
    )
    return plan_to_dict(plan)


@router.post("/plans/{plan_id}/notes", response_model=PlanOut, responses=_change_errors, summary="Add a note")
def add_note(request: Request, actor: Caller, plan_id: PlanId, note: NoteRequest) -> dict[str, Any]:
    plan = review_services.add_note(
        database(request), actor, plan_id, note.text, expected_version=note.expected_version
    )
    return plan_to_dict(plan)


@router.post(
    "/plans/{plan_id}/approve",
    response_model=PlanOut,
    responses=_change_errors,
    summary="Approve a plan (a signed-in clinician or coach only)",
)
def approve(
    request: Request, actor: Caller, plan_id: PlanId, decision: Decision | None = None
) -> dict[str, Any]:
    version = decision.expected_version if decision else None
    return plan_to_dict(
        review_services.approve_plan(database(request), actor, plan_id, expected_version=version)
    )


@router.post(
    "/plans/{plan_id}/return",
    response_model=PlanOut,
    responses=_change_errors,
    summary="Return a plan with a reason (a signed-in clinician or coach only)",
)
def return_plan(request: Request, actor: Caller, plan_id: PlanId, body: ReturnRequest) -> dict[str, Any]:
    plan = review_services.return_plan(
        database(request), actor, plan_id, body.reason, expected_version=body.expected_version
    )
    return plan_to_dict(plan)


@router.post(
    "/plans/{plan_id}/suggestions",
    response_model=PlanOut,
    responses=_change_errors,
    summary="Mark a community suggestion offered, referred or declined",
)
def mark_suggestion(request: Request, actor: Caller, plan_id: PlanId, mark: SuggestionMark) -> dict[str, Any]:
    plan = review_services.mark_suggestion(
        database(request),
        actor,
        plan_id,
        mark.service_id,
        mark.status,
        expected_version=mark.expected_version,
    )
    return plan_to_dict(plan)


@router.post(
    "/plans/{plan_id}/suggestions/add",
    response_model=PlanOut,
    responses=_change_errors,
    summary="Add a service from your practice's directory to the plan's community support",
)
def add_suggestion(request: Request, actor: Caller, plan_id: PlanId, body: SuggestionToAdd) -> dict[str, Any]:
    plan = review_services.add_suggestion(
        database(request), actor, plan_id, body.service_id, expected_version=body.expected_version
    )
    return plan_to_dict(plan)


@router.get(
    "/directory",
    response_model=ServiceList,
    tags=["directory"],
    summary="Search your practice's directory for a service to add to a plan (write access)",
)
def find_services(
    request: Request,
    actor: Caller,
    q: Annotated[
        str, Query(min_length=1, max_length=200, regex=r"^[^\x00]*$", description="What to look for.")
    ],
) -> dict[str, Any]:
    found = review_services.find_services(database(request), actor, q)
    return {"items": [_service(service) for service in found]}


@router.get(
    "/plans/{plan_id}/fhir",
    response_class=JSONResponse,
    summary="The plan as a FHIR R4 Bundle",
    responses={200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}, "description": "A Bundle"}},
)
def fhir(request: Request, actor: Caller, plan_id: PlanId) -> JSONResponse:
    plan = review_services.plan_for_review(database(request), actor, plan_id)
    return JSONResponse(plan_to_fhir_bundle(plan), media_type=FHIR_JSON)


@router.get("/plans/{plan_id}/audit", response_model=AuditList, summary="Who changed what, newest first")
def audit(request: Request, actor: Caller, plan_id: PlanId) -> dict[str, Any]:
    entries = review_services.audit_trail(database(request), actor, plan_id)
    return {"items": [_entry(entry) for entry in entries]}


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "plan_version": entry.plan_version,
        "action": entry.action.value,
        "field": entry.field,
        "before": entry.before,
        "after": entry.after,
        "actor_kind": entry.actor_kind.value,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
    }


def _service(service: Service) -> dict[str, Any]:
    return {
        "service_id": service.service_id,
        "name": service.name,
        "description": service.description,
        "categories": list(service.categories),
        "area": service.area,
        "schedule": service.schedule,
        "cost": service.cost,
        "url": service.url,
        "contact": service.contact,
        "audience": service.audience(),
    }
