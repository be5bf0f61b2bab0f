"""The alarm sound in its own process (issue 14): real child processes, real signals, real
recordings. Nothing of the process is mocked; the child plays into its ``jsonl:PATH`` test
output (this machine has no sound card), which writes each burst it would play, with the
priority recognised from the samples, its pid and CLOCK_MONOTONIC (shared by all processes).

Waits are on conditions with a timeout (``wait_until``), never fixed sleeps.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.alarms import (
    AlarmCondition,
    AlarmEngine,
    AlarmEvent,
    EventType,
    Priority,
    load_profile,
)
from monitor.clock import ManualClock
from monitor.core import MonitoringCore
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from monitor.session import InfusionSession
from tests.conftest import ROOT
from ui.sound.supervisor import HANG_S, SoundEvent, SoundSupervisor

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
NEW_CHILD_WITHIN_S = 5.0  # issue 14: "a new sound process appears within 5 s"
AUDIO = AlarmCondition.AUDIO_UNAVAILABLE


def wait_until(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s:g} s")
        threading.Event().wait(0.02)


def bursts(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def played(path: Path, pid: int | None, priority: str) -> bool:
    return any(b["pid"] == pid and b["priority"] == priority for b in bursts(path))


def gone(pid: int) -> bool:
    """The process has exited (a zombie waiting for its parent counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


class Events:
    """What a supervisor reports, from its threads."""

    def __init__(self) -> None:
        self.seen: list[SoundEvent] = []

    def __call__(self, event: SoundEvent) -> None:
        self.seen.append(event)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.seen]


@pytest.fixture
def supervised(tmp_path):
    """A supervisor on the jsonl output, stopped after the test whatever happens."""
    made: list[SoundSupervisor] = []

    def make(output: str | None = None, events: Callable[[SoundEvent], None] | None = None) -> SoundSupervisor:
        supervisor = SoundSupervisor(output or f"jsonl:{tmp_path / 'bursts.jsonl'}", events)
        made.append(supervisor)
        supervisor.start()
        return supervisor

    yield make
    for supervisor in made:
        supervisor.stop()


class Bed:
    """A bed reduced to what matters here: one worker thread reads the monitor (HR 160/min, a
    reading per second of a ManualClock, every 10 ms), has the alarm engine judge it, records
    readings and alarm events in a real recording, takes the sound process's reports, and
    has the sound play what the engine says. The sound process is killed meanwhile."""

    def __init__(self, path: Path, output: str) -> None:
        self.clock = ManualClock(T0)
        self.recorder = SessionRecorder(path, {"program": "test"})
        engine = AlarmEngine(load_profile("ketamine-infusion"), self.clock)
        self.core = MonitoringCore(lambda on_event: InfusionSession(self.clock, on_event=on_event), engine,
                                   self.record)
        self.alarm_events: list[AlarmEvent] = []
        self.sent = 0
        self.reports: queue.SimpleQueue[SoundEvent] = queue.SimpleQueue()
        self.sound = SoundSupervisor(output, self.reports.put)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bed")

    def start(self) -> None:
        self.sound.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sound.stop()
        self.recorder.close()

    def record(self, item: object) -> None:
        if isinstance(item, AlarmEvent):
            self.alarm_events.append(item)
        self.recorder.add(item)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            reading = Reading(Parameter.HR, 160.0, UNITS[Parameter.HR], self.clock.now(), "datex", Quality.NONE)
            self.record(reading)
            self.core.on_event(reading)
            self.sent += 1
            while not self.reports.empty():
                report = self.reports.get()
                if report.kind in ("unavailable", "failed"):
                    self.core.keep(self.core.engine.on_audio(False, report.text))
                elif report.kind in ("available", "restored"):
                    self.core.keep(self.core.engine.on_audio(True))
            self.clock.advance(1.0)
            self.core.tick()
            self.sound.play(self.core.engine.should_sound())

    def audio_events(self) -> list[EventType]:
        return [e.event for e in self.alarm_events if e.condition is AUDIO]


