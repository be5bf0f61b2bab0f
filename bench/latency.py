"""End-to-end latency, an hour into a session: the last byte of a frame written to a real pty -> the screen.

The real program is assembled as ``infusion-monitor live`` assembles it: the bed by
``main.build_bed`` (the composition root), its dashboard by ``ui.app.show_bed``. The real
:class:`~devices.driver.Driver` opens a real pseudo-terminal with pyserial and the Datex
session and posts into the bed; the bed's thread records, judges and emits the bridge's
queued signal, and the real :class:`~ui.dashboard.window.DashboardWindow` shows the
numbers. Only the monitor is replaced: this module writes Datex DISPL frames (built by
the simulator's encoder) into the pty's master side.

First the session's hour: on a fast-forwarded clock (:class:`monitor.clock.FastForwardClock`,
``FAST_SPEED`` times real time until an hour of session, then real time) a frame every 5 s
of the clock with the ``ketamine-typical`` patient's values, the infusion started at 5 min
and stopped at 45 (as a nurse would), so the trend is full when the measuring starts.

Then each sample: the frame minus its closing flag is written, 15 ms later the last
byte; ``t0 = perf_counter()`` right after that ``os.write`` returns. Then

* ``t1``: a probe QObject's slot, connected to the same bridge signal as the window
  (after it, so the models are already updated), receives the HR Reading with the
  frame's value: *delivered to the GUI thread*;
* ``t2``: the HR tile's number label receives the Paint event that draws the new value:
  *on screen* (offscreen platform: drawn into the window's backing store).

Each frame carries a different HR, so every timestamp belongs to its frame. Samples are
spaced by a random 20-520 ms so they fall at every phase of the window's 500 ms display
timer. The figures are percentiles over all frames of all runs. The room's own latency
(eight chairs, to a chair's panel) is ``bench/room_latency.py``, in this group.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bench.common import Row, group_main, percentile, scratch_dir, verdict

TARGET_MODEL_MS = 10.0
TARGET_SCREEN_MS = 20.0
FAST_SPEED = 30.0
RECORD_S = 5.0  # a Datex monitor's record
INFUSION_S = (300.0, 2700.0)  # the nurse starts the infusion at 5 min and stops it at 45


class Monitor:
    """What a Datex monitor would send down one pty: frames of the ``ketamine-typical`` patient."""

    def __init__(self, pty, seed: int) -> None:
        from devices.simulator.scenario import ScenarioRun, load_scenario

        self.pty = pty
        self.run = ScenarioRun(load_scenario("ketamine-typical"), seed=seed, start=datetime.now(UTC))
        self.records = 0

    def frame(self, session_s: float, hr: int | None = None) -> bytes:
        from devices.protocols.datex import encode_frame
        from devices.simulator.datex_record import encode_displ_record

        snapshot = replace(self.run.snapshot(session_s), device_time=datetime.now(UTC))
        if hr is not None:
            snapshot = replace(snapshot, hr=float(hr))
        self.records += 1
        return encode_frame(encode_displ_record(snapshot, r_nbr=self.records))

    def send(self, session_s: float, hr: int | None = None) -> None:
        drain(self.pty)  # the driver's requests: a monitor would read them
        os.write(self.pty._master, self.frame(session_s, hr))


def drain(pty) -> None:
    while pty.read(0.0):
        pass


def wait(app, until, timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not until():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.0005)
    return True


def fast_forward(app, clock, monitors: list[Monitor], beds, until_s: float) -> None:
    """A record every 5 s of the clock to every monitor until ``until_s``, the nurse's start and stop."""
    done = {bed.name: set() for bed in beds}
    next_s = 0.0
    while next_s <= until_s:
        wait(app, lambda: clock.monotonic() >= next_s, 60)
        for monitor in monitors:
            monitor.send(next_s)
        for bed in beds:
            for moment, act in zip(INFUSION_S, ("start", "stop"), strict=True):
                if next_s >= moment and act not in done[bed.name]:
                    done[bed.name].add(act)
                    if act == "start":
                        bed.session.start_infusion(confirm=lambda *args: True)
                    else:
                        bed.session.stop_infusion()
        next_s += RECORD_S
    wait(app, lambda: clock.speed == 1.0, 60)


def probe(harness, shows_it: Callable[[object], bool]):
    """A QObject stamping ``harness.t1`` when the HR reading ``harness.expected`` reaches its slot
    (``on_event``) and ``harness.t2`` when a widget it filters paints it (``shows_it(widget)``)."""
    from PySide6.QtCore import QEvent, QObject

    from monitor.readings import Parameter, Reading

    class Probe(QObject):
        def on_event(self, event: object) -> None:
            if (isinstance(event, Reading) and event.parameter is Parameter.HR and harness.t1 is None
                    and harness.expected is not None and event.value == harness.expected):
                harness.t1 = time.perf_counter()

        def eventFilter(self, obj, event) -> bool:
            if (event.type() == QEvent.Type.Paint and harness.t2 is None and harness.expected is not None
                    and shows_it(obj)):
                harness.t2 = time.perf_counter()
            return False

    return Probe()


