"""CSV export, and what every export shares: refusing to overwrite, clear errors for a bad
recording, a missing or unwritable folder and a full disk, and never a half-written file."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.export import ExportError, events_path, export
from monitor.export import common as export_common
from monitor.export import csv_export
from monitor.readings import LinkEvent, LinkState, Parameter, Quality
from tests.test_review_reader import (
    ROOT,
    alarm,
    at,
    note,
    phase,
    reading,
    record,
    recorded_by_main,
    sha256,
    simulated_recording,
)

HEADER = "time_utc,elapsed_s,HR,PR,NIBP_SYS,NIBP_DIA,NIBP_MEAN,ART_SYS,ART_DIA,ART_MEAN,SPO2"


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def small(tmp_path) -> Path:
    """Two monitor records a second apart, an invalid SpO2, a duplicate HR in one read, events."""
    return record(tmp_path / "small.irm.sqlite", [
        phase(0, "baseline"),
        reading(Parameter.HR, 72, 0.25), reading(Parameter.NIBP_SYS, 123.45, 0.25),
        reading(Parameter.NIBP_DIA, 80, 0.25), reading(Parameter.NIBP_MEAN, 94.48, 0.25),
        reading(Parameter.SPO2, 98, 0.25),
        reading(Parameter.HR, 73, 1.25), reading(Parameter.SPO2, None, 1.25, Quality.SENSOR_OFF),
        reading(Parameter.ART_SYS, 131, 1.25),
        reading(Parameter.HR, 74, 1.25),  # a second record decoded in the same read
        reading(Parameter.PR, 70, 2.5),
        note(1.5, "Nausea, \"mild\""),
        alarm(2, "SPO2_LOW", "high", "raised", 88, 90, 98, "baseline", "SpO2 88 < 90"),
        LinkEvent(LinkState.SILENT, "No data for 10 s", at(2.2)),
    ])


def test_readings_csv_has_exactly_the_columns_and_one_row_per_timestamp(small, tmp_path):
    out = tmp_path / "out.csv"
    assert export(small, "csv", out) == [out]
    raw = out.read_bytes()
    assert raw.startswith(HEADER.encode() + b"\r\n") and raw.endswith(b"\r\n")  # RFC 4180 lines
    data = rows(out)
    assert [(r["time_utc"], r["elapsed_s"]) for r in data] == [
        ("2026-11-22T08:00:00.250Z", "0.250"),
        ("2026-11-22T08:00:01.250Z", "1.250"),
        ("2026-11-22T08:00:01.250Z", "1.250"),  # the second HR of that read: its own row, nothing merged away
        ("2026-11-22T08:00:02.500Z", "2.500"),
    ]
    first, second, third, fourth = data
    assert (first["HR"], first["NIBP_SYS"], first["NIBP_DIA"], first["NIBP_MEAN"], first["SPO2"]) == (
        "72", "123.45", "80", "94.48", "98")
    assert first["PR"] == first["ART_SYS"] == ""
    assert (second["HR"], second["SPO2"], second["ART_SYS"]) == ("73", "", "131")  # sensor off: empty
    assert third["HR"] == "74" and all(third[c] == "" for c in HEADER.split(",")[3:])
    assert fourth["PR"] == "70" and fourth["HR"] == ""


def test_events_csv_lists_phases_notes_alarms_and_link_changes(small, tmp_path):
    out = tmp_path / "session.csv"
    written = export(small, "csv", out, events=True)
    assert written == [out, tmp_path / "session-events.csv"] == [out, events_path(out)]
    events = rows(written[1])
    assert [e["type"] for e in events] == ["phase", "annotation", "alarm", "link"]
    phase_row, note_row, alarm_row, link_row = events
    assert (phase_row["name"], phase_row["elapsed_s"]) == ("baseline", "0.000")
    assert note_row["text"] == 'Nausea, "mild"' and note_row["name"] == "quick"
    assert (alarm_row["name"], alarm_row["priority"], alarm_row["event"], alarm_row["value"],
            alarm_row["limit"], alarm_row["baseline"], alarm_row["phase"], alarm_row["text"]) == (
        "SPO2_LOW", "high", "raised", "88", "90", "98", "baseline", "SpO2 88 < 90")
    assert (link_row["name"], link_row["text"], link_row["time_utc"]) == (
        "silent", "No data for 10 s", "2026-11-22T08:00:02.200Z")


def test_a_simulated_session_round_trips_every_reading(tmp_path):
    path = simulated_recording(tmp_path / "s.irm.sqlite")
    out = export(path, "csv", tmp_path)[0]
    assert out.name == "s.csv"  # a folder as --out: named after the recording
    db = sqlite3.connect(path)
    stored = db.execute("SELECT host_time, parameter, value FROM readings ORDER BY host_time, id").fetchall()
    data = rows(out)
    assert len(data) == len({t for t, _, _ in stored})  # one record of the monitor per row
    cells = sum(1 for r in data for c in HEADER.split(",")[2:] if r[c] != "")
    assert cells == sum(1 for _, _, v in stored if v is not None)
    hr = [float(r["HR"]) for r in data if r["HR"]]
    assert hr == [v for _, p, v in stored if p == "HR" and v is not None]


def test_a_qa_recording_from_main_record_exports(tmp_path):
    out = export(recorded_by_main(), "csv", tmp_path / "qa.csv", events=True)
    data = rows(out[0])
    assert len(data) > 50 and all(r["HR"] for r in data)
    assert {e["name"] for e in rows(out[1])} >= {"connecting", "receiving"}


# -- what every export shares --------------------------------------------------------------------


def test_an_existing_file_is_never_overwritten(small, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("precious")
    with pytest.raises(ExportError, match="already exists"):
        export(small, "csv", out)
    assert out.read_text() == "precious"
    events = tmp_path / "new.csv"
    events_path(events).write_text("precious too")
    with pytest.raises(ExportError, match="already exists"):
        export(small, "csv", events, events=True)
    assert not events.exists() and events_path(events).read_text() == "precious too"


def test_a_bad_recording_is_an_export_error_naming_it(tmp_path):
    bad = tmp_path / "bad.irm.sqlite"
    bad.write_bytes(b"not a database at all" * 10)
    for fmt in ("csv", "edf", "pdf"):
        with pytest.raises(ExportError, match="bad.irm.sqlite.*not an Infusion Room Monitor recording"):
            export(bad, fmt, tmp_path / f"x.{fmt}")
    with pytest.raises(ExportError, match="no such file"):
        export(tmp_path / "gone.irm.sqlite", "csv", tmp_path / "y.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.irm.sqlite"]


def test_a_missing_output_folder_is_named(small, tmp_path):
    with pytest.raises(ExportError, match=r"folder .*nowhere does not exist"):
        export(small, "csv", tmp_path / "nowhere" / "out.csv")


def test_unknown_format_and_events_with_other_formats_are_refused(small, tmp_path):
    with pytest.raises(ExportError, match="Unknown export format 'xls'"):
        export(small, "xls", tmp_path / "out.xls")
    with pytest.raises(ExportError, match="events file comes with CSV"):
        export(small, "pdf", tmp_path / "out.pdf", events=True)


def test_an_unwritable_folder_is_explained(small, tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export_common.tempfile, "mkstemp", denied)
    with pytest.raises(ExportError, match="Cannot write to .*Permission denied.*folder you can write to"):
        export(small, "csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere; the mocked test above covers it")
def test_a_read_only_folder_is_explained(small, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="Cannot write to"):
            export(small, "csv", folder / "out.csv")
    finally:
        folder.chmod(0o700)


FULL_DISK = """
import resource, signal, sys
sys.path.insert(0, {root!r})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full disk: writes fail with an error, no signal
resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
from ui.report import ExportError, export
try:
    export({path!r}, {fmt!r}, {out!r}, events={events!r})
