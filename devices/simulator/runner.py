"""Runs a simulated monitor against an endpoint on the injected clock.

The runner is the only part of the simulator that does I/O: it feeds the
device what the host wrote, writes what the device says is due, applies the
scenario's line faults (garbage, corrupt and truncated frames, silence,
disconnects) and logs every value it sent to the truth file.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from devices.simulator.device import Emission, SimulatedDevice
from devices.simulator.endpoints import Endpoint
from devices.simulator.scenario import Fault, ScenarioRun
from monitor.clock import Clock

log = logging.getLogger(__name__)

MAX_IDLE_WAIT_S = 0.05  # real seconds between checks for input and faults
PROTECTED_BYTES = frozenset(b"\x7e\x7d\xc0\xc1\x0a\x0d")  # framing bytes a corruption must not create


class TruthLog:
    """JSON lines of every value the simulator put on the wire (or tried to)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    @classmethod
    def open(cls, path: Path) -> TruthLog:
        return cls(path.open("w", encoding="utf-8"))

    def record(self, emission: Emission, elapsed_s: float, delivered: str) -> None:
        for value in emission.truth:
            row = {
                "sim_time_s": round(elapsed_s, 3),
                "device_time": value.device_time.isoformat() if value.device_time else None,
                "parameter": value.parameter.value,
                "value": value.value,
                "delivered": delivered,
            }
            if value.origin:  # how it was measured (RR): the decoded source ends ":origin"
                row["origin"] = value.origin
            self._stream.write(json.dumps(row) + "\n")
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()


class SimulatorRunner:
    def __init__(
        self,
        device: SimulatedDevice,
        scenario: ScenarioRun,
        endpoint: Endpoint,
        clock: Clock,
        *,
        seed: int = 0,
        duration_s: float | None = None,
        truth: TruthLog | None = None,
    ) -> None:
        self.device = device
        self.scenario = scenario
        self.endpoint = endpoint
        self._clock = clock
        self._rng = random.Random(seed)
        self._duration_s = duration_s
        self._truth = truth
        self._down = False
        self._next_fault_s: dict[str, float] = {}  # kind -> simulated time it may strike next
        self.frames_sent = 0

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set or the duration (simulated seconds) has passed."""
        t0 = self._clock.monotonic()
        while not stop.is_set():
            elapsed = self._clock.monotonic() - t0
            if self._duration_s is not None and elapsed >= self._duration_s:
                break
            self.step(elapsed)
        log.info("simulator stopped after %d frames", self.frames_sent)

    def step(self, elapsed: float) -> None:
        """One turn: honour faults, take the host's bytes, send what is due."""
        faults = self.scenario.line_faults(elapsed)
        kinds = {f.kind for f in faults}
        if self._handle_disconnect("disconnect" in kinds):
            return
        data = self.endpoint.read(self._read_timeout(elapsed))
        if data is None:
            log.info("host closed the connection")
            self.device.reset()
        elif data:
            self._send(self.device.feed(data, elapsed), elapsed, faults)
        self._send(self.device.due(elapsed, self.scenario.snapshot), elapsed, faults)
        self._maybe_garbage(elapsed, faults)

    def _handle_disconnect(self, active: bool) -> bool:
        """Pull the cable for the fault's window; the monitor restarts when it ends."""
        if active and not self._down:
            log.info("fault: disconnect")
            self.endpoint.drop_connection()
            self.endpoint.hold_down(True)
            self.device.reset()
        elif not active and self._down:
            log.info("fault over: reconnectable")
            self.endpoint.hold_down(False)
            self.device.reset()
        self._down = active
        if active:
            self.endpoint.read(MAX_IDLE_WAIT_S)  # the host's bytes fall on the floor
        return active

    def _read_timeout(self, elapsed: float) -> float:
        next_due = self.device.next_due_s()
        if next_due is None:
            return MAX_IDLE_WAIT_S
        return min(MAX_IDLE_WAIT_S, max(0.0, (next_due - elapsed) / self._clock.speed))

    def _send(self, emissions: Iterable[Emission], elapsed: float, faults: tuple[Fault, ...]) -> None:
        for emission in emissions:
            kinds = {f.kind for f in faults if self._strikes(f, elapsed)}
            data, delivered = self._apply_frame_faults(emission.data, kinds)
            if data and self.endpoint.write(data) < len(data):
                delivered = "dropped"
            if delivered == "ok":
                self.frames_sent += 1
            if self._truth is not None:
                self._truth.record(emission, elapsed, delivered)

    def _apply_frame_faults(self, data: bytes, kinds: set[str]) -> tuple[bytes, str]:
        if "silence" in kinds:
            return b"", "silenced"
        if "corrupt" in kinds:
            return self._corrupt(data), "corrupted"
        if "truncate" in kinds:
            cut = self._rng.randint(2, max(2, len(data) - 2))
            return data[:cut], "truncated"
        return data, "ok"

    def _corrupt(self, data: bytes) -> bytes:
        """Flip the top bit of one inner byte, never creating a framing byte."""
        buf = bytearray(data)
        for _ in range(16):
            i = self._rng.randint(1, len(buf) - 2)
            flipped = buf[i] ^ 0x80
            if buf[i] not in PROTECTED_BYTES and flipped not in PROTECTED_BYTES:
                buf[i] = flipped
                return bytes(buf)
        return bytes(buf[: len(buf) // 2])  # nothing safe to flip: truncate instead

    def _strikes(self, fault: Fault, elapsed: float) -> bool:
        """Whether a rate-limited fault hits now: a seeded Poisson process per kind.

        A fault without a rate hits everything in its window (e.g. silence).
        """
        if not fault.rate_per_s:
            return True
        due = self._next_fault_s.get(fault.kind)
        if due is None:  # first sight of this fault: schedule its first strike
            due = self._next_fault_s[fault.kind] = elapsed + self._rng.expovariate(fault.rate_per_s)
        if elapsed < due:
            return False
        self._next_fault_s[fault.kind] = elapsed + self._rng.expovariate(fault.rate_per_s)
        return True

    def _maybe_garbage(self, elapsed: float, faults: tuple[Fault, ...]) -> None:
        for fault in faults:
            if fault.kind == "garbage" and self._strikes(fault, elapsed):
                burst = bytes(self._rng.randrange(256) for _ in range(self._rng.randint(4, 64)))
                self.endpoint.write(burst)
