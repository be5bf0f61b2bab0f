"""The central station's sound (issues 14 and 16): chosen on the station's threads as it judges,
never by the window's refresh, and the sound process's reports become the station's own
alarms. A real Station on a ManualClock fed the broker's messages; the sound process is stood
in for by what it is told (tests/test_sound_display.py runs the real one)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from central.station import Station
from central.station_sound import StationSound
from monitor.clock import ManualClock
from tests.broker import Broker, wait_for
from tests.conftest import ROOT
from tests.test_central_station import T, T0, state
from tests.test_annunciator import ToldSound
from tests.test_central_window import HIGH_SBP
from tests.test_shutdown import children, gone
from ui.sound.annunciator import Annunciator
from ui.sound.supervisor import SoundEvent


def followed() -> tuple[Station, Annunciator, ToldSound, list]:
    station = Station(None, "clinic", ManualClock(T0))
    station.connection_state(True, "")
    events: list = []
    station.subscribe(events.append)
    speaker = ToldSound()
    annunciator = Annunciator(lambda report: speaker)
    annunciator.follow(StationSound(station))
    return station, annunciator, speaker, events


def test_a_chairs_alarm_sounds_as_its_state_arrives_with_no_window_at_all():
    station, _, speaker, _ = followed()
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2", alarms=[HIGH_SBP]))
    assert speaker.played == ["medium"]  # on the broker's thread: nothing refreshed
    station.receive(T.format("Chair-2", "state"), state(bed="Chair-2", alarms=[]))
    assert speaker.played == ["medium", None]


def test_a_silent_chair_sounds_from_the_stations_watch_and_silencing_here_stops_it():
    station, _, speaker, _ = followed()
    station.receive(T.format("Chair-1", "state"), state())
    assert speaker.played == []  # a quiet chair: nothing to tell the sound
    station.clock.advance(6)
    station.tick()  # the watch thread's turn: no heartbeat for 6 s
    assert speaker.played == ["medium"]
    station.acknowledge()
    assert speaker.played == ["medium", None]


def test_the_sound_processs_reports_are_the_stations_own_alarms():
    station, annunciator, speaker, events = followed()
    annunciator.report(SoundEvent("unavailable", "No sound card: watch the screen."))
    assert [(a.condition, a.message) for a in station.alarms()] == [
        ("AUDIO_UNAVAILABLE", "No sound card: watch the screen.")]
    annunciator.report(SoundEvent("available"))
    annunciator.report(SoundEvent("display_frozen", seconds=2.4))
    frozen = station.alarms()
    assert [(a.condition, a.priority.value, a.message) for a in frozen] == [
        ("DISPLAY_FROZEN", "high", "Display frozen for 2.4 s: alarms may not be shown.")]
    assert speaker.played[-1] == "high"
    annunciator.report(SoundEvent("display_recovered", seconds=7.5))
    assert station.alarms() == ()
    lines = [e.as_json() for e in events if getattr(e, "alarm", None) is not None]
    assert [(x["condition"], x["event"]) for x in lines] == [
        ("AUDIO_UNAVAILABLE", "raised"), ("AUDIO_UNAVAILABLE", "cleared"),
        ("DISPLAY_FROZEN", "raised"), ("DISPLAY_FROZEN", "cleared")]
    assert lines[-1]["detail"] == "Display was frozen for 7.5 s."  # how long, in the log (the bar says "Central: ...")
    assert speaker.played[-1] is None


def test_the_central_window_runs_with_its_sound_process_and_a_signal_ends_both(tmp_path, cli_env):
    """``infusion-monitor central --broker URL`` as the nurses' station runs it (offscreen): the
    program starts its sound process as a bedside's does, and SIGTERM (a logout) ends it cleanly."""
    broker = Broker(tmp_path).start()
    env = {**cli_env, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "central", "--broker", broker.url],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "irm-central" in broker.log.read_text(), 30, "the central station connected")
        wait_for(lambda: any("ui.sound.child" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")
                             for c in children(proc.pid) if Path(f"/proc/{c}/cmdline").exists()),
                 30, "the sound process runs")
        sound = [c for c in children(proc.pid) if "ui.sound.child" in Path(f"/proc/{c}/cmdline").read_text()]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        broker.stop()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert sound and all(gone(pid) for pid in sound), "the sound process ended with the program"
