"""Opening recordings for review: real files from SessionRecorder and the simulator, every bad
file refused with a sentence naming it, read-only, WAL data after kill -9, and the summary.

The builders at the top (``simulated_items``, ``record``, ``alarm``, ...) are shared with the
other review and export tests.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from devices.simulator.scenario import ScenarioRun, load_scenario
from monitor.clock import ManualClock
from monitor.readings import UNITS, LinkEvent, LinkState, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from monitor.review import (
    ActionRecord,
    AlarmRecord,
    AnnotationRecord,
    PhaseRecord,
    RecordingOpenError,
    open_recording,
)
from monitor.review import opening as opening_module
from monitor.review import reader as reader_module
from monitor.session import InfusionSession

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
LOCAL = timezone(timedelta(hours=1))  # the clinic's offset, as started_at records it


# -- builders shared by the review and export tests --------------------------------------------


class Row:
    """Anything with ``to_record``: how the alarm engine's events reach the recording."""

    def __init__(self, table: str, **columns: object) -> None:
        self.table, self.columns = table, columns

    def to_record(self):
        return self.table, self.columns


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ts(seconds: float) -> float:
    return at(seconds).timestamp()


def alarm(s: float, condition: str, priority: str, event: str, value=None, limit=None, baseline=None,
          phase: str | None = None, detail: str = "") -> Row:
    return Row("alarm_events", host_time=ts(s), condition=condition, priority=priority, event=event,
               value=value, limit_value=limit, baseline=baseline, phase=phase, detail=detail)


def action(s: float, name: str, **detail: object) -> Row:
    return Row("operator_actions", host_time=ts(s), action=name, detail=json.dumps(detail))


def phase(s: float, name: str, by: str = "nurse") -> Row:
    return Row("phase_changes", host_time=ts(s), phase=name, by=by)


def note(s: float, text: str, kind: str = "quick") -> Row:
    return Row("annotations", host_time=ts(s), kind=kind, text=text)


def reading(parameter: Parameter, value: float | None, s: float, quality: Quality = Quality.NONE) -> Reading:
    if value is None and not quality:
        quality = Quality.ABSENT
    return Reading(parameter, value, UNITS[parameter], at(s), "datex", quality)


def metadata(**overrides: str) -> dict[str, str]:
    info = {
        "program": "infusion-monitor", "program_version": "0.1.0",
        "started_at": T0.astimezone(LOCAL).isoformat(), "port": "/dev/ttyUSB0", "protocol": "datex",
        "patient_id": "P-0042", "clock_speed": "1", "alarm_profile": "ketamine-outpatient",
        "planned_infusion_s": "2400",
    }
    info.update(overrides)
    return info


def record(path: Path, items, close: bool = True, **meta: str) -> Path:
    recorder = SessionRecorder(path, metadata(**meta))
    for item in items:
        recorder.add(item)
    recorder.close()
    if not close:  # what a crash leaves: no ended_at (the kill -9 test below does it for real)
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM session_info WHERE key IN ('ended_at', 'end_reason')")
        db.close()
    return path


def snapshot_readings(snapshot, received: datetime) -> list[Reading]:
    """What a Datex monitor reports for one simulator snapshot (values, flags, device time)."""
    out = []

    def add(parameter: Parameter, value: float | None, quality: Quality = Quality.NONE) -> None:
        if parameter in snapshot.invalid:
            value, quality = None, Quality.INVALID
        elif value is None:
            quality |= Quality.ABSENT if not quality else Quality.NONE
        out.append(Reading(parameter, value, UNITS[parameter], received, "datex", quality, snapshot.device_time))

    off = Quality.SENSOR_OFF if snapshot.sensor_off else Quality.NONE
    add(Parameter.HR, snapshot.hr)
    add(Parameter.PR, snapshot.pr, off)
    add(Parameter.SPO2, snapshot.spo2, off)
    nibp = snapshot.nibp
    flags = Quality.NIBP_MEASURING if snapshot.nibp_measuring else Quality.NONE
    if nibp is not None and snapshot.device_time - nibp.measured_at > timedelta(seconds=60):
        flags |= Quality.OLDER_THAN_60S
    for parameter, field in ((Parameter.NIBP_SYS, "sys"), (Parameter.NIBP_DIA, "dia"), (Parameter.NIBP_MEAN, "mean")):
        add(parameter, getattr(nibp, field) if nibp else None, flags)
    if snapshot.art is not None:
        for parameter, value in zip((Parameter.ART_SYS, Parameter.ART_DIA, Parameter.ART_MEAN), snapshot.art):
            add(parameter, value)
    return out


