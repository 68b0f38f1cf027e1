"""What every request to the console passes before the app reads its body.

- **A size cap.** A body over CONSOLE_MAX_BODY_BYTES is refused with 413: at once
  when its Content-Length says so, else as soon as that many bytes have come.
  The biggest form or PATCH a professional could send is a small part of the
  default (1 MiB).
- **Authentication first.** FastAPI reads and parses a route's JSON body before
  it solves the route's dependencies, so the API would parse the body of anyone,
  signed in or not (and tell them what was wrong with it). Here an API call that
  sends a body (POST, PATCH...) is authenticated from its headers alone, with the
  API's own rules (`auth.authenticate_api`), before a byte of the body is read;
  the route then uses that same caller. The pages' forms are read only after
  their session is checked (`auth.checked_form` depends on `auth.page_user`);
  only the sign-in form is read without one, and it is capped like the rest.
"""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.console.auth import API_CALLER, SAFE_METHODS, CsrfFailed, authenticate_api

TOO_LARGE = "The request is too large."
CSRF_FAILED = "The form's security token is missing or out of date: reload the page and try again."


class RequestGuard:
    """Pure ASGI middleware (no buffering of its own): the size cap, then the API's authentication."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if _declared_length(request) > self.max_body_bytes:
            await _too_large()(scope, receive, send)
            return
        if request.url.path.startswith("/api/") and request.method not in SAFE_METHODS:
            refused = await _authenticate(request)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, self._capped(receive), send)

    def _capped(self, receive: Receive) -> Receive:
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, TOO_LARGE)  # before the app has what is over the cap
            return message

        return capped_receive


async def _authenticate(request: Request) -> JSONResponse | None:
    """None when the caller may go on (remembered for the route), else the refusal."""
    try:
        setattr(request.state, API_CALLER, await run_in_threadpool(authenticate_api, request))
    except HTTPException as refused:
        return JSONResponse(
            {"detail": refused.detail}, status_code=refused.status_code, headers=refused.headers
        )
    except CsrfFailed:
        return JSONResponse({"detail": CSRF_FAILED}, status_code=403)
    return None


def _declared_length(request: Request) -> int:
    length = request.headers.get("content-length", "")
    return int(length) if length.isascii() and length.isdigit() else 0


def _too_large() -> JSONResponse:
    return JSONResponse({"detail": TOO_LARGE}, status_code=413, headers={"Connection": "close"})
