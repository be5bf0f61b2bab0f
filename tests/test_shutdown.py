"""Clean shutdown (issue 14): SIGTERM, SIGINT, SIGHUP and closing the window end the session as a
normal end with its reason, say goodbye to the monitor and stop the sound process, for
``live`` and ``record``. Real processes: ``infusion-sim --pty`` as the monitor (it logs the
host's goodbye), the program under test, its sound process, and the PDF read back by pdftotext."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_end_to_end import start_simulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pseudo-terminals")
GOODBYE = {"datex": "transmission stopped by the host", "intellivue": "association released by the host"}
SPEED = "10"  # the monitor's clock: a Datex start and stop request must be 5 s of it apart


@pytest.fixture
def monitor(python, cli_env):
    """A simulated monitor on a pseudo-terminal: ``(protocol) -> (its path, its stderr log)``."""
    started: list[subprocess.Popen] = []

    def start(protocol: str) -> str:
        sim, port = start_simulator(python, cli_env, "--protocol", protocol, "--scenario", "stable", "--pty",
                                    "--speed", SPEED, "-v")
        started.append(sim)
        return port

    yield start, started
    for sim in started:
        sim.terminate()
        sim.wait(10)


def told_goodbye(sim: subprocess.Popen, protocol: str) -> bool:
    sim.terminate()
    _, err = sim.communicate(timeout=10)
    return GOODBYE[protocol] in err


def session_info(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        info = dict(db.execute("SELECT key, value FROM session_info"))
        info["records"] = str(db.execute("SELECT count(DISTINCT host_time) FROM readings WHERE parameter = 'HR'")
                              .fetchone()[0])
    db.close()
    return info


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.1)


def has_readings(path: Path) -> bool:
    """Three reports of the monitor: over 5 s of its clock since the host asked (a Datex monitor
    ignores a request that follows the last one within 5 s, a stop request too)."""
    try:
        return path.exists() and int(session_info(path)["records"]) >= 3
    except sqlite3.Error:
        return False


def pdf_status(python, env, recording: Path, folder: Path) -> str:
    subprocess.run([python, str(ROOT / "main.py"), "export", str(recording), "--format", "pdf", "--out",
                    str(folder)], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    (pdf,) = folder.glob("*.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_ends_record_as_a_normal_end_with_its_reason_and_a_goodbye(stop, tmp_path, python, cli_env,
                                                                             monitor):
    start, sims = monitor
    port = start("datex")
    out = tmp_path / "record.irm.sqlite"
    proc = subprocess.Popen([python, str(ROOT / "main.py"), "record", "--port", port, "--protocol", "datex",
                             "--speed", SPEED, "--jsonl", "--out", str(out)],
                            cwd=ROOT, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: has_readings(out), 30, "record records")
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err
    info = session_info(out)
    assert info["end_reason"] == f"program closed ({stop.name})" and info["ended_at"]
    assert told_goodbye(sims[0], "datex")
    if stop is signal.SIGTERM and shutil.which("pdftotext"):
        status = pdf_status(python, cli_env, out, tmp_path)
        assert "Ended normally (program closed (SIGTERM))" in status and "UNEXPECTEDLY" not in status


@pytest.mark.parametrize(("stop", "protocol"), [(signal.SIGTERM, "datex"), (signal.SIGINT, "intellivue"),
                                                (signal.SIGHUP, "datex")], ids=lambda v: getattr(v, "name", v))
def test_a_signal_ends_live_as_a_normal_end_says_goodbye_and_stops_the_sound(stop, protocol, tmp_path, python,
                                                                              cli_env, monitor):
    start, sims = monitor
    port = start(protocol)
    folder = tmp_path / "recordings"
    env = {**cli_env, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),  # the settings stay here
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.Popen([python, str(ROOT / "main.py"), "live", "--port", port, "--protocol", protocol,
                             "--speed", SPEED, "--recordings", str(folder)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any(has_readings(p) for p in folder.glob("*.irm.sqlite")), 60, "live records")
        wait_for(lambda: any("ui.sound.child" in Path(f"/proc/{c}/cmdline").read_text(errors="replace")
                             for c in children(proc.pid) if Path(f"/proc/{c}/cmdline").exists()),
                 30, "the sound process runs")
        sound = [c for c in children(proc.pid) if "ui.sound.child" in Path(f"/proc/{c}/cmdline").read_text()]
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err
    (recording,) = folder.glob("*.irm.sqlite")
    info = session_info(recording)
    assert info["end_reason"] == f"program closed ({stop.name})" and info["ended_at"]
    assert told_goodbye(sims[0], protocol)
    assert sound and all(gone(pid) for pid in sound), "the sound process ended with the program"
    if stop is signal.SIGTERM and shutil.which("pdftotext"):
        status = pdf_status(python, env, recording, tmp_path)
        assert "Ended normally (program closed (SIGTERM))" in status and "UNEXPECTEDLY" not in status


def test_closing_the_window_ends_the_session_with_its_reason_and_the_sound(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings, QTimer

    import ui.app
    from monitor.clock import ScaledClock
    from tests.conftest import build_test_bed
    from tests.test_annunciator import ToldSound
    from ui.sound.annunciator import Annunciator

    path = tmp_path / "closed.irm.sqlite"
    bed = build_test_bed("sim:stable", ScaledClock(speed=10), path)
    told, order = ToldSound(), []
    monkeypatch.setattr(told, "stop", lambda: order.append("sound"))
    stop_bed = bed.stop
    monkeypatch.setattr(bed, "stop", lambda reason: order.append("bed") or stop_bed(reason))
    settings = QSettings(str(tmp_path / "dashboard.ini"), QSettings.Format.IniFormat)
    shown: list = []
    show_bed = ui.app.show_bed
    monkeypatch.setattr(ui.app, "show_bed", lambda b, theme: shown.append(show_bed(b, theme, settings)) or shown[0])

    def close_once_recording() -> None:
        if shown and has_readings(path):
            shown[0].window.close()  # as the nurse closes it
        else:
            QTimer.singleShot(100, close_once_recording)

    QTimer.singleShot(100, close_once_recording)
    assert ui.app.run_live(bed, lambda port, protocol: bed, "dark", list, Annunciator(lambda report: told),
                           lambda request: None) == 0
    info = session_info(path)
    assert info["end_reason"] == "program closed (window closed)" and info["ended_at"]
    assert told.beats > 0
    # the sound and its display watchdog end first: stopping a bed takes a moment the watchdog
    # would report as a frozen display (a DISPLAY_FROZEN in the recording)
    assert order == ["sound", "bed"]
