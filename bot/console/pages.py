"""The console's HTML pages: sign in, the inbox, the review page and the two printable pages.

Plain forms, posted and redirected (so a reload never posts twice). Every
page needs a signed-in user and every form a CSRF token (see `auth`). The
routes only read requests and call `bot.review_services`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bot import account_services, review_services
from bot.careplan import prep
from bot.careplan.accounts import Actor, Permission, User
from bot.careplan.errors import ReviewError
from bot.careplan.model import PlanStatus
from bot.console import forms, views
from bot.console.auth import (
    CSRF_FIELD,
    checked_form,
    client_address,
    csrf_token,
    database,
    login_token,
    new_login_nonce,
    now,
    page_user,
    remember_login_nonce,
    safe_next_path,
    session_user,
    settings,
    sign_in,
    sign_out,
    valid_login_token,
)
from bot.console.errors import http_status
from bot.store.plans import PlanSearch

PAGE_SIZE = 20
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SignedIn = Annotated[User, Depends(page_user)]
CheckedForm = Annotated[FormData, Depends(checked_form)]

router = APIRouter(include_in_schema=False)


@router.get("/health")
def health() -> dict[str, str]:
    """For `make run` to know the console is up; says nothing about any plan."""
    return {"status": "ok"}


# --- Signing in and out -----------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, next_path: Annotated[str, Query(alias="next")] = "/") -> Response:
    if session_user(request) is not None:
        return RedirectResponse(safe_next_path(next_path), status_code=303)
    return _login_page(request, next_path=next_path)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    email, password, next_path = (str(form.get(key) or "") for key in ("email", "password", "next"))
    if not valid_login_token(request, str(form.get(CSRF_FIELD) or "")):
        return _login_page(request, next_path=next_path, error="Your sign-in form expired. Please try again.")
    try:
        user = account_services.sign_in_with_password(
            database(request),
            email,
            password,
            address=client_address(request),
            limits=account_services.SignInLimits.from_settings(settings(request)),
            now=now(request),
        )
    except account_services.TooManyAttempts as refused:
        page = _login_page(request, next_path=next_path, email=email, error=str(refused), status_code=429)
        page.headers["Retry-After"] = str(math.ceil(refused.wait.total_seconds()))
        return page
    if user is None:
        return _login_page(request, next_path=next_path, email=email, error="Wrong email or password.")
    response = RedirectResponse(safe_next_path(next_path), status_code=303)
    sign_in(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request, _user: SignedIn, _form: CheckedForm) -> Response:
    response = RedirectResponse("/login", status_code=303)
    sign_out(request, response)
    return response


def _login_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    status_code: int | None = None,
) -> Response:
    nonce = new_login_nonce()
    context = {
        "login_token": login_token(request, nonce),
        "next": safe_next_path(next_path),
        "email": email,
        "error": error,
    }
    page = render(request, "login.html", context, status_code=status_code or (401 if error else 200))
    remember_login_nonce(request, page, nonce)
    return page


# --- The inbox --------------------------------------------------------------------------------------


@router.get("/")
def inbox(
    request: Request,
    user: SignedIn,
    status: PlanStatus | None = None,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    search = PlanSearch(status=status, words=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    found = review_services.inbox(database(request), Actor.for_user(user), search)
    pages = max(1, -(-found.total // PAGE_SIZE))
    context = {"inbox": found, "status": status, "q": q, "page": page, "pages": pages}
    return render(request, "inbox.html", context)


# --- Reviewing a plan -------------------------------------------------------------------------------


@router.get("/plans/{plan_id}")
def review_page(
    request: Request,
    user: SignedIn,
    plan_id: PlanId,
    saved: bool = False,
    find: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The plan; `find` searches the practice's directory for a service to add to its community support."""
    return _review_page(request, user, plan_id, message="Saved." if saved else None, find=find)


@router.post("/plans/{plan_id}/edit/{part}")
def edit_part(request: Request, user: SignedIn, plan_id: PlanId, part: str, form: CheckedForm) -> Response:
    def change(actor: Actor, version: int | None) -> None:
        plan = review_services.plan_for_review(database(request), actor, plan_id)
        changes = forms.changes_from_form(part, form, plan)
        review_services.edit_plan(database(request), actor, plan_id, changes, expected_version=version)

    return _post(request, user, plan_id, form, change, anchor=part)


@router.post("/plans/{plan_id}/notes")
def add_note(request: Request, user: SignedIn, plan_id: PlanId, form: CheckedForm) -> Response:
    text = str(form.get("text") or "")

    def change(actor: Actor, version: int | None) -> None:
        review_services.add_note(database(request), actor, plan_id, text, expected_version=version)

    return _post(request, user, plan_id, form, change, anchor="notes")


