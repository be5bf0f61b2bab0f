"""The dashboard's side of the sound process, on the real Qt event loop (issue 14): what sounds
follows the bed, not the GUI thread; the display watchdog when the GUI thread is blocked; and a
killed sound process as the bed hears it. Real beds (on their own threads), the real
annunciator and real child processes on the ``jsonl:PATH`` test output."""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from datetime import datetime

import pytest
from PySide6.QtCore import QTimer

from monitor.alarms import AlarmCondition, AlarmEvent, EventType, Priority, profile_from_dict
from monitor.bed import Bed, BedConfig
from monitor.clock import ScaledClock
from monitor.readings import UNITS, Parameter, Reading
from tests.test_sound_process import bursts, played
from ui.sound.adapter import DisplayHeartbeat
from ui.sound.annunciator import Annunciator
from ui.sound.protocol import FROZEN_AFTER_S, HEARTBEAT_S

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
BLOCK_S = 5.0  # issue 14: "blocking the GUI thread for 5 s in a test makes the watchdog raise its alarm"
FROZEN, AUDIO = AlarmCondition.DISPLAY_FROZEN, AlarmCondition.AUDIO_UNAVAILABLE
# HR alarms at once (no delay): 101-110 low, over 110 medium
PROFILE = {"parameters": {"HR": {"above": {"low": 100, "medium": 110}, "hysteresis": 2}}}


class Sounding:
    """A bed on its own thread, followed by an annunciator whose heartbeat the GUI thread sends."""

    def __init__(self, qtbot, tmp_path) -> None:
        self.bed = Bed(BedConfig("bed", "sim:stable", "datex", ScaledClock(), profile_from_dict(PROFILE, "t.toml")))
        self.log: list[tuple[float, AlarmEvent]] = []  # with the moment each was handed out
        self.bed.subscribe(lambda e: self.log.append((time.monotonic(), e)) if isinstance(e, AlarmEvent) else None)
        self.burst_log = tmp_path / "bursts.jsonl"
        self.annunciator = Annunciator(output=f"jsonl:{self.burst_log}")
        self.annunciator.follow(self.bed)
        self.heartbeat = DisplayHeartbeat(self.annunciator.heartbeat)
        self.annunciator.start()
        self.heartbeat.start()
        self.bed.start()
        supervisor = self.annunciator.sound
        qtbot.waitUntil(lambda: supervisor.available and supervisor.heartbeats > 0, timeout=20000)

    @property
    def pid(self) -> int | None:
        return self.annunciator.sound.pid

    def hr(self, value: float) -> None:
        clock = self.bed.clock
        self.bed.post(Reading(Parameter.HR, value, UNITS[Parameter.HR], clock.now(), "datex"))

    def events(self, condition: AlarmCondition) -> list[AlarmEvent]:
        return [e for _, e in self.log if e.condition is condition]

    def close(self) -> None:
        self.heartbeat.stop()
        self.bed.stop()
        self.annunciator.close()


@pytest.fixture
def sounding(qtbot, tmp_path):
    made: list[Sounding] = []

    def make() -> Sounding:
        made.append(Sounding(qtbot, tmp_path))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_a_new_alarm_sounds_while_the_gui_thread_is_blocked(qtbot, sounding):
    """The sound follows the bed: a medium alarm judged on the bed's thread during a freeze of
    the GUI thread is playing before the freeze ends (before the watchdog's 2 s, too)."""
    s = sounding()
    played_during: list[bool] = []

    def freeze() -> None:
        start = time.monotonic()
        s.hr(115)
        while time.monotonic() - start < 1.5 and not played(s.burst_log, s.pid, "medium"):
            time.sleep(0.02)  # the GUI thread itself waits here: no event loop, no timer
        played_during.append(played(s.burst_log, s.pid, "medium"))

    QTimer.singleShot(0, freeze)
    qtbot.waitUntil(lambda: bool(played_during), timeout=10000)
    assert played_during == [True]
    assert s.annunciator.playing is Priority.MEDIUM


def test_a_gui_thread_blocked_for_5_s_sounds_the_high_pattern_and_logs_how_long_it_was_frozen(qtbot, sounding):
    s = sounding()
    s.hr(105)  # a low alarm: its bursts are told apart from the watchdog's high pattern
    qtbot.waitUntil(lambda: played(s.burst_log, s.pid, "low"), timeout=5000)
    block: list[tuple[float, datetime]] = []

    def freeze() -> None:  # the GUI thread does nothing for 5 s: no timer, no heartbeat
        block.append((time.monotonic(), datetime.now().astimezone()))
        threading.Event().wait(BLOCK_S)
        block.append((time.monotonic(), datetime.now().astimezone()))

    QTimer.singleShot(0, freeze)
    qtbot.waitUntil(lambda: len(block) == 2, timeout=20000)
    (start, start_wall), (end, end_wall) = block
    found = start + FROZEN_AFTER_S - HEARTBEAT_S  # the last heartbeat came at most 250 ms before the block
    raised = [(t, e) for t, e in s.log if e.condition is FROZEN and e.event is EventType.RAISED]
    assert len(raised) == 1 and found < raised[0][0] < end, "judged and recorded while the GUI thread was blocked"
    high = [b for b in bursts(s.burst_log) if b["priority"] == "high"]
    assert high and found < high[0]["monotonic"] < end, "the sound process sounded high by itself"
    qtbot.waitUntil(lambda: len(s.events(FROZEN)) == 2, timeout=5000)
    qtbot.waitUntil(lambda: any(b["priority"] == "low" and b["monotonic"] > end for b in bursts(s.burst_log)),
                    timeout=5000)  # back to what the bed asks for
    events = s.events(FROZEN)
    assert [(e.event, e.priority) for e in events] == [(EventType.RAISED, Priority.HIGH),
                                                       (EventType.CLEARED, Priority.HIGH)]
    assert start_wall < events[0].time < end_wall, "logged when the freeze was found, not when it ended"
    seconds = float(re.fullmatch(r"display was frozen for (\d+\.\d) s", events[1].detail).group(1))
    assert BLOCK_S <= seconds <= BLOCK_S + 1.0


def test_the_bed_hears_a_killed_sound_process_until_a_new_one_plays(qtbot, sounding):
    s = sounding()
    s.hr(115)
    qtbot.waitUntil(lambda: played(s.burst_log, s.pid, "medium"), timeout=5000)
    pid = s.pid
    os.kill(pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: len(s.events(AUDIO)) == 1, timeout=5000)
    (raised,) = s.events(AUDIO)
    assert raised.event is EventType.RAISED
    assert raised.detail == "No alarm sound: sound process killed by SIGKILL; restarting. Watch the screen."
    qtbot.waitUntil(lambda: s.pid not in (None, pid), timeout=5000)  # issue 14: a new one within 5 s
    qtbot.waitUntil(lambda: played(s.burst_log, s.pid, "medium"), timeout=5000)
    qtbot.waitUntil(lambda: [e.event for e in s.events(AUDIO)] == [EventType.RAISED, EventType.CLEARED],
                    timeout=5000)
    assert s.annunciator.problem is None
