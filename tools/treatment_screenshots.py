"""Render the dashboard with the treatment offscreen: during the infusion and during the observation.

    .venv/bin/python tools/treatment_screenshots.py [--out docs/screenshots] [--size 1920x1080]

A real bed (``monitor.bed.Bed``, on a manual clock, without its thread) follows the
built-in ``ketamine-typical`` scenario (seed 1): its readings are posted as a Datex
monitor's driver would post them, and its timeline gives the phases and the nurse's
entries (the plan for 80 kg, checks every 15 min, nausea at 20 min). The window and the
treatment presenter are the dashboard's own (``ui.app`` wires the same ones). Writes
``treatment-infusion.png`` (30 min into the infusion) and ``treatment-observation.png``
(10 min after the stop) into ``--out``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402

from devices.simulator.scenario import ScenarioRun, load_scenario  # noqa: E402
from monitor.alarms import load_profile  # noqa: E402
from monitor.bed import Bed, BedConfig  # noqa: E402
from monitor.clock import ManualClock  # noqa: E402
from monitor.latest import LatestValues  # noqa: E402
from monitor.readings import LinkEvent, LinkState  # noqa: E402
from monitor.trends import TrendStore  # noqa: E402
from tools.screenshots import PORT, START, STEP_S, readings, run_tool, shoot  # noqa: E402
from ui.alarm_presenter import AlarmPresenter  # noqa: E402
from ui.dashboard.window import DashboardWindow  # noqa: E402
from ui.treatment_presenter import TreatmentPresenter  # noqa: E402

SHOTS = {"treatment-infusion": 300 + 30 * 60, "treatment-observation": 2700 + 10 * 60}


class _Driver:
    def start(self) -> None: ...
    def stop(self) -> None: ...


class _Simulator:
    """What the bed reads of an in-process simulator: the scenario's run (its timeline)."""

    def __init__(self, run: ScenarioRun) -> None:
        self.scenario_run = run

    def stop(self) -> None: ...


def build(theme: str, settings: QSettings, until_s: int) -> DashboardWindow:
    run = ScenarioRun(load_scenario("ketamine-typical"), seed=1, start=START)
    clock = ManualClock(START)
    config = BedConfig("bed", "sim:ketamine-typical", "datex", clock, load_profile("ketamine-infusion"),
                       patient_id="K-0142")
    bed = Bed(config, lambda sink: (_Driver(), _Simulator(run)))
    window = DashboardWindow(LatestValues(), TrendStore(), bed.session, clock.now, theme, patient_id="K-0142",
                             link_description=f"datex on {PORT}", settings=settings, simulated=False)
    presenter = TreatmentPresenter(bed.treatment, bed.session, window, clock.now)
    alarms = AlarmPresenter(bed.alarms, window)  # limits, lines and the alarm bar, as live (no sound here)
    for listener in (window.on_event, presenter.on_event):
        bed.subscribe(listener)
    window.set_recording("\u25cf Recording  2026-03-02 0830 K-0142.irm.sqlite", ok=True)
    window.on_event(LinkEvent(LinkState.RECEIVING, f"Receiving datex data from {PORT}.", START, PORT, "datex"))
    for t in range(0, until_s + 1, STEP_S):
        clock.advance(t - clock.monotonic())
        for reading in readings(run.snapshot(t), clock.now(), t):
            bed.post(reading)
        bed.tick()
    alarms.refresh()
    window.refresh()
    window._keep = (bed, presenter, alarms)  # alive as long as the window
    return window


def render(theme: str, out: Path, size: tuple[int, int], settings: QSettings) -> list[Path]:
    return [shoot(build(theme, settings, until_s), size, out / f"{name}{'' if theme == 'dark' else '-light'}.png")
            for name, until_s in SHOTS.items()]


def main(argv: list[str] | None = None) -> int:
    return run_tool(
        __doc__.splitlines()[0], argv,
        lambda parser: parser.add_argument("--theme", choices=("dark", "light"), default="dark"),
        lambda args, size, settings: render(args.theme, args.out, size, settings),
    )


if __name__ == "__main__":
    sys.exit(main())