LINK_LOSS = (3600.0, 3660.0)  # no data from the monitor for a minute in the observation


def simulated_items(scenario: str = "ketamine-typical", step_s: float = 5.0, end_s: float | None = None,
                    seed: int = 7) -> tuple[list, InfusionSession]:
    """A whole session from the simulator: readings every ``step_s``, the scenario driving the
    phases, two quick notes and a typed one, an NIBP alarm acknowledged by the nurse, a link loss
    with its technical alarm, a limit change, and the nurse ending the session."""
    run = ScenarioRun(load_scenario(scenario), seed, T0)
    clock = ManualClock(T0)
    items: list = []
    session = InfusionSession(clock, on_event=items.append, by="scenario")
    end = end_s if end_s is not None else 6300.0  # the shared timeline: 60 min of observation
    notes = {900.0: ("Nausea", "quick"), 1500.0: ("Antiemetic given", "quick"),
             2000.0: ("Patient reports feeling 'floaty'; reassured", "free")}
    t = 0.0
    while t <= end:
        clock.advance(t - clock.monotonic())
        session.apply_scenario_events(run.events_between(t, t + step_s))
        if t in notes:
            session.annotate(*notes[t])
        if not LINK_LOSS[0] <= t < LINK_LOSS[1]:
            for r in snapshot_readings(run.snapshot(t), at(t)):
                session.on_reading(r)
                items.append(r)
        t += step_s
    items += [
        action(1200, "limit_changed", parameter="NIBP_SYS", old=160, new=135, by="nurse"),
        alarm(2100, "NIBP_SYS_HIGH", "medium", "raised", 139, 135, 124, "infusion", "NIBP sys 139 > 135"),
        alarm(2130, "NIBP_SYS_HIGH", "medium", "acknowledged", 139, 135, 124, "infusion", "by nurse"),
        alarm(2460, "NIBP_SYS_HIGH", "medium", "cleared", 139, 135, 124, "infusion"),
        LinkEvent(LinkState.SILENT, "No data from the monitor for 10 s.", at(LINK_LOSS[0] + 10)),
        alarm(LINK_LOSS[0] + 10, "LINK_LOST", "high", "raised", phase="recovery", detail="No data for 10 s"),
        alarm(LINK_LOSS[0] + 40, "LINK_LOST", "high", "acknowledged", phase="recovery", detail="by nurse"),
        LinkEvent(LinkState.RECEIVING, "Receiving datex data", at(LINK_LOSS[1])),
        alarm(LINK_LOSS[1], "LINK_LOST", "high", "cleared", phase="recovery"),
    ]
    clock.advance(end - clock.monotonic())
    session.end_session()
    return items, session


def simulated_recording(path: Path, close: bool = True, **meta: str) -> Path:
    items, _ = simulated_items()
    return record(path, items, close=close, **meta)


@functools.cache
def recorded_by_main() -> Path:
    """A recording made the way QA makes one: ``main.py record`` on the simulator (once per run)."""
    folder = Path(tempfile.mkdtemp(prefix="irm-review-"))
    atexit.register(shutil.rmtree, folder, True)
    out = folder / "qa.irm.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "record", "--port", "sim:ketamine-typical", "--protocol",
         "datex", "--speed", "120", "--duration", "600", "--out", str(out)],
        check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, timeout=120,
    )
    return out


