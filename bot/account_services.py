"""Users, sign-in sessions and API tokens: the service layer for the console and the CLI.

Each function is one unit of work. Passwords and tokens are only ever stored
as hashes (see `bot.security`).
"""

from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot import security
from bot.careplan.accounts import Actor, ApiToken, Role, SignIn, TokenScope, User
from bot.careplan.validation import is_storable
from bot.clock import utc
from bot.config import Settings
from bot.store.accounts import (
    Failures,
    SessionRepository,
    SignInRepository,
    TokenRepository,
    UserRepository,
)
from bot.store.database import Database
from bot.store.unit_of_work import Conflict, unit_of_work

SESSION_LIFETIME = timedelta(hours=8)  # one working day; then sign in again
MIN_PASSWORD_LENGTH = 12  # NCSC: length matters more than complexity rules
# Failed sign-ins older than this no longer count: a few typos a week never add up to a lock-out.
FAILURE_WINDOW = timedelta(days=1)
FIRST_WAIT = timedelta(minutes=1)  # then doubled with each further failure, up to the longest
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A user or token that cannot be created as asked; the message says why."""


class TooManyAttempts(Exception):
    """Sign-in refused, whatever the password, until `wait` has passed."""

    def __init__(self, wait: timedelta) -> None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        super().__init__(f"Too many attempts, try again in {minutes} minute{'s' if minutes > 1 else ''}.")
        self.wait = wait


@dataclass(frozen=True)
class SignInLimits:
    """How many wrong passwords an account and a client address get before each must wait."""

    free_attempts: int = 5
    free_attempts_per_address: int = 50
    longest_wait: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        return cls(
            free_attempts=settings.console_login_free_attempts,
            free_attempts_per_address=settings.console_login_free_attempts_per_address,
            longest_wait=timedelta(minutes=settings.console_login_max_lockout_minutes),
        )


@dataclass(frozen=True)
class NewToken:
    """A token as created: `secret` is shown once and never stored."""

    token: ApiToken
    secret: str


# --- Users ------------------------------------------------------------------------------------------


def create_user(
    db: Database,
    *,
    email: str,
    name: str,
    role: Role | str,
    practice_id: str,
    password: str,
    now: datetime | None = None,
) -> User:
    user = User(
        email=_clean_email(email),
        name=_required("name", name, 200),
        role=_role(role),
        practice_id=_required("practice", practice_id, 255),
        password_hash=security.hash_password(_check_password(password)),
        created_at=utc(now),
    )
    try:
        with unit_of_work(db) as work:
            return work.users.add(user)
    except Conflict as error:
        raise AccountError(f"A user with the email {user.email} already exists.") from error


def list_users(db: Database, practice_id: str | None = None) -> list[User]:
    with db.session() as session:
        return UserRepository(session).list(practice_id)


def deactivate_user(db: Database, email: str) -> bool:
    """Stop a user signing in, and end their sessions now; False if there is no such user."""
    with db.session() as session:
        users = UserRepository(session)
        user = users.get_by_email(_clean_email(email))
        if user is None or user.id is None:
            return False
        users.set_active(user.id, False)
        SessionRepository(session).remove_for_user(user.id)
        return True


def authenticate(db: Database, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (never saying which was wrong)."""
    if not is_storable(email):
        return None
    with db.session() as session:
        users = UserRepository(session)
        user = users.get_by_email(email.strip().lower())
        valid = security.verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.active or user.id is None:
            return None
        if security.password_needs_rehash(user.password_hash):
            users.set_password_hash(user.id, security.hash_password(password))
        return user


# --- Signing in, with a limit on guessing ---------------------------------------------------------


def sign_in_with_password(
    db: Database,
    email: str,
    password: str,
    *,
    address: str,
    limits: SignInLimits,
    now: datetime | None = None,
) -> User | None:
    """`authenticate`, unless the account or the address must wait (`TooManyAttempts`).

    A waiting account is refused before its password is checked, so even the right
    one gets no further. Each checked attempt goes in the sign-in log (never the
    password); a refused one does not, so hammering a lock can neither extend it
    nor fill the database.
    """
    now, name, address = utc(now), _account_name(email), client_address(address)
    wait = sign_in_wait(db, name, address, limits, now)
    if wait > timedelta(0):
        raise TooManyAttempts(wait)
    user = authenticate(db, email, password)
    attempt = SignIn(at=now, address=address, succeeded=user is not None, email=name)
    with db.session() as session:
        SignInRepository(session).add(replace(attempt, user_id=user.id) if user else attempt)
    return user


