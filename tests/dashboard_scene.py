"""A dashboard showing a simulated session at any moment, for screenshot tests and for looking.

The bed is real (``monitor/bed.py``: session, alarm engine, the scenario's timeline starting
and stopping the infusion) and so are the window and the alarm presenter (``ui.app.BedView``);
only the time is a ManualClock, and the bed is driven here on the test's thread instead of
its own, with the readings a Datex monitor sends for each simulator snapshot, every 5 s.

    .venv/bin/python -m tests.dashboard_scene hypertensive-episode 2580 1600x900 out.png
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from devices.simulator.scenario import ScenarioRun, load_scenario  # noqa: E402
from monitor.alarms import DEFAULT_PROFILE, load_profile  # noqa: E402
from monitor.bed import Bed, BedConfig  # noqa: E402
from monitor.clock import ManualClock  # noqa: E402
from monitor.readings import LinkEvent, LinkState  # noqa: E402
from tests.test_review_reader import snapshot_readings  # noqa: E402
from ui.app import BedView  # noqa: E402

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
STEP_S = 5  # a Datex monitor sends a record every 5 s
PORT = "/dev/ttyUSB0"


class _Monitor:
    """The bed's driver and simulator: the readings come from :meth:`Scene.play_until`."""

    def __init__(self, run: ScenarioRun) -> None:
        self.scenario_run = run

    def start(self) -> None: ...
    def stop(self) -> None: ...


class Scene:
    def __init__(self, scenario: str, settings: QSettings, size: tuple[int, int] = (1920, 1080),
                 theme: str = "dark") -> None:
        self.run = ScenarioRun(load_scenario(scenario), seed=1, start=START)
        self.clock = ManualClock(START)
        monitor = _Monitor(self.run)
        config = BedConfig("bed", PORT, "datex", self.clock, load_profile(DEFAULT_PROFILE), patient_id="K-0142",
                           planned_infusion_s=2400.0)
        self.bed = Bed(config, lambda sink: (monitor, monitor))
        self.bed.start = lambda: None  # driven here, on this thread
        self.view = BedView(self.bed, theme, settings)
        self.window = self.view.window
        self.view.start()
        self.window.resize(*size)
        self.window.show()
        self.bed.post(LinkEvent(LinkState.RECEIVING, f"Receiving datex data from {PORT}.", START, PORT, "datex"))
        self.t = 0

    def play_until(self, seconds: int) -> Scene:
        """Every monitor record up to ``seconds`` of the scenario, judged and shown as it came."""
        for t in range(self.t, seconds + 1, STEP_S):
            self.clock.advance(t - self.clock.monotonic())
            for reading in snapshot_readings(self.run.snapshot(t), self.clock.now()):
                self.bed.post(reading)
            self.bed.tick()
        self.t = seconds + STEP_S
        return self.show()

    def show(self) -> Scene:
        app = QApplication.instance()
        for _ in range(3):
            self.view.presenter.refresh()
            self.window.refresh()
            app.processEvents()
        return self

    def grab(self, path: Path) -> Path:
        self.window.grab().save(str(path))
        return path

    def close(self) -> None:
        self.view.stop()
        self.bed.stop("ended normally")
        self.window.close()


def main(argv: list[str]) -> int:
    scenario, seconds, size, out = argv
    width, height = (int(v) for v in size.lower().split("x"))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "dashboard.ini"), QSettings.Format.IniFormat)
        scene = Scene(scenario, settings, (width, height)).play_until(int(seconds))
        print(scene.grab(Path(out)))
        scene.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
