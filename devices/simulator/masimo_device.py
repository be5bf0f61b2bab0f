"""A simulated Masimo Radical-7 / Rad-8 in "ASCII 1" mode.

The real monitor talks without being asked: one line per second, whatever the
host writes. The simulated one sends a line at every whole simulated second
(t = 0, 1, 2, ...) from the scenario's snapshot at that second, so the same
scenario always produces the same bytes.
"""

from __future__ import annotations

import math

from devices.protocols.masimo import LINE_SETTINGS, encode_line, truth_for
from devices.simulator.device import Emission, SnapshotAt

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
