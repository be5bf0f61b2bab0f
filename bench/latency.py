"""End-to-end latency: the last byte of a frame written to a real pty -> the GUI thread -> the screen.

The real program is assembled as ``infusion-monitor live`` assembles it: the bed
by ``main.build_bed`` (the composition root), its dashboard by ``ui.app.show_bed``.
The real :class:`~devices.driver.Driver` opens a real pseudo-terminal with
pyserial and the Datex session and posts into the bed; the bed's thread records,
judges and emits the bridge's queued signal, and the real
:class:`~ui.dashboard.window.DashboardWindow` shows the numbers. Only the monitor is replaced: this module writes Datex
DISPL frames (built by the simulator's encoder) into the pty's master side.

Each sample: the frame minus its closing flag is written, 15 ms later the last
byte; ``t0 = perf_counter()`` right after that ``os.write`` returns. Then

* ``t1``: a probe QObject's slot, connected to the same bridge signal as the
  window (after it, so the models are already updated), receives the HR Reading
  with the frame's value: *delivered to the GUI thread*;
* ``t2``: the HR tile's number label receives the Paint event that draws the new
  value: *on screen* (offscreen platform: drawn into the window's backing store).

Each frame carries a different HR, so every timestamp belongs to its frame.
Samples are spaced by a random 20-520 ms so they fall at every phase of the
window's 500 ms display timer (whose trend redraw can delay a paint). Figures:
p50 and p99 per run; the row shows the median of the runs and its spread.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime

from bench.common import Row, group_main, percentile, scratch_dir, stat, verdict

TARGET_MODEL_MS = 10.0
TARGET_SCREEN_MS = 20.0


def _frames(count: int) -> list[tuple[bytes, int]]:
    """(wire frame, HR it carries); HR alternates so consecutive frames always differ."""
    from devices.protocols.datex import encode_frame
    from devices.simulator.datex_record import encode_displ_record
    from devices.simulator.scenario import ScenarioRun, load_scenario

    run = ScenarioRun(load_scenario("ketamine-typical"), seed=1, start=datetime.now(UTC))
    frames = []
    for i in range(count):
        hr = 60 + (i * 37) % 80
        snapshot = replace(run.snapshot(float(i)), device_time=datetime.now(UTC), hr=float(hr))
        frames.append((encode_frame(encode_displ_record(snapshot, r_nbr=i)), hr))
    return frames


class Harness:
    """The live dashboard on a pty, a probe on its bridge and on the HR label."""

    def __init__(self, tmp) -> None:
        from PySide6.QtCore import QEvent, QObject, QSettings

        from devices.simulator.endpoints import PtyEndpoint
        from main import build_bed
        from monitor.alarms import DEFAULT_PROFILE, load_profile
        from monitor.bed import BedConfig
        from monitor.clock import ScaledClock
        from monitor.readings import Parameter, Reading
        from ui.app import show_bed

        self.pty = PtyEndpoint()
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        config = BedConfig("bench", self.pty.address, "datex", ScaledClock(1.0), load_profile(DEFAULT_PROFILE),
                           recording_file=tmp / "latency.irm.sqlite")
        self.bed = build_bed(config)
        self.view = show_bed(self.bed, "dark", settings)
        self.window = self.view.window
        self.expected: int | None = None
        self.t1: float | None = None
        self.t2: float | None = None
        harness = self
        paint = QEvent.Type.Paint

        class Probe(QObject):
            def on_event(self, event: object) -> None:
                if (isinstance(event, Reading) and event.parameter is Parameter.HR
                        and harness.t1 is None and event.value == harness.expected):
                    harness.t1 = time.perf_counter()

            def eventFilter(self, obj, event) -> bool:
                if (event.type() == paint and harness.t2 is None and harness.expected is not None
                        and obj.text() == str(harness.expected)):
                    harness.t2 = time.perf_counter()
                return False

        self.probe = Probe()
        self.view.bridge.event.connect(self.probe.on_event)
        self.label = self.window.tiles["HR"].value
        self.label.installEventFilter(self.probe)
        self.window.show()

    def close(self) -> None:
        self.window.close()
        self.view.stop()
        self.bed.stop("benchmark done")
        self.pty.close()


def _wait(app, until, timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not until():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.0005)
    return True


def _drain(pty) -> None:
    while pty.read(0.0):
        pass


def sample_run(
    app, harness: Harness, frames, rng: random.Random, spacing_s: float
) -> tuple[list[float], list[float], int]:
    """Model and screen latencies (ms) of every frame; count of frames whose paint never came."""
    model, screen, lost = [], [], 0
    master = harness.pty._master  # the monitor's side of the cable
    for frame, hr in frames:
        _drain(harness.pty)  # the driver's request: a monitor would read it
        harness.expected, harness.t1, harness.t2 = hr, None, None
        os.write(master, frame[:-1])
        _wait(app, lambda: False, 0.015)
        os.write(master, frame[-1:])
        t0 = time.perf_counter()
        if not _wait(app, lambda: harness.t1 is not None and harness.t2 is not None, 3.0):
            lost += 1
            continue
        model.append((harness.t1 - t0) * 1e3)
        screen.append((harness.t2 - t0) * 1e3)
        _wait(app, lambda: False, rng.uniform(0.02, 0.02 + spacing_s))
    return model, screen, lost


def run(quick: bool) -> list[Row]:
    from PySide6.QtWidgets import QApplication

    from ui.dashboard.window import REFRESH_MS

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = scratch_dir("latency")
    runs, per_run = (1, 30) if quick else (5, 80)
    rng = random.Random(7)
    harness = Harness(tmp)
    try:
        if not _wait(app, lambda: harness.bed.driver.running and harness.window.isVisible(), 10):
            raise RuntimeError("the dashboard did not come up")
        warm = _frames(5)
        sample_run(app, harness, warm, rng, 0.05)  # connection settles, first paints, caches
        per = [sample_run(app, harness, _frames(per_run), rng, REFRESH_MS / 1000) for _ in range(runs)]
    finally:
        harness.close()
    return _rows(per, runs, per_run)


def _rows(product, runs: int, per_run: int) -> list[Row]:
    rows = []
    how_base = (f"Datex frame into a real pty -> Driver thread -> bed thread -> bridge signal (queued) -> GUI thread; "
                f"{runs} runs x {per_run} frames, perf_counter")

    def pct(per, index, p):
        return stat([percentile(run_[index], p) for run_ in per if run_[index]])

    m50, m99 = pct(product, 0, 50), pct(product, 0, 99)
    s50, s99 = pct(product, 1, 50), pct(product, 1, 99)
    lost = sum(r[2] for r in product)
    rows.append(Row(
        "latency: last byte -> Reading in a GUI-thread slot", how_base,
        f"p50 {m50.fmt(unit='ms')}; p99 {m99.fmt(unit='ms')}", f"p99 <= {TARGET_MODEL_MS:g} ms",
        verdict(m99.median <= TARGET_MODEL_MS),
        {"p50_ms": m50.median, "p99_ms": m99.median, "p99_spread": m99.spread},
    ))
    rows.append(Row(
        "latency: last byte -> HR number repainted",
        how_base + "; Paint event of the HR label showing the new value" + (f"; {lost} lost" if lost else ""),
        f"p50 {s50.fmt(unit='ms')}; p99 {s99.fmt(unit='ms')}", f"p99 <= {TARGET_SCREEN_MS:g} ms",
        verdict(s99.median <= TARGET_SCREEN_MS and not lost),
        {"p50_ms": s50.median, "p99_ms": s99.median, "p99_spread": s99.spread, "lost": lost},
    ))
    return rows


if __name__ == "__main__":
    group_main("latency", run)
