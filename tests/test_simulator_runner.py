"""The simulator runner: same seed, same bytes; faults damage frames at the scenario's rate."""

from __future__ import annotations

from datetime import datetime, timezone

from devices import registry
from devices.protocols.datex import Deframer, build_displ_request
from devices.simulator.runner import SimulatorRunner
from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.clock import ManualClock

START = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


class CapturingEndpoint:
    """Stands in for the cable: records what the monitor sends, plays the host's request once."""

    address = "capture"

    def __init__(self, host_bytes: bytes) -> None:
        self._host_bytes = host_bytes
        self.sent = bytearray()

    def read(self, timeout: float) -> bytes:
        data, self._host_bytes = self._host_bytes, b""
        return data

    def write(self, data: bytes) -> int:
        self.sent += data
        return len(data)

    def drop_connection(self) -> None: ...

    def hold_down(self, down: bool) -> None: ...

    def close(self) -> None: ...


def run_bytes(scenario: str, seed: int, seconds: int = 600) -> bytes:
    endpoint = CapturingEndpoint(build_displ_request(5))
    runner = SimulatorRunner(
        registry.simulated_device("datex"),
        ScenarioRun(load_scenario(scenario), seed=seed, start=START),
        endpoint,
        ManualClock(START),
        seed=seed,
    )
    for tenth in range(seconds * 10):
        runner.step(tenth / 10)
    return bytes(endpoint.sent)


def test_same_seed_gives_the_same_bytes_including_faults():
    assert run_bytes("noisy-line", seed=5) == run_bytes("noisy-line", seed=5)


def test_a_different_seed_gives_different_bytes():
    assert run_bytes("ketamine-typical", seed=5) != run_bytes("ketamine-typical", seed=6)


def test_noisy_line_damages_frames_at_the_scenarios_rate_and_the_rest_arrive_intact():
    import math

    deframer = Deframer()
    records = deframer.feed(run_bytes("noisy-line", seed=3, seconds=1200))
    frames = 1200 // 5 + 1
    # corrupt 0.1/s + truncate 0.05/s strike a 5 s Datex frame with p = 1 - exp(-0.15 * 5)
    intact = frames * math.exp(-0.15 * 5)
    assert deframer.stats.frames_bad > 0
    assert 0.75 * intact < len(records) < 1.25 * intact