def sign_in_wait(
    db: Database, email: str | None, address: str, limits: SignInLimits, now: datetime
) -> timedelta:
    """How long the account (failures since its last sign-in) and the address must still wait."""
    since = now - FAILURE_WINDOW
    with db.session() as session:
        log = SignInRepository(session)
        by_address = log.failures_from_address(address, since)
        waits = [_wait(by_address, limits.free_attempts_per_address, limits.longest_wait, now)]
        if email is not None:
            since = max(since, log.last_success(email) or since)  # signing in starts the count again
            by_account = log.failures_for_email(email, since)
            waits.append(_wait(by_account, limits.free_attempts, limits.longest_wait, now))
    return max(waits)


def sign_in_log(db: Database, limit: int = 100) -> list[SignIn]:
    """The latest sign-in attempts, newest first."""
    with db.session() as session:
        return SignInRepository(session).list(limit)


def client_address(address: str) -> str:
    """The address to count failures by. IPv6 by its /64: one machine usually holds the whole block."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _wait(failures: Failures, free: int, longest: timedelta, now: datetime) -> timedelta:
    """1 minute after the last free failure, doubling with each one after it, up to `longest`."""
    if failures.count < free or failures.last_at is None:
        return timedelta(0)
    doublings = min(failures.count - free, 20)  # 2**20 minutes is past any sensible longest wait
    locked_until = failures.last_at + min(FIRST_WAIT * 2**doublings, longest)
    return max(timedelta(0), locked_until - now)


def _account_name(email: str) -> str | None:
    """The name to count and log an attempt by: only what could be an account's email, never,
    say, a password typed in the wrong box."""
    try:
        return _clean_email(email)
    except AccountError:
        return None


# --- Sessions ---------------------------------------------------------------------------------------


def start_session(db: Database, user: User, *, now: datetime | None = None) -> str:
    """A new session for the user; returns the token for their cookie (only its hash is kept)."""
    if user.id is None:
        raise AccountError("The user has not been stored.")
    now = utc(now)
    token = security.new_token()
    with db.session() as session:
        sessions = SessionRepository(session)
        sessions.remove_expired(now)
        sessions.add(security.hash_token(token), user.id, now, now + SESSION_LIFETIME)
    return token


def user_for_session(db: Database, token: str, *, now: datetime | None = None) -> User | None:
    with db.session() as session:
        return SessionRepository(session).user_for(security.hash_token(token), utc(now))


def end_session(db: Database, token: str) -> None:
    with db.session() as session:
        SessionRepository(session).remove(security.hash_token(token))


# --- API tokens -------------------------------------------------------------------------------------


def create_token(
    db: Database,
    *,
    name: str,
    practice_id: str,
    scope: TokenScope | str = TokenScope.READ,
    now: datetime | None = None,
) -> NewToken:
    secret = security.new_token()
    try:
        scope = TokenScope(scope)
    except ValueError as error:
        raise AccountError(f"Unknown scope {scope!r}: use read or write.") from error
    token = ApiToken(
        name=_required("name", name, 200),
        practice_id=_required("practice", practice_id, 255),
        scope=scope,
        token_hash=security.hash_token(secret),
        created_at=utc(now),
    )
    with db.session() as session:
        return NewToken(TokenRepository(session).add(token), secret)


def list_tokens(db: Database) -> list[ApiToken]:
    with db.session() as session:
        return TokenRepository(session).list()


def revoke_token(db: Database, token_id: int, *, now: datetime | None = None) -> bool:
    """True if the token was in use and is now revoked."""
    with db.session() as session:
        return TokenRepository(session).revoke(token_id, utc(now))


def actor_for_token(db: Database, secret: str) -> Actor | None:
    """Who is calling the API with this bearer token, if it is valid and not revoked."""
    with db.session() as session:
        token = TokenRepository(session).get_active_by_hash(security.hash_token(secret))
    return Actor.for_token(token) if token else None


# --- Checks -----------------------------------------------------------------------------------------


def _clean_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email) or not is_storable(email):
        raise AccountError(f"{email!r} is not an email address.")
    return email


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError as error:
        raise AccountError(f"Unknown role {role!r}: use {', '.join(r.value for r in Role)}.") from error


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def _required(label: str, value: str, max_length: int) -> str:
    value = value.strip()
    if not value or not is_storable(value):
        raise AccountError(f"The {label} cannot be empty or hold control characters.")
    if len(value) > max_length:
        raise AccountError(f"The {label} is too long (at most {max_length} characters).")
    return value
