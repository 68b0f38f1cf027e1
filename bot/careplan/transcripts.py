"""The conversation behind a plan, line by line, as a professional reads it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TranscriptLine:
    """One message of the conversation, as the person or the assistant wrote it."""

    speaker: str  # "person" or "assistant"
    text: str
    at: datetime
