"""What the recording keeps of discharge: when each criterion became met (or unmet again),
and the nurse's sign-off, which ends the session.

Only changes are recorded (``discharge_criteria``): every criterion starts unmet, so
the first rows say when each became met, and a criterion that is lost again (an alarm,
a value out of band) gets a row too. ``ready`` is recorded the same way: the moment
everything but the sign-off was met. The sign-off (``discharge_signoffs``) keeps
whether the patient was ready and, if not, what was missing and the nurse's reason
for discharging anyway.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.treatment.discharge import SIGN_OFF, DischargeStatus

READY = "ready"


@dataclass(frozen=True, slots=True)
class CriterionChange:
    """A discharge criterion became met (``met``) or unmet again at ``at``."""

    at: datetime
    criterion: str  # observation, vitals:HR, sedation, alarms, ready
    met: bool
    text: str

    def describe(self) -> str:
        if self.criterion == READY:
            return "Ready for discharge" if self.met else "No longer ready for discharge"
        return f"Discharge criterion met: {self.text}" if self.met else f"Discharge criterion lost: {self.text}"

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        return "discharge_criteria", {
            "host_time": self.at.timestamp(), "criterion": self.criterion, "met": int(self.met),
            "detail": self.text,
        }


@dataclass(frozen=True, slots=True)
class SignOff:
    """The nurse discharged the patient; the session ends with it."""

    at: datetime
    by: str
    ready: bool
    unmet: tuple[str, ...]  # sentences of the criteria not met at the sign-off
    reason: str = ""  # why, when not ready

    def describe(self) -> str:
        if self.ready:
            return f"Discharged, signed off by {self.by}"
        return f"Discharged before the criteria were met, signed off by {self.by}: {self.reason}"

    def to_record(self) -> tuple[str, Mapping[str, object]]:
        return "discharge_signoffs", {
            "host_time": self.at.timestamp(), "by": self.by, "ready": int(self.ready),
            "unmet": json.dumps(list(self.unmet)), "reason": self.reason,
        }


class DischargeLog:
    """Turns successive evaluations into the changes worth recording."""

    def __init__(self) -> None:
        self._met: dict[str, bool] = {}

    def changes(self, status: DischargeStatus) -> list[CriterionChange]:
        changes = []
        states = [(c.id, c.met, c.text) for c in status.criteria if c.id != SIGN_OFF]
        states.append((READY, status.ready, "Ready for discharge"))
        for criterion, met, text in states:
            if self._met.get(criterion, False) != met:
                changes.append(CriterionChange(status.evaluated_at, criterion, met, text))
            self._met[criterion] = met
        return changes
