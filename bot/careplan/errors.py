"""Why a change to a plan cannot be made, in words for the professional."""

from __future__ import annotations


class ReviewError(Exception):
    """A change that cannot be made; the message says why, in words for the professional."""


class NotAllowed(ReviewError):
    """The actor's role or token does not allow this."""


class InvalidEdit(ReviewError):
    """A value that cannot go into a plan (too long, not a date, a confidence of 11...)."""


class InvalidTransition(ReviewError):
    """The plan's status does not allow this now (e.g. approving an approved plan)."""


class VersionConflict(ReviewError):
    """Someone else changed the plan since this change was prepared."""
