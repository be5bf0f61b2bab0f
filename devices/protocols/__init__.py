"""Protocol codecs and sessions: pure functions and state machines over bytes.

Nothing in this package does I/O, reads a clock or imports Qt. A driver
(:mod:`devices.driver`) owns the transport and feeds bytes in; a simulator
device (:mod:`devices.simulator`) asks the same modules to encode what a
monitor would send.

Every protocol provides a :class:`ProtocolSession`: the host side of one
connection, as a sans-I/O state machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.readings import DeviceStatus, FrameStats, Observation

Decoded = Observation | DeviceStatus


@dataclass(frozen=True, slots=True)
class LineSettings:
    """Serial line parameters, as pyserial names them."""

    baudrate: int
    bytesize: int = 8
    parity: str = "N"  # "N", "E", "O"
    stopbits: float = 1
    rtscts: bool = False

    def describe(self) -> str:
        flow = " RTS/CTS" if self.rtscts else ""
        return f"{self.baudrate} {self.bytesize}{self.parity}{self.stopbits:g}{flow}"


class ProtocolSession(Protocol):
    """The host side of one connection to a monitor.

    Times are seconds on the injected clock (``Clock.monotonic()``), passed in
    so the state machine itself never reads a clock.
    """

    name: str  # "datex", "masimo", "intellivue"
    settings: LineSettings
    expected_interval_s: float  # how often a valid frame should arrive when all is well

    def on_open(self, now_s: float) -> bytes:
        """Bytes to send right after the port opens (may be empty)."""

    def feed(self, data: bytes, now_s: float) -> list[Decoded]:
        """Bytes received from the device; returns what they decode to."""

    def poll(self, now_s: float) -> bytes:
        """Bytes due now (keep-alives, polls, retries); empty if none."""

    def on_close(self) -> bytes:
        """Bytes to send before closing (e.g. a stop request)."""

    @property
    def stats(self) -> FrameStats:
        """Running counts of good and bad frames."""
