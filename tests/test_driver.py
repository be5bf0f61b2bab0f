"""The driver against the in-process simulator: real protocol bytes over a real socket."""

from __future__ import annotations

import queue
import threading

from devices import registry
from devices.driver import Driver
from devices.simulator.inprocess import start_simulator
from monitor.clock import ScaledClock
from monitor.readings import LinkEvent, LinkState, Reading


def run_until(events: queue.Queue, seen: list, condition, timeout_s: float = 60.0) -> bool:
    """Collect driver events until ``condition(seen)`` holds (waits on the queue, no sleeps)."""
    deadline = threading.Event()
    timer = threading.Timer(timeout_s, deadline.set)
    timer.start()
    try:
        while not deadline.is_set():
            try:
                seen.append(events.get(timeout=0.1))
            except queue.Empty:
                continue
            if condition(seen):
                return True
        return False
    finally:
        timer.cancel()


def states(seen: list) -> list[LinkState]:
    return [e.state for e in seen if isinstance(e, LinkEvent)]


def test_driver_reconnects_by_itself_after_the_cable_is_pulled_and_reports_each_state():
    # link-loss pulls the cable from 1800 s to 1860 s of the scenario; run at 200x.
    clock = ScaledClock(speed=200)
    events: queue.Queue = queue.Queue()
    sim = start_simulator("sim:link-loss", "datex", clock)
    driver = Driver(sim.url, registry.session_factory("datex"), clock, events.put)
    driver.start()
    seen: list = []
    try:
        def recovered(seen_so_far: list) -> bool:
            s = states(seen_so_far)
            if LinkState.DISCONNECTED not in s:
                return False
            after = s[s.index(LinkState.DISCONNECTED):]
            return LinkState.RECEIVING in after and any(
                isinstance(e, Reading) for e in seen_so_far[seen_so_far.index(next(
                    x for x in seen_so_far if isinstance(x, LinkEvent) and x.state == LinkState.DISCONNECTED)):]
            )

        assert run_until(events, seen, recovered), states(seen)
    finally:
        driver.stop()
        sim.stop()
    s = states(seen)
    assert s[0] == LinkState.CONNECTING and LinkState.RECEIVING in s
    # The nurse is told at once: a serial line falls silent, a device server's connection
    # drops ("Lost the connection"); either is announced before any reading is missed.
    trouble = next(x for x in s[s.index(LinkState.RECEIVING):] if x is not LinkState.RECEIVING)
    assert trouble in (LinkState.SILENT, LinkState.DISCONNECTED)
    lost = next(e for e in seen if isinstance(e, LinkEvent) and e.state == LinkState.DISCONNECTED)
    assert any(word in lost.message for word in ("Reconnecting", "Retrying", "reopening"))


def test_stopping_the_driver_sends_the_stop_request_and_reports_closed():
    clock = ScaledClock(speed=20)
    events: queue.Queue = queue.Queue()
    sim = start_simulator("sim:stable", "datex", clock)
    driver = Driver(sim.url, registry.session_factory("datex"), clock, events.put)
    driver.start()
    seen: list = []
    try:
        assert run_until(events, seen, lambda s: any(isinstance(e, Reading) for e in s))
    finally:
        driver.stop()
        sim.stop()
    while not events.empty():
        seen.append(events.get_nowait())
    assert states(seen)[-1] == LinkState.CLOSED
