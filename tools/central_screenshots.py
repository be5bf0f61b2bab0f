"""Render the central station's window and a chair's trend offscreen, for docs/ and the README.

    .venv/bin/python tools/central_screenshots.py [--out docs/screenshots] [--size 1920x1080]

Six real beds (session, alarm engine, no recording) on one manual clock, fed by the
room screenshots' scenarios (``tools/room_screenshots.py``), each heard by a real
:class:`central.station.Station` through the very payloads its bedside publishes
(``central/messages.py``: every reading and event numbered, a heartbeat and the
retained state every 5 s); only the broker between them is left out. The site shows
what a nurse at the station meets: quiet chairs in each phase, a hypertensive chair
(alarming), a tachycardic one acknowledged at its bedside, a chair whose cable was
pulled, and one whose bedside went silent (the station's own alarm). Alarming panels
are shown on their flash's "on" phase. Nothing is written outside ``--out``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from central import messages  # noqa: E402
from central.backlog import stream_of  # noqa: E402
from central.state import ChairState  # noqa: E402
from central.station import Station  # noqa: E402
from devices.simulator.scenario import ScenarioRun, load_scenario  # noqa: E402
from monitor.alarms import DEFAULT_PROFILE, AlarmCondition, load_profile  # noqa: E402
from monitor.alarms.model import utc_text  # noqa: E402
from monitor.bed import Bed, BedConfig  # noqa: E402
from monitor.clock import ManualClock  # noqa: E402
from monitor.event_json import event_to_json  # noqa: E402
from tools.room_screenshots import END_S, PORT, START, STEP_S, Chair, feed  # noqa: E402
from tools.screenshots import run_tool  # noqa: E402
from ui.central.window import CentralWindow  # noqa: E402

SITE = "clinic"
CHAIRS = [
    Chair("K-0142", "ketamine-typical", 0),
    Chair("K-0143", "hypertensive-episode", 600),
    Chair("K-0144", "stable", 2400),
    Chair("K-0145", "tachycardia", 1200),
    Chair("K-0146", "ketamine-typical", 1500),
    Chair("K-0147", "ketamine-typical", 600, unplugged_s=3300),
]
ACKNOWLEDGED = {3: "Ana"}  # chair index -> the nurse who acknowledged its alarms at the bedside
SILENT = {4: END_S - 40}  # chair index -> when its bedside stopped publishing


class Bedside:
    """What one bedside's publisher sends the station, handed to it directly (no broker)."""

    def __init__(self, bed: Bed, name: str, station: Station) -> None:
        self.bed, self.station = bed, station
        self.origin = messages.Origin(SITE, name, f"session{name[-1]}")
        self.state = ChairState(name, bed.config.patient_id, bed.session, bed.alarms)
        self.seq: dict[str, int] = {}
        self.silent = False
        bed.subscribe(self.on_event)

    def on_event(self, event: object) -> None:
        self.state.update(event)
        stream = stream_of(event)
        if stream is None or self.silent:
            return
        seq = self.seq[stream.name] = self.seq.get(stream.name, 0) + 1
        payload = messages.sequenced(self.origin, event_to_json(event, self.bed.clock.now()), seq, False)
        self.send(messages.topic_kind(stream.name), payload)

    def beat(self) -> None:
        if self.silent:
            return
        now = self.bed.clock.now()
        heartbeat = {**self.origin.fields(), "type": "heartbeat", "time": utc_text(now), "backlog": 0,
                     "last": dict(self.seq)}
        self.send("heartbeat", messages.encode(heartbeat))
        state = {**self.origin.fields(), "type": "state", "time": utc_text(now), **self.state.payload(self.bed.clock.now)}
        self.send("state", messages.encode(state))

    def send(self, kind: str, payload: bytes) -> None:
        self.station.receive(messages.topic(SITE, self.origin.bed, kind), payload)


def build() -> Station:
    clock = ManualClock(START)
    station = Station(None, SITE, clock)
    station.connection_state(True, "")
    profile = load_profile(DEFAULT_PROFILE)
    runs = [ScenarioRun(load_scenario(c.scenario), seed=i + 1, start=START) for i, c in enumerate(CHAIRS)]
    sides: list[Bedside | None] = [None] * len(CHAIRS)
    for t in range(0, END_S + 1, STEP_S):
        clock.advance(t - clock.monotonic())
        for i, (chair, run) in enumerate(zip(CHAIRS, runs, strict=True)):
            if t == chair.arrives_s:  # the bedside program starts with the chair's session
                bed = Bed(BedConfig(f"Chair-{i + 1}", PORT.format(i), "datex", clock, profile,
                                    patient_id=chair.patient))
                sides[i] = Bedside(bed, bed.name, station)
            side = sides[i]
            if side is None:
                continue
            side.silent = t >= SILENT.get(i, END_S + 1)
            feed(chair, side.bed, run, t - chair.arrives_s, clock)
            if i in ACKNOWLEDGED:
                side.bed.alarms.acknowledge(None, by=ACKNOWLEDGED[i])
            side.beat()
        station.tick()
    return station


def render(out: Path, size: tuple[int, int]) -> list[Path]:
    station = build()
    window = CentralWindow(station)
    window.timer.stop()  # the manual clock stands still: one refresh draws it
    window.resize(*size)
    window.show()
    for _ in range(3):
        window.refresh()
        QApplication.processEvents()
    for panel in window.overview.panels:  # alarming panels on their flash's "on" phase
        if panel.flasher.flashing:
            panel.flasher._set(True)
    paths = [out / "central.png", out / "central-trend.png"]
    window.grab().save(str(paths[0]))
    window.open_trend(1)  # the hypertensive chair
    dialog = window.trends[-1]
    QApplication.processEvents()
    dialog.grab().save(str(paths[1]))
    window.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    return run_tool(__doc__.splitlines()[0], argv, lambda parser: None,
                    lambda args, size, settings: render(args.out, size))


if __name__ == "__main__":
    sys.exit(main())