@router.post("/plans/{plan_id}/suggestions")
def mark_suggestion(request: Request, user: SignedIn, plan_id: PlanId, form: CheckedForm) -> Response:
    """Mark one community suggestion offered, referred or declined, from the review page or the prep sheet."""

    def change(actor: Actor, version: int | None) -> None:
        service_id, status = forms.suggestion_mark(form)
        review_services.mark_suggestion(
            database(request), actor, plan_id, service_id, status, expected_version=version
        )

    page = "prep" if form.get("back") == "prep" else None
    return _post(request, user, plan_id, form, change, anchor="community", page=page)


@router.post("/plans/{plan_id}/suggestions/add")
def add_suggestion(request: Request, user: SignedIn, plan_id: PlanId, form: CheckedForm) -> Response:
    """Add a service found in the practice's directory to the plan's community support."""

    def change(actor: Actor, version: int | None) -> None:
        service_id = forms.service_to_add(form)
        review_services.add_suggestion(
            database(request), actor, plan_id, service_id, expected_version=version
        )

    return _post(request, user, plan_id, form, change, anchor="community")


@router.post("/plans/{plan_id}/approve")
def approve(request: Request, user: SignedIn, plan_id: PlanId, form: CheckedForm) -> Response:
    def change(actor: Actor, version: int | None) -> None:
        review_services.approve_plan(database(request), actor, plan_id, expected_version=version)

    return _post(request, user, plan_id, form, change, anchor="decision")


@router.post("/plans/{plan_id}/return")
def return_plan(request: Request, user: SignedIn, plan_id: PlanId, form: CheckedForm) -> Response:
    reason = str(form.get("reason") or "")

    def change(actor: Actor, version: int | None) -> None:
        review_services.return_plan(database(request), actor, plan_id, reason, expected_version=version)

    return _post(request, user, plan_id, form, change, anchor="decision")


def _post(
    request: Request,
    user: User,
    plan_id: int,
    form: FormData,
    change: Callable[[Actor, int | None], None],
    *,
    anchor: str,
    page: str | None = None,
) -> Response:
    """Make the change and go back to the plan (or its `page`, e.g. "prep"); if it cannot be made,
    show the plan saying why."""
    try:
        change(Actor.for_user(user), forms.expected_version(form))
    except ReviewError as error:
        return _review_page(request, user, plan_id, error=str(error), status_code=http_status(error))
    path = f"/plans/{plan_id}/{page}" if page else f"/plans/{plan_id}"
    return RedirectResponse(f"{path}?saved=1#{anchor}", status_code=303)


def _review_page(
    request: Request,
    user: User,
    plan_id: int,
    *,
    message: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    find: str = "",
) -> Response:
    actor = Actor.for_user(user)
    db = database(request)
    plan = review_services.plan_for_review(db, actor, plan_id)
    find = find.replace("\x00", "").strip()
    found = None
    if find and actor.can(Permission.EDIT):
        in_plan = {s.service_id for s in plan.community_suggestions}
        found = [s for s in review_services.find_services(db, actor, find) if s.service_id not in in_plan]
    context = {
        "plan": plan,
        "audit": views.audit_rows(review_services.audit_trail(db, actor, plan_id)),
        "transcript": review_services.transcript(db, request.app.state.transcripts, actor, plan_id),
        "flags": prep.flags(plan),
        "can_edit": actor.can(Permission.EDIT),
        "can_decide": actor.can(Permission.DECIDE),
        "message": message,
        "error": error,
        "find": find,
        "found": found,
    }
    return render(request, "review.html", context, status_code=status_code)


# --- Printable pages --------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/prep")
def prep_sheet(request: Request, user: SignedIn, plan_id: PlanId, saved: bool = False) -> Response:
    actor = Actor.for_user(user)
    plan = review_services.plan_for_review(database(request), actor, plan_id)
    context = {
        "plan": plan,
        "flags": prep.flags(plan),
        "questions": prep.questions_to_explore(plan),
        "can_edit": actor.can(Permission.EDIT),
        "message": "Saved." if saved else None,
    }
    return render(request, "prep.html", context)


@router.get("/plans/{plan_id}/print")
def patient_copy(request: Request, user: SignedIn, plan_id: PlanId) -> Response:
    plan = review_services.plan_for_review(database(request), Actor.for_user(user), plan_id)
    return render(request, "print.html", {"plan": plan})


# --- Rendering --------------------------------------------------------------------------------------


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> Response:
    """A page, with what every page needs: the user, their CSRF token and the view helpers."""
    user = session_user(request)
    common = {
        "user": user,
        "csrf_token": csrf_token(request) if user else None,
        "views": views,
        "statuses": views.INBOX_STATUSES,
    }
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, {**common, **context}, status_code=status_code)