CLINIC_TZ = "CET-1CEST,M3.5.0,M10.5.0/3"  # Central Europe with daylight saving, no tzdata needed


@contextlib.contextmanager
def clinic_tz():
    """Reports and the library show the computer's local time: make it a known one (UTC+1 in November)."""
    import time

    before = os.environ.get("TZ")
    os.environ["TZ"] = CLINIC_TZ
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def clinic_time_zone():
    with clinic_tz():
        yield


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def session_file(tmp_path_factory) -> Path:
    return simulated_recording(tmp_path_factory.mktemp("sim") / "20261122-090000-P-0042.irm.sqlite")


# -- a good recording -------------------------------------------------------------------------


def test_a_simulated_session_reads_back_with_its_metadata_series_and_events(session_file):
    items, _ = simulated_items()
    with open_recording(session_file) as rec:
        meta = rec.metadata
        assert (meta.patient_id, meta.protocol, meta.port, meta.program_version) == (
            "P-0042", "datex", "/dev/ttyUSB0", "0.1.0")
        assert meta.started_at == T0 and meta.started_at.utcoffset() == timedelta(hours=1)
        assert meta.ended_at is not None and meta.status == "ok" and not meta.simulated
        assert meta.planned_infusion_s == 2400.0 and meta.alarm_profile == "ketamine-outpatient"
        assert rec.start == T0.timestamp() and rec.end == ts(6300)

        hr = [r for r in items if isinstance(r, Reading) and r.parameter is Parameter.HR]
        times, values = rec.series("HR")
        assert times.dtype == values.dtype == np.float64
        assert times.tolist() == [r.received_at.timestamp() for r in hr]
        assert values.tolist() == [r.value for r in hr]
        assert set(rec.parameters()) == {Parameter.HR, Parameter.PR, Parameter.SPO2, *(
            Parameter.NIBP_SYS, Parameter.NIBP_DIA, Parameter.NIBP_MEAN)}

        events = rec.events()
        assert [e.time for e in events] == sorted(e.time for e in events)
        phases = [(e.phase, e.time - rec.start, e.by) for e in events if isinstance(e, PhaseRecord)]
        assert phases == [("baseline", 0, "scenario"), ("infusion", 300, "scenario"),
                          ("recovery", 2700, "scenario"), ("ended", 6300, "nurse")]
        notes = [e for e in events if isinstance(e, AnnotationRecord)]
        assert [(n.text, n.kind) for n in notes][:2] == [("Nausea", "quick"), ("Antiemetic given", "quick")]
        ack = next(e for e in events if isinstance(e, AlarmRecord) and e.event == "acknowledged")
        assert (ack.condition, ack.parameter, ack.direction, ack.limit) == ("NIBP_SYS_HIGH", "NIBP_SYS", "HIGH", 135)
        assert ack.describe() == "Alarm NIBP_SYS_HIGH (medium) acknowledged, value 139, limit 135, by nurse"
        change = next(e for e in events if isinstance(e, ActionRecord))
        assert change.details == {"parameter": "NIBP_SYS", "old": 160, "new": 135, "by": "nurse"}
        assert {e.category for e in events} == {"phase", "annotation", "alarm", "link", "action"}

        assert [(s.phase, s.duration_s) for s in rec.phases()] == [
            ("baseline", 300), ("infusion", 2400), ("recovery", 3600), ("ended", 0)]
        assert rec.phase_lengths() == {"baseline": 300, "infusion": 2400, "recovery": 3600}


