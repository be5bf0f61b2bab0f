"""``--port sim:SCENARIO``: the simulator inside the program, still through real bytes.

It serves on a loopback TCP port, like a serial device server, and the driver
connects to it with pyserial's ``socket://`` handler, so the protocol codec,
the driver and its reconnect logic all run exactly as with a real monitor. It
shares the program's clock, so ``--speed`` accelerates both ends together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from devices import registry
from devices.simulator.endpoints import TcpEndpoint
from devices.simulator.runner import SimulatorRunner
from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.clock import Clock

SIM_PREFIX = "sim:"


def is_simulator_url(url: str) -> bool:
    return url.startswith(SIM_PREFIX)


@dataclass
class InProcessSimulator:
    url: str  # what the driver should open
    scenario_run: ScenarioRun
    _runner: SimulatorRunner
    _stop: threading.Event
    _thread: threading.Thread

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5.0)
        self._runner.endpoint.close()


def start_simulator(url: str, protocol: str, clock: Clock, seed: int = 1) -> InProcessSimulator:
    """Start the scenario named after ``sim:``; raises ScenarioError for a bad one."""
    scenario = load_scenario(url[len(SIM_PREFIX):] or "ketamine-typical")
    run = ScenarioRun(scenario, seed=seed, start=clock.now())
    endpoint = TcpEndpoint("127.0.0.1", 0)
    runner = SimulatorRunner(registry.simulated_device(protocol), run, endpoint, clock, seed=seed)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), name="simulator", daemon=True)
    thread.start()
    return InProcessSimulator(endpoint.address, run, runner, stop, thread)
