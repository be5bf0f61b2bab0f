"""The vital signs discharge readiness is judged on: trusted values only, each measurement once.

Fed with every reading (on the thread that owns the session), it keeps for each
parameter the discharge criteria name the values that may count: the trusted ones
of :func:`monitor.baseline.is_trusted` (no artefact, calibration or demo flag), and
for the cuff each measurement once, at the moment it was first received
(:class:`monitor.baseline.CuffMeasurements`: a monitor repeats the last result in
every record). Memory is bounded: the last :data:`MAX_POINTS` values per parameter.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime

from monitor.baseline import CuffMeasurements, is_trusted
from monitor.readings import NIBP_PARAMETERS, Parameter, Reading

MAX_POINTS = 24 * 3600  # a day of 1 Hz values per parameter


class VitalsHistory:
    """Trusted values of the parameters the discharge rule reads, oldest first."""

    def __init__(self, parameters: Iterable[Parameter]) -> None:
        self._continuous: dict[Parameter, deque[tuple[datetime, float]]] = {}
        self._cuff: dict[Parameter, CuffMeasurements] = {}
        for parameter in parameters:
            if parameter in NIBP_PARAMETERS:
                self._cuff[parameter] = CuffMeasurements(MAX_POINTS)
            else:
                self._continuous[parameter] = deque(maxlen=MAX_POINTS)

    def add(self, reading: Reading) -> None:
        cuff = self._cuff.get(reading.parameter)
        if cuff is not None:
            cuff.add(reading)
            return
        values = self._continuous.get(reading.parameter)
        if values is not None and is_trusted(reading):
            values.append((reading.received_at, float(reading.value)))  # type: ignore[arg-type]

    def values(self, parameter: Parameter) -> Sequence[tuple[datetime, float]]:
        """``(received at, value)`` pairs; empty for a parameter not followed.

        The continuous series is the live buffer, not a copy (a day of HR would be copied
        on every evaluation): read it on the owning thread and do not keep it.
        """
        cuff = self._cuff.get(parameter)
        if cuff is not None:
            return cuff.results
        return self._continuous.get(parameter, ())