def test_missing_values_are_nan_in_the_series_never_numbers(tmp_path):
    path = record(tmp_path / "s.irm.sqlite", [
        reading(Parameter.SPO2, 97, 0), reading(Parameter.SPO2, None, 1, Quality.SENSOR_OFF),
        reading(Parameter.SPO2, 96.5, 2),
    ])
    with open_recording(path) as rec:
        times, values = rec.series(Parameter.SPO2)
        assert times.tolist() == [ts(0), ts(1), ts(2)]
        assert values[0] == 97 and np.isnan(values[1]) and values[2] == 96.5
        assert rec.samples("SPO2").flags == (frozenset(), frozenset({"SENSOR_OFF"}), frozenset())
        empty_t, empty_v = rec.series(Parameter.ART_SYS)
        assert len(empty_t) == len(empty_v) == 0


def test_series_is_one_indexed_query_per_parameter(session_file):
    """Fast for a 24-hour file because SQLite reads the series from the covering index
    (parameter, host_time, id, value, quality), in time order, without visiting the table."""
    db = sqlite3.connect(session_file)
    plan = " ".join(str(row) for row in db.execute(
        "EXPLAIN QUERY PLAN " + reader_module.SERIES_SQL, ("HR",)))
    assert "COVERING INDEX readings_series" in plan and "TEMP B-TREE" not in plan


def test_readings_of_one_time_keep_their_order_of_arrival(tmp_path):
    """Two records decoded from one read carry the same time: the later one is the newer value,
    whatever the numbers (the index orders by time, then arrival, never by value)."""
    path = record(tmp_path / "ties.irm.sqlite", [
        reading(Parameter.HR, 90, 5), reading(Parameter.HR, 80, 5), reading(Parameter.HR, 85, 4)])
    with open_recording(path) as rec:
        times, values = rec.series(Parameter.HR)
    assert values.tolist() == [85, 90, 80]


def test_recordings_with_the_first_index_are_read_in_the_same_order_without_sorting(session_file, tmp_path):
    """Recordings made before the covering index carry (parameter, host_time): still no sort."""
    older = tmp_path / "older.irm.sqlite"
    shutil.copy(session_file, older)
    db = sqlite3.connect(older)
    db.executescript("DROP INDEX readings_series; "
                     "CREATE INDEX readings_by_parameter_time ON readings (parameter, host_time);")
    plan = " ".join(str(row) for row in db.execute("EXPLAIN QUERY PLAN " + reader_module.SERIES_SQL, ("HR",)))
    db.close()
    assert "readings_by_parameter_time" in plan and "TEMP B-TREE" not in plan
    with open_recording(older) as old, open_recording(session_file) as new:
        for parameter in Parameter:
            before, now = old.samples(parameter), new.samples(parameter)
            assert np.array_equal(before.times, now.times) and before.flags == now.flags
            assert np.array_equal(before.values, now.values, equal_nan=True)


def test_the_summary_reproduces_the_baseline_the_dashboard_froze(session_file):
    _, session = simulated_items()
    live_baseline = session.baseline()  # frozen at infusion start, as the tiles showed it
    with open_recording(session_file) as rec:
        summary = rec.summary()
    assert summary.baseline_frozen_at == ts(300) and summary.recovery_start == ts(2700)
    assert {p.parameter: p.baseline for p in summary.parameters if p.baseline is not None} == live_baseline
    sys_ = summary.get("NIBP_SYS")
    assert sys_.peak is not None and sys_.peak > sys_.baseline  # the ketamine rise
    assert ts(300) <= sys_.peak_time <= ts(6300)
    assert summary.alarm_counts == {"high": 1, "medium": 1, "low": 0}
    assert summary.end_of_observation == ts(6300)
    hr = summary.get("HR")
    assert hr.end_value is not None and hr.end_time == ts(6300)
    assert hr.return_min is not None and 0 <= hr.return_min <= 60
    [limit] = summary.limits
    assert (limit.condition, limit.limit, limit.direction) == ("NIBP_SYS_HIGH", 135, "HIGH")
    assert limit.seconds > 0


# -- summary rules on exact data -----------------------------------------------------------------