class Harness:
    """The live dashboard on a pty, a probe on its bridge and on the HR label."""

    def __init__(self, tmp, clock) -> None:
        from PySide6.QtCore import QSettings

        from devices.simulator.endpoints import PtyEndpoint
        from main import build_bed
        from monitor.alarms import DEFAULT_PROFILE, load_profile
        from monitor.bed import BedConfig
        from ui.app import show_bed

        self.pty = PtyEndpoint()
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        config = BedConfig("bench", self.pty.address, "datex", clock, load_profile(DEFAULT_PROFILE),
                           recording_file=tmp / "latency.irm.sqlite")
        self.bed = build_bed(config)
        self.view = show_bed(self.bed, "dark", settings)
        self.window = self.view.window
        self.monitor = Monitor(self.pty, seed=1)
        self.expected: int | None = None
        self.t1: float | None = None
        self.t2: float | None = None
        self.probe = probe(self, lambda label: label.text() == str(self.expected))
        self.view.bridge.event.connect(self.probe.on_event)
        self.window.tiles["HR"].value.installEventFilter(self.probe)
        self.window.show()

    def close(self) -> None:
        self.window.close()
        self.view.stop()
        self.bed.stop("benchmark done")
        self.pty.close()


def sample(app, harness, monitor: Monitor, session_s: float, hr: int, done) -> tuple[float, float] | None:
    """Write one frame carrying ``hr`` in two parts; (model, screen) ms, or None if it never showed."""
    harness.expected, harness.t1, harness.t2 = hr, None, None
    drain(monitor.pty)
    frame = monitor.frame(session_s, hr)
    os.write(monitor.pty._master, frame[:-1])
    wait(app, lambda: False, 0.015)
    os.write(monitor.pty._master, frame[-1:])
    t0 = time.perf_counter()
    if not wait(app, done, 3.0):
        return None
    return ((harness.t1 or harness.t2) - t0) * 1e3, (harness.t2 - t0) * 1e3


def run(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from bench.room_latency import room_rows
    from monitor.clock import FastForwardClock
    from ui.dashboard.window import REFRESH_MS

    app = QApplication.instance() or QApplication(sys.argv[:1])
    hour_s = 600.0 if quick else 3600.0
    runs, per_run = (1, 30) if quick else (5, 80)
    rng = random.Random(7)
    clock = FastForwardClock(FAST_SPEED, hour_s)
    harness = Harness(scratch_dir("latency"), clock)
    model: list[float] = []
    screen: list[float] = []
    lost = 0
    try:
        if not wait(app, lambda: harness.bed.driver.running and harness.window.isVisible(), 10):
            raise RuntimeError("the dashboard did not come up")
        fast_forward(app, clock, [harness.monitor], [harness.bed], hour_s)
        for i in range(runs * per_run):
            figures = sample(app, harness, harness.monitor, clock.monotonic(), 60 + (i * 37) % 80,
                             lambda: harness.t1 is not None and harness.t2 is not None)
            if figures is None:
                lost += 1
            else:
                model.append(figures[0])
                screen.append(figures[1])
            wait(app, lambda: False, rng.uniform(0.02, 0.02 + REFRESH_MS / 1000))
    finally:
        harness.close()
    how = (f"Datex frame into a real pty -> Driver thread -> bed thread -> bridge signal (queued) -> GUI thread, "
           f"{hour_s / 60:.0f} min into the session (fast-forwarded at {FAST_SPEED:g}x, then real time); "
           f"{runs} runs x {per_run} frames; percentiles over all {len(screen)} frames")
    rows = [latency_row("latency: last byte -> Reading in a GUI-thread slot", how, model, TARGET_MODEL_MS, 0),
            latency_row("latency: last byte -> HR number repainted",
                        how + "; Paint event of the HR label showing the new value", screen, TARGET_SCREEN_MS, lost)]
    return rows + room_rows(app, quick, rng)


def latency_row(what: str, how: str, samples: list[float], target_ms: float, lost: int) -> Row:
    if not samples:
        return Row.not_measured(what, how, f"p99 <= {target_ms:g} ms", f"no frame arrived ({lost} lost)")
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    lost_text = f"; {lost} frames never shown" if lost else ""
    return Row(what, how, f"p50 {p50:.2f} ms; p99 {p99:.2f} ms; slowest {max(samples):.1f} ms{lost_text}",
               f"p99 <= {target_ms:g} ms", verdict(p99 <= target_ms and not lost),
               {"p50_ms": p50, "p99_ms": p99, "max_ms": max(samples), "frames": len(samples), "lost": lost})


if __name__ == "__main__":
    group_main("latency", run)
