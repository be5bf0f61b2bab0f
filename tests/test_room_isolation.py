"""One chair's trouble stays at that chair (issue 15): a monitor that speaks the wrong protocol, a
cable pulled, a port that does not exist, a recording that cannot be written.

Five chairs built by ``main.build_room`` as ``live --room`` builds them, each its own bed with
its own threads: chair 1 is the witness on a simulated monitor; chair 2 reads a simulator on a
pseudo-terminal that is killed (the adapter pulled); chair 3's recording fills its disk (SQLite's
own page quota stands in for the disk); chair 4's port does not exist; chair 5's monitor sends
Masimo lines to a chair set up for Datex. The witness must notice nothing: every reading it got
is recorded, no alarm is raised, its link never wavers.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

import main
from monitor.alarms import AlarmCondition
from monitor.clock import ScaledClock
from monitor.readings import LinkEvent, LinkState, Reading
from monitor.room import room_from_text
from reliability.harness import start_simulator, stop

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
SPEED = 10.0


class Log:
    """A bed listener: what a chair received, for the test to wait on."""

    def __init__(self) -> None:
        self.readings = 0
        self.links: list[LinkEvent] = []
        self.alarms: list[tuple[str, str]] = []
        self.changed = threading.Condition()

    def __call__(self, event: object) -> None:
        with self.changed:
            if isinstance(event, Reading):
                self.readings += 1
            elif isinstance(event, LinkEvent):
                self.links.append(event)
            elif hasattr(event, "condition") and hasattr(event, "event"):
                self.alarms.append((event.condition.value, event.event.value))
            self.changed.notify_all()

    def wait(self, condition, timeout: float = 30.0) -> None:
        with self.changed:
            assert self.changed.wait_for(condition, timeout), "timed out"


def test_trouble_at_four_chairs_never_reaches_the_fifth(tmp_path):
    unplugged, pty = start_simulator("--protocol", "datex", "--scenario", "stable", "--pty", "--speed", f"{SPEED:g}")
    foreign, foreign_pty = start_simulator("--protocol", "masimo", "--scenario", "stable", "--pty",
                                           "--speed", f"{SPEED:g}")
    ports = ["sim:stable", pty, "sim:stable", "/dev/ttyIRM-no-such-port", foreign_pty]
    text = "".join(f'[[chair]]\nname = "Chair {i + 1}"\nport = "{p}"\nprotocol = "datex"\n' for i, p in enumerate(ports))
    room = room_from_text(text, "room.toml", ("datex", "masimo", "intellivue"))
    beds = main.build_room(room, ScaledClock(SPEED), tmp_path, "ketamine-infusion", recording_required=True)
    logs = [Log() for _ in beds]
    try:
        for bed, log in zip(beds, logs, strict=True):
            bed.subscribe(log)
        full = beds[2].recorder._conn  # chair 3's disk: room for a few more pages only
        full.execute(f"PRAGMA max_page_count={full.execute('PRAGMA page_count').fetchone()[0] + 2}")
        for bed in beds:
            bed.start()
        witness = logs[0]
        witness.wait(lambda: witness.readings > 0 and logs[1].readings > 0)
        stop(unplugged)  # the adapter pulled out of chair 2's computer
        logs[1].wait(lambda: ("LINK_LOST", "raised") in logs[1].alarms)
        logs[2].wait(lambda: ("RECORDING_FAILED", "raised") in logs[2].alarms)
        logs[3].wait(lambda: ("LINK_LOST", "raised") in logs[3].alarms)
        logs[4].wait(lambda: ("LINK_LOST", "raised") in logs[4].alarms)
        at_the_end = logs[2].readings
        logs[2].wait(lambda: logs[2].readings > at_the_end)  # chair 3 goes on monitoring unrecorded
        before = witness.readings
        witness.wait(lambda: witness.readings >= before + 20)  # and the witness went on all along
    finally:
        for bed in beds:
            bed.stop("ended normally")
        stop(foreign)
        stop(unplugged)
    assert any("not found" in e.message for e in logs[3].links)
    assert any(e.state is LinkState.NO_VALID_FRAMES for e in logs[4].links)
    assert logs[4].readings == 0  # nothing decoded from the wrong protocol is shown
    assert witness.alarms == [] or all(event not in ("raised", "escalated") for _, event in witness.alarms)
    assert {e.state for e in witness.links} <= {LinkState.CONNECTING, LinkState.WAITING, LinkState.RECEIVING,
                                               LinkState.CLOSED}
    db = sqlite3.connect(f"file:{beds[0].recorder.path}?mode=ro", uri=True)
    try:
        assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == witness.readings  # every one kept
        assert db.execute("SELECT count(*) FROM alarm_events WHERE event = 'raised'").fetchone()[0] == 0
    finally:
        db.close()
    assert beds[0].alarms.active() == () and AlarmCondition.RECORDING_FAILED not in {
        a.condition for bed in (beds[0], beds[1], beds[3], beds[4]) for a in bed.alarms.active()}