def _exact_session(tmp_path: Path) -> Path:
    items = [phase(0, "baseline"), phase(600, "infusion"), phase(1200, "recovery"), phase(2400, "ended")]
    for s in range(0, 2401, 5):
        if 1300 <= s < 1400:
            continue  # the monitor was silent: nothing may be held across this
        if s < 600:
            value = 70 if s >= 300 else 90  # only the last 5 min of baseline count: 70
        elif s < 1200:
            value = 100 if 900 <= s < 930 else 80
        else:
            value = 85 if s < 1500 else 72  # back within 10 % of 70 (77) from 1500 s
        items.append(reading(Parameter.HR, value, s))
    items.append(reading(Parameter.HR, 150, 1000, Quality.INTERFERENCE))  # an artefact: never a peak
    for s, (sys_, flags) in {0: (130, Quality.NONE), 180: (120, Quality.NONE), 360: (122, Quality.NONE),
                             540: (124, Quality.NONE), 1200: (150, Quality.NONE),
                             1800: (131, Quality.NONE), 2100: (128, Quality.NONE)}.items():
        items.append(reading(Parameter.NIBP_SYS, sys_, s, flags))
        items.append(reading(Parameter.NIBP_SYS, sys_, s + 5, Quality.OLDER_THAN_60S))  # repeats
    items += [
        alarm(900, "HR_HIGH", "medium", "raised", 100, 95, 70, "infusion"),
        alarm(930, "HR_HIGH", "medium", "cleared", 100, 95, 70, "infusion"),
        alarm(1200, "NIBP_SYS_HIGH", "high", "raised", 150, 140, 122, "recovery"),
        alarm(1300, "LINK_LOST", "high", "raised", phase="recovery"),
        alarm(1350, "ALARM_SYSTEM", "low", "audio_paused", detail="2 min"),
    ]
    return record(tmp_path / "exact.irm.sqlite", items)


def test_summary_rules_on_exact_numbers(tmp_path):
    with open_recording(_exact_session(tmp_path)) as rec:
        summary = rec.summary()
    hr = summary.get(Parameter.HR)
    assert hr.baseline == 70  # median of the last 5 min of baseline, not the first 90s
    assert (hr.peak, hr.peak_time) == (100, ts(900))  # the 150 with INTERFERENCE is ignored
    assert (hr.lowest, hr.lowest_time) == (72, ts(1500))
    assert (hr.end_value, hr.end_time) == (72, ts(2400))
    assert hr.return_min == 5.0  # 1500 s is 5 min after the stop at 1200 s
    nibp = summary.get(Parameter.NIBP_SYS)
    assert nibp.baseline == 122  # median of the last 3 cuff results of the baseline: 120, 122, 124
    assert (nibp.peak, nibp.peak_time) == (150, ts(1200))
    assert nibp.return_min == 10.0  # 131 at 1800 s is within 10 % of 122 (134.2), and 128 after it
    assert (nibp.end_value, nibp.end_time) == (128, ts(2100))  # held: measured 5 min before the end
    [hr_high, sys_high] = summary.limits
    assert (hr_high.condition, hr_high.seconds) == ("HR_HIGH", 30.0)  # 900..930 s, readings every 5 s
    # 150 measured at 1200 s, held until the next cuff result at 1800 s: 20 min limit not reached
    assert (sys_high.condition, sys_high.seconds) == ("NIBP_SYS_HIGH", 600.0)
    assert summary.alarm_counts == {"high": 2, "medium": 1, "low": 0}


def test_a_stale_value_is_not_the_end_of_observation_value(tmp_path):
    path = record(tmp_path / "s.irm.sqlite", [
        phase(0, "baseline"), reading(Parameter.HR, 70, 0), reading(Parameter.HR, 71, 100), phase(200, "ended"),
    ])
    with open_recording(path) as rec:
        hr = rec.summary().get("HR")
    assert hr.end_value is None and hr.baseline == 70.5  # ended from baseline: frozen at the end


