"""The review console: a FastAPI app serving the pages and the JSON API.

    create_app(settings)   the app, for tests and for uvicorn (`python -m bot console`)

It reads plans through `bot.review_services` only, and conversations from
Rasa's tracker store through a read-only adapter. Every response carries a
strict Content-Security-Policy: pages load nothing from other sites, and no
inline script can run even if some text were ever rendered unescaped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import jinja2
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot import __version__, directory_services
from bot.careplan.errors import ReviewError
from bot.careplan.model import PlanNotFound
from bot.config import Settings
from bot.console import api, pages, views
from bot.console.auth import CsrfFailed, LoginRequired, login_url
from bot.console.errors import http_status
from bot.console.guards import CSRF_FAILED, RequestGuard
from bot.store.database import Database, open_database
from bot.store.transcripts import TranscriptReader

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
NextHandler = Callable[[Request], Awaitable[Response]]
API_DESCRIPTION = (
    "The review console's API: the draft care plans of **your practice only** (a plan of another "
    "practice is a 404), their audit trail and their FHIR R4 export.\n\n"
    "Authenticate with an API token (`Authorization: Bearer wm_...`, made with "
    "`python -m bot tokens create`) or the console's session cookie. Read tokens may only read; "
    "write tokens may also edit, add notes, and mark or add a plan's community suggestions from the "
    "practice's directory. Approving and returning a plan needs a signed-in "
    "clinician or coach. With the cookie, PATCH and POST also need the `X-CSRF-Token` header."
)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # plans are personal data: no copies in shared caches
}


def create_app(
    settings: Settings, *, db: Database | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The console for these settings; it migrates and opens the database unless given one.

    `clock` is for tests: a sign-in lock-out then passes without waiting for it.
    """
    if not settings.console_secret_key:
        raise ValueError("CONSOLE_SECRET_KEY is empty: set it in .env (make run writes one).")
    database = db or open_database(settings.database_url)
    transcripts = TranscriptReader(settings.tracker_store_url or settings.tracker_store_db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # An edit works the community suggestions out again (issue 16): load spaCy beside the
        # start-up, not in the first edit (which holds the plan's row while it waits).
        threading.Thread(target=_prepare_matching, args=(database,), daemon=True).start()
        yield
        transcripts.dispose()
        if db is None:  # ours to close
            database.dispose()

    app = FastAPI(
        title="What Matters review console",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # The documentation is docs/openapi.yaml; the console serves no third-party Swagger page.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock or _utc_now
    app.state.transcripts = transcripts
    app.state.templates = _templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    _add_error_handlers(app)
    # Inside the security headers (the last added runs first), so a refusal carries them too.
    app.add_middleware(RequestGuard, max_body_bytes=settings.console_max_body_bytes)
    app.middleware("http")(_security_headers)
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory bot.console.app:app_from_env`: settings from the environment and .env."""
    return create_app(Settings.from_env())


def _prepare_matching(database: Database) -> None:
    try:
        directory_services.prepare_matching(database, None)
    except Exception as error:  # the database is down, say: the first edit loads it instead
        logger.error("loading the community matching failed: %s", type(error).__name__)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value is escaped: a person's words can never become markup
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["human_date"] = views.human_date
    environment.filters["human_datetime"] = views.human_datetime
    environment.filters["status_label"] = views.status_label
    return Jinja2Templates(env=environment)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> Response:
        return RedirectResponse(login_url(error.next_path), status_code=303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
        return _error(request, 403, CSRF_FAILED)

    @app.exception_handler(PlanNotFound)
    async def plan_not_found(request: Request, error: PlanNotFound) -> Response:
        return _error(request, 404, str(error))

    @app.exception_handler(ReviewError)
    async def review_error(request: Request, error: ReviewError) -> Response:
        return _error(request, http_status(error), str(error))


def _error(request: Request, status_code: int, message: str) -> Response:
    """JSON for the API, a page for people."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status_code)
    return pages.render(request, "error.html", {"message": message}, status_code=status_code)


async def _security_headers(request: Request, call_next: NextHandler) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
