"""The latest value of each parameter, and whether it may still be shown as current.

Safety rule: a value older than its parameter's expected update period is
stale and must never look current; a value the device marks absent or invalid
is shown as dashes. The widgets ask this model, so the rule lives in one place
and is tested without Qt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from monitor.parameters import PARAMETERS
from monitor.readings import NIBP_PARAMETERS, Parameter, Quality, Reading

# Continuous parameters update every few seconds; NIBP is a discrete measurement
# that stays valid until the next cuff cycle (typically every 3-15 minutes).
STALE_AFTER_S: dict[Parameter, float] = {p: row.stale_after_s for p, row in PARAMETERS.items()}


class Freshness(enum.StrEnum):
    CURRENT = "current"
    STALE = "stale"  # had a value, but too long ago to trust as current
    ABSENT = "absent"  # the device says it has no valid value
    NEVER = "never"  # nothing received yet


@dataclass(frozen=True, slots=True)
class ValueView:
    """What a tile should show for one parameter at one instant."""

    parameter: Parameter
    freshness: Freshness
    value: float | None  # only ever set when freshness is CURRENT or STALE
    age_s: float | None
    reason: str  # why there is no number, or device notes ("NIBP measuring")

    @property
    def showable(self) -> bool:
        """True only when the number may be displayed as a current measurement."""
        return self.freshness is Freshness.CURRENT


class LatestValues:
    """Keeps the newest reading per parameter; answers views at a given time."""

    def __init__(self, stale_after_s: dict[Parameter, float] | None = None) -> None:
        self._stale_after_s = stale_after_s or STALE_AFTER_S
        self._latest: dict[Parameter, Reading] = {}
        self._last_number: dict[Parameter, Reading] = {}
        self._measured_at: dict[Parameter, datetime] = {}

    def update(self, reading: Reading) -> None:
        previous = self._last_number.get(reading.parameter)
        self._latest[reading.parameter] = reading
        if reading.value is None:
            return
        if previous is None or previous.value != reading.value or reading.parameter not in NIBP_PARAMETERS:
            self._measured_at[reading.parameter] = reading.received_at
        self._last_number[reading.parameter] = reading

    def has_seen(self, parameter: Parameter) -> bool:
        return parameter in self._latest

    def view(self, parameter: Parameter, now: datetime) -> ValueView:
        latest = self._latest.get(parameter)
        if latest is None:
            return ValueView(parameter, Freshness.NEVER, None, None, "no data yet")
        if latest.value is None:
            return ValueView(parameter, Freshness.ABSENT, None, None, _reason(latest.quality))
        if parameter in NIBP_PARAMETERS:  # a cuff result ages from when it was measured
            since = self._measured_at.get(parameter, latest.received_at)
        else:
            since = latest.received_at
        age = (now - since).total_seconds()
        if age > self._stale_after_s[parameter]:
            return ValueView(parameter, Freshness.STALE, latest.value, age, "no recent value")
        notes = _reason(latest.quality & (Quality.NIBP_MEASURING | Quality.LOW_PERFUSION | Quality.INTERFERENCE))
        return ValueView(parameter, Freshness.CURRENT, latest.value, age, notes)


_REASONS = {
    Quality.SENSOR_OFF: "sensor off",
    Quality.ABSENT: "not measured",
    Quality.INVALID: "invalid",
    Quality.NOT_UPDATED: "not updated",
    Quality.UNDER_RANGE: "under range",
    Quality.OVER_RANGE: "over range",
    Quality.NOT_CALIBRATED: "not calibrated",
    Quality.NIBP_MEASURING: "measuring",
    Quality.LOW_PERFUSION: "low perfusion",
    Quality.INTERFERENCE: "interference",
}


def _reason(quality: Quality) -> str:
    return ", ".join(text for flag, text in _REASONS.items() if flag in quality)
