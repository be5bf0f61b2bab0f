"""The patient's own pre-infusion values, which every tile and alarm compares against.

Rule (also in ``docs/session-model.md``):

* **Continuous parameters** (HR, PR, SpO2, ART sys/dia/mean): the median of the
  trusted numeric readings received in the last :data:`BASELINE_WINDOW_S`
  (5 minutes) of the baseline period. The last minutes are the patient seated
  and settled just before the infusion (as for a resting blood-pressure
  measurement), not the arrival, the cannulation or the walk to the chair; the
  median ignores short artefacts (movement, a cough, a probe adjusted) that a
  mean would carry.
* **NIBP sys/dia/mean**: the median of the last :data:`NIBP_MEASUREMENTS` (3)
  cuff measurements completed during the baseline period, so a single one
  (often raised by anxiety or movement) does not set the reference alone, while
  one measurement still gives a baseline. Each NIBP parameter is tracked on its
  own, so with two or three measurements sys and dia may come from different cuff
  cycles, exactly as they would if each were read off the monitor.

A reading is *trusted* only when it has a finite number and none of the
:data:`UNTRUSTED` quality flags: absent, invalid, under/over range, sensor off,
calibrating, interference, low perfusion, demo data. A NIBP value repeated while
the cuff inflates is the previous result and never counts as a new measurement.

The collector never freezes anything itself: :class:`~monitor.session.InfusionSession`
asks it once at infusion start and keeps that answer.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from datetime import datetime, timedelta

from monitor.readings import NIBP_PARAMETERS, NOT_A_NUMBER, Parameter, Quality, Reading

BASELINE_WINDOW_S = 300.0
NIBP_MEASUREMENTS = 3

UNTRUSTED = (
    NOT_A_NUMBER
    | Quality.CALIBRATING
    | Quality.INTERFERENCE
    | Quality.LOW_PERFUSION
    | Quality.DEMO
    | Quality.NIBP_MEASURING
)


def is_trusted(reading: Reading) -> bool:
    """True when the reading may contribute to a baseline."""
    value = reading.value
    return value is not None and math.isfinite(value) and not reading.quality & UNTRUSTED


class _RecentValues:
    """Trusted values of one continuous parameter, pruned to the baseline window.

    Pruning keeps memory bounded however long the patient waits before the infusion.
    """

    def __init__(self, window_s: float) -> None:
        self._window = timedelta(seconds=window_s)
        self._samples: deque[tuple[datetime, float]] = deque()
        self._newest: datetime | None = None

    def add(self, at: datetime, value: float) -> None:
        self._samples.append((at, value))
        self._newest = at if self._newest is None else max(self._newest, at)
        cutoff = self._newest - self._window
        while self._samples and self._samples[0][0] < cutoff:
            self._samples.popleft()

    def values_until(self, until: datetime) -> list[float]:
        """Values received in the window that ends at ``until``."""
        since = until - self._window
        return [value for at, value in self._samples if since <= at <= until]


class CuffMeasurements:
    """Tells a new NIBP measurement from the monitor repeating the last one.

    Monitors send the last NIBP result in every record until the next cuff
    cycle, so a repeat is not a measurement. A new one is a value that differs
    from the last, or any value after a measuring (inflating) record, which also
    catches a new cycle that happens to give the same number. The first value
    seen counts unless the device flags it older than 60 s: a result left on the
    monitor from before this session (possibly another patient's) must not
    become this patient's baseline.
    """

    def __init__(self, keep: int | None) -> None:
        """``keep``: how many of the latest measurements to hold (None: every one)."""
        self._results: deque[tuple[datetime, float]] = deque(maxlen=keep)
        self._last_value: float | None = None
        self._cycle_seen = False

    def add(self, reading: Reading) -> None:
        if reading.quality & Quality.NIBP_MEASURING:
            self._cycle_seen = True
            return
        if not is_trusted(reading):
            return
        value = float(reading.value)  # type: ignore[arg-type]  # is_trusted: not None
        if self._is_new(value, reading.quality):
            self._results.append((reading.received_at, value))
        self._last_value = value
        self._cycle_seen = False

    def _is_new(self, value: float, quality: Quality) -> bool:
        if self._cycle_seen:
            return True
        if self._last_value is None:
            return not quality & Quality.OLDER_THAN_60S
        return value != self._last_value

    def values_until(self, until: datetime) -> list[float]:
        return [value for at, value in self._results if at <= until]

    @property
    def results(self) -> tuple[tuple[datetime, float], ...]:
        """``(received at, value)`` of each measurement kept, oldest first."""
        return tuple(self._results)


class BaselineCollector:
    """Collects baseline-period readings and computes the baseline rule on demand.

    Fed only while the session is in its baseline phase; asked at any moment
    (the nurse watches the baseline form) and once more at infusion start.
    """

    def __init__(
        self, window_s: float = BASELINE_WINDOW_S, nibp_measurements: int = NIBP_MEASUREMENTS
    ) -> None:
        self._window_s = window_s
        self._nibp_measurements = nibp_measurements
        self._continuous: dict[Parameter, _RecentValues] = {}
        self._cuff: dict[Parameter, CuffMeasurements] = {}

    def add(self, reading: Reading) -> None:
        parameter = reading.parameter
        if parameter in NIBP_PARAMETERS:
            cuff = self._cuff.setdefault(parameter, CuffMeasurements(self._nibp_measurements))
            cuff.add(reading)
        elif is_trusted(reading):
            recent = self._continuous.setdefault(parameter, _RecentValues(self._window_s))
            recent.add(reading.received_at, float(reading.value))  # type: ignore[arg-type]

    def compute(self, until: datetime) -> dict[Parameter, float]:
        """The baseline for a baseline period ending at ``until``.

        A parameter with no trusted value under the rule is left out: no
        baseline is better than one made from noise or another patient.
        """
        sources: list[tuple[Parameter, _RecentValues | CuffMeasurements]] = [
            *self._continuous.items(),
            *self._cuff.items(),
        ]
        baseline: dict[Parameter, float] = {}
        for parameter, source in sources:
            values = source.values_until(until)
            if values:
                baseline[parameter] = float(statistics.median(values))
        return {p: baseline[p] for p in Parameter if p in baseline}