def test_kill_9_of_the_sound_process_again_and_again_loses_nothing_and_a_new_one_plays_on(tmp_path):
    path, burst_log = tmp_path / "bed.irm.sqlite", tmp_path / "bursts.jsonl"
    bed = Bed(path, f"jsonl:{burst_log}")
    bed.start()
    kills = 4
    try:
        wait_until(lambda: played(burst_log, bed.sound.pid, "high"), 20, "HR 160 sounds the high burst")
        for n in range(kills):
            pid = bed.sound.pid
            os.kill(pid, signal.SIGKILL)
            wait_until(lambda old=pid: bed.sound.pid not in (None, old), NEW_CHILD_WITHIN_S,
                       f"kill {n + 1}: a new process")
            new = bed.sound.pid
            wait_until(lambda new=new: played(burst_log, new, "high"), 5, f"kill {n + 1}: the new process plays high")
            wait_until(lambda n=n: bed.audio_events().count(EventType.CLEARED) == n + 1, 5,
                       f"kill {n + 1}: sound back, AUDIO_UNAVAILABLE cleared")
            assert gone(pid)
    finally:
        bed.stop()
    audio = [e for e in bed.alarm_events if e.condition is AUDIO]
    assert [e.event for e in audio] == [EventType.RAISED, EventType.CLEARED] * kills
    assert all(e.detail == "No alarm sound: sound process killed by SIGKILL; restarting. Watch the screen."
               for e in audio[::2])
    assert len({b["pid"] for b in bursts(burst_log)}) == kills + 1  # every process played
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == bed.sent
    logged = db.execute("SELECT condition, event, detail FROM alarm_events ORDER BY id").fetchall()
    assert logged == [(e.condition.value, e.event.value, e.detail) for e in bed.alarm_events]
    assert ("HR_HIGH", "raised") in [(c, e) for c, e, _ in logged]
    info = dict(db.execute("SELECT key, value FROM session_info"))
    assert info["end_reason"] == "ended normally"


def test_a_hung_sound_process_is_found_killed_and_replaced(supervised, tmp_path):
    events = Events()
    supervisor = supervised(events=events)
    supervisor.play(Priority.MEDIUM)
    wait_until(lambda: supervisor.available, 20, "the sound process starts")
    pid = supervisor.pid
    os.kill(pid, signal.SIGSTOP)  # alive, but answers nothing
    wait_until(lambda: supervisor.pid not in (None, pid), HANG_S + NEW_CHILD_WITHIN_S, "a new process")
    assert gone(pid)  # the hung one was killed, not left stopped
    failed = [e for e in events.seen if e.kind == "failed"]
    assert failed[0].text == "No alarm sound: sound process not responding for 3 s; restarting. Watch the screen."
    wait_until(lambda: played(tmp_path / "bursts.jsonl", supervisor.pid, "medium"), 5, "the new one plays medium")
    wait_until(lambda: events.kinds()[-1] == "restored", 5, "sound restored")
    assert supervisor.hangs == 1


def test_the_dashboard_never_waits_for_a_sound_process_that_stopped_reading(supervised):
    events = Events()
    supervisor = supervised(events=events)
    wait_until(lambda: supervisor.available, 20, "the sound process starts")
    pid = supervisor.pid
    os.kill(pid, signal.SIGSTOP)
    for _ in range(20_000):  # far more than its input pipe holds: each call returns at once
        supervisor.heartbeat()
    wait_until(lambda: supervisor.pid not in (None, pid), NEW_CHILD_WITHIN_S, "a new process")
    failed = [e for e in events.seen if e.kind == "failed"]
    assert "sound process not reading its input; restarting" in failed[0].text


def test_stopping_the_supervisor_ends_the_sound_process(supervised):
    supervisor = supervised()
    wait_until(lambda: supervisor.available, 20, "the sound process starts")
    pid = supervisor.pid
    supervisor.stop()
    assert gone(pid) and supervisor.pid is None


PARENT = textwrap.dedent("""
    import sys, threading
    from ui.sound.supervisor import SoundSupervisor
    supervisor = SoundSupervisor("null")
    supervisor.start()
    while not supervisor.available:
        threading.Event().wait(0.02)
    print(supervisor.pid, flush=True)
    threading.Event().wait(120)
""")


