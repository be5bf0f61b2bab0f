"""The room's latency: eight chairs on eight real ptys, from a frame's last byte to its chair's panel on screen.

Assembled as ``infusion-monitor live --room`` assembles it: the beds by ``main.build_room``
(each its own driver, bed thread and recording), the room by ``ui.room.app.RoomView``
showing the overview at 1920x1080. Eight simulated Datex monitors are written by this
module (``bench.latency.Monitor``): first the sessions' hour on a fast-forwarded clock
(a record every 5 s of the clock to every chair, each infusion started at 5 min and
stopped at 45), then at real time every chair keeps getting its record every 5 s while
the measured frames go to one chair after another. A sample is the last byte of a frame
carrying a new HR -> the Paint of that chair's panel showing it (the room redraws a
chair's panel on the next turn of the event loop after its events arrive).
"""

from __future__ import annotations

import random

from bench.common import Row, scratch_dir
from bench.latency import Monitor, fast_forward, latency_row, probe, sample, wait

CHAIRS = 8
TARGET_SCREEN_MS = 50.0
FAST_SPEED = 15.0  # eight chairs' first hour in four minutes
RECORD_S = 5.0


class RoomHarness:
    def __init__(self, tmp, clock) -> None:
        from PySide6.QtCore import QSettings

        import main
        from devices.simulator.endpoints import PtyEndpoint
        from monitor.room import room_from_text
        from ui.room.app import RoomView

        self.ptys = [PtyEndpoint() for _ in range(CHAIRS)]
        text = "".join(f'[[chair]]\nname = "Chair {i + 1}"\nport = "{p.address}"\nprotocol = "datex"\n'
                       for i, p in enumerate(self.ptys))
        room = room_from_text(text, "bench-room.toml", ("datex",))
        self.beds = main.build_room(room, clock, tmp / "recordings", "ketamine-infusion", recording_required=False)
        self.view = RoomView(room.name, self.beds, "dark", QSettings(str(tmp / "room.ini"), QSettings.Format.IniFormat))
        self.view.start()
        self.view.window.resize(1920, 1080)
        self.view.window.show()
        self.monitors = [Monitor(pty, seed=i + 1) for i, pty in enumerate(self.ptys)]
        self.probes: list = []
        self.chair = 0
        self.expected: int | None = None
        self.t1: float | None = None
        self.t2: float | None = None
        for i, panel in enumerate(self.view.overview.panels):  # only the screen is measured here
            watch = probe(self, lambda p, i=i: i == self.chair and p.text is not None
                          and p.text.big[0].value == str(self.expected))
            panel.installEventFilter(watch)
            self.probes.append(watch)

    def close(self) -> None:
        self.view.stop()
        self.view.window.close()
        for bed in self.beds:
            bed.stop("benchmark done")
        for pty in self.ptys:
            pty.close()


def room_rows(app, quick: bool, rng: random.Random) -> list[Row]:
    from monitor.clock import FastForwardClock
    from ui.room.app import REFRESH_MS

    hour_s = 600.0 if quick else 3600.0
    frames = 60 if quick else 400
    clock = FastForwardClock(FAST_SPEED, hour_s)
    harness = RoomHarness(scratch_dir("room-latency"), clock)
    screen: list[float] = []
    lost = 0
    try:
        if not wait(app, lambda: all(b.driver.running for b in harness.beds), 10):
            raise RuntimeError("the room did not come up")
        fast_forward(app, clock, harness.monitors, harness.beds, hour_s)
        next_record = clock.monotonic()
        for i in range(frames):
            if clock.monotonic() >= next_record:  # every chair's own record, every 5 s
                for monitor in harness.monitors:
                    monitor.send(clock.monotonic())
                next_record += RECORD_S
            harness.chair = i % CHAIRS
            figures = sample(app, harness, harness.monitors[harness.chair], clock.monotonic(),
                             60 + (i * 37) % 80, lambda: harness.t2 is not None)
            if figures is None:
                lost += 1
            else:
                screen.append(figures[1])
            wait(app, lambda: False, rng.uniform(0.02, 0.02 + REFRESH_MS / 1000))
    finally:
        harness.close()
    how = (f"{CHAIRS} chairs (main.build_room, ui.room.app.RoomView at 1920x1080), each on a real pty with a Datex "
           f"record every 5 s; {hour_s / 60:.0f} min into the sessions (fast-forwarded at {FAST_SPEED:g}x); frames "
           f"with a new HR to one chair after another -> Paint of that chair's panel showing it; percentiles over all "
           f"{len(screen)} frames")
    return [latency_row(f"room of {CHAIRS}: latency, last byte -> the chair's panel repainted", how, screen,
                        TARGET_SCREEN_MS, lost)]
