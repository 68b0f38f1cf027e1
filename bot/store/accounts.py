"""Storing users, their console sessions, and API tokens.

Like the plan repository, these work inside the caller's session and never
commit. Secrets are stored only as hashes computed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.careplan.review import ApiToken, Role, SignIn, TokenScope, User
from bot.store.tables.accounts import api_tokens, console_sessions, sign_ins, users


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> User:
        values = {
            "email": user.email,
            "name": user.name,
            "role": Role(user.role).value,
            "practice_id": user.practice_id,
            "password_hash": user.password_hash,
            "active": user.active,
            "created_at": user.created_at,
        }
        user.id = self.session.execute(insert(users).values(**values)).inserted_primary_key[0]
        return user

    def get(self, user_id: int) -> User | None:
        row = self.session.execute(select(users).where(users.c.id == user_id)).mappings().first()
        return _user(row) if row else None

    def get_by_email(self, email: str) -> User | None:
        row = self.session.execute(select(users).where(users.c.email == email)).mappings().first()
        return _user(row) if row else None

    def list(self, practice_id: str | None = None) -> list[User]:
        query = select(users).order_by(users.c.practice_id, users.c.name, users.c.id)
        if practice_id is not None:
            query = query.where(users.c.practice_id == practice_id)
        return [_user(row) for row in self.session.execute(query).mappings()]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.session.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def set_active(self, user_id: int, active: bool) -> bool:
        result = self.session.execute(update(users).where(users.c.id == user_id).values(active=active))
        return result.rowcount > 0


class SessionRepository:
    """Signed-in browsers, found by the hash of their cookie's token."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        values = {
            "token_hash": token_hash,
            "user_id": user_id,
            "created_at": created_at,
            "expires_at": expires_at,
        }
        self.session.execute(insert(console_sessions).values(**values))

    def user_for(self, token_hash: str, now: datetime) -> User | None:
        """The active user signed in with this token, unless the session has expired."""
        query = (
            select(users)
            .join(console_sessions, console_sessions.c.user_id == users.c.id)
            .where(console_sessions.c.token_hash == token_hash)
            .where(console_sessions.c.expires_at > now)
            .where(users.c.active.is_(True))
        )
        row = self.session.execute(query).mappings().first()
        return _user(row) if row else None

    def remove(self, token_hash: str) -> None:
        self.session.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash))

    def remove_for_user(self, user_id: int) -> None:
        self.session.execute(delete(console_sessions).where(console_sessions.c.user_id == user_id))

    def remove_expired(self, now: datetime) -> None:
        self.session.execute(delete(console_sessions).where(console_sessions.c.expires_at <= now))


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: ApiToken) -> ApiToken:
        values = {
            "name": token.name,
            "practice_id": token.practice_id,
            "scope": TokenScope(token.scope).value,
            "token_hash": token.token_hash,
            "created_at": token.created_at,
            "revoked_at": token.revoked_at,
        }
        token.id = self.session.execute(insert(api_tokens).values(**values)).inserted_primary_key[0]
        return token

    def get_active_by_hash(self, token_hash: str) -> ApiToken | None:
        query = select(api_tokens).where(
            api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
        )
        row = self.session.execute(query).mappings().first()
        return _token(row) if row else None

    def list(self) -> list[ApiToken]:
        query = select(api_tokens).order_by(api_tokens.c.id)
        return [_token(row) for row in self.session.execute(query).mappings()]

    def revoke(self, token_id: int, now: datetime) -> bool:
        """True if a token that was still in use is now revoked."""
        query = (
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return self.session.execute(query).rowcount > 0


@dataclass(frozen=True)
class Failures:
    """Failed sign-ins since some moment: how many, and when the last one was."""

    count: int
    last_at: datetime | None


class SignInRepository:
    """The log of sign-in attempts, for the audit and the throttle."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt: SignIn) -> None:
        values = {
            "at": attempt.at,
            "email": attempt.email,
            "user_id": attempt.user_id,
            "address": attempt.address,
            "succeeded": attempt.succeeded,
        }
        self.session.execute(insert(sign_ins).values(**values))

    def failures_for_email(self, email: str, since: datetime) -> Failures:
        return self._failures(sign_ins.c.email == email, since)

    def failures_from_address(self, address: str, since: datetime) -> Failures:
        return self._failures(sign_ins.c.address == address, since)

    def last_success(self, email: str) -> datetime | None:
        query = select(func.max(sign_ins.c.at)).where(sign_ins.c.email == email, sign_ins.c.succeeded)
        return _aware(self.session.execute(query).scalar())

    def list(self, limit: int = 100) -> list[SignIn]:
        """The latest attempts, newest first."""
        query = select(sign_ins).order_by(sign_ins.c.at.desc(), sign_ins.c.id.desc()).limit(limit)
        return [_sign_in(row) for row in self.session.execute(query).mappings()]

    def _failures(self, who: ColumnElement, since: datetime) -> Failures:
        query = select(func.count(), func.max(sign_ins.c.at)).where(
            who, sign_ins.c.at > since, sign_ins.c.succeeded.is_(False)
        )
        count, last_at = self.session.execute(query).one()
        return Failures(count, _aware(last_at))


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        practice_id=row["practice_id"],
        password_hash=row["password_hash"],
        active=bool(row["active"]),
        created_at=row["created_at"],
    )


def _token(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        name=row["name"],
        practice_id=row["practice_id"],
        scope=TokenScope(row["scope"]),
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def _sign_in(row: RowMapping) -> SignIn:
    return SignIn(
        id=row["id"],
        at=row["at"],
        email=row["email"],
        user_id=row["user_id"],
        address=row["address"],
        succeeded=bool(row["succeeded"]),
    )


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back an aggregate of UTC times without their zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)
