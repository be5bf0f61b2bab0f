"""EDF+ export, read back with an independent reader (pyedflib, on the EDFlib C library; the
export writes with edfio): labels, units, header, values exact to 0.01, sample-and-hold within
the staleness limits, gaps as the digital minimum plus a "gap" annotation, and the events."""

from __future__ import annotations

import math
import sqlite3
from datetime import datetime
from pathlib import Path

import numpy as np
import pyedflib
import pytest

from monitor.export import export
from monitor.readings import Parameter, Quality
from tests.test_review_reader import (  # noqa: F401  (clinic_time_zone is a fixture)
    alarm,
    clinic_time_zone,
    clinic_tz,
    note,
    phase,
    reading,
    record,
    recorded_by_main,
    simulated_recording,
    ts,
)

pytestmark = pytest.mark.usefixtures("clinic_time_zone")
GAP = -32768
END_S = 1500


def _items():
    items = [phase(0, "baseline"), note(30, "Nausea"), phase(60, "infusion"),
             alarm(45, "HR_HIGH", "medium", "raised", 81, 80, 70, "baseline", "HR 81 > 80"),
             phase(1400, "recovery"), phase(END_S, "ended")]
    items += [reading(Parameter.HR, 70 + s / 5, s) for s in range(0, 56, 5)]  # then silent 56..99
    items += [reading(Parameter.HR, 91.25, s) for s in range(100, 176, 5)]  # then nothing
    items += [reading(Parameter.SPO2, 97.5, 0), reading(Parameter.SPO2, None, 10, Quality.SENSOR_OFF)]
    items += [reading(Parameter.SPO2, 98, s) for s in range(20, 171, 10)]
    # NIBP: 123.45 measured at 2 s, repeated by the monitor long after; held 20 min from 2 s only
    items.append(reading(Parameter.NIBP_SYS, 123.45, 2))
    items += [reading(Parameter.NIBP_SYS, 123.45, s, Quality.OLDER_THAN_60S) for s in range(7, END_S, 5)]
    # a diastolic left on the monitor from before (already "older than 60 s"): never held;
    # the cuff inflates at 100 s and measures 82 at 125 s
    items += [reading(Parameter.NIBP_DIA, 70, s, Quality.OLDER_THAN_60S) for s in range(0, 100, 5)]
    items += [reading(Parameter.NIBP_DIA, 70, s, Quality.NIBP_MEASURING) for s in range(100, 125, 5)]
    items += [reading(Parameter.NIBP_DIA, 82, 125), reading(Parameter.NIBP_DIA, 82, 130, Quality.NONE)]
    items += [reading(Parameter.ART_SYS, 131.3, 200), reading(Parameter.ART_SYS, 400, 205)]  # beyond 327.67
    items += [reading(Parameter.PR, None, s) for s in range(0, 100, 5)]  # never a number: no signal
    return items


@pytest.fixture(scope="module")
def edf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edf")
    path = record(folder / "exact.irm.sqlite", _items())
    with clinic_tz():
        [out] = export(path, "edf", folder / "exact.edf")
    reader = pyedflib.EdfReader(str(out))
    yield reader
    reader.close()


def _signal(reader, label: str, digital: bool = False) -> np.ndarray:
    return reader.readSignal(reader.getSignalLabels().index(label), digital=digital)


def _held(readings: list[tuple[float, float | None]], limit_s: float, samples: int) -> np.ndarray:
    """Independent expectation: the last reading at or before each second, if fresh enough."""
    expected = np.full(samples, np.nan)
    for k in range(samples):
        before = [(t, v) for t, v in readings if t <= k]
        if before and before[-1][1] is not None and k - before[-1][0] <= limit_s:
            expected[k] = before[-1][1]
    return expected