def test_a_recording_without_phases_has_no_baseline_but_still_a_summary(tmp_path):
    path = record(tmp_path / "s.irm.sqlite", [reading(Parameter.HR, 70 + i % 3, i) for i in range(60)])
    with open_recording(path) as rec:
        summary = rec.summary()
    hr = summary.get("HR")
    assert hr.baseline is None and hr.return_min is None and hr.peak == 72 and hr.end_value is not None


# -- bad files: refused with a sentence that names the file and says what to do ----------------


def _refused(path: Path, *phrases: str) -> RecordingOpenError:
    with pytest.raises(RecordingOpenError) as info:
        open_recording(path)
    message = str(info.value)
    assert str(path) in message, message
    for phrase in phrases:
        assert phrase in message, message
    return info.value


def test_missing_file_and_folder_are_refused(tmp_path):
    _refused(tmp_path / "nope.irm.sqlite", "no such file", "library")
    folder = tmp_path / "x.irm.sqlite"
    folder.mkdir()
    _refused(folder, "folder, not a recording")


def test_unreadable_file_is_refused(tmp_path, monkeypatch, session_file):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(opening_module, "open", denied, raising=False)
    error = _refused(session_file, "permission to read", "user who recorded it")
    assert error.reason == "cannot be read"


def test_empty_and_random_files_are_refused(tmp_path):
    empty = tmp_path / "empty.irm.sqlite"
    empty.touch()
    _refused(empty, "empty")
    noise = tmp_path / "noise.irm.sqlite"
    noise.write_bytes(np.random.default_rng(1).bytes(8192))
    assert _refused(noise, "not an Infusion Room Monitor recording").reason == "not a recording"
    text = tmp_path / "notes.irm.sqlite"
    text.write_text("Patient was fine.\n" * 50)
    _refused(text, "not an SQLite database")


def test_truncated_recordings_are_refused_as_damaged(tmp_path, session_file):
    for size in (10, 50_000, session_file.stat().st_size // 2, session_file.stat().st_size - 1000):
        cut = tmp_path / f"cut-{size}.irm.sqlite"
        shutil.copy(session_file, cut)
        os.truncate(cut, size)
        error = _refused(cut, "Copy it again")
        assert error.reason.startswith("damaged")


def test_a_damaged_page_is_found_when_opening_for_review(tmp_path, session_file):
    broken = tmp_path / "broken.irm.sqlite"
    shutil.copy(session_file, broken)
    size = broken.stat().st_size
    with open(broken, "r+b") as handle:
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xff" * 4096)
    assert _refused(broken, "damaged").reason == "damaged"


def test_other_programs_sqlite_files_are_refused(tmp_path):
    foreign = tmp_path / "foreign.irm.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE patients (id INTEGER, name TEXT)")
    db.close()
    _refused(foreign, "made by another program")
    other_id = tmp_path / "other.irm.sqlite"
    with sqlite3.connect(other_id) as db:
        db.execute("PRAGMA application_id = 1234")
        db.execute("CREATE TABLE readings (id INTEGER)")
    db.close()
    _refused(other_id, "made by another program")


def test_a_newer_format_version_asks_for_an_update(tmp_path, session_file):
    newer = tmp_path / "newer.irm.sqlite"
    shutil.copy(session_file, newer)
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 2")
    db.close()
    error = _refused(newer, "made by a newer version of the program", "Update")
    assert error.reason == "newer format"


def test_a_recording_missing_a_table_is_damaged(tmp_path, session_file):
    partial = tmp_path / "partial.irm.sqlite"
    shutil.copy(session_file, partial)
    with sqlite3.connect(partial) as db:
        db.execute("DROP TABLE alarm_events")
    db.close()
    _refused(partial, "alarm_events table is missing")


# -- read-only, and what a crash leaves ----------------------------------------------------------


def test_review_never_changes_the_recording(session_file):
    before = sha256(session_file)
    with open_recording(session_file) as rec:
        rec.series("HR")
        rec.summary()
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            rec._conn.execute("DELETE FROM readings")
    assert sha256(session_file) == before


