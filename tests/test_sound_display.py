"""The dashboard's side of the sound process, on the real Qt event loop (issue 14): the
display watchdog when the GUI thread is blocked, and a killed sound process as the
dashboard hears it. Real child processes on the ``jsonl:PATH`` test output."""

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

from monitor.alarms import AlarmCondition, EventType, Priority, load_profile
from monitor.bed import Bed, BedConfig
from monitor.clock import ScaledClock
from monitor.core import DisplayStatus
from tests.test_sound_process import bursts, played
from ui.sound.adapter import SupervisedSound
from ui.sound.protocol import FROZEN_AFTER_S, HEARTBEAT_S

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
BLOCK_S = 5.0  # issue 14: "blocking the GUI thread for 5 s in a test makes the watchdog raise its alarm"
FROZEN = AlarmCondition.DISPLAY_FROZEN


@pytest.fixture
def sound(qtbot, tmp_path):
    made: list[SupervisedSound] = []

    def make(**kwargs) -> SupervisedSound:
        made.append(SupervisedSound(output=f"jsonl:{tmp_path / 'bursts.jsonl'}", **kwargs))
        qtbot.waitUntil(lambda: made[-1].available and made[-1].supervisor.heartbeats > 0, timeout=20000)
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_a_gui_thread_blocked_for_5_s_sounds_the_high_pattern_and_logs_how_long_it_was_frozen(
        qtbot, tmp_path, sound):
    bed = Bed(BedConfig("bed", "sim:stable", "datex", ScaledClock(), load_profile("ketamine-infusion")))
    log: list = []
    bed.subscribe(log.append)
    bed.start()  # judges on its own thread, as the dashboard's bed does
    reports: list[tuple[bool, float, bool, float]] = []

    def on_display(frozen: bool, seconds: float) -> None:  # as ui/app.py wires it, and noting where from
        reports.append((frozen, seconds, threading.current_thread() is threading.main_thread(), time.monotonic()))
        bed.post(DisplayStatus(frozen, seconds))

    s = sound(on_display=on_display)
    s.play(Priority.LOW)
    burst_log = tmp_path / "bursts.jsonl"
    qtbot.waitUntil(lambda: played(burst_log, s.supervisor.pid, "low"), timeout=5000)
    block: list[tuple[float, datetime]] = []

    def freeze() -> None:  # the GUI thread does nothing for 5 s: no timer, no heartbeat
        block.append((time.monotonic(), datetime.now().astimezone()))
        threading.Event().wait(BLOCK_S)
        block.append((time.monotonic(), datetime.now().astimezone()))

    QTimer.singleShot(0, freeze)
    qtbot.waitUntil(lambda: len(block) == 2, timeout=20000)
    (start, start_wall), (end, end_wall) = block
    found = start + FROZEN_AFTER_S - HEARTBEAT_S  # the last heartbeat came at most 250 ms before the block
    frozen = [r for r in reports if r[0]]
    assert len(frozen) == 1 and not frozen[0][2], "reported once, by a thread other than the frozen one"
    assert found < frozen[0][3] < end, "reported while the GUI thread was still blocked"
    high = [b for b in bursts(burst_log) if b["priority"] == "high"]
    assert high and found < high[0]["monotonic"] < end, "the sound process sounded high by itself"
    qtbot.waitUntil(lambda: any(not r[0] for r in reports), timeout=5000)
    qtbot.waitUntil(lambda: any(b["priority"] == "low" and b["monotonic"] > end for b in bursts(burst_log)),
                    timeout=5000)  # back to what the dashboard asks for
    qtbot.waitUntil(lambda: sum(getattr(e, "condition", None) is FROZEN for e in log) == 2, timeout=5000)
    bed.stop()
    events = [e for e in log if getattr(e, "condition", None) is FROZEN]
    assert [(e.event, e.priority) for e in events] == [(EventType.RAISED, Priority.HIGH),
                                                       (EventType.CLEARED, Priority.HIGH)]
    assert start_wall < events[0].time < end_wall, "logged when the freeze was found, not when it ended"
    seconds = float(re.fullmatch(r"display was frozen for (\d+\.\d) s", events[1].detail).group(1))
    assert BLOCK_S <= seconds <= BLOCK_S + 1.0


def test_the_dashboard_hears_a_killed_sound_process_until_a_new_one_plays(qtbot, tmp_path, sound):
    s = sound()
    s.play(Priority.MEDIUM)
    pid = s.supervisor.pid
    with qtbot.waitSignal(s.unavailable, timeout=5000) as told:
        os.kill(pid, signal.SIGKILL)
    assert told.args[0] == "No alarm sound: sound process killed by SIGKILL; restarting. Watch the screen."
    assert not s.available and s.problem == told.args[0]
    with qtbot.waitSignal(s.restored, timeout=5000):
        pass
    assert s.available and s.problem is None and s.playing is Priority.MEDIUM
    qtbot.waitUntil(lambda: played(tmp_path / "bursts.jsonl", s.supervisor.pid, "medium"), timeout=5000)
    assert s.supervisor.pid != pid