def test_a_dashboard_killed_with_kill_9_leaves_no_sound_process_behind(python, cli_env):
    parent = subprocess.Popen([python, "-c", PARENT], cwd=ROOT, env=cli_env, stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert not gone(child)
        parent.kill()
        parent.wait()
        wait_until(lambda: gone(child), 5, "the orphaned sound process sees its input end and exits")
    finally:
        parent.kill()


HELD = textwrap.dedent("""
    import json, sys, threading
    from ui.sound.supervisor import SoundSupervisor
    supervisor = SoundSupervisor(sys.argv[1], lambda e: print(json.dumps([e.kind, e.seconds]), flush=True))
    supervisor.start()
    while True:  # a heartbeat every 250 ms, as the GUI thread's timer sends it
        supervisor.heartbeat()
        threading.Event().wait(0.25)
""")


def test_a_whole_dashboard_held_up_is_a_frozen_display_and_its_sound_process_is_not_taken_for_hung(
        python, cli_env, tmp_path):
    burst_log = tmp_path / "bursts.jsonl"
    parent = subprocess.Popen([python, "-c", HELD, f"jsonl:{burst_log}"], cwd=ROOT, env=cli_env,
                              stdout=subprocess.PIPE, text=True)
    lines: list[list] = []
    threading.Thread(target=lambda: [lines.append(json.loads(line)) for line in parent.stdout], daemon=True).start()
    try:
        wait_until(lambda: ["available", None] in lines, 20, "the sound process starts")
        stopped = time.monotonic()
        parent.send_signal(signal.SIGSTOP)  # every thread of the dashboard stops, the supervisor's too
        wait_until(lambda: any(b["priority"] == "high" for b in bursts(burst_log)), 5,
                   "the sound process sounds high by itself")
        threading.Event().wait(max(0.0, stopped + HANG_S + 1.0 - time.monotonic()))  # the fault lasts 4 s
        parent.send_signal(signal.SIGCONT)
        wait_until(lambda: any(kind == "display_recovered" for kind, _ in lines), 5, "the display recovers")
    finally:
        parent.kill()
    kinds = [kind for kind, _ in lines]
    assert kinds == ["available", "display_frozen", "display_recovered"], "no restart, no false hang"
    assert lines[2][1] >= HANG_S + 1.0
    assert len({b["pid"] for b in bursts(burst_log)}) == 1


def test_the_real_sound_card_output_says_why_it_cannot_play_and_keeps_saying_so_after_a_restart(supervised):
    events = Events()
    supervisor = supervised("qt", events)
    wait_until(lambda: events.seen, 20, "the sound process says whether it can play")
    if events.seen[0].kind == "available":
        pytest.skip("this machine has an audio output device")
    first = events.seen[0]
    assert first.kind == "unavailable" and first.text.startswith("No alarm sound: ")
    assert first.text.endswith("Watch the screen.")
    pid = supervisor.pid
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: events.kinds()[-2:] == ["failed", "unavailable"], 10, "a new process, still no device")
    assert events.seen[-1].text == first.text and "restored" not in events.kinds()


BUNDLE = """#!/bin/sh
# Stands in for a PyInstaller bundle's executable: the program itself, entered through main.main.
PYTHONPATH={root} exec {python} -c 'import sys, main; sys.exit(main.main())' "$@"
"""


def test_a_bundled_program_starts_itself_as_its_sound_process_through_main(supervised, tmp_path, monkeypatch):
    program = tmp_path / "infusion-monitor"
    program.write_text(BUNDLE.format(root=ROOT, python=sys.executable))
    program.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(program))
    supervisor = supervised()
    supervisor.play("low")
    wait_until(lambda: played(tmp_path / "bursts.jsonl", supervisor.pid, "low"), 20, "the bundled child plays")
    command = Path(f"/proc/{supervisor.pid}/cmdline").read_bytes().split(b"\0")
    assert b"--sound-child" in command


LIVE = textwrap.dedent("""
    import json, sys, threading, time
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from monitor.clock import ScaledClock
    from tests.conftest import build_test_bed
    from ui.app import show_bed
    from ui.sound.annunciator import Annunciator

    folder = Path(sys.argv[1])
    app = QApplication([])
    bed = build_test_bed("sim:stable", ScaledClock(speed=30), folder / "s.irm.sqlite")
    settings = QSettings(str(folder / "dashboard.ini"), QSettings.Format.IniFormat)
    annunciator = Annunciator()  # as ui.app.run_live wires it
    annunciator.start()
    annunciator.follow(bed)
    view = show_bed(bed, "dark", settings)
    view.window.show()
    sound = annunciator.sound
    deadline = time.monotonic() + 30
    while sound.problem is None and not sound.available and time.monotonic() < deadline:
        app.processEvents()
        threading.Event().wait(0.02)
    pid = sound.pid
    maps = lambda p: Path(f"/proc/{p}/maps").read_text()
    print(json.dumps({
        "imported": "PySide6.QtMultimedia" in sys.modules,
        "loaded_here": "Multimedia" in maps("self"),
        "loaded_in_child": "Multimedia" in maps(pid),
        "told": sound.available or sound.problem,
    }))
    view.stop()
    bed.stop("ended normally")
    annunciator.close()
""")



def test_the_dashboard_process_never_loads_the_audio_stack(python, cli_env, tmp_path):
    cli_env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run([python, "-c", LIVE, str(tmp_path)], cwd=ROOT, env=cli_env, capture_output=True,
                            text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["told"], "the sound process never said whether it can play"
    assert seen == {"imported": False, "loaded_here": False, "loaded_in_child": True, "told": seen["told"]}