KILLED_WRITER = """
import sys, threading
sys.path.insert(0, {root!r})
from pathlib import Path
from tests.test_review_reader import phase, reading, note
from monitor.readings import Parameter
from monitor.recording import SessionRecorder
from tests.test_review_reader import metadata
rec = SessionRecorder(Path({path!r}), metadata())
rec._conn.execute("PRAGMA wal_autocheckpoint=0")  # keep every commit in the WAL, as between checkpoints
items = [phase(0, "baseline"), phase(60, "infusion"), note(90, "Nausea")]
items += [reading(Parameter.HR, 60 + i % 30, i) for i in range({n})]
for item in items:
    rec.add(item)
pause = threading.Event()
while rec.written < len(items):
    pause.wait(0.01)
print("written", flush=True)
pause.wait(120)
"""


def test_after_kill_9_the_recording_opens_with_everything_committed_to_the_wal(tmp_path):
    path = tmp_path / "killed.irm.sqlite"
    script = KILLED_WRITER.format(root=str(ROOT), path=str(path), n=600)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        proc.kill()  # SIGKILL: nothing is closed, nothing checkpointed
        proc.wait()
    wal = Path(f"{path}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    # The file alone does not even say it is a recording yet: all of it is in the WAL.
    assert path.read_bytes()[68:72] != (0x49524D31).to_bytes(4, "big")
    before, wal_before = sha256(path), sha256(wal)
    with open_recording(path) as rec:
        assert rec.metadata.ended_unexpectedly and rec.metadata.status == "ended unexpectedly"
        times, values = rec.series("HR")
        assert len(times) == 600 and values[-1] == 60 + 599 % 30
        assert [e.phase for e in rec.phases()] == ["baseline", "infusion"]
        assert rec.phases()[-1].end == ts(599)  # the infusion lasts until the data ends
        assert rec.summary().end_of_observation == ts(599)
    assert sha256(path) == before and sha256(wal) == wal_before  # nothing checkpointed by review
    copy_without_wal = tmp_path / "copied.irm.sqlite"
    shutil.copy(path, copy_without_wal)
    _refused(copy_without_wal, "copy its -wal file")


def test_reviewing_a_closed_recording_creates_nothing_beside_it(tmp_path, session_file):
    """No -wal or -shm appears: the folder is exactly as before (and read-only media work)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    copy = folder / session_file.name
    shutil.copy(session_file, copy)
    before = sorted(os.listdir(folder))
    with open_recording(copy) as rec:
        rec.series("HR")
        assert sorted(os.listdir(folder)) == before == [copy.name]
    assert sha256(copy) == sha256(session_file)


def test_a_killed_recording_on_a_folder_sqlite_cannot_use_is_explained(tmp_path, monkeypatch):
    path = tmp_path / "k.irm.sqlite"
    record(path, [reading(Parameter.HR, 70, 0)])
    Path(f"{path}-wal").write_bytes(b"")  # as a killed writer leaves it

    def cannot(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(opening_module.sqlite3, "connect", cannot)
    error = _refused(path, "-wal", "folder you can write to")
    assert error.reason == "cannot be read"


def test_a_qa_recording_made_by_main_record_reads_back():
    path = recorded_by_main()
    with open_recording(path) as rec:
        assert rec.metadata.simulated and rec.metadata.clock_speed == 120
        assert rec.metadata.port == "sim:ketamine-typical" and rec.metadata.protocol == "datex"
        assert rec.metadata.status == "ok"
        times, values = rec.series("HR")
        assert len(times) > 50 and np.nanmin(values) > 40
        assert (np.diff(times) >= 0).all()
        phases = [span.phase for span in rec.phases()]
        assert phases[:1] in ([], ["baseline"])  # whether headless record drives the session or not
        hr = rec.summary().get("HR")
        assert (hr.baseline is not None) == ("baseline" in phases)
        assert hr.peak is not None and hr.end_value is not None
