"""Render the infusion room offscreen with 1, 4 and 8 chairs, quiet and alarming, for docs/ and the README.

    .venv/bin/python tools/room_screenshots.py [--out docs/screenshots] [--size 1920x1080]

Each chair is a real bed (session, alarm engine, no recording) in a real room window
(``ui.room.app.RoomView``), fed as its Datex monitor would feed it: a record every 5 s
from a built-in scenario (seeded per chair), on one manual clock, the sessions started
at different times so the room shows every phase. The alarming room has a hypertensive
chair (NIBP and ART alarms), a tachycardic one and a chair whose cable was pulled; the
other chairs are quiet. Panels of alarming chairs are shown on the flash's "on" phase.
Nothing is written outside ``--out``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ui.sound.supervisor  # noqa: E402

ui.sound.supervisor.DEFAULT_OUTPUT = "null"  # a room with speakers: no AUDIO_UNAVAILABLE here

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from devices.simulator.scenario import ScenarioRun, load_scenario  # noqa: E402
from monitor.alarms import DEFAULT_PROFILE, load_profile  # noqa: E402
from monitor.bed import Bed, BedConfig  # noqa: E402
from monitor.clock import ManualClock  # noqa: E402
from monitor.readings import LinkEvent, LinkState  # noqa: E402
from tools.screenshots import STEP_S, readings  # noqa: E402
from ui.room.app import RoomView  # noqa: E402

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PORT = "/dev/ttyUSB{}"


@dataclass(frozen=True)
class Chair:
    patient: str
    scenario: str
    arrives_s: int  # when the chair's session began, on the room's clock
    infusion_after_s: int = 300  # minutes of baseline before the nurse starts the infusion
    stop_after_s: int = 2400  # the infusion's length
    unplugged_s: int | None = None  # the cable pulled at this time


QUIET = [
    Chair("K-0142", "ketamine-typical", 0),
    Chair("K-0143", "ketamine-typical", 900),
    Chair("K-0144", "stable", 2400),
    Chair("K-0145", "ketamine-typical", 1500),
    Chair("K-0146", "stable", 3000),
    Chair("K-0147", "ketamine-typical", 600),
    Chair("K-0148", "stable", 2000),
    Chair("K-0149", "ketamine-typical", 300),
]
ALARMING = [
    Chair("K-0142", "ketamine-typical", 0),
    Chair("K-0143", "hypertensive-episode", 600),
    Chair("K-0144", "stable", 2400),
    Chair("K-0145", "tachycardia", 0),
    Chair("K-0146", "stable", 3000),
    Chair("K-0147", "ketamine-typical", 600, unplugged_s=3300),
    Chair("K-0148", "stable", 2000),
    Chair("K-0149", "ketamine-typical", 300),
]
END_S = 3600


def build(chairs: list[Chair], theme: str, settings: QSettings) -> tuple[RoomView, ManualClock]:
    clock = ManualClock(START)
    profile = load_profile(DEFAULT_PROFILE)
    beds = [Bed(BedConfig(f"Chair {i + 1}", PORT.format(i), "datex", clock, profile, patient_id=c.patient,
                          room="Room 2")) for i, c in enumerate(chairs)]
    view = RoomView("Room 2", beds, theme, settings)
    view.start()
    for i, chair in enumerate(view.chairs):  # as a recorded chair shows it (no file is written here)
        chair.make_view().window.set_recording(f"\u25cf Recording  20260302-0800-Chair_{i + 1}-{chairs[i].patient}"
                                        ".irm.sqlite", ok=True)
    runs = [ScenarioRun(load_scenario(c.scenario), seed=i + 1, start=START) for i, c in enumerate(chairs)]
    for t in range(0, END_S + 1, STEP_S):
        clock.advance(t - clock.monotonic())
        for chair, bed, run in zip(chairs, beds, runs, strict=True):
            feed(chair, bed, run, t - chair.arrives_s, clock)
        if t % 300 == 0:
            QApplication.processEvents()
    return view, clock


def feed(chair: Chair, bed: Bed, run: ScenarioRun, t: int, clock: ManualClock) -> None:
    """One monitor record of this chair at ``t`` s into its session, and the nurse's buttons."""
    if t < 0:
        return
    now = clock.now()
    if t == 0:
        bed.post(LinkEvent(LinkState.RECEIVING, f"Receiving datex data from {bed.config.port}.", now,
                           bed.config.port, "datex"))
    if chair.unplugged_s is not None and t + chair.arrives_s >= chair.unplugged_s:
        if t + chair.arrives_s == chair.unplugged_s:
            bed.post(LinkEvent(LinkState.DISCONNECTED, f"Lost the connection to {bed.config.port} (device "
                               "disconnected). Reconnecting.", now, bed.config.port, "datex"))
        bed.tick()
        return
    for reading in readings(run.snapshot(float(t)), now, float(t)):
        bed.post(reading)
    bed.tick()
    if t == chair.infusion_after_s:
        bed.session.start_infusion(confirm=lambda *args: True)
    if t == chair.infusion_after_s + chair.stop_after_s:
        bed.session.stop_infusion()


def grab(view: RoomView, size: tuple[int, int], path: Path, chair: int | None = None) -> Path:
    window = view.window
    window.resize(*size)
    window.show()
    if chair is not None:
        window.show_chair(chair)
    for _ in range(3):
        view.refresh()
        QApplication.processEvents()
    for panel in view.overview.panels:  # alarming panels on their flash's "on" phase
        if panel.flasher.flashing:
            panel.flasher._set(True)
    if chair is not None:
        window.strips[chair].flasher._set(window.strips[chair].flasher.priority is not None)
        view.chairs[chair].view.window.refresh()
    window.grab().save(str(path))
    return path


def render(out: Path, size: tuple[int, int], theme: str = "dark") -> list[Path]:
    paths = []
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "room.ini"), QSettings.Format.IniFormat)
        for name, chairs, chair in (("room-1", QUIET[:1], None), ("room-4", QUIET[:4], None),
                                    ("room-8", QUIET, None), ("room-4-alarming", ALARMING[:4], None),
                                    ("room-8-alarming", ALARMING, None), ("room-chair", ALARMING, 0)):
            view, _ = build(chairs, theme, settings)
            try:
                paths.append(grab(view, size, out / f"{name}.png", chair))
            finally:
                view.stop()
                for bed in view.beds:
                    bed.stop()
                view.window.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default="1920x1080", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    for path in render(args.out, (width, height)):
        print(path)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
