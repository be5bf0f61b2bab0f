"""Render the dashboard offscreen, 30 minutes into a typical infusion, for docs/ and the README.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--size 1920x1080] [--classic]

The session is the built-in ``ketamine-typical`` scenario (seed 1): a 5-minute
baseline, the infusion started at 5 min, NIBP every 3 minutes, and readings
every 5 s as a Datex monitor sends them, fed through the real window, session
and models on a manual clock. A monitor with a capnograph and a temperature
probe also sends RR, EtCO2 and temperature: made up here as smooth, plausible
curves (the scenario does not have them), unless ``--classic`` (HR, NIBP,
SpO2 and PR only, as most rooms have). The alarm places (limits, threshold
lines, alarm bar) are filled with the ketamine profile's default limits, as the
alarm engine will fill them. Nothing is written outside ``--out``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from devices.simulator.scenario import ScenarioRun, load_scenario
from devices.simulator.snapshot import Snapshot
from monitor.clock import ManualClock
from monitor.latest import LatestValues
from monitor.readings import UNITS, LinkEvent, LinkState, Parameter, Quality, Reading
from monitor.session import InfusionSession
from monitor.trends import TrendStore
from ui.dashboard.window import DashboardWindow

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
STEP_S = 5  # a Datex monitor sends a record every 5 s
INTO_INFUSION_S = 30 * 60
PORT = "/dev/ttyUSB0"


def sedation(t: float) -> list[tuple[Parameter, float, Quality]]:
    """RR, EtCO2 and temperature at ``t`` s: breathing a little slower and shallower on ketamine."""
    into = max(0.0, t - 300.0) / 60.0
    rr = 14.0 - min(2.0, into / 10.0) + math.sin(t / 97.0)
    etco2 = 37.0 + min(2.0, into / 15.0) + 0.8 * math.sin(t / 131.0)
    temp = 36.6 + min(0.3, into / 100.0) + 0.05 * math.sin(t / 600.0)
    return [(Parameter.RR, round(rr), Quality.NONE), (Parameter.ETCO2, round(etco2), Quality.NONE),
            (Parameter.TEMP, round(temp, 2), Quality.NONE)]


def readings(snap: Snapshot, at: datetime, t: float, classic: bool = False) -> list[Reading]:
    """What the driver would deliver for one monitor record."""
    out: list[tuple[Parameter, float | None, Quality]] = [
        (Parameter.HR, snap.hr, Quality.NONE),
        (Parameter.PR, snap.pr, Quality.NONE if snap.pr is not None else Quality.SENSOR_OFF),
        (Parameter.SPO2, snap.spo2, Quality.NONE if snap.spo2 is not None else Quality.SENSOR_OFF),
    ]
    if snap.nibp is not None:
        quality = Quality.NIBP_MEASURING if snap.nibp_measuring else Quality.NONE
        if snap.device_time - snap.nibp.measured_at > timedelta(seconds=60):
            quality |= Quality.OLDER_THAN_60S
        out += [
            (Parameter.NIBP_SYS, snap.nibp.sys, quality),
            (Parameter.NIBP_DIA, snap.nibp.dia, quality),
            (Parameter.NIBP_MEAN, snap.nibp.mean, quality),
        ]
    if snap.art is not None:
        out += [(p, v, Quality.NONE) for p, v in zip((Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN), snap.art, strict=True)]
    if not classic:
        out += sedation(t)
    return [Reading(p, v, UNITS[p], at, "datex", q) for p, v, q in out]


def build_session(theme: str, settings: QSettings, classic: bool = False) -> DashboardWindow:
    scenario = load_scenario("ketamine-typical")
    run = ScenarioRun(scenario, seed=1, start=START)
    clock = ManualClock(START)
    session = InfusionSession(clock)
    window = DashboardWindow(
        LatestValues(), TrendStore(), session, clock.now, theme,
        patient_id="K-0142", link_description=f"datex on {PORT}", settings=settings, simulated=False,
    )
    window.set_recording("\u25cf Recording  2026-03-02 0830 K-0142.irm.sqlite", ok=True)
    window.on_event(LinkEvent(LinkState.RECEIVING, f"Receiving datex data from {PORT}.", START, PORT, "datex"))
    infusion_start = scenario.infusion_start_s or 300.0
    end = int(infusion_start + INTO_INFUSION_S)
    for t in range(0, end + 1, STEP_S):
        clock.advance(t - clock.monotonic())
        if t == int(infusion_start):
            session.start_infusion()
        if t == int(infusion_start) + 17 * 60:
            session.annotate("Dissociation", "quick")
        for reading in readings(run.snapshot(t), clock.now(), t, classic):
            session.on_reading(reading)
            window.on_event(reading)
    # The alarm places, filled as the ketamine profile's default limits would fill them
    # (/work/shared/reference/alarm-system-and-ketamine-thresholds.md, section 2.7).
    window.alarm_bar.set_alarms([])
    window.set_thresholds([(160.0, "SBP"), (110.0, "HR")])
    limits = {"HR": (50, 110), "NIBP": ("90", "160/100"), "SPO2": (90, None), "PR": (50, 110),
              "RR": (8, 30), "ETCO2": (25, 50)}
    for key, (low, high) in limits.items():
        window.tiles[key].set_limits(low, high)
    window.refresh()
    return window


def shoot(window: DashboardWindow, size: tuple[int, int], path: Path) -> Path:
    """Show ``window`` at ``size``, let it draw, save it as ``path`` and close it."""
    window.resize(*size)
    window.show()
    app = QApplication.instance()
    for _ in range(3):
        app.processEvents()
        window.refresh()
    window.grab().save(str(path))
    window.close()
    return path


def render(theme: str, out: Path, size: tuple[int, int], settings: QSettings, classic: bool = False) -> Path:
    return shoot(build_session(theme, settings, classic), size, out / f"dashboard-{theme}.png")


def run_tool(description: str, argv: list[str] | None, add_arguments: Callable[[argparse.ArgumentParser], None],
             shots: Callable[[argparse.Namespace, tuple[int, int], QSettings], Iterable[Path]]) -> int:
    """A screenshot tool's command line: ``--out`` and ``--size`` and its own arguments; prints each file."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1920x1080", help="window size, WIDTHxHEIGHT")
    add_arguments(parser)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "dashboard.ini"), QSettings.Format.IniFormat)
        for path in shots(args, (width, height), settings):
            print(path)
    del app
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_tool(
        __doc__.splitlines()[0], argv,
        lambda parser: parser.add_argument("--classic", action="store_true",
                                           help="HR, NIBP, SpO2 and PR only (no RR, EtCO2, temperature)"),
        lambda args, size, settings: [render(theme, args.out, size, settings, args.classic)
                                      for theme in ("dark", "light")],
    )


if __name__ == "__main__":
    sys.exit(main())
