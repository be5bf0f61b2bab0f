"""A simulated Masimo Radical-7 / Rad-8 in "ASCII 1" mode.

The real monitor talks without being asked: one line per second, whatever the
host writes. The simulated one sends a line at every whole simulated second
(t = 0, 1, 2, ...) from the scenario's snapshot at that second, so the same
scenario always produces the same bytes.
"""

from __future__ import annotations

import math
from datetime import datetime

from devices.protocols.masimo import LINE_SETTINGS, PR_MAX, SET_MODE, SPO2_MAX, format_line
from devices.simulator.device import Emission, SnapshotAt, TruthValue
from devices.simulator.snapshot import Snapshot
from monitor.readings import Parameter

SENSOR_OFF_EXC = 0x000020

LINE_INTERVAL_S = 1.0


class MasimoDevice:
    """The monitor's serial port: a line per simulated second, input ignored."""

    name = "masimo"
    settings = LINE_SETTINGS

    def __init__(self, serial: str = "0000056661") -> None:
        self._serial = serial
        self._next_index = 0  # the next line goes out at t = _next_index * LINE_INTERVAL_S
        self._restarting = False

    def feed(self, data: bytes, elapsed_s: float) -> list[Emission]:
        """ASCII 1 has no commands: the host's bytes change nothing."""
        return []

    def due(self, elapsed_s: float, snapshot_at: SnapshotAt) -> list[Emission]:
        """Every line whose second has come, oldest first (several if the caller fell behind)."""
        if self._restarting:
            self._restarting = False
            self._next_index = max(self._next_index, math.ceil(elapsed_s / LINE_INTERVAL_S))
        emissions: list[Emission] = []
        while self._next_index * LINE_INTERVAL_S <= elapsed_s:
            snapshot = snapshot_at(self._next_index * LINE_INTERVAL_S)
            data = encode_line(snapshot, serial=self._serial)
            emissions.append(Emission(data, truth_for(snapshot)))
            self._next_index += 1
        return emissions

    def next_due_s(self) -> float | None:
        return self._next_index * LINE_INTERVAL_S

    def reset(self) -> None:
        """Power-cycled or cable pulled: lines of the dead time are never sent, not replayed.

        The device resumes on the same whole-second grid at the first second not
        earlier than the next :meth:`due` call.
        """
        self._restarting = True


def encode_line(snapshot: Snapshot, *, serial: str = "0000056661") -> bytes:
    """The line a monitor in this state sends: sensor-off sets EXC 0x20 and dashes."""
    spo2, pr = _wire_values(snapshot)
    exc = SET_MODE | (SENSOR_OFF_EXC if snapshot.sensor_off else 0)
    return format_line(_wire_time(snapshot), spo2, pr, exc, serial=serial)


def truth_for(snapshot: Snapshot) -> tuple[TruthValue, ...]:
    """Exactly what :func:`encode_line` puts on the wire: rounded integers, None for dashes."""
    spo2, pr = _wire_values(snapshot)
    device_time = _wire_time(snapshot)
    return (
        TruthValue(Parameter.SPO2, None if spo2 is None else float(spo2), device_time),
        TruthValue(Parameter.PR, None if pr is None else float(pr), device_time),
    )


def _wire_time(snapshot: Snapshot) -> datetime:
    """The monitor's clock as the line states it: whole seconds, no zone."""
    return snapshot.device_time.replace(tzinfo=None, microsecond=0)


def _wire_values(snapshot: Snapshot) -> tuple[int | None, int | None]:
    """SpO2 and PR as the monitor displays them; dashes when off, invalid or missing."""
    if snapshot.sensor_off:
        return None, None
    spo2 = None if Parameter.SPO2 in snapshot.invalid else _wire_int(snapshot.spo2, SPO2_MAX)
    pr = None if Parameter.PR in snapshot.invalid else _wire_int(snapshot.pr, PR_MAX)
    return spo2, pr


def _wire_int(value: float | None, maximum: float) -> int | None:
    """Round half up (as a display does) and clamp to what the field can carry."""
    if value is None or not math.isfinite(value):
        return None
    return int(min(max(math.floor(value + 0.5), 0), maximum))
