"""Who is asking: signed-in browsers (a session cookie, with CSRF tokens) and API tokens.

- Pages need a session cookie, set by /login. Its value is a random token;
  the database keeps only its hash, so signing out really ends the session.
- Every form carries a CSRF token: an HMAC of the session's token under
  CONSOLE_SECRET_KEY. Another site can make a browser send the cookie, but
  cannot read the page to learn the token. The login form has its own
  token, tied to a short-lived `wm_login` cookie (login CSRF).
- The API takes the same cookie (then unsafe methods need the CSRF token in
  an `X-CSRF-Token` header) or `Authorization: Bearer <token>` for systems.
- Nothing posted is read before its sender is known: `checked_form` after
  `page_user`, and an API call's body after `authenticate_api`, which
  bot/console/guards.py runs before the app reads the body.
- Posted text is stored without bidirectional control characters
  (bot/text_safety.py): a form here, a JSON body in bot/console/schemas.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import FormData, UploadFile

from bot import account_services, security
from bot.careplan.accounts import Actor, User
from bot.config import Settings
from bot.store.database import Database
from bot.text_safety import without_bidi_controls

SESSION_COOKIE = "wm_session"
LOGIN_COOKIE = "wm_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
API_CALLER = "api_caller"  # request.state's name for the caller, once authenticated

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token for a system, made with `python -m bot tokens create`.",
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="consoleSession",
    description=f"The console's session cookie, set by signing in. Unsafe methods also need the "
    f"`{CSRF_HEADER}` header (the `csrf_token` of any console form).",
)


class LoginRequired(Exception):
    """A page was asked for without a valid session: the app redirects to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfFailed(Exception):
    """A form or API call with a session cookie but without the right CSRF token."""


# --- Dependencies -----------------------------------------------------------------------------------


def database(request: Request) -> Database:
    return request.app.state.db


def settings(request: Request) -> Settings:
    return request.app.state.settings


def page_user(request: Request) -> User:
    """The signed-in user of a page, or a redirect to the login page."""
    user = session_user(request)
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


def api_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_token: Annotated[str | None, Depends(cookie_scheme)],
) -> Actor:
    """The caller of an API route: a system with a bearer token, or a signed-in user.

    (The two schemes are parameters so that the API's documentation names them.)"""
    known: Actor | None = getattr(request.state, API_CALLER, None)
    return known if known is not None else authenticate_api(request)


def authenticate_api(request: Request) -> Actor:
    """The API's caller, from the request's headers only (its body is not read yet).

    Raises HTTPException (401) for no caller or a bad token, CsrfFailed for a signed-in
    browser's unsafe call without its CSRF token."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() == "bearer" and token:  # as HTTPBearer reads it
        actor = account_services.actor_for_token(database(request), token)
        if actor is None:
            raise _unauthorized("That API token is not valid, or has been revoked.")
        return actor
    user = session_user(request) if request.cookies.get(SESSION_COOKIE) else None
    if user is None:
        raise _unauthorized("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
    if request.method not in SAFE_METHODS and not _valid_csrf(request, request.headers.get(CSRF_HEADER)):
        raise CsrfFailed()
    return Actor.for_user(user)


def now(request: Request) -> datetime:
    """The time by the app's clock: the real one, or a test's (the sign-in throttle waits by it)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def client_address(request: Request) -> str:
    """The caller's address (the proxy's X-Forwarded-For when uvicorn trusts the proxy)."""
    return request.client.host if request.client else "unknown"


def session_user(request: Request) -> User | None:
    """The user whose session cookie came with the request (looked up once per request)."""
    if not hasattr(request.state, "user"):
        token = request.cookies.get(SESSION_COOKIE)
        request.state.user = account_services.user_for_session(database(request), token) if token else None
    return request.state.user


# --- CSRF -------------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token every form of this session must send back."""
    return security.sign(settings(request).console_secret_key, "session|" + request.cookies[SESSION_COOKIE])


async def checked_form(request: Request, _user: Annotated[User, Depends(page_user)]) -> FormData:
    """The posted form of a signed-in user (read only then), if it carries this session's CSRF
    token; its text without bidirectional control characters."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not _valid_csrf(request, token if isinstance(token, str) else None):
        raise CsrfFailed()
    return FormData(
        [
            (
                without_bidi_controls(key),
                value if isinstance(value, UploadFile) else without_bidi_controls(value),
            )
            for key, value in form.multi_items()
        ]
    )


def _valid_csrf(request: Request, token: str | None) -> bool:
    return bool(token and request.cookies.get(SESSION_COOKIE)) and security.same(token, csrf_token(request))


def new_login_nonce() -> str:
    """Starts a login attempt: the nonce goes in a cookie, its `login_token` in the form."""
    return secrets.token_urlsafe(16)


def login_token(request: Request, nonce: str) -> str:
    return security.sign(settings(request).console_secret_key, "login|" + nonce)


def remember_login_nonce(request: Request, response: Response, nonce: str) -> None:
    _set_cookie(request, response, LOGIN_COOKIE, nonce, max_age=3600)


def valid_login_token(request: Request, token: str | None) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    return bool(nonce and token) and security.same(token, login_token(request, nonce))


# --- Signing in and out -----------------------------------------------------------------------------


def sign_in(request: Request, response: Response, user: User) -> None:
    """A fresh session (never reusing one from before signing in), in an HttpOnly cookie."""
    sign_out(request, response)
    token = account_services.start_session(database(request), user)
    max_age = int(account_services.SESSION_LIFETIME.total_seconds())
    _set_cookie(request, response, SESSION_COOKIE, token, max_age=max_age)
    response.delete_cookie(LOGIN_COOKIE, path="/")


def sign_out(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        account_services.end_session(database(request), token)
    response.delete_cookie(SESSION_COOKIE, path="/")


def safe_next_path(path: str | None) -> str:
    """Only a path on this site (never `//evil.example`) may follow a login."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def login_url(next_path: str) -> str:
    return "/login" if next_path == "/" else f"/login?next={quote(next_path, safe='')}"


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings(request).console_secure_cookies,
    )


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})
