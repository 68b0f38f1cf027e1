"""Storing users, their console sessions, API tokens, and sign-in attempts.

Secrets are stored only as hashes computed by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement

from bot.careplan.accounts import ApiToken, Role, SignIn, TokenScope, User
from bot.store.repository import Repository, from_row, to_row
from bot.store.tables.accounts import api_tokens, console_sessions, sign_ins, users


class UserRepository(Repository):
    def add(self, user: User) -> User:
        values = to_row(user, role=Role(user.role).value)
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


class SessionRepository(Repository):
    """Signed-in browsers, found by the hash of their cookie's token."""

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


class TokenRepository(Repository):
    def add(self, token: ApiToken) -> ApiToken:
        values = to_row(token, scope=TokenScope(token.scope).value)
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


class SignInRepository(Repository):
    """The log of sign-in attempts, for the audit and the throttle."""

    def add(self, attempt: SignIn) -> None:
        self.session.execute(insert(sign_ins).values(**to_row(attempt)))

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
    return from_row(User, row, role=Role(row["role"]), active=bool(row["active"]))


def _token(row: RowMapping) -> ApiToken:
    return from_row(ApiToken, row, scope=TokenScope(row["scope"]))


def _sign_in(row: RowMapping) -> SignIn:
    return from_row(SignIn, row, succeeded=bool(row["succeeded"]))


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back an aggregate of UTC times without their zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)
