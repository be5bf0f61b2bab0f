"""Every reading the central station received for one bed's session, for its trend window.

Decision (docs/central-station.md, "Trend"): the central station keeps what it
received and asks nothing of the bedside (it may only read from the broker).
Late readings replayed after an outage fill their gap in time order, so the
trend of a bed watched since its session began is complete; a bed whose session
began before the central station started shows from the station's start, and
the window says so. Bounded: a day of readings per parameter.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

MAX_POINTS = 86_400  # per parameter: a day at one reading a second


@dataclass(frozen=True, slots=True)
class TrendData:
    """A copy for the window's thread: per parameter (times in UTC Unix seconds, values; None: no value)."""

    series: dict[str, tuple[tuple[float, ...], tuple[float | None, ...]]]
    phases: tuple[tuple[float, str], ...]  # (time, phase) of each phase change received
    alarms: tuple[tuple[float, str, str], ...]  # (time, condition, priority) of each alarm raised


class Trend:
    """Not thread-safe: the station updates and copies it under its lock."""

    def __init__(self) -> None:
        self._times: dict[str, list[float]] = {}
        self._values: dict[str, list[float | None]] = {}
        self._phases: list[tuple[float, str]] = []
        self._alarms: list[tuple[float, str, str]] = []

    def add_reading(self, parameter: str, t: float, value: float | None) -> None:
        times = self._times.setdefault(parameter, [])
        values = self._values.setdefault(parameter, [])
        i = len(times) if not times or t >= times[-1] else bisect.bisect_right(times, t)
        times.insert(i, t)
        values.insert(i, value)
        if len(times) > MAX_POINTS:
            del times[0], values[0]

    def add_phase(self, t: float, phase: str) -> None:
        bisect.insort(self._phases, (t, phase))

    def add_alarm(self, t: float, condition: str, priority: str) -> None:
        bisect.insort(self._alarms, (t, condition, priority))

    def copy(self) -> TrendData:
        return TrendData({p: (tuple(self._times[p]), tuple(self._values[p])) for p in self._times},
                         tuple(self._phases), tuple(self._alarms))

    def count(self) -> int:
        return sum(len(t) for t in self._times.values())
