"""Physiological alarm conditions: is a parameter beyond its limits, and for long enough?

This module only answers the question per reading; the alarm lifecycle
(raised, acknowledged, latched, cleared) lives in ``lifecycle`` and ``engine``.

Rules (disclosed in docs/alarms.md):

- A value *beyond* a limit is strictly above an upper limit or strictly below a
  lower one; a value equal to the limit does not alarm (the convention of the
  monitors whose defaults the reference's table is built from, §2.6).
- Continuous parameters (HR, PR, SpO2, ART): a condition exists once every valid
  reading for at least the alarm-condition delay has been beyond the limit
  (reference §1.5). A reading without a number breaks the run: the delay only
  counts time in which the patient was seen beyond the limit. The alarm is
  raised by the reading that completes the delay, so the overall delay is the
  condition delay plus at most one reporting interval of the monitor.
- NIBP is a discrete measurement: each new cuff result is evaluated at once,
  with no delay; the monitor repeating an old result is not a new measurement.
  With ``confirm_high_on_repeat`` a single result over the high limit counts as
  medium until the next result confirms it (reference §2.7, §2.3 "2 readings").
- A condition ends when a valid value is back inside the least severe limit by
  the hysteresis (reference §2.7 "hysteresis").
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.alarms.model import AlarmCondition, Direction, Priority
from monitor.alarms.settings import ParameterLimits
from monitor.readings import Quality, Reading


@dataclass(frozen=True, slots=True)
class Finding:
    """What one value means for one alarm condition."""

    condition: AlarmCondition
    direction: Direction
    value: float
    level: Priority | None  # the priority whose condition exists now (delay met), if any
    pending: bool  # beyond a limit whose delay is still running
    inside: bool  # back inside the limits by the hysteresis: the condition has ended
    limit: float  # the violated limit at ``level``, else the least severe limit
    beyond: Priority | None = None  # most severe tier the value is beyond, delay met or not
    baseline: float | None = None
    note: str = ""  # e.g. "unconfirmed": shown in the message and logged


class ConditionWatch:
    """One condition of one parameter (e.g. HR_HIGH) with its tiers, delays and run timers."""

    def __init__(
        self,
        condition: AlarmCondition,
        direction: Direction,
        tiers: tuple[tuple[Priority, float], ...],
        limits: ParameterLimits,
        baseline: float | None = None,
    ) -> None:
        self.condition = condition
        self.direction = direction
        self.tiers = tiers  # least severe first
        self.baseline = baseline
        self._limits = limits
        self._since: dict[Priority, float] = {}  # start of the current run beyond each tier
        self._confirm = limits.confirm_high_on_repeat and direction is Direction.HIGH
        self._previous_high = False  # the previous NIBP result was over the high limit

    def beyond(self, value: float, limit: float) -> bool:
        return value > limit if self.direction.upward else value < limit

    def inside(self, value: float) -> bool:
        """Back inside the least severe limit by the hysteresis."""
        edge = self.tiers[0][1]
        margin = self._limits.hysteresis
        return value <= edge - margin if self.direction.upward else value >= edge + margin

    def interrupt(self) -> None:
        """No valid value: the delay restarts with the next value beyond the limit."""
        self._since.clear()

    def observe(self, value: float, now: float) -> Finding:
        for priority, limit in self.tiers:
            if self.beyond(value, limit):
                self._since.setdefault(priority, now)
            else:
                self._since.pop(priority, None)
        met = [p for p, since in self._since.items() if now - since >= self._limits.delay_for(p)]
        level = max(met) if met else None
        level, note = self._confirmed(level, value)
        return Finding(
            condition=self.condition,
            direction=self.direction,
            value=value,
            level=level,
            pending=level is None and bool(self._since),
            inside=self.inside(value),
            limit=self._limit_at(level),
            beyond=max(self._since) if self._since else None,
            baseline=self.baseline,
            note=note,
        )

    def _confirmed(self, level: Priority | None, value: float) -> tuple[Priority | None, str]:
        """NIBP confirm-on-repeat: a first result over the high limit counts as medium."""
        if not self._confirm:
            return level, ""
        previous, self._previous_high = self._previous_high, level is Priority.HIGH
        if level is not Priority.HIGH or previous:
            return level, ""
        high = self._limits.above.high
        return Priority.MEDIUM, f"over {high:g} once: repeat NIBP to confirm"

    def _limit_at(self, level: Priority | None) -> float:
        for priority, limit in reversed(self.tiers):
            if level is not None and priority <= level:
                return limit
        return self.tiers[0][1]


def watches_for(limits: ParameterLimits, baseline: float | None) -> list[ConditionWatch]:
    """The conditions a parameter's limits define; relative ones only once a baseline is set."""
    parameter = limits.parameter
    watches = []
    for direction, tiers in ((Direction.HIGH, limits.above), (Direction.LOW, limits.below)):
        if tiers:
            condition = AlarmCondition.physiological(parameter, direction)
            watches.append(ConditionWatch(condition, direction, tiers.items(), limits, baseline))
    for direction, relative in ((Direction.RISE, limits.rise), (Direction.FALL, limits.fall)):
        if relative is not None and baseline is not None:
            condition = AlarmCondition.physiological(parameter, direction)
            tier = ((relative.priority, relative.limit(baseline, direction.upward)),)
            watches.append(ConditionWatch(condition, direction, tier, limits, baseline))
    return watches


class NibpResults:
    """Tells a new cuff result from the monitor repeating the last one.

    A GE Datex monitor repeats the last NIBP result in every record and flags the
    cuff cycle with NIBP_MEASURING (docs/recording-format.md): a result is new when
    its value changes or when it follows a cuff cycle.
    """

    def __init__(self) -> None:
        self._last: float | None = None
        self._cycle_seen = False

    def is_new(self, reading: Reading) -> bool:
        if reading.quality & Quality.NIBP_MEASURING:
            self._cycle_seen = True
            return False
        if reading.value is None:
            return False
        new = self._cycle_seen or reading.value != self._last
        self._cycle_seen = False
        self._last = reading.value
        return new
