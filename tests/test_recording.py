"""Session recordings: real SQLite files, readable with plain sqlite3, owner-only, never overwritten."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone

import pytest

from monitor.readings import UNITS, DeviceStatus, LinkEvent, LinkState, Parameter, Quality, Reading
from monitor.recording import FORMAT_VERSION, RecordingError, SessionRecorder

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def hr(value: float | None, at_s: float, quality: Quality = Quality.NONE) -> Reading:
    return Reading(Parameter.HR, value, UNITS[Parameter.HR], T0 + timedelta(seconds=at_s), "datex", quality)


def test_every_reading_and_event_lands_in_a_plain_sqlite_file(tmp_path):
    path = tmp_path / "session.irm.sqlite"
    recorder = SessionRecorder(path, {"protocol": "datex", "patient_id": "P-17"})
    for i in range(100):
        recorder.add(hr(60 + i % 20, i))
    recorder.add(hr(None, 100, Quality.INVALID))
    recorder.add(LinkEvent(LinkState.RECEIVING, "Receiving datex data", T0, "/dev/ttyUSB0", "datex"))
    recorder.add((T0, DeviceStatus(("sensor off",), None)))
    recorder.close()

    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    info = dict(db.execute("SELECT key, value FROM session_info"))
    assert info["patient_id"] == "P-17" and info["end_reason"] == "ended normally"
    values = [row[0] for row in db.execute("SELECT value FROM readings WHERE parameter='HR' ORDER BY id")]
    assert values[:3] == [60, 61, 62] and len(values) == 101
    assert values[-1] is None  # an invalid value is stored as NULL, never as a number
    flags = db.execute("SELECT quality FROM readings ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert flags == "INVALID"
    assert db.execute("SELECT state FROM link_events").fetchone()[0] == "receiving"
    assert db.execute("SELECT conditions FROM device_status").fetchone()[0] == '["sensor off"]'


def test_recording_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "private" / "s.irm.sqlite"
    SessionRecorder(path, {}).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_existing_recording_is_never_overwritten(tmp_path):
    path = tmp_path / "s.irm.sqlite"
    path.write_bytes(b"precious")
    with pytest.raises(RecordingError, match="already exists"):
        SessionRecorder(path, {})
    assert path.read_bytes() == b"precious"


def test_killed_recorder_leaves_an_openable_file_missing_at_most_the_last_second(tmp_path):
    path = tmp_path / "crash.irm.sqlite"
    script = textwrap.dedent(
        f"""
        import os, sys, time
        sys.path.insert(0, {str(os.getcwd())!r})
        from tests.test_recording import hr
        from monitor.recording import SessionRecorder
        rec = SessionRecorder(__import__('pathlib').Path({str(path)!r}), {{}})
        for i in range(200):
            rec.add(hr(70, i))
        while rec.written < 200:
            time.sleep(0.01)
        print('written', flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        proc.kill()  # SIGKILL: no chance to close anything
        proc.wait()
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 200
    assert "ended_at" not in dict(db.execute("SELECT key, value FROM session_info"))


def test_failing_disk_is_reported_and_nothing_is_lost_when_it_recovers(tmp_path):
    path = tmp_path / "s.irm.sqlite"
    failures: list[str] = []
    recovered: list[bool] = []
    recorder = SessionRecorder(path, {}, failures.append, lambda: recovered.append(True))
    recorder._conn.execute("PRAGMA query_only=1")  # every write now fails, like a read-only disk
    for i in range(10):
        recorder.add(hr(80, i))
    _wait_for(lambda: failures)
    assert "Monitoring continues" in failures[0]
    recorder._conn.execute("PRAGMA query_only=0")
    _wait_for(lambda: recovered)
    recorder.close()
    count = sqlite3.connect(path).execute("SELECT count(*) FROM readings").fetchone()[0]
    assert count == 10


def _wait_for(condition, timeout: float = 10.0) -> None:
    import threading

    deadline = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        deadline.wait(0.02)
    raise AssertionError("condition not met in time")


def test_domain_events_are_stored_through_their_to_record_hook(tmp_path):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class PhaseChange:
        phase: str
        at: datetime

        def to_record(self):
            return "phase_changes", {"host_time": self.at.timestamp(), "phase": self.phase, "by": "nurse"}

    path = tmp_path / "s.irm.sqlite"
    recorder = SessionRecorder(path, {})
    recorder.add(PhaseChange("infusion", T0))
    recorder.close()
    row = sqlite3.connect(path).execute("SELECT host_time, phase, by FROM phase_changes").fetchone()
    assert row == (T0.timestamp(), "infusion", "nurse")


def test_the_writer_keeps_a_small_page_cache_also_after_restoring_a_deleted_file(tmp_path, monkeypatch):
    """The writer only appends: its SQLite page cache is bounded (monitor.recording.WRITER_CACHE_KIB),
    not SQLite's 2 MiB default, on the first connection and on the one a restore opens."""
    import monitor.recording as recording

    bounded: list[int] = []
    original = recording._bound_cache

    def spy(conn: sqlite3.Connection) -> None:
        original(conn)
        bounded.append(conn.execute("PRAGMA cache_size").fetchone()[0])

    monkeypatch.setattr(recording, "_bound_cache", spy)
    path = tmp_path / "s.irm.sqlite"
    recorder = SessionRecorder(path, {})
    for i in range(50):
        recorder.add(hr(70, i))
    path.unlink()  # deleted while recording: close() notices and restores it from the open connection
    recorder.close()

    assert bounded == [-recording.WRITER_CACHE_KIB, -recording.WRITER_CACHE_KIB]
    assert recording.WRITER_CACHE_KIB < 2000  # smaller than SQLite's default (2000 KiB)
    count = sqlite3.connect(path).execute("SELECT count(*) FROM readings").fetchone()[0]
    assert count == 50
