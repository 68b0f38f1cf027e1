"""Who uses the console and the API: professionals' accounts and roles, systems' tokens, sign-ins,
and the actor behind each request with what it may do."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Role(str, enum.Enum):
    CLINICIAN = "clinician"  # GP, nurse, pharmacist
    COACH = "coach"  # health and wellbeing coach, social prescribing link worker
    ADMIN = "admin"  # practice administrator: manages the console, makes no clinical decisions


class Permission(str, enum.Enum):
    VIEW = "view"
    EDIT = "edit"  # sections, notes, agreed actions, care coordinator, review date
    DECIDE = "decide"  # approve, or return with a reason: only a named professional


class TokenScope(str, enum.Enum):
    """What a system holding an API token may do. A system never approves: a person does."""

    READ = "read"
    WRITE = "write"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset(Permission),
    Role.COACH: frozenset(Permission),
    Role.ADMIN: frozenset({Permission.VIEW}),
}
SCOPE_PERMISSIONS: dict[TokenScope, frozenset[Permission]] = {
    TokenScope.READ: frozenset({Permission.VIEW}),
    TokenScope.WRITE: frozenset({Permission.VIEW, Permission.EDIT}),
}


@dataclass
class User:
    """A professional (or administrator) at one practice."""

    email: str
    name: str
    role: Role
    practice_id: str
    password_hash: str = field(repr=False)
    active: bool = True
    id: int | None = None
    created_at: datetime | None = None


@dataclass
class ApiToken:
    """A system's key to the API. Only a hash of the token itself is ever kept."""

    name: str
    practice_id: str
    scope: TokenScope
    token_hash: str = field(repr=False)
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class SignIn:
    """One attempt to sign in to the console, kept for the audit and the throttle; never the password.

    `email` is the name as typed (lower-case) only if it looks like an email address: a
    password typed into the wrong box must not be kept either. `address` is the client's.
    """

    at: datetime
    address: str
    succeeded: bool
    email: str | None = None
    user_id: int | None = None
    id: int | None = None


class ActorKind(str, enum.Enum):
    USER = "user"
    TOKEN = "token"
    ASSISTANT = "assistant"


@dataclass(frozen=True)
class Actor:
    """Whoever is making a request: a signed-in user, a system with a token, or the assistant."""

    kind: ActorKind
    name: str
    practice_id: str
    role: str  # a Role's value, a token's scope, or "assistant"
    permissions: frozenset[Permission]
    id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        permissions = ROLE_PERMISSIONS[user.role]
        return cls(ActorKind.USER, user.name, user.practice_id, user.role.value, permissions, user.id)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        permissions = SCOPE_PERMISSIONS[token.scope]
        return cls(ActorKind.TOKEN, token.name, token.practice_id, token.scope.value, permissions, token.id)

    @classmethod
    def assistant(cls, practice_id: str) -> Actor:
        return cls(ActorKind.ASSISTANT, "What Matters assistant", practice_id, "assistant", frozenset())

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
