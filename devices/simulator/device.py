"""The contract between the simulator's endpoint runner and each simulated monitor.

A simulated device is a sans-I/O state machine, like the host-side sessions in
:mod:`devices.protocols`: the runner feeds it what the host wrote, asks it what
is due at a simulated time, and writes the bytes. Every emission carries the
values it encodes ("truth") so QA can diff what the program decoded against
what went down the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from devices.protocols import LineSettings
from devices.simulator.snapshot import Snapshot
from monitor.readings import Parameter

SnapshotAt = Callable[[float], Snapshot]


@dataclass(frozen=True, slots=True)
class TruthValue:
    """One value as encoded on the wire (after the protocol's rounding)."""

    parameter: Parameter
    value: float | None  # None: the device sent "no value" for it
    device_time: datetime | None  # the timestamp the protocol carries, if any
    origin: str = ""  # how it was measured, where the protocol says (RR: "co2" or "impedance")


@dataclass(frozen=True, slots=True)
class Emission:
    """One frame (or line) the device sends, with the values inside it."""

    data: bytes
    truth: tuple[TruthValue, ...] = ()


class SimulatedDevice(Protocol):
    """A monitor as seen from its serial port."""

    name: str
    settings: LineSettings

    def feed(self, data: bytes, elapsed_s: float) -> list[Emission]:
        """Bytes the host wrote at simulated time ``elapsed_s``; returns immediate replies."""

    def due(self, elapsed_s: float, snapshot_at: SnapshotAt) -> list[Emission]:
        """Everything the device sends on its own up to ``elapsed_s``."""

    def next_due_s(self) -> float | None:
        """Simulated time of the next spontaneous emission, or None if idle."""

    def reset(self) -> None:
        """Forget the session, as after power-cycling or a cable pulled."""