def test_one_signal_per_recorded_parameter_with_label_unit_and_header(edf):
    assert edf.filetype == pyedflib.FILETYPE_EDFPLUS
    labels = edf.getSignalLabels()
    assert labels == ["HR", "NIBP_SYS", "NIBP_DIA", "ART_SYS", "SPO2"]  # PR never had a value
    assert [edf.getPhysicalDimension(i) for i in range(len(labels))] == ["/min", "mmHg", "mmHg", "mmHg", "%"]
    assert all(edf.getSampleFrequency(i) == 1 for i in range(len(labels)))
    assert edf.getTransducer(0) == "ECG" and edf.getTransducer(1) == "NIBP cuff"
    assert "sample-and-hold" in edf.getPrefilter(0) and "gap=-32768" in edf.getPrefilter(0)
    assert edf.getStartdatetime() == datetime(2026, 11, 22, 9, 0, 0)  # local time (UTC+1)
    assert edf.getPatientCode() == "P-0042"
    assert edf.getEquipment() == "datex"
    assert edf.getRecordingAdditional().split() == ["infusion-monitor_0.1.0", "UTC+01:00", "/dev/ttyUSB0"]
    assert edf.getFileDuration() == 1560  # 1501 s of session in whole 60 s data records
    hr = labels.index("HR")
    assert (edf.getPhysicalMinimum(hr), edf.getPhysicalMaximum(hr)) == (-327.68, 327.67)
    assert (edf.getDigitalMinimum(hr), edf.getDigitalMaximum(hr)) == (GAP, 32767)


def test_values_are_exact_and_held_only_within_the_staleness_limit(edf):
    hr = _signal(edf, "HR")
    readings = [(s, 70 + s / 5) for s in range(0, 56, 5)] + [(s, 91.25) for s in range(100, 176, 5)]
    expected = _held(readings, 15, 1560)
    np.testing.assert_array_equal(np.isnan(expected), _signal(edf, "HR", digital=True) == GAP)
    finite = ~np.isnan(expected)
    np.testing.assert_allclose(hr[finite], expected[finite], rtol=0, atol=1e-9)
    assert hr[70] == 81 and hr[71] == -327.68 and hr[100] == 91.25 and hr[190] == 91.25 and hr[191] < 0
    spo2 = _signal(edf, "SPO2")
    assert spo2[9] == 97.5 and spo2[10] < 0 and spo2[19] < 0 and spo2[20] == 98  # sensor off: a gap


def test_nibp_is_held_from_its_measurement_not_from_the_monitor_repeating_it(edf):
    sys_ = _signal(edf, "NIBP_SYS")
    assert sys_[1] < 0 and sys_[2] == pytest.approx(123.45, abs=1e-9)
    assert sys_[2 + 1200] == pytest.approx(123.45, abs=1e-9) and sys_[2 + 1201] < 0  # 20 min, then a gap
    dia = _signal(edf, "NIBP_DIA", digital=True)
    assert (dia[:125] == GAP).all()  # a result from before the session is never shown as measured
    assert (dia[125:125 + 1201] == 8200).all() and dia[125 + 1201] == GAP


def test_values_beyond_the_16_bit_range_use_a_coarser_but_exact_resolution(edf):
    i = edf.getSignalLabels().index("ART_SYS")
    assert (edf.getPhysicalMinimum(i), edf.getPhysicalMaximum(i)) == (-3276.8, 3276.7)
    art = _signal(edf, "ART_SYS")
    assert art[200] == pytest.approx(131.3, abs=1e-9) and art[205] == pytest.approx(400, abs=1e-9)
    assert art[220] == pytest.approx(400, abs=1e-9) and art[221] == -3276.8


def test_every_gap_is_the_digital_minimum_and_has_a_gap_annotation(edf):
    onsets, durations, texts = edf.readAnnotations()
    gaps = {(t, round(o), round(d)) for o, d, t in zip(onsets, durations, texts) if t.startswith("gap ")}
    for label in edf.getSignalLabels():
        digital = _signal(edf, label, digital=True)
        missing = np.concatenate(([0], (digital == GAP).astype(int), [0]))
        starts = np.flatnonzero(np.diff(missing) == 1)
        stops = np.flatnonzero(np.diff(missing) == -1)
        runs = {(f"gap {label}", int(a), int(b - a)) for a, b in zip(starts, stops)}
        assert runs == {g for g in gaps if g[0] == f"gap {label}"}, label
        assert (_signal(edf, label)[digital == GAP] < 0).all()  # physically impossible for every parameter
    assert ("gap HR", 71, 29) in gaps and ("gap NIBP_DIA", 0, 125) in gaps