except ExportError as exc:
    print(exc)
"""


@pytest.mark.parametrize("fmt", ["csv", "edf", "pdf"])
def test_a_full_disk_leaves_nothing_behind(tmp_path, fmt):
    path = simulated_recording(tmp_path / "s.irm.sqlite")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "earlier.csv").write_text("an earlier export")
    before = sha256(folder / "earlier.csv")
    out = folder / f"s.{fmt}"
    script = FULL_DISK.format(root=str(ROOT), path=str(path), fmt=fmt, out=str(out), events=fmt == "csv")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), timeout=120)
    assert "Not enough disk space" in result.stdout and "Nothing was written" in result.stdout, result
    assert sorted(p.name for p in folder.iterdir()) == ["earlier.csv"]  # no partial or temporary file
    assert sha256(folder / "earlier.csv") == before


def test_a_file_system_without_hard_links_still_never_overwrites(small, tmp_path, monkeypatch):
    def no_links(*args):
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(export_common.os, "link", no_links)
    out = tmp_path / "usb.csv"
    assert export(small, "csv", out) == [out]
    assert out.read_text(encoding="utf-8").startswith(HEADER)
    with pytest.raises(ExportError, match="already exists"):
        export(small, "csv", out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_exports_are_readable_by_their_owner_only(small, tmp_path):
    out = export(small, "csv", tmp_path / "o.csv")[0]
    assert out.stat().st_mode & 0o777 == 0o600


def test_export_runs_without_a_display_or_a_qt_application(tmp_path):
    """What `infusion-monitor export` does: a fresh process, no window, no QT_QPA_PLATFORM."""
    path = simulated_recording(tmp_path / "s.irm.sqlite")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from ui.report import export; "
              f"print([p.name for f in ('csv', 'edf', 'pdf') for p in export({str(path)!r}, f, {str(tmp_path)!r})])")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False,
                            cwd=tempfile.gettempdir(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['s.csv', 's.edf', 's.pdf']"


def test_a_clock_set_back_during_the_session_still_gives_rows_in_time_order(tmp_path):
    """The computer's clock stepped back 10 s between two records: the rows follow the times
    the readings carry, and readings of one time keep their arrival order."""
    path = record(tmp_path / "clock.irm.sqlite", [
        reading(Parameter.HR, 70, 20), reading(Parameter.HR, 71, 21),
        reading(Parameter.HR, 60, 11), reading(Parameter.PR, 61, 11),  # after the step back
        reading(Parameter.HR, 72, 21),  # same time as 71, arrived later: its own row after it
    ])
    out = tmp_path / "clock.csv"
    export(path, "csv", out)
    assert [(r["elapsed_s"], r["HR"], r["PR"]) for r in rows(out)] == [
        ("11.000", "60", "61"), ("20.000", "70", ""), ("21.000", "71", ""), ("21.000", "72", "")]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False), min_size=1, max_size=50))
def test_row_times_are_written_as_each_time_alone_would_be(times):
    """The 8-hour export formats its 28,800 row times at once; each must read exactly as the
    single-time formatting (rounding to the microsecond, then cutting to the millisecond)."""
    assert csv_export.time_texts(np.array(times)) == [csv_export.time_text(t) for t in times]


@pytest.mark.parametrize("t", [0.0, 0.0005, 0.9999995, 1.0000005, 1_795_334_400.9995, 1_795_334_400.9999996,
                               1_795_334_400.0000005, 1_795_334_400.1234565])
def test_row_times_at_rounding_edges(t):
    assert csv_export.time_texts(np.array([t])) == [csv_export.time_text(t)]
