"""A patient's treatment series from real recordings: two sessions of S-1 and one of S-2 written by
SessionRecorder (plus S-1's recording from before the treatment record), every number worked out
by hand from what the test writes; and the series CSV read back with the csv module."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.alarms.model import AlarmCondition, AlarmEvent, EventType, Priority
from monitor.export.common import ExportError
from monitor.export.series_csv import SERIES_COLUMNS, export_series_csv
from monitor.readings import UNITS, Parameter, Quality, Reading
from monitor.recording import SessionRecorder
from monitor.review.series import chart_lines, patient_series, patients
from monitor.session import Phase, PhaseChange
from monitor.treatment.checks import scored_check
from monitor.treatment.dose import DoseInputs, PlanConfirmed, compute_plan
from monitor.treatment.infusion import RateChange
from monitor.treatment.scales import MOAAS, NURSE_RATING
from monitor.treatment.signoff import READY, CriterionChange, SignOff

PRE_TREATMENT = Path(__file__).parent / "data" / "pre-treatment-S-1.irm.sqlite"
HR, SYS, DIA = Parameter.HR, Parameter.NIBP_SYS, Parameter.NIBP_DIA
BASELINE_S, INFUSION_S = 600, 2400  # 10 min baseline, 40 min infusion


@dataclass
class Session:
    patient: str
    start: datetime
    weight: float
    baseline_hr: float
    baseline_cuffs: list[tuple[float, float]]  # three, at 60, 300 and 540 s
    peak: tuple[float, float, float]  # sys, dia, HR during the infusion (at 30 min)
    sedation: list[int]  # MOAA/S during the infusion, then 5 in recovery
    dissociation: list[int]
    ready_min: float  # after the infusion stop
    sign_off_min: float
    end_min: float
    rate_change: float | None = None  # mL/h from 20 min into the infusion
    alarm_escalates: bool | None = None  # None: no alarm

    def at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def stop_plus(self, minutes: float) -> datetime:
        return self.at(BASELINE_S + INFUSION_S + minutes * 60)


def reading(parameter: Parameter, value: float | None, when: datetime, quality: Quality = Quality.NONE) -> Reading:
    return Reading(parameter, value, UNITS[parameter], when, "datex", quality)


def cuff(when: datetime, systolic: float, diastolic: float) -> list[Reading]:
    items = [reading(p, None, when - timedelta(seconds=30), Quality.NIBP_MEASURING | Quality.ABSENT)
             for p in (SYS, DIA)]
    return items + [reading(SYS, systolic, when), reading(DIA, diastolic, when)]


def write(folder: Path, s: Session) -> Path:
    path = folder / f"{s.start:%Y%m%d-%H%M%S}-{s.patient}.irm.sqlite"
    items: list = [PhaseChange(Phase.BASELINE, s.at(0)), PhaseChange(Phase.INFUSION, s.at(BASELINE_S)),
                   PhaseChange(Phase.RECOVERY, s.at(BASELINE_S + INFUSION_S)),
                   PhaseChange(Phase.ENDED, s.stop_plus(s.end_min))]
    plan = compute_plan(DoseInputs(s.weight, 0.5, 40, 10, 100))
    items.append(PlanConfirmed(s.at(500), plan, "AB", "ketamine-iv"))
    if s.rate_change is not None:
        items.append(RateChange(s.at(BASELINE_S + 1200), s.rate_change, "AB", "nausea"))
    end = BASELINE_S + INFUSION_S + int(s.end_min * 60)
    peak_s = BASELINE_S + 1800
    for t in range(0, end, 5):
        hr = s.baseline_hr if t < BASELINE_S else s.peak[2] if t == peak_s else s.baseline_hr + 5
        items.append(reading(HR, hr, s.at(t)))
    for t, (systolic, diastolic) in zip((60, 300, 540), s.baseline_cuffs, strict=True):
        items += cuff(s.at(t), systolic, diastolic)
    items += cuff(s.at(peak_s), s.peak[0], s.peak[1])
    for t in range(BASELINE_S + 2700, end, 600):  # recovery: back to the first baseline cuff
        items += cuff(s.at(t), *s.baseline_cuffs[0])
    for i, (sedation, dissociation) in enumerate(zip(s.sedation, s.dissociation, strict=True)):
        when = s.at(BASELINE_S + 900 * (i + 1))
        items += [scored_check(when, MOAAS, "AB", score=sedation), scored_check(when, NURSE_RATING, "AB",
                                                                                score=dissociation)]
    items += [scored_check(s.stop_plus(30), MOAAS, "AB", score=5), scored_check(s.stop_plus(30), NURSE_RATING,
                                                                                  "AB", score=0)]
    items.append(CriterionChange(s.stop_plus(s.ready_min), READY, True, "Ready for discharge"))
    items.append(SignOff(s.stop_plus(s.sign_off_min), "AB", True, ()))
    if s.alarm_escalates is not None:
        condition = AlarmCondition.NIBP_SYS_HIGH
        events = [(0, Priority.MEDIUM, EventType.RAISED)]
        if s.alarm_escalates:
            events.append((120, Priority.HIGH, EventType.ESCALATED))
        events.append((300, Priority.HIGH if s.alarm_escalates else Priority.MEDIUM, EventType.CLEARED))
        for offset, priority, event in events:
            items.append(AlarmEvent(s.at(peak_s + offset), condition, priority, event, s.peak[0], 160.0))
    recorder = SessionRecorder(path, {"patient_id": s.patient, "started_at": s.start.isoformat(), "port": "sim:x",
                                      "protocol": "datex"})
    for item in sorted(items, key=_time):
        recorder.add(item)
    recorder.close()
    return path


def _time(item) -> datetime:
    """When an item happened: readings have ``received_at``, alarm events ``time``, the rest ``at``."""
    if isinstance(item, Reading):
        return item.received_at
    return item.time if isinstance(item, AlarmEvent) else item.at


FIRST = Session("S-1", datetime(2026, 11, 9, 9, 0, tzinfo=UTC), 80, 70, [(118, 78), (122, 82), (120, 80)],
                (150, 95, 85), [4, 4], [3, 2], ready_min=62, sign_off_min=65, end_min=66, alarm_escalates=False)
SECOND = Session("S-1", datetime(2026, 11, 12, 9, 0, tzinfo=UTC), 81, 75, [(124, 84), (126, 86), (128, 88)],
                 (170, 100, 95), [4, 3], [6, 5], ready_min=70, sign_off_min=75, end_min=80, rate_change=75,
                 alarm_escalates=True)
OTHER = Session("S-2", datetime(2026, 11, 10, 9, 0, tzinfo=UTC), 60, 80, [(110, 70), (110, 70), (112, 72)],
                (130, 85, 90), [5, 5], [1, 0], ready_min=60, sign_off_min=61, end_min=62)


@pytest.fixture
def folder(tmp_path) -> Path:
    for session in (SECOND, OTHER, FIRST):
        write(tmp_path, session)
    return tmp_path


def test_recordings_are_grouped_by_patient_oldest_first(folder):
    groups = patients(folder)
    assert list(groups) == ["S-1", "S-2"]
    assert [i.started_at for i in groups["S-1"]] == [FIRST.start, SECOND.start]
    assert len(groups["S-2"]) == 1


def test_one_row_per_session_with_hand_computed_numbers(folder):
    series = patient_series(folder, "S-1")
    first, second = series.rows
    # dose: 80 kg x 0.5 = 40 mg, all of it at 150 mL/h over 40 min
    assert (first.weight_kg, first.dose_mg_per_kg, first.dose_mg) == (80, 0.5, 40)
    assert first.delivered_mg == pytest.approx(40.0)
    # 81 kg x 0.5 = 40.5 mg in 100 mL (0.405 mg/mL); 150 mL/h for 20 min = 50 mL, 75 mL/h for 20 min = 25 mL:
    # 75 mL x 0.405 = 30.375 mg
    assert second.dose_mg == 40.5 and second.delivered_mg == pytest.approx(30.375)
    # baselines: medians of the three baseline cuffs (118, 122, 120 -> 120) and of HR; peaks as written
    assert [(v.baseline, v.peak, v.rise) for v in (first.vital(SYS), first.vital(DIA), first.vital(HR))] == [
        (120, 150, 30), (80, 95, 15), (70, 85, 15)]
    assert [(v.baseline, v.peak, v.rise) for v in (second.vital(SYS), second.vital(DIA), second.vital(HR))] == [
        (126, 170, 44), (86, 100, 14), (75, 95, 20)]
    # an alarm that escalated to high counts as high
    assert dict(first.alarms) == {"high": 0, "medium": 1, "low": 0}
    assert dict(second.alarms) == {"high": 1, "medium": 0, "low": 0}
    assert (first.ready_min, first.discharge_min, first.observed_min) == (62, 65, 66)
    assert (second.ready_min, second.discharge_min, second.observed_min) == (70, 75, 80)
    assert (first.sedation_peak.score, first.dissociation_peak.score) == (4, 3)
    assert (second.sedation_peak.score, second.dissociation_peak.score) == (3, 6)
    assert series.skipped == ()


def test_the_chart_has_one_value_per_session(folder):
    lines = {line.name: line for line in chart_lines(patient_series(folder, "S-1").rows)}
    assert lines["Systolic peak"].values == (150, 170)
    assert lines["Systolic baseline"].values == (120, 126)
    assert lines["HR peak"].values == (85, 95)
    assert lines["Dose"].values == (0.5, 0.5)
    assert lines["Deepest sedation (MOAA/S)"].values == (4, 3)
    assert lines["Highest dissociation (nurse-0-10)"].values == (3, 6)


def test_a_recording_from_before_the_treatment_record_joins_the_series(folder):
    shutil.copyfile(PRE_TREATMENT, folder / PRE_TREATMENT.name)
    rows = patient_series(folder, "S-1").rows
    old = rows[0]  # 2026-11-02: the oldest
    assert old.path.name == PRE_TREATMENT.name and len(rows) == 3
    assert old.dose_mg is None and old.delivered_mg is None and old.ready_min is None and old.discharge_min is None
    assert (old.vital(SYS).baseline, old.vital(SYS).peak, old.vital(SYS).rise) == (120, 166, 46)
    assert dict(old.alarms) == {"high": 1, "medium": 0, "low": 0}  # raised medium, escalated to high
    assert old.observed_min == 60 and old.sedation_peak is None
    lines = {line.name: line for line in chart_lines(rows)}
    assert lines["Dose"].values == (None, 0.5, 0.5)


def test_an_unknown_patient_has_no_rows_and_damaged_files_do_not_stop_the_series(folder):
    assert patient_series(folder, "S-9").rows == ()
    (folder / "20261120-090000-S-1.irm.sqlite").write_bytes(b"not a recording at all")
    assert len(patient_series(folder, "S-1").rows) == 2


def test_the_series_csv(folder, tmp_path):
    out = export_series_csv(folder, "S-1", tmp_path / "series.csv")
    raw = out.read_bytes()
    assert raw.count(b"\r\n") == 3 and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    assert tuple(rows[0]) == SERIES_COLUMNS
    first, second = rows
    assert first["patient_id"] == "S-1" and first["session"] == "1"
    assert first["started_utc"] == "2026-11-09T09:00:00.000Z"
    assert (first["dose_mg"], first["dose_mg_per_kg"], first["delivered_mg"]) == ("40", "0.5", "40")
    assert (second["dose_mg"], second["delivered_mg"]) == ("40.5", "30.375")
    assert (first["baseline_sys"], first["peak_sys"], first["rise_sys"]) == ("120", "150", "30")
    assert (second["alarms_high"], second["alarms_medium"], second["alarms_low"]) == ("1", "0", "0")
    assert (first["ready_min"], first["discharge_min"], first["observed_min"]) == ("62", "65", "66")
    assert (second["sedation_peak"], second["sedation_scale"]) == ("3", "MOAA/S")
    assert (second["dissociation_peak"], second["dissociation_scale"]) == ("6", "nurse-0-10")
    with pytest.raises(ExportError, match="already exists"):
        export_series_csv(folder, "S-1", out)
    with pytest.raises(ExportError, match="No readable recording of patient 's-1'"):
        export_series_csv(folder, "s-1", tmp_path / "none.csv")
    assert not (tmp_path / "none.csv").exists()


# -- on screen, and from the command line --------------------------------------------------


def test_the_series_window_has_a_row_per_session_and_a_chart(folder, qtbot, tmp_path):
    from ui.review.series_window import SeriesWindow

    saved = tmp_path / "out"
    saved.mkdir()
    window = SeriesWindow(patient_series(folder, "S-1"), folder, "dark",
                          save_dialog=lambda parent, caption, suggested, filt: saved / suggested.name)
    qtbot.addWidget(window)
    table = window.table
    assert table.rowCount() == 2
    # 80 kg and 81 kg x 0.5 mg/kg; systolic baseline 120 -> peak 150 (+30), 126 -> 170 (+44)
    assert [table.item(r, 2).text() for r in range(2)] == ["40 mg (0.5 mg/kg)", "40.5 mg (0.5 mg/kg)"]
    assert [table.item(r, 4).text() for r in range(2)] == ["120 → 150 (+30)", "126 → 170 (+44)"]
    assert [p.titleLabel.text for p in window.plots] == [
        "Blood pressure and heart rate", "Dose", "Deepest sedation and highest dissociation"]
    written = window.export_as("csv")
    assert written == saved / "series-S-1.csv" and written.read_text().count("\n") == 3


def test_the_library_groups_sessions_by_patient_and_opens_the_series(folder, qtbot):
    from ui.review.library import LibraryWindow

    library = LibraryWindow(folder, "dark")
    qtbot.addWidget(library)
    assert [i.patient_id for i in library.infos] == ["S-1", "S-2", "S-1"]  # newest first
    library.group.setChecked(True)
    assert [(i.patient_id, i.started_at) for i in library.infos] == [
        ("S-1", FIRST.start), ("S-1", SECOND.start), ("S-2", OTHER.start)]
    library.table.selectRow(1)
    window = library.open_series()
    qtbot.addWidget(window)
    assert window.series.patient_id == "S-1" and window.table.rowCount() == 2


def test_export_series_from_the_command_line_and_its_refusals(folder, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = dict(os.environ, PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"))

    def run(*args):
        return subprocess.run([sys.executable, str(ROOT / "main.py"), "export", *args], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=120)

    done = run("--series", "S-1", "--format", "csv", "--out", "s1.csv")  # from the current folder
    assert done.returncode == 0 and (folder / "s1.csv").read_text().count("\n") == 3
    again = run("--series", "S-1", "--format", "csv", "--out", "s1.csv")
    unknown = run("--series", "s-1", "--format", "pdf", "--out", "x.pdf")
    edf = run("--series", "S-1", "--format", "edf", "--out", "x.edf")
    for refused, words in ((again, "already exists"), (unknown, "No readable recording of patient 's-1'"),
                           (edf, "csv or pdf")):
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and words in refused.stderr