def test_phases_notes_and_alarms_are_annotations_at_their_time(edf):
    onsets, _, texts = edf.readAnnotations()
    events = [(round(o, 3), t) for o, t in zip(onsets, texts) if not t.startswith("gap ")]
    assert events == [
        (0.0, "Baseline period started (by nurse)"),
        (30.0, "Note: Nausea"),
        (45.0, "Alarm HR_HIGH (medium) raised, value 81, limit 80, HR 81 > 80"),
        (60.0, "Infusion started (by nurse)"),
        (1400.0, "Infusion stopped; observation started (by nurse)"),
        (1500.0, "Session ended (by nurse)"),
    ]


def test_a_simulated_session_matches_the_recorded_rows(tmp_path):
    path = simulated_recording(tmp_path / "s.irm.sqlite")
    [out] = export(path, "edf", tmp_path / "s.edf")
    reader = pyedflib.EdfReader(str(out))
    try:
        labels = reader.getSignalLabels()
        texts = list(reader.readAnnotations()[2])
        hr = _signal(reader, "HR")
    finally:
        reader.close()
    assert labels == ["HR", "PR", "NIBP_SYS", "NIBP_DIA", "NIBP_MEAN", "SPO2"]
    db = sqlite3.connect(path)
    t0 = ts(0)
    for k in (0, 1, 299, 1800, 3599, 3611, 3659, 3660, 6300):
        row = db.execute("SELECT host_time, value FROM readings WHERE parameter='HR' AND host_time <= ?"
                         " ORDER BY host_time DESC LIMIT 1", (t0 + k,)).fetchone()
        fresh = row[1] is not None and t0 + k - row[0] <= 15
        assert (hr[k] == row[1]) if fresh else (hr[k] < 0), k
    assert hr[3611] < 0 and hr[3660] > 0  # the link loss is a gap
    assert "Note: Nausea" in texts and "Infusion started (by scenario)" in texts
    assert any(t.startswith("Alarm LINK_LOST (high) raised") for t in texts)
    assert any(t.startswith("Link silent") for t in texts)


def test_a_qa_recording_from_main_record_exports_to_edf(tmp_path):
    [out] = export(recorded_by_main(), "edf", tmp_path / "qa.edf")
    reader = pyedflib.EdfReader(str(out))
    try:
        assert "HR" in reader.getSignalLabels() and reader.getRecordingAdditional().startswith("SIMULATED")
        hr = _signal(reader, "HR")
        assert ((hr > 40) & (hr < 200)).sum() > 500
    finally:
        reader.close()


def test_a_recording_without_readings_cannot_be_an_edf(tmp_path):
    from monitor.export import ExportError

    path = record(tmp_path / "empty.irm.sqlite", [phase(0, "baseline")])
    with pytest.raises(ExportError, match="no readings"):
        export(path, "edf", tmp_path / "e.edf")
    assert not Path(tmp_path / "e.edf").exists()


@pytest.mark.parametrize("note_length", [3, 10, 25, 33])
def test_an_eight_hour_session_exports_whatever_its_annotations_weigh(tmp_path, note_length):
    """edfio's own check of the annotation signal's duration (samples / (n / 60), to 12 decimals)
    refused many 8-hour sessions, depending on how many bytes of annotations the busiest minute
    held; the export must not depend on that."""
    end = 8 * 3600
    items = [phase(0, "baseline"), note(600, "n" * note_length), phase(end, "ended")]
    items += [reading(Parameter.HR, 72, s) for s in (0, end - 10)]
    path = record(tmp_path / "long.irm.sqlite", items)
    with clinic_tz():
        [out] = export(path, "edf", tmp_path / "long.edf")
    reader = pyedflib.EdfReader(str(out))
    try:
        assert reader.datarecords_in_file == math.ceil((end + 1) / 60)
        assert f"Note: {'n' * note_length}" in reader.readAnnotations()[2]
    finally:
        reader.close()
