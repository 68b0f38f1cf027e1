"""HTTP status codes for the domain's errors, shared by the API and the pages."""

from __future__ import annotations

from bot.careplan.errors import InvalidEdit, InvalidTransition, NotAllowed, ReviewError, VersionConflict

_STATUS = {
    NotAllowed: 403,
    InvalidEdit: 422,
    InvalidTransition: 409,
    VersionConflict: 409,
}


def http_status(error: ReviewError) -> int:
    return next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
