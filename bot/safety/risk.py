"""Kinds of risk a message can disclose, and the flag a professional sees first."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from datetime import datetime


class RiskCategory(str, enum.Enum):
    MEDICAL_EMERGENCY = "medical_emergency"
    SUICIDAL_THOUGHTS = "suicidal_thoughts"
    SELF_HARM = "self_harm"
    SAFEGUARDING = "safeguarding"

    @property
    def urgency(self) -> int:
        """Lower is more urgent: the first crisis message a person sees."""
        return list(RiskCategory).index(self)


# The intent every message that discloses risk gets (bot/nlu/risk.py), whatever its tier.
RISK_INTENT = "risk_disclosure"


class Tier(str, enum.Enum):
    """How sure the reading is: a clear disclosure gets the crisis reply at once;
    an unclear signal gets a gentle check first, with help offered either way."""

    CLEAR = "clear"
    CHECK = "check"


def category_named(name: str) -> RiskCategory | str:
    """The kind of risk a name stands for; a name the detector has no category for stays as it
    is ("unspecified"), so it is still flagged (fail closed)."""
    try:
        return RiskCategory(name)
    except ValueError:
        return name


@dataclass(frozen=True)
class RiskFlag:
    """A disclosure of risk, kept on the plan so a professional sees it first."""

    category: RiskCategory | str  # a str for a kind the detector has no category for ("unspecified")
    message: str  # the person's message, word for word
    detected_at: datetime

    def as_dict(self) -> dict:
        data = asdict(self)
        # An unknown kind is still flagged (fail closed), under its own name.
        data["category"] = getattr(self.category, "value", self.category)
        data["detected_at"] = self.detected_at.isoformat()
        return data
